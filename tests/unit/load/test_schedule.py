"""Arrival schedules: a seed fixes them, processes share them exactly, bad input is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assay.errors import InputError
from assay.load import schedule


def test_poisson_is_fixed_by_its_seed() -> None:
    a = schedule.poisson(500, 10, seed=7)
    b = schedule.poisson(500, 10, seed=7)
    c = schedule.poisson(500, 10, seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a[:100], c[:100])


def test_poisson_has_the_rate_and_exponential_gaps() -> None:
    offsets = schedule.poisson(1000, 20, seed=1)
    assert np.all(np.diff(offsets) >= 0) and offsets[-1] < 20
    # 20,000 expected; the Poisson spread is sqrt(20,000) ~ 141: 5 sigma is ~700.
    assert abs(len(offsets) - 20_000) < 700
    gaps = np.diff(offsets)
    assert np.mean(gaps) == pytest.approx(1e-3, rel=0.05)
    assert np.std(gaps) == pytest.approx(1e-3, rel=0.05)  # exponential: sd = mean


def test_constant_is_evenly_spaced() -> None:
    offsets = schedule.constant(4, 2)
    assert offsets.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]


@pytest.mark.parametrize("processes", [1, 2, 3, 7])
def test_shares_interleave_and_add_up_to_the_schedule(processes: int) -> None:
    offsets = schedule.poisson(300, 5, seed=3)
    parts = [schedule.share(offsets, processes, i) for i in range(processes)]
    assert sum(len(p) for p in parts) == len(offsets)
    assert np.array_equal(np.sort(np.concatenate(parts)), offsets)
    for part in parts:  # each process spans the whole run, not one slice of it
        assert part[0] < 0.1 and part[-1] > 4.9


def test_trace_replays_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("offset_s,note\n0,a\n0.5,b\n0.5,c\n2.25,d\n")
    assert schedule.trace(path).tolist() == [0.0, 0.5, 0.5, 2.25]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0\n1\nx\n", "t.csv:3: expected an offset in seconds"),
        ("0\n2\n1\n", "t.csv:3: offsets must not decrease"),
        ("0\n-1\n", "t.csv:2: expected an offset >= 0"),
        ("0\nnan\n", "t.csv:2: expected an offset >= 0"),
        ("offset\n", "the trace has no arrivals"),
    ],
)
def test_bad_traces_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        schedule.trace(path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arrivals": "poisson", "rate": 0, "duration": 1}, "--rate: expected"),
        ({"arrivals": "poisson", "rate": -3, "duration": 1}, "--rate: expected"),
        ({"arrivals": "constant", "rate": float("inf"), "duration": 1}, "--rate: expected"),
        ({"arrivals": "constant", "rate": 1, "duration": 0}, "--duration: expected"),
        ({"arrivals": "weibull", "rate": 1, "duration": 1}, "--arrivals: expected one of"),
        ({"arrivals": "trace", "rate": 1, "duration": 1}, "--trace FILE"),
        ({"arrivals": "poisson", "rate": 1e9, "duration": 3600}, "at most"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        schedule.build(seed=0, **kwargs)  # type: ignore[arg-type]

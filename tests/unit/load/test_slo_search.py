"""The SLO search on a probe whose answer is known: a service that meets P99 <= X
up to a capacity and fails it above, so the search must land just below it."""

from __future__ import annotations

import pytest

from assay.errors import InputError
from assay.load.slo import search


def service(capacity: float, *, slow_share_below: float = 0.001) -> object:
    """Probe results of a service: a small share above X below capacity, a large one
    above it; requests = rate x seconds."""

    def probe(rate: float, duration: float) -> tuple[int, int]:
        total = int(rate * duration)
        share = slow_share_below if rate <= capacity else 0.2
        return int(total * share), total

    return probe


@pytest.mark.parametrize("capacity", [130.0, 730.0, 5000.0])
def test_finds_the_capacity_within_the_precision(capacity: float) -> None:
    result = search(
        service(capacity),  # type: ignore[arg-type]
        start_rate=100,
        max_rate=100_000,
        probe_s=10,
        confirm_s=30,
        precision=0.05,
    )
    assert result.confirmed and result.rate is not None
    assert capacity * 0.95 <= result.rate <= capacity
    phases = [p.phase for p in result.probes]
    assert phases[0] == "bracket" and phases[-1] == "confirm" and "bisect" in phases


def test_starting_above_the_capacity_halves_down() -> None:
    result = search(service(300.0), start_rate=1000, max_rate=2000, probe_s=10, confirm_s=20)  # type: ignore[arg-type]
    assert result.rate is not None and 285 <= result.rate <= 300


def test_max_rate_caps_and_says_so() -> None:
    result = search(service(1e9), start_rate=100, max_rate=800, probe_s=10, confirm_s=10)  # type: ignore[arg-type]
    assert result.rate == 800 and result.capped and result.confirmed


def test_a_probe_that_stays_undecided_counts_as_a_failure() -> None:
    def exactly_one_percent(rate: float, duration: float) -> tuple[int, int]:
        total = int(rate * duration)
        return total // 100, total

    result = search(exactly_one_percent, start_rate=100, max_rate=1000, probe_s=5, confirm_s=10)
    assert result.rate is None and not result.confirmed
    # Undecided probes were lengthened before being counted as failures.
    assert [p.duration_s for p in result.probes[:3]] == [5, 10, 20]


def test_a_failed_confirmation_steps_down() -> None:
    # Passes short probes at 400/s by luck, fails the long confirmation there.
    def lucky(rate: float, duration: float) -> tuple[int, int]:
        total = int(rate * duration)
        if rate <= 360 or (rate <= 400 and duration < 20):
            return 0, total
        return total // 10, total

    result = search(lucky, start_rate=400, max_rate=400, probe_s=5, confirm_s=20)
    assert result.confirmed and result.rate == pytest.approx(360)
    assert [p.verdict.value for p in (x.decision for x in result.probes)][-2:] == ["fail", "pass"]


def test_bad_search_settings_are_refused() -> None:
    with pytest.raises(InputError, match="--start-rate"):
        search(lambda r, d: (0, 1), start_rate=10, max_rate=5)
    with pytest.raises(InputError, match="--precision"):
        search(lambda r, d: (0, 1), start_rate=1, max_rate=5, precision=0)

"""Trial records and the sinks that keep them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assay.bench.plan import TrialKey
from assay.bench.result import BenchmarkResult
from assay.bench.sink import JsonLinesSink, MemorySink, RunHeader
from assay.bench.trial import FORMAT_VERSION, TrialResult, TrialStatus, sample_summary
from assay.errors import InputError


def trial(seed: int = 1, status: TrialStatus = TrialStatus.OK) -> TrialResult:
    return TrialResult(
        key=TrialKey("m", (("n", 4),), seed),
        status=status,
        block=seed,
        position=0,
        values={"time": 1e-3, "peak_heap": 100.0} if status is TrialStatus.OK else {},
        samples={"time": np.array([1e-3, 2e-3, 3e-3])} if status is TrialStatus.OK else {},
        reason=None if status is TrialStatus.OK else "boom",
        wall_time=0.05,
        started_at=1700000000.0,
        details={"timer": {"loops": 3}},
    )


HEADER = RunHeader(
    spec={"name": "b", "baseline": "m", "candidates": []},
    options={"plan_seed": 3},
    environment={"cpu": {}},
    warnings=["noisy"],
    planned=10,
)


def test_trial_round_trip() -> None:
    original = trial()
    copy = TrialResult.from_dict(json.loads(json.dumps(original.to_dict())))
    assert copy.key == original.key
    assert copy.values == original.values
    assert np.array_equal(copy.samples["time"], original.samples["time"])
    assert copy.to_dict() == original.to_dict()
    assert "samples" not in original.to_dict(samples=False)
    assert original.to_dict()["format"] == FORMAT_VERSION


def test_newer_formats_are_refused() -> None:
    data = trial().to_dict()
    data["format"] = FORMAT_VERSION + 1
    with pytest.raises(ValueError, match="newer"):
        TrialResult.from_dict(data)


def test_summary_columns() -> None:
    columns = trial().summary_columns()
    assert columns["time"] == 1e-3
    assert columns["time.n"] == 3
    assert columns["time.p50"] == pytest.approx(2e-3)
    assert columns["time.max"] == 3e-3


def test_sample_summary_of_nothing() -> None:
    assert sample_summary(np.array([])) == {"n": 0.0}


def test_memory_sink() -> None:
    sink = MemorySink()
    sink.begin(HEADER)
    sink.record(trial())
    assert sink.completed()[0].key == trial().key
    result = BenchmarkResult(HEADER, sink.completed())
    sink.finish(result)
    assert sink.result is result
    assert sink.begun == 1


def test_json_lines_sink_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    sink = JsonLinesSink(path)
    assert sink.header() is None
    assert sink.completed() == []
    sink.begin(HEADER)
    sink.record(trial(1))
    sink.record(trial(2, TrialStatus.CRASH))
    again = JsonLinesSink(path)
    assert again.header() == HEADER
    done = again.completed()
    assert [t.key.seed for t in done] == [1, 2]
    assert done[1].status is TrialStatus.CRASH
    assert done[1].reason == "boom"
    again.finish(BenchmarkResult(HEADER, done))
    assert again.entries()[-1]["kind"] == "finish"


def test_a_line_cut_short_by_a_kill_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    sink = JsonLinesSink(path)
    sink.begin(HEADER)
    sink.record(trial(1))
    with open(path, "a") as handle:
        handle.write('{"kind": "trial", "trial": {"key"')
    assert [t.key.seed for t in sink.completed()] == [1]
    sink.begin(HEADER)  # resuming cuts the partial line
    sink.record(trial(2))
    assert [t.key.seed for t in JsonLinesSink(path).completed()] == [1, 2]


def test_resuming_with_another_plan_seed_is_refused(tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path / "run.jsonl")
    sink.begin(HEADER)
    other = RunHeader(HEADER.spec, {"plan_seed": 4}, HEADER.environment)
    with pytest.raises(InputError, match="same seed"):
        sink.begin(other)

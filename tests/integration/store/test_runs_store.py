"""Runs in the store, on SQLite and PostgreSQL alike: trials, samples, uniqueness."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from assay import Workspace
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import DuplicateError, InputError, NotFoundError
from assay.store import runs as run_rows
from assay.store.runs import StoreSink, decode_samples, encode_samples

HEADER = RunHeader(
    spec={"name": "b", "source": {"kind": "file", "ref": "/x/b.py"}, "fingerprint": "f"},
    options={"plan_seed": 7, "trials": 2},
    environment={"python": "3.11"},
    planned=4,
)


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Workspace:
    workspace = Workspace.open(tmp_path, url=database_url, user="tester")
    yield workspace  # type: ignore[misc]
    workspace.close()


def trial(method: str, seed: int, n: int = 50, status: TrialStatus = TrialStatus.OK) -> TrialResult:
    rng = np.random.default_rng(seed)
    samples = rng.lognormal(-9, 0.2, n)
    return TrialResult(
        key=TrialKey(method, (("n", 256),), seed),
        status=status,
        block=seed,
        position=0,
        values={"time": float(np.median(samples))} if status is TrialStatus.OK else {},
        samples={"time": samples} if status is TrialStatus.OK else {},
        reason=None if status is TrialStatus.OK else "Traceback ... ZeroDivisionError",
        wall_time=0.01,
        started_at=1_790_000_000.5,
        details={"loops": 100},
    )


def test_sink_round_trips_trials_with_samples(ws: Workspace) -> None:
    sink = StoreSink(ws.db, name="b", source="/x/b.py", by="tester", run_id="r1")
    sink.begin(HEADER)
    recorded = [trial("base", 1), trial("cand", 1), trial("cand", 2, status=TrialStatus.CRASH)]
    for result in recorded:
        sink.record(result)
    back = sink.completed()
    assert [t.key for t in back] == [t.key for t in recorded]
    for original, stored in zip(recorded, back, strict=True):
        assert stored.status is original.status
        assert stored.values == original.values
        assert stored.reason == original.reason
        assert stored.details == original.details
        assert stored.samples.keys() == original.samples.keys()
        for metric in original.samples:
            np.testing.assert_array_equal(stored.samples[metric], original.samples[metric])
    info = ws.runs.info("r1")
    assert (info.planned, info.completed, info.failed) == (4, 3, 1)
    assert info.state == "running"  # this process holds it and is alive


def test_a_trial_cannot_be_stored_twice(ws: Workspace) -> None:
    sink = StoreSink(ws.db, name="b", source="/x/b.py", by="tester", run_id="r2")
    sink.begin(HEADER)
    sink.record(trial("base", 1))
    with pytest.raises(DuplicateError, match="same record"):
        sink.record(dataclasses.replace(trial("base", 1), block=99))
    assert len(sink.completed()) == 1


def test_resume_with_another_plan_is_refused(ws: Workspace) -> None:
    sink = StoreSink(ws.db, name="b", source="/x/b.py", by="tester", run_id="r3")
    sink.begin(HEADER)
    other = dataclasses.replace(HEADER, options={"plan_seed": 8, "trials": 2})
    with pytest.raises(InputError, match="same plan"):
        sink.begin(other)


def test_a_resume_keeps_where_it_goes_on_and_nothing_else(ws: Workspace) -> None:
    """``bench resume --address`` / ``--allow-mixed-hardware`` are stored with the run
    (a later resume goes on from there); any other option changed is not."""
    ray = {**HEADER.options, "executor": "ray", "address": "10.0.0.5:6379",
           "allow_mixed_hardware": False}  # fmt: skip
    sink = StoreSink(ws.db, name="b", source="/x/b.py", by="tester", run_id="r6")
    sink.begin(dataclasses.replace(HEADER, options=ray))
    moved = {**ray, "address": "10.0.0.9:6379", "allow_mixed_hardware": True, "trials": 99}
    sink.begin(dataclasses.replace(HEADER, options=moved))
    stored = ws.runs.info("r6").header["options"]
    assert stored["address"] == "10.0.0.9:6379" and stored["allow_mixed_hardware"] is True
    assert stored["trials"] == ray["trials"]  # what it measures is the plan's, unchanged


def test_finish_and_list(ws: Workspace) -> None:
    for run_id in ("r4", "r5"):
        sink = StoreSink(ws.db, name=run_id, source="/x/b.py", by="tester", run_id=run_id)
        sink.begin(HEADER)
    with ws.db.write() as session:
        run_rows.finish_run(session, "r4", {"stopped": "done"}, dt.datetime.now(dt.UTC))
    runs = {r.run_id: r for r in ws.runs.list()}
    assert runs["r4"].state == "finished"
    assert runs["r4"].finished_at is not None
    assert runs["r4"].result == {"stopped": "done"}
    with pytest.raises(NotFoundError, match="unknown run"):
        ws.runs.info("nope")


def test_a_million_samples_round_trip(ws: Workspace) -> None:
    big = np.random.default_rng(0).lognormal(0, 1, 1_000_000)
    sink = StoreSink(ws.db, name="big", source="/x/b.py", by="tester", run_id="big")
    sink.begin(HEADER)
    result = dataclasses.replace(trial("base", 1), samples={"time": big})
    sink.record(result)
    (back,) = sink.completed()
    np.testing.assert_array_equal(back.samples["time"], big)


def test_sample_encoding_is_exact_and_little_endian() -> None:
    values = np.array([0.0, -1.5, 1e-300, np.inf, np.nan, 3.141592653589793])
    blob = encode_samples(values)
    np.testing.assert_array_equal(decode_samples(blob), values)
    with pytest.raises(InputError, match="encoding"):
        decode_samples(blob, "npy")

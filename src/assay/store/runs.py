"""Benchmark runs in the store, and :class:`StoreSink`, the runner's durable sink.

Each finished trial is one transaction: the trial row and one row per metric holding
the raw samples as a zlib-compressed little-endian float64 array, with n, mean, std,
min, max and P50/P90/P99/P99.9 beside it for queries. A unique constraint on (run,
method, sweep point, seed) makes it impossible to store a trial twice, whatever
happens to the process that runs it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import socket
import uuid
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from assay import encoding
from assay.errors import InputError, NotFoundError
from assay.store.run_models import RunRow, SampleRow, TrialRow

# The benchmark engine and NumPy are imported inside the functions that encode,
# decode or build trials, to keep start-up fast: reading a run's stored record and
# analysis (every radar, status and gate review) needs neither.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from assay.bench.result import BenchmarkResult
    from assay.bench.sink import RunHeader
    from assay.bench.trial import TrialResult
    from assay.store.database import Database

__all__ = [
    "RunInfo",
    "StoreSink",
    "decode_samples",
    "encode_samples",
    "get_run",
    "list_runs",
    "load_trials",
    "new_run_id",
]

ENCODING = "zlib-f8le"
_SUMMARY = ("mean", "std", "min", "max", "p50", "p90", "p99", "p99_9")
_OK = "ok"
"""``TrialStatus.OK``'s stored value (a test checks they agree); spelled out so that
counting a run's failed trials does not import the benchmark engine."""


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """A run as listed: what it measured, its state and how far it got."""

    run_id: str
    name: str
    source: str
    kind: str
    state: str  # running, interrupted, finished
    planned: int | None
    completed: int
    failed: int
    by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    header: dict[str, Any]
    result: dict[str, Any] | None

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "name": self.name,
            "source": self.source,
            "kind": self.kind,
            "state": self.state,
            "trials": {"planned": self.planned, "completed": self.completed, "failed": self.failed},
            "by": self.by,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }
        if full:
            data["header"] = self.header
            data["result"] = self.result
        return data


def new_run_id(now: dt.datetime) -> str:
    """A run id people can read and type: the date and six random hex digits."""
    return f"{now:%Y%m%d}-{uuid.uuid4().hex[:6]}"


def encode_samples(samples: npt.NDArray[np.float64]) -> bytes:
    """Raw samples as zlib-compressed little-endian float64 (level 1: fast, ~2x)."""
    import numpy as np  # lazily: keeps start-up fast (see the imports)

    return zlib.compress(np.ascontiguousarray(samples, dtype="<f8").tobytes(), 1)


def decode_samples(data: bytes, encoding: str = ENCODING) -> npt.NDArray[np.float64]:
    if encoding != ENCODING:
        raise InputError(f"stored samples use encoding {encoding!r}; this assay reads {ENCODING}")
    import numpy as np  # lazily: keeps start-up fast (see the imports)

    return np.frombuffer(zlib.decompress(data), dtype="<f8").astype(np.float64)


def _params_key(result: TrialResult) -> str:
    return json.dumps(dict(result.key.params), sort_keys=True, separators=(",", ":"))


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _json(data: Any) -> Any:
    """``data`` as plain JSON values by :mod:`assay.encoding`'s rules: NaN and
    infinity become None (JSONB refuses them; a trial value null reads back as NaN)."""
    return encoding.to_jsonable(data)


def _row(session: Session, run_id: str) -> RunRow:
    row = session.scalar(select(RunRow).where(RunRow.run_id == run_id))
    if row is None:
        raise NotFoundError(f"unknown run {run_id!r}; list the runs with: assay bench list")
    return row


def _alive(row: RunRow) -> bool:
    if row.pid is None or row.host != socket.gethostname():
        return True  # cannot tell from here; trust the record
    try:
        os.kill(row.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _info(session: Session, row: RunRow) -> RunInfo:
    failed_case = case((TrialRow.status != _OK, 1), else_=0)
    total, failed = session.execute(
        select(func.count(TrialRow.id), func.coalesce(func.sum(failed_case), 0)).where(
            TrialRow.run_pk == row.id
        )
    ).one()
    state = row.state
    if state == "running" and not _alive(row):
        state = "interrupted"
    return RunInfo(
        run_id=row.run_id,
        name=row.name,
        source=row.source,
        kind=row.kind,
        state=state,
        planned=row.planned,
        completed=int(total),
        failed=int(failed),
        by=row.by,
        created_at=row.created_at,
        finished_at=row.finished_at,
        header=dict(row.header),
        result=dict(row.result) if row.result else None,
    )


def get_run(session: Session, run_id: str) -> RunInfo:
    """The run ``run_id``, or :class:`NotFoundError`."""
    return _info(session, _row(session, run_id))


def list_runs(session: Session, *, include_retired: bool = False) -> list[RunInfo]:
    """Every run not retired (all with ``include_retired``), newest first."""
    query = select(RunRow).order_by(RunRow.created_at.desc(), RunRow.id.desc())
    if not include_retired:
        query = query.where(RunRow.retired_at.is_(None))
    rows = session.scalars(query)
    return [_info(session, row) for row in rows]


def load_trials(session: Session, run_id: str) -> list[TrialResult]:
    """Every stored trial of a run, with its raw samples, in the order they finished."""
    from assay.bench.trial import TrialResult  # lazily: keeps start-up fast

    row = _row(session, run_id)
    trials = session.scalars(
        select(TrialRow)
        .where(TrialRow.run_pk == row.id)
        .options(selectinload(TrialRow.samples))
        .order_by(TrialRow.id)
    )
    out = []
    for trial in trials:
        data = dict(trial.record)
        data["samples"] = {}
        result = TrialResult.from_dict(data)
        samples = {s.metric: decode_samples(s.data, s.encoding) for s in trial.samples}
        out.append(dataclasses.replace(result, samples=samples))
    return out


def trial_records(session: Session, run_id: str) -> list[dict[str, Any]]:
    """Every stored trial of a run as :meth:`TrialResult.to_dict` wrote it without its
    samples (key, status, block, position, values, reason...), in the order they
    finished: one query, no samples decoded."""
    row = _row(session, run_id)
    records = session.scalars(
        select(TrialRow.record).where(TrialRow.run_pk == row.id).order_by(TrialRow.id)
    )
    return [dict(record) for record in records]


def create_run(
    session: Session,
    *,
    name: str,
    source: str,
    kind: str,
    header: RunHeader,
    by: str,
    at: dt.datetime,
    run_id: str | None = None,
    state: str = "running",
) -> str:
    """Store a new run and return its id."""
    run_id = run_id or new_run_id(at)
    session.add(
        RunRow(
            run_id=run_id,
            name=name,
            source=source,
            kind=kind,
            state=state,
            header=_json(header.to_dict()),
            planned=header.planned,
            host=socket.gethostname(),
            pid=os.getpid() if state == "running" else None,
            by=by,
            created_at=at,
            updated_at=at,
            finished_at=at if state == "finished" else None,
        )
    )
    session.flush()
    return run_id


def add_trial(session: Session, run_id: str, result: TrialResult) -> None:
    """Store one trial with its samples (the caller's transaction commits it)."""
    row = _row(session, run_id)
    session.add(_trial_row(row, result))
    row.updated_at = dt.datetime.now(dt.UTC)
    session.flush()


def add_trials(session: Session, run_id: str, results: Iterable[TrialResult]) -> None:
    """Store many trials at once, in one flush (an import: nothing runs between them)."""
    row = _row(session, run_id)
    session.add_all([_trial_row(row, result) for result in results])
    row.updated_at = dt.datetime.now(dt.UTC)
    session.flush()


def _trial_row(row: RunRow, result: TrialResult) -> TrialRow:
    """The row of one trial of the run ``row``, with its samples."""
    started = (
        dt.datetime.fromtimestamp(result.started_at, dt.UTC) if result.started_at > 0 else None
    )
    trial = TrialRow(
        run_pk=row.id,
        method=result.key.method,
        params_key=_params_key(result),
        seed=result.key.seed,
        status=result.status.value,
        block=result.block,
        position=result.position,
        reason=result.reason,
        wall_time=result.wall_time,
        started_at=started,
        record=_json(result.to_dict(samples=False)),
    )
    for metric, samples in result.samples.items():
        summary = _summary(samples)
        trial.samples.append(
            SampleRow(
                metric=metric,
                encoding=ENCODING,
                data=encode_samples(samples),
                n=int(samples.size),
                **summary,
            )
        )
    return trial


def _summary(samples: npt.NDArray[np.float64]) -> dict[str, float | None]:
    import numpy as np  # lazily: keeps start-up fast (see the imports)

    if samples.size == 0:
        return dict.fromkeys(_SUMMARY)
    q = np.quantile(samples, [0.5, 0.9, 0.99, 0.999])
    values = {
        "mean": float(np.mean(samples)),
        "std": float(np.std(samples, ddof=1)) if samples.size > 1 else 0.0,
        "min": float(np.min(samples)),
        "max": float(np.max(samples)),
        "p50": float(q[0]),
        "p90": float(q[1]),
        "p99": float(q[2]),
        "p99_9": float(q[3]),
    }
    return {k: _finite(v) for k, v in values.items()}


def finish_run(session: Session, run_id: str, result: dict[str, Any], at: dt.datetime) -> None:
    row = _row(session, run_id)
    row.state = "finished"
    row.result = _json(result)
    row.finished_at = at
    row.updated_at = at
    row.pid = None


RESUME_OPTIONS = ("address", "allow_mixed_hardware")
"""The options a resume may change (``bench resume --address``, ``--allow-mixed-
hardware``): where a Ray run goes on, not what it measures; kept in the run's header."""


def claim_run(session: Session, run_id: str, header: RunHeader) -> None:
    """Mark a stored run as running in this process, checking it is the same plan; the
    options a resume may change (:data:`RESUME_OPTIONS`) are stored as given."""
    row = _row(session, run_id)
    stored = row.header
    options = stored.get("options", {})
    seed = options.get("plan_seed")
    if seed != header.options.get("plan_seed"):
        raise InputError(
            f"run {run_id} was planned with seed {seed}; resuming needs the same plan, "
            f"not seed {header.options.get('plan_seed')}"
        )
    changed = {
        name: header.options[name]
        for name in RESUME_OPTIONS
        if name in header.options and header.options[name] != options.get(name)
    }
    if changed:
        row.header = {**stored, "options": {**options, **changed}}
    row.state = "running"
    row.pid = os.getpid()
    row.host = socket.gethostname()
    row.updated_at = dt.datetime.now(dt.UTC)


class StoreSink:
    """The runner's sink backed by the workspace database.

    ``begin`` creates the run the first time and re-claims it on resume;
    ``record`` commits each trial in its own transaction before returning.
    """

    def __init__(self, db: Database, *, name: str, source: str, by: str, run_id: str) -> None:
        self.db = db
        self.name = name
        self.source = source
        self.by = by
        self.run_id = run_id

    def begin(self, header: RunHeader) -> None:
        with self.db.write() as session:
            exists = session.scalar(select(RunRow.id).where(RunRow.run_id == self.run_id))
            if exists is None:
                create_run(
                    session,
                    name=self.name,
                    source=self.source,
                    kind="bench",
                    header=header,
                    by=self.by,
                    at=dt.datetime.now(dt.UTC),
                    run_id=self.run_id,
                )
            else:
                claim_run(session, self.run_id, header)

    def completed(self) -> list[TrialResult]:
        with self.db.read() as session:
            return load_trials(session, self.run_id)

    def record(self, result: TrialResult) -> None:
        # A whole transaction that the database may refuse part-way (a PostgreSQL
        # deadlock victim) is run again: it writes one trial and nothing else.
        self.db.transaction(lambda session: add_trial(session, self.run_id, result))

    def finish(self, result: BenchmarkResult) -> None:
        with self.db.write() as session:
            finish_run(session, self.run_id, result.to_dict(), dt.datetime.now(dt.UTC))

"""The write side of :mod:`assay.workspace.pinning` (issue 10): the frozen benchmark
files, and what the evidence snapshot keeps about the newest decision.

Called inside the writes that store a prototype's freeze
(:func:`persist_file_freezes`) and its evidence snapshot (:func:`snapshot_part`, from
:func:`assay.workspace.analyses.compute`); the readers only read what they stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.pipeline import gates as gate_rules
from assay.store import decision_runs
from assay.store import file_freezes as freeze_rows
from assay.store import gates as gate_rows
from assay.store import prototypes as prototype_rows
from assay.store.file_freezes import FileFreeze
from assay.store.prototypes import PrototypeRecord
from assay.store.run_models import RunRow
from assay.store.runs import RunInfo
from assay.store.study import EvidenceRun
from assay.workspace.evidence_runs import judges, slices
from assay.workspace.pinning import registered_prototype

__all__ = ["changed_runs", "frozen_files", "persist_file_freezes", "snapshot_part"]


def _recorded(run_id: str, source: str, header: Mapping[str, Any], at: dt.datetime) -> FileFreeze:
    """The file of a run as the run recorded it at its start."""
    spec = header.get("spec") or {}
    git = (header.get("environment") or {}).get("git") or {}
    commit, dirty = git.get("commit"), git.get("dirty")
    return FileFreeze(
        source=source,
        sha256=str(spec.get("fingerprint") or ""),
        git_commit=None if commit is None else str(commit),
        git_dirty=None if dirty is None else bool(dirty),
        run_id=run_id,
        at=at,
    )


def _of_run(info: RunInfo) -> FileFreeze:
    return _recorded(info.run_id, info.source, info.header, info.created_at)


def frozen_files(
    stored: Mapping[str, FileFreeze], runs: Sequence[EvidenceRun]
) -> dict[str, FileFreeze]:
    """Each source's freeze: the stored one, else as its first judging run recorded it."""
    out = dict(stored)
    for run in sorted(runs, key=lambda r: (r.info.created_at, r.run_id)):
        out.setdefault(run.info.source, _of_run(run.info))
    return out


def changed_runs(
    frozen: Mapping[str, FileFreeze], runs: Sequence[EvidenceRun]
) -> list[tuple[str, FileFreeze, FileFreeze]]:
    """The runs whose file's content differs from its freeze: (run id, as frozen, as
    the run recorded it), newest first as given. A hash nobody could read (an
    imported run's) is never called a change."""
    out = []
    for run in runs:
        frozen_as = frozen.get(run.info.source)
        ran = _of_run(run.info)
        if frozen_as and frozen_as.sha256 and ran.sha256 and ran.sha256 != frozen_as.sha256:
            out.append((run.run_id, frozen_as, ran))
    return out


def persist_file_freezes(session: Session, record: PrototypeRecord) -> None:
    """Store the freeze of every file whose runs judge ``record`` and that has none
    yet (in the caller's write; call it once the criteria are frozen)."""
    if record.freeze is None:
        return
    prototype_id = prototype_rows.row(session, record.name).id
    stored = freeze_rows.of(session, prototype_id)
    ids = [judge.run_id for judge in judges(session, record)]
    if not ids:
        return
    rows = session.execute(
        select(RunRow.run_id, RunRow.source, RunRow.created_at)
        .where(RunRow.run_id.in_(ids))
        .order_by(RunRow.created_at, RunRow.run_id)
    ).all()
    first: dict[str, tuple[str, dt.datetime]] = {}
    for run_id, source, created in rows:
        if source not in stored:
            first.setdefault(source, (run_id, created))
    new = []
    for source, (run_id, created) in first.items():
        header = session.scalar(select(RunRow.header).where(RunRow.run_id == run_id)) or {}
        new.append(_recorded(run_id, source, header, created))
    if new:
        freeze_rows.add(session, prototype_id, new)


def _judged_alone(record: PrototypeRecord, runs: Sequence[EvidenceRun]) -> dict[str, Any] | None:
    """The evidence of ``runs`` on their own, asked every question the prototype's
    criteria (as registered and as amended) ask; ``None`` without runs."""
    from assay.workspace.evidence import RunEvidence  # lazily: keeps start-up fast

    if not runs:
        return None
    evidence = RunEvidence(slices(record, runs)[0])
    for asked in (record.prototype, registered_prototype(record)):
        if asked is not None:
            gate_rules.review(asked, evidence, today=dt.date.today())
    return {
        "runs": [run.run_id for run in runs],
        "evidence": evidence.snapshot().to_dict(),
        "sources": dict(sorted(evidence.sources.items())),
    }


def snapshot_part(
    session: Session, record: PrototypeRecord, runs: Sequence[EvidenceRun]
) -> dict[str, Any]:
    """What the evidence snapshot keeps for this module: the frozen files and the runs
    that changed them, and the newest decision with its pinned runs and the evidence
    of the runs since, each on its own. ``runs`` are the judging runs with their trials."""
    prototype = prototype_rows.row(session, record.name)
    frozen = frozen_files(freeze_rows.of(session, prototype.id), runs)
    changed = [
        {"run": run_id, "source": was.source, "frozen": was.to_dict(), "sha256": now.sha256}
        for run_id, was, now in changed_runs(frozen, runs)
    ]
    files = {"frozen": [f.to_dict() for f in frozen.values()], "changed": changed}
    decisions = gate_rows.decisions_of(session, prototype)
    if not decisions:
        return {"files": files, "decision": None}
    latest = decisions[-1]
    pinned = decision_runs.pinned(session, [latest.id]).get(latest.id, ())
    newer = [run for run in runs if run.run_id not in pinned]
    decided_on = [run for run in runs if run.run_id in pinned]
    criteria = [
        [c["kind"], c["criterion"], c["outcome"], c["evaluation"]["reason"]]
        for c in latest.recommendation.get("criteria", [])
    ]
    d = latest.decision
    decided = {
        "id": latest.id,
        "stage": d.stage.value,
        "answer": d.answer.value,
        "recommended": d.recommended.value,
        "at": d.at.isoformat(),
        "by": d.decided_by,
        "runs": list(pinned),
        "criteria": criteria,
        "evidence": _judged_alone(record, decided_on),
        "since": _judged_alone(record, newer),
    }
    return {"files": files, "decision": decided}

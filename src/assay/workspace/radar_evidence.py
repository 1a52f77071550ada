"""The radar bound to evidence: what stands behind a promotion to TRIAL or ADOPT.

Internal to :mod:`assay.workspace`: the radar service
(:class:`assay.workspace.radar.Radar`) calls these inside its own unit of work.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from assay.errors import InputError
from assay.pipeline import radar
from assay.pipeline.gates import Answer
from assay.pipeline.radar import MoveBacking
from assay.store import artifacts as artifact_rows
from assay.store import gates as gate_rows
from assay.store import prototypes as prototype_rows
from assay.store import techniques as technique_rows
from assay.store.gates import DecisionRecord
from assay.store.sql import Sql
from assay.types import Ring
from assay.workspace.users import Users

__all__ = ["MAX_ARTIFACT_BYTES", "check_kind", "radar_backing", "read_artifact", "record_backing"]

MAX_ARTIFACT_BYTES = 1_000_000


def _latest_yes(session: Session, technique_id: int) -> DecisionRecord | None:
    """The newest YES on a prototype of the technique that no NO has stopped since."""
    yes = None
    for record in prototype_rows.by_technique(session, technique_id):
        if record.status == "stopped":
            continue
        found = prototype_rows.row(session, record.name)
        for decision in gate_rows.decisions_of(session, found):
            if decision.answer is Answer.YES and (yes is None or decision.at >= yes.at):
                yes = decision
    return yes


def radar_backing(
    users: Users,
    session: Session,
    name: str,
    current: Ring,
    target: Ring,
    *,
    why: str,
    override: bool,
) -> MoveBacking | None:
    """Check a ring move against the evidence rules inside the caller's transaction
    (see :func:`assay.pipeline.radar.check_backing`); an override needs the approver
    role once users are registered."""
    technique = technique_rows.ref(Sql.of_session(session), name)
    yes = _latest_yes(session, technique.id)
    summary = ""
    if yes is not None:
        summary = (
            f"YES at the {yes.decision.stage.value} gate of {yes.prototype} "
            f"(decision #{yes.id}, {yes.decision.decided_by}): {yes.decision.why}"
        )
    kinds = artifact_rows.current(session, technique.id, technique.name).keys()
    backing = radar.check_backing(
        technique.name,
        current,
        target,
        yes_decision=None if yes is None else yes.id,
        artifacts=kinds,
        override=override,
        why=why,
        decision_summary=summary,
    )
    if backing is not None and backing.override:
        users.authorize("radar.override")
    return backing


def record_backing(session: Session, name: str, backing: MoveBacking) -> None:
    """Record what stood behind the move just made."""
    technique = technique_rows.ref(Sql.of_session(session), name)
    gate_rows.record_move_evidence(
        session,
        technique.id,
        decision_id=backing.decision,
        override=backing.override,
        waived=backing.waived,
    )


def read_artifact(path: Path) -> str:
    """The text of a document to attach: UTF-8, at most 1 MB."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_ARTIFACT_BYTES:
        raise InputError(f"{path} is {len(data):,} bytes; attach at most 1 MB of text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; attach Markdown or plain text") from None


def check_kind(kind: str) -> str:
    """The artifact kind in its canonical spelling (``decision_record`` is
    ``decision-record``), or :class:`InputError`."""
    kind = kind.strip().lower().replace("_", "-").replace(" ", "-")
    if kind not in radar.ARTIFACT_KINDS:
        raise InputError(
            f"unknown artifact kind {kind!r}; expected {', '.join(radar.ARTIFACT_KINDS)}"
        )
    return kind

"""Stale blips: techniques in TRIAL or ADOPT whose evidence is old or contradicted.

A technique is stale when its newest evidence (the newest run that judges any of
its prototypes) is older than ``[radar] stale_after_days``, when it has no
evidence and was placed longer ago than that, or when a run that began after the
YES decision it was moved on contradicts that decision: re-evaluated against the
newer runs alone, a success criterion FAILs or a hard kill criterion fires.

Computed from stored facts only: each prototype's evidence snapshot keeps when
its newest judging run began and, for every gate decision on it, the newer runs
that contradict it (see :mod:`assay.workspace.analyses`); only today's date is
applied here. A prototype without a snapshot (none should be: they are filled
when a workspace is opened) is read from its runs' start times, and a decision
the snapshot does not know is checked against the runs, counted in
:data:`~assay.workspace.evidence_runs.replays`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from assay.pipeline import radar
from assay.pipeline.radar import Technique
from assay.store import analyses as analysis_rows
from assay.store import techniques as technique_rows
from assay.store.sql import Sql
from assay.types import Ring

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["NeedsRuns", "Staleness", "contradictions", "stale_techniques"]


class NeedsRuns(Exception):
    """Raised by :func:`stale_techniques` without a session when a prototype has no
    snapshot or a decision is unknown to its snapshot: the caller asks again inside
    an ORM unit of work, which reads the runs."""


@dataclasses.dataclass(frozen=True)
class Staleness:
    """A stale blip: the technique, its ring, and why."""

    technique: str
    ring: Ring
    reasons: tuple[str, ...]
    newest_evidence: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "technique": self.technique,
            "ring": self.ring.value,
            "reasons": list(self.reasons),
            "newest_evidence": self.newest_evidence.isoformat() if self.newest_evidence else None,
        }


def contradictions(session: Session, technique: Technique) -> list[str]:
    """Sentences naming newer runs that contradict the YES the technique's current
    ring rests on (none when the ring was reached by override or needs no gate)."""
    from assay.store import gates as gate_rows  # the ORM: only for this fallback
    from assay.store import prototypes as prototype_rows

    sql = Sql.of_session(session)
    row = technique_rows.ref(sql, technique.name)
    backing = [
        e
        for e in gate_rows.move_evidence(session, row.id)
        if e.to_ring == technique.ring.value and e.decision_id is not None
    ]
    if not backing or backing[-1].decision_id is None:
        return []
    decision = gate_rows.decision_by_id(session, backing[-1].decision_id)
    if decision is None:
        return []
    prototype_id = prototype_rows.row(session, decision.prototype).id
    stored = analysis_rows.get(sql, prototype_id)
    if stored is not None and stored.format == analysis_rows.SNAPSHOT_FORMAT:
        known = stored.data.get("contradictions", {})
        if str(decision.id) in known:
            return [str(line) for line in known[str(decision.id)]]
    # Imported here, not at the top, to keep start-up fast: the runs and the
    # benchmark engine are needed only for a decision that no snapshot knows.
    from assay.workspace.evidence_runs import (
        contradiction,
        effective_record,
        judges,
        load_evidence_runs,
        replays,
    )

    replays["evidence"] += 1
    record = effective_record(session, decision.prototype)
    runs = load_evidence_runs(session, record, judges(session, record), trials=True)
    return contradiction(record, decision.at, runs)


def _newest(session: Session, technique_id: int) -> dt.datetime | None:
    """When the newest run judging one of the technique's prototypes began, from the
    runs themselves (for prototypes without a snapshot)."""
    from assay.store import prototypes as prototype_rows  # lazily: keeps start-up fast
    from assay.workspace.evidence_runs import judges

    starts = [
        judge.started_at
        for stored in prototype_rows.by_technique(session, technique_id)
        for judge in judges(session, stored)
    ]
    return max(starts, default=None)


def _stored(
    backing: analysis_rows.Backing | None, snapshots: dict[int, analysis_rows.Snapshot]
) -> list[str] | None:
    """The stored contradictions of the decision behind ``backing`` (none without
    one); ``None`` when no current snapshot knows that decision."""
    if backing is None:
        return []
    stored = snapshots.get(backing.prototype_id)
    if stored is None or stored.format != analysis_rows.SNAPSHOT_FORMAT:
        return None
    known = stored.data.get("contradictions", {})
    found = known.get(str(backing.decision_id))
    return None if found is None else [str(line) for line in found]


def stale_techniques(
    sql: Sql, *, stale_after_days: int, today: dt.date, session: Session | None = None
) -> list[Staleness]:
    """Every stale technique, by name (see the module docstring); a few queries
    whatever the number of techniques and runs, reading only TRIAL and ADOPT.

    Without ``session`` (a bare SQLite unit of work), a technique whose facts are not
    all stored raises :class:`NeedsRuns`; with it, its runs are read.
    """
    watched = analysis_rows.placed_in(sql, (ring.value for ring in radar.EVIDENCE_RINGS))
    newest = analysis_rows.newest_by_technique(sql)
    moves = analysis_rows.backings(sql)
    chosen: dict[int, analysis_rows.Backing] = {}
    for placed in watched:
        matching = [b for b in moves.get(placed.technique_id, ()) if b.to_ring == placed.ring]
        if matching:
            chosen[placed.technique_id] = matching[-1]
    snapshots = analysis_rows.get_many(sql, (b.prototype_id for b in chosen.values()))
    out = []
    for placed in watched:
        stored_newest, unknown = newest.get(placed.technique_id, (None, 0))
        found = _stored(chosen.get(placed.technique_id), snapshots)
        if (unknown or found is None) and session is None:
            raise NeedsRuns(placed.name)
        latest = stored_newest
        if unknown:
            assert session is not None
            latest = _newest(session, placed.technique_id)
        if found is None:
            assert session is not None
            found = contradictions(session, technique_rows.get(sql, placed.name))
        ring = Ring(placed.ring)
        reasons = radar.stale_reasons(
            ring,
            today=today,
            stale_after_days=stale_after_days,
            newest_evidence=latest,
            placed_at=placed.placed_at,
            contradictions=found,
        )
        if reasons:
            out.append(Staleness(placed.name, ring, reasons, latest))
    return out

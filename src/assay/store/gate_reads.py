"""Gate decisions as values, and their reads over plain SQL (no SQLAlchemy).

:class:`DecisionRecord` is what every reader of a decision gets;
:func:`decisions_of` reads a prototype's decisions over :class:`~assay.store.sql.Sql`
(a bare SQLite connection, or ``Sql.of_session`` in an ORM unit of work). The writes
are in :mod:`assay.store.gates`, which re-exports these names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from assay.pipeline.gates import Answer, Decision, Role
from assay.pipeline.prototype import Stage
from assay.store.sql import Row, Sql

__all__ = ["DecisionRecord", "decisions_of"]


@dataclasses.dataclass(frozen=True)
class DecisionRecord:
    """A stored gate decision.

    Attributes:
        id: its number in the store.
        prototype: the prototype's name.
        technique: the technique's name.
        decision: stage, answer, recommendation, reason, who, role, when, override,
            conditions, advocates, revisit-when, dissents.
        registration_hash: the content hash of the criteria it judged.
        recommendation: the recommendation it answered, as
            :meth:`assay.pipeline.gates.Recommendation.to_dict` gave it then.
        runs: the ids of the runs the recommendation rested on.
    """

    id: int
    prototype: str
    technique: str
    decision: Decision
    registration_hash: str
    recommendation: dict[str, Any]
    runs: tuple[str, ...]

    @property
    def answer(self) -> Answer:
        """The answer given."""
        return self.decision.answer

    @property
    def at(self) -> dt.datetime:
        """When it was decided."""
        return self.decision.at

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "id": self.id,
            "prototype": self.prototype,
            "technique": self.technique,
            **self.decision.to_dict(),
            "registration_hash": self.registration_hash,
            "recommendation": self.recommendation,
            "runs": list(self.runs),
        }


_DECISIONS = """
SELECT d.id, p.name, t.name, d.stage, d.answer, d.recommended, d.why, u.name, d.role, d.at,
       d.override, d.conditions, d.advocates, d.revisit_when, d.registration_hash,
       d.recommendation, d.runs, d.dissents
FROM gate_decisions d JOIN prototypes p ON p.id = d.prototype_id
JOIN techniques t ON t.id = p.technique_id JOIN users u ON u.id = d.by_id
"""


def decisions_of(sql: Sql, prototype_id: int) -> list[DecisionRecord]:
    """The decisions on one prototype (its number in the store), oldest first."""
    rows = sql.rows(f"{_DECISIONS} WHERE d.prototype_id = :id ORDER BY d.id", {"id": prototype_id})
    return [_record(sql, row) for row in rows]


def _record(sql: Sql, row: Row) -> DecisionRecord:
    (
        pk,
        prototype,
        technique,
        stage,
        answer,
        recommended,
        why,
        by,
        role,
        at,
        override,
        conditions,
        advocates,
        revisit_when,
        registration_hash,
        recommendation,
        runs,
        dissents,
    ) = row
    when = sql.datetime(at)
    assert when is not None  # the column is NOT NULL
    decision = Decision(
        stage=Stage(stage),
        answer=Answer(answer),
        recommended=Answer(recommended),
        why=why,
        decided_by=by,
        role=Role(role),
        at=when,
        override=bool(override),
        conditions=conditions,
        advocates=tuple((str(who), str(what)) for who, what in sql.json(advocates)),
        revisit_when=revisit_when,
        dissents=tuple((str(who), str(why)) for who, why in sql.json(dissents) or ()),
    )
    return DecisionRecord(
        id=pk,
        prototype=prototype,
        technique=technique,
        decision=decision,
        registration_hash=registration_hash,
        recommendation=dict(sql.json(recommendation)),
        runs=tuple(sql.json(runs)),
    )

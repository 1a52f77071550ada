"""Prototypes as values, and their reads over plain SQL (no SQLAlchemy).

:class:`PrototypeRecord` (with :class:`RecordedFacts` and :class:`EvidenceLink`) is
what every reader of a prototype gets; :func:`get`, :func:`all_records` and
:func:`prototype_id` read it over :class:`~assay.store.sql.Sql`, on a bare SQLite
connection (``status``, ``gate review``) or inside an ORM unit of work
(``Sql.of_session``). The writes, over the ORM, are in :mod:`assay.store.prototypes`,
which re-exports these names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from assay.errors import NotFoundError
from assay.pipeline.prototype import (
    Amendment,
    Freeze,
    KillCriterion,
    Prototype,
    Registration,
    Severity,
    Stage,
    Strategy,
    TimeBox,
)
from assay.store.sql import Row, Sql

__all__ = [
    "STATUSES",
    "EvidenceLink",
    "PrototypeRecord",
    "RecordedFacts",
    "all_records",
    "by_technique",
    "get",
    "prototype_id",
    "registration_from_dict",
    "registration_to_dict",
]

STATUSES = ("active", "stopped", "complete")
"""active: gathering evidence or awaiting a gate; stopped: a NO ended it; complete: YES
at the integration gate."""


@dataclasses.dataclass(frozen=True)
class RecordedFacts:
    """What people recorded for the stage checks (the runs supply the rest).

    Attributes:
        declared_scale: the largest scale that matters in production (tokens,
            batch size, requests per second...).
        scale_unit: its unit, for messages.
        scale_param: the benchmark's sweep parameter that measures the scale
            (``n``); runs at a point of that parameter count as tested there.
        production_representative: the evaluation data is marked as such.
        baseline_strongest: the baseline is recorded as the strongest available.
        baseline_justification: why it is the strongest.
        rollout_plan: the rollout plan (integration stage).
        by, at: who recorded the facts last, and when.
    """

    declared_scale: float | None = None
    scale_unit: str = ""
    scale_param: str | None = None
    production_representative: bool = False
    baseline_strongest: bool = False
    baseline_justification: str = ""
    rollout_plan: str = ""
    by: str = ""
    at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary; :meth:`from_dict` reads it back."""
        data = dataclasses.asdict(self)
        data["at"] = self.at.isoformat() if self.at else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordedFacts:
        """Facts from their stored dictionary."""
        at = data.get("at")
        known = {field.name for field in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k != "at"}
        return cls(**values, at=dt.datetime.fromisoformat(at) if at else None)


@dataclasses.dataclass(frozen=True)
class EvidenceLink:
    """A run linked to a prototype as evidence.

    ``started_at`` is when the run began (what pre-registration is measured
    against); ``online_ab`` marks an online A/B comparison; ``scale`` the scale the
    run was made at, when its benchmark does not sweep one.
    """

    run_id: str
    run_name: str
    source: str
    kind: str
    started_at: dt.datetime
    online_ab: bool
    scale: float | None
    by: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "run_id": self.run_id,
            "run_name": self.run_name,
            "source": self.source,
            "kind": self.kind,
            "started_at": self.started_at.isoformat(),
            "online_ab": self.online_ab,
            "scale": self.scale,
            "by": self.by,
            "at": self.at.isoformat(),
        }


@dataclasses.dataclass(frozen=True)
class PrototypeRecord:
    """A prototype as stored: the pipeline value and everything recorded around it.

    Attributes:
        prototype: name, technique, registration, stage, strategy, time-box,
            evidence (declared benchmark files or modules, then linked run ids).
        status: ``active``, ``stopped`` (a NO ended it) or ``complete``.
        portfolio: ``core``, ``adjacent`` or ``exploratory``, when categorised.
        candidate: the benchmark method that is the technique, when a run has
            several candidates.
        point: the sweep point at which the criteria are judged (``{"n": 4096}``);
            ``None`` means the largest point of each run.
        evidence_files: benchmark files (absolute paths) or modules whose runs count.
        facts: what people recorded for the stage checks.
        cost_inputs: :class:`assay.pipeline.cost.CostInputs` fields, when given.
        registered_at: when the pre-registered content was written (creation or the
            last edit before the freeze); runs that began earlier cannot judge it.
        freeze: hash, text and time of the freeze, once the first judging run began.
        amendments: changes since the freeze, oldest first.
        links: runs linked as evidence, in the order they were linked.
    """

    prototype: Prototype
    status: str
    portfolio: str | None
    candidate: str | None
    point: dict[str, Any] | None
    evidence_files: tuple[str, ...]
    facts: RecordedFacts
    cost_inputs: dict[str, float] | None
    registered_at: dt.datetime
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    freeze: Freeze | None = None
    amendments: tuple[Amendment, ...] = ()
    links: tuple[EvidenceLink, ...] = ()

    @property
    def name(self) -> str:
        """The prototype's name."""
        return self.prototype.name

    @property
    def technique(self) -> str:
        """The technique it tests."""
        return self.prototype.technique

    @property
    def stage(self) -> Stage:
        """The stage it is in."""
        return self.prototype.stage

    @property
    def registration(self) -> Registration:
        """The pre-registered content as it stands (after any amendment)."""
        return self.prototype.registration

    @property
    def active(self) -> bool:
        """Whether it is still going (not stopped by a NO, not complete)."""
        return self.status == "active"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary: everything above, criteria in canonical text."""
        p = self.prototype
        registration = registration_to_dict(p.registration)
        return {
            "name": p.name,
            "technique": p.technique,
            "stage": p.stage.value,
            "question": p.stage.question,
            "status": self.status,
            "strategy": p.strategy.value if p.strategy else None,
            "portfolio": self.portfolio,
            "timebox": None
            if p.timebox is None
            else {"start": p.timebox.start.isoformat(), "end": p.timebox.end.isoformat()},
            "registration": registration,
            "content_hash": p.registration.content_hash(),
            "registered_at": self.registered_at.isoformat(),
            "frozen": None
            if self.freeze is None
            else {
                "hash": self.freeze.content_hash,
                "at": self.freeze.at.isoformat(),
                "text": self.freeze.canonical_text,
            },
            "amendments": [a.to_dict() for a in self.amendments],
            "candidate": self.candidate,
            "point": self.point,
            "evidence_files": list(self.evidence_files),
            "runs": [link.to_dict() for link in self.links],
            "facts": self.facts.to_dict(),
            "cost_inputs": self.cost_inputs,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


# -- registration as JSON ---------------------------------------------------------------


def registration_to_dict(registration: Registration) -> dict[str, Any]:
    """The registration as stored: criteria in canonical text."""
    return {
        "hypothesis": registration.hypothesis,
        "success": [c.canonical for c in registration.success],
        "kill": [
            {"criterion": k.criterion.canonical, "severity": k.severity.value}
            for k in registration.kill
        ],
        "requirements": list(registration.requirements),
        "timebox_end": registration.timebox_end.isoformat() if registration.timebox_end else None,
    }


def registration_from_dict(data: Mapping[str, Any]) -> Registration:
    """The registration from its stored form (criteria are parsed again)."""
    end = data.get("timebox_end")
    return Registration.build(
        hypothesis=data["hypothesis"],
        success=data.get("success", []),
        kill=[
            KillCriterion.parse(item["criterion"], Severity(item["severity"]))
            for item in data.get("kill", [])
        ],
        requirements=data.get("requirements", []),
        timebox_end=dt.date.fromisoformat(end) if end else None,
    )


# -- reads over plain SQL ------------------------------------------------------------

_BY = "COALESCE(u.name, {t}.by)"
"""The actor's name: the registered user's, else the name stored (see store.actors)."""

_PROTOTYPES = f"""
SELECT p.id, p.name, t.name, p.registration, p.stage, p.status, p.strategy, p.portfolio,
       p.timebox_start, p.timebox_end, p.candidate, p.point, p.evidence_files, p.facts,
       p.cost_inputs, p.frozen_hash, p.frozen_text, p.frozen_at, p.registered_at,
       {_BY.format(t="p")}, p.created_at, p.updated_at
FROM prototypes p JOIN techniques t ON t.id = p.technique_id
LEFT JOIN users u ON u.id = p.by_id
"""

_AMENDMENTS = f"""
SELECT p.prototype_id, p.at, {_BY.format(t="p")}, p.reason, p.old_hash, p.new_hash, p.changes
FROM prototype_amendments p LEFT JOIN users u ON u.id = p.by_id
WHERE p.prototype_id IN (:ids) ORDER BY p.id
"""

_LINKS = f"""
SELECT p.prototype_id, r.run_id, r.name, r.source, r.kind, r.created_at, p.online_ab,
       p.scale, {_BY.format(t="p")}, p.at
FROM prototype_runs p JOIN runs r ON r.id = p.run_pk LEFT JOIN users u ON u.id = p.by_id
WHERE p.prototype_id IN (:ids) ORDER BY p.id
"""


def _key(name: str) -> str:
    return name.casefold()


def prototype_id(sql: Sql, name: str) -> int:
    """The store's number of the prototype ``name`` (any case), or
    :class:`NotFoundError` with the closest name."""
    found = sql.scalar("SELECT id FROM prototypes WHERE key = :key", {"key": _key(name)})
    if found is None:
        import difflib

        known = [r[0] for r in sql.rows("SELECT name FROM prototypes ORDER BY key")]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; see: assay prototype list"
        raise NotFoundError(f"unknown prototype {name!r}{hint}")
    return int(found)


def get(sql: Sql, name: str) -> PrototypeRecord:
    """The prototype ``name`` (any case), or :class:`NotFoundError`."""
    pk = prototype_id(sql, name)
    return _records(sql, "WHERE p.id = :id", {"id": pk})[0]


def all_records(sql: Sql) -> list[PrototypeRecord]:
    """Every prototype, by name."""
    return _records(sql, "", {})


def by_technique(sql: Sql, technique_id: int) -> list[PrototypeRecord]:
    """The prototypes of one technique, by name."""
    return _records(sql, "WHERE p.technique_id = :technique", {"technique": technique_id})


def _records(sql: Sql, where: str, params: dict[str, Any]) -> list[PrototypeRecord]:
    """The prototypes the ``where`` clause selects, by name: three statements in all."""
    rows = sql.rows(f"{_PROTOTYPES} {where} ORDER BY p.key", params)
    ids = [row[0] for row in rows]
    amendments: dict[int, list[Amendment]] = {pk: [] for pk in ids}
    links: dict[int, list[EvidenceLink]] = {pk: [] for pk in ids}
    if ids:
        for pk, at, by, reason, old, new, changes in sql.rows(_AMENDMENTS, {"ids": ids}):
            amendments[pk].append(
                Amendment(
                    at=_when(sql, at),
                    by=by,
                    reason=reason,
                    old_hash=old,
                    new_hash=new,
                    changes=tuple(sql.json(changes)),
                )
            )
        for pk, *link in sql.rows(_LINKS, {"ids": ids}):
            links[pk].append(_link(sql, link))
    return [_record(sql, row, amendments[row[0]], links[row[0]]) for row in rows]


def _when(sql: Sql, value: Any) -> dt.datetime:
    at = sql.datetime(value)
    assert at is not None  # the column is NOT NULL
    return at


def _link(sql: Sql, row: list[Any]) -> EvidenceLink:
    run_id, run_name, source, kind, started, online_ab, scale, by, at = row
    return EvidenceLink(
        run_id=run_id,
        run_name=run_name,
        source=source,
        kind=kind,
        started_at=_when(sql, started),
        online_ab=bool(online_ab),
        scale=scale,
        by=by,
        at=_when(sql, at),
    )


def _record(
    sql: Sql, row: Row, amendments: list[Amendment], links: list[EvidenceLink]
) -> PrototypeRecord:
    (
        _,
        name,
        technique,
        registration,
        stage,
        status,
        strategy,
        portfolio,
        box_start,
        box_end,
        candidate,
        point,
        files,
        facts,
        cost_inputs,
        frozen_hash,
        frozen_text,
        frozen_at,
        registered_at,
        by,
        created_at,
        updated_at,
    ) = row
    start, end = sql.date(box_start), sql.date(box_end)
    evidence_files = tuple(sql.json(files))
    prototype = Prototype(
        name=name,
        technique=technique,
        registration=registration_from_dict(sql.json(registration)),
        stage=Stage(stage),
        strategy=Strategy(strategy) if strategy else None,
        timebox=TimeBox(start, end) if start is not None and end is not None else None,
        evidence=(*evidence_files, *(link.run_id for link in links)),
    )
    frozen = sql.datetime(frozen_at)
    point_value, inputs = sql.json(point), sql.json(cost_inputs)
    return PrototypeRecord(
        prototype=prototype,
        status=status,
        portfolio=portfolio,
        candidate=candidate,
        point=dict(point_value) if point_value else None,
        evidence_files=evidence_files,
        facts=RecordedFacts.from_dict(sql.json(facts)),
        cost_inputs=dict(inputs) if inputs else None,
        registered_at=_when(sql, registered_at),
        created_by=by,
        created_at=_when(sql, created_at),
        updated_at=_when(sql, updated_at),
        freeze=Freeze(frozen_hash, frozen_text or "", frozen) if frozen_hash and frozen else None,
        amendments=tuple(amendments),
        links=tuple(links),
    )

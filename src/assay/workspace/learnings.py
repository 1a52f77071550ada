"""Area owners and learnings, reached as ``workspace.areas`` and ``workspace.learnings``
(issue 16), and the checks that the gate and the radar call before a NO or a SKIP.

The rules are :mod:`assay.pipeline.learnings`'s; these services read and write the
store (:mod:`assay.store.learnings`) in one unit of work each. :func:`require_for_no`,
:func:`require_for_skip` and :func:`check_dissents` run inside the caller's unit of
work (``gate decide``, ``radar move``), so that a refusal writes nothing and the
check reads what the deciding transaction sees.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assay.errors import InputError, NotFoundError
from assay.pipeline import learnings as rules
from assay.pipeline.learnings import AreaOwner, Learning, LearningOutcome, area_key
from assay.store import learnings as learning_rows
from assay.store import users as user_rows
from assay.store.sql import Sql
from assay.workspace.context import Context, now
from assay.workspace.users import authorize

if TYPE_CHECKING:
    from assay.store.search import Hit
    from assay.workspace.watch import Reopened

__all__ = [
    "Area",
    "Areas",
    "Learnings",
    "WithoutConsensus",
    "check_dissents",
    "require_for_no",
    "require_for_skip",
]


@dataclasses.dataclass(frozen=True)
class Area:
    """An area of the radar: its techniques (not retired) and its owner, if any."""

    area: str
    techniques: int
    owner: AreaOwner | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        owner = self.owner
        return {
            "area": self.area,
            "techniques": self.techniques,
            "owner": None if owner is None else owner.owner,
            "set_by": None if owner is None else owner.by,
            "set_at": None if owner is None else owner.at.isoformat(),
        }


@dataclasses.dataclass(frozen=True)
class WithoutConsensus:
    """A decision taken without consensus whose revisit has come (it was reopened, by
    its date or otherwise): the review agenda brings it back with its dissents."""

    reopened: Reopened
    dissents: tuple[tuple[str, str], ...]

    def line(self) -> str:
        """``technique: decision 3 (NO at the discovery gate, 2026-12-07); dissent: ...``."""
        r = self.reopened
        said = "; ".join(f"{who}: {why}" for who, why in self.dissents)
        return (
            f"{r.technique}: decision {r.decision_id} ({r.answer.upper()} at the {r.stage} "
            f"gate, {r.decided_at:%Y-%m-%d}) without consensus; dissent: {said}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            **self.reopened.to_dict(),
            "dissents": [{"name": who, "reason": why} for who, why in self.dissents],
        }


def without_consensus(sql: Sql, reopened: Sequence[Reopened]) -> list[WithoutConsensus]:
    """Those of the ``reopened`` decisions that were taken with dissents."""
    dissents = learning_rows.dissents_of(sql, [r.decision_id for r in reopened])
    seen: set[int] = set()
    out = []
    for item in reopened:
        if item.decision_id in dissents and item.decision_id not in seen:
            seen.add(item.decision_id)
            out.append(WithoutConsensus(item, tuple(dissents[item.decision_id])))
    return out


def require_for_no(sql: Sql, prototype_id: int, name: str) -> None:
    """Refuse a NO on the prototype while it has no learnings entry."""
    if not learning_rows.learned_prototypes(sql, [prototype_id]):
        raise InputError(rules.missing_learnings(name))


def require_for_skip(sql: Sql, technique_id: int, technique: str) -> None:
    """Refuse a move to SKIP while the technique has prototypes and none of them has a
    learnings entry (a technique never prototyped may be skipped on its reason)."""
    rows = sql.rows(
        "SELECT id, name FROM prototypes WHERE technique_id = :id ORDER BY id", {"id": technique_id}
    )
    if not rows:
        return
    if not learning_rows.learned_prototypes(sql, [int(r[0]) for r in rows]):
        raise InputError(rules.missing_skip_learnings(technique, [str(r[1]) for r in rows]))


def check_dissents(sql: Sql, dissents: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The dissents with each name as the user is registered; an :class:`InputError`
    naming the first one that is not a known user, or without a reason."""
    out = []
    for who, why in dissents:
        if not who.strip() or not why.strip():
            raise InputError(f"--dissent {who}:{why} needs a NAME and a REASON")
        user = user_rows.find(sql, who)
        if user is None:
            raise InputError(
                f"--dissent: {who!r} is not a known user; a dissent names a registered user "
                "(see: assay user list)"
            )
        out.append((user.name, why.strip()))
    return out


class Areas:
    """Reached as ``workspace.areas``: who owns each area of the radar."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def set_owner(self, area: str, person: str, *, at: dt.datetime | None = None) -> AreaOwner:
        """Make ``person`` the owner of ``area`` (an area of the radar, any case). In a
        workspace with users, ``person`` must be one of them."""
        if not area.strip() or not person.strip():
            raise InputError("an area owner needs an AREA and a PERSON")
        with self.ctx.write() as session:
            authorize(self.ctx, "area.owner")
            sql = Sql.of_session(session)
            known = learning_rows.areas(sql)
            name = known.get(area_key(area))
            if name is None:
                listed = ", ".join(sorted(known.values())) or "none yet"
                raise NotFoundError(f"unknown area {area!r}; the radar's areas are: {listed}")
            owner = person.strip()
            if user_rows.count(sql):
                user = user_rows.find(sql, owner)
                if user is None:
                    raise InputError(
                        f"{owner!r} is not a known user; an area's owner is a registered "
                        f"user (add them with: assay user add {owner} --role contributor)"
                    )
                owner = user.name
            return learning_rows.set_owner(session, name, owner, by=self.ctx.user, at=at or now())

    def list(self) -> builtins.list[Area]:
        """Every area of the radar (and any owned area no technique uses any more), by
        name, with its owner."""
        with self.ctx.sql_read() as sql:
            counts = {
                str(area): int(n)
                for area, n in sql.rows(
                    "SELECT area, count(*) FROM techniques WHERE retired_at IS NULL GROUP BY area"
                )
            }
            owned = {area_key(o.area): o for o in learning_rows.owners(sql)}
        found: dict[str, Area] = {}
        for area, n in counts.items():
            key = area_key(area)
            before = found.get(key)
            total = n + (before.techniques if before else 0)
            found[key] = Area(before.area if before else area, total, owned.get(key))
        for key, owner in owned.items():
            found.setdefault(key, Area(owner.area, 0, owner))
        return sorted(found.values(), key=lambda a: area_key(a.area))

    def owner_of(self, area: str) -> str | None:
        """The owner of ``area`` (any case), or ``None``: whom new work in it goes to."""
        with self.ctx.sql_read() as sql:
            return learning_rows.owner_of(sql, area)

    def owners(self) -> dict[str, str]:
        """Every owned area's owner, by casefolded area (see :func:`area_key`)."""
        with self.ctx.sql_read() as sql:
            return {area_key(o.area): o.owner for o in learning_rows.owners(sql)}


class Learnings:
    """Reached as ``workspace.learnings``: what each prototype taught."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(
        self,
        prototype: str,
        *,
        learned: str,
        surprises: str,
        implicit: str,
        advice: str,
        outcome: LearningOutcome | str | None = None,
        at: dt.datetime | None = None,
    ) -> Learning:
        """Append a learnings entry to ``prototype``; every part is required."""
        from assay.store import prototype_reads

        parts = rules.check_learning(
            learned=learned, surprises=surprises, implicit=implicit, advice=advice
        )
        if isinstance(outcome, str):
            outcome = LearningOutcome.parse(outcome)
        with self.ctx.write() as session:
            authorize(self.ctx, "learning.add")
            sql = Sql.of_session(session)
            prototype_id = prototype_reads.prototype_id(sql, prototype)
            entry = Learning(
                prototype="",
                technique="",
                learned=parts["learned"],
                surprises=parts["surprises"],
                implicit=parts["implicit"],
                advice=parts["advice"],
                by=self.ctx.user,
                at=at or now(),
                outcome=outcome,
            )
            learning_id = learning_rows.add_learning(session, prototype_id, entry)
            return learning_rows.learnings(sql, learning_id=learning_id)[0]

    def list(
        self, *, prototype: str | None = None, technique: str | None = None
    ) -> builtins.list[Learning]:
        """Learnings entries, oldest first: all, one prototype's or one technique's."""
        from assay.store import prototype_reads
        from assay.store import techniques as technique_rows

        with self.ctx.sql_read() as sql:
            prototype_id = technique_id = None
            if prototype is not None:
                prototype_id = prototype_reads.prototype_id(sql, prototype)
            if technique is not None:
                technique_id = technique_rows.ref(sql, technique, retired=True).id
            return learning_rows.learnings(
                sql, prototype_id=prototype_id, technique_id=technique_id
            )

    def show(self, learning_id: int) -> Learning:
        """One entry by its number; :class:`NotFoundError` when there is none."""
        with self.ctx.sql_read() as sql:
            found = learning_rows.learnings(sql, learning_id=learning_id)
        if not found:
            raise NotFoundError(f"no learnings entry {learning_id}; see: assay learning list")
        return found[0]

    def search(self, text: str, *, limit: int | None = None) -> builtins.list[Hit]:
        """Learnings entries that mention ``text`` (the workspace's search, restricted
        to learnings: :func:`assay.store.search.search`)."""
        from assay.store.search import search

        with self.ctx.read() as session:
            return search(session, text, limit=limit, kinds={"learning"})

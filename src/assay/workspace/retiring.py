"""Correcting mistakes without losing anything, reached as ``workspace.corrections``.

- **Rename** a technique (:meth:`Corrections.rename_technique`): its ring history,
  prototypes, decisions, papers' links, artifacts and post-mortem actions point at
  it by id and follow at once; the few places that keep its *name* as text are
  rewritten in the same transaction (:func:`assay.store.techniques.edit`): a
  post-mortem's subject (a post-mortem of the technique) and the predictions' tags
  that were its name.
- **Retire** a technique, a paper or a run (:meth:`Corrections.retire`) with a
  reason: the record stays, with who retired it, when and why, and leaves the
  views (radar, lists, search, export) and the evidence (a retired run no longer
  judges any prototype: their stored analyses are recomputed in the same write, so
  gate review, status and the radar's staleness no longer count it). The list
  commands show retired records with ``--include-retired``, and the audit log keeps
  every change. :meth:`Corrections.unretire` brings a record back.

A retired technique keeps its name: a new technique cannot take it (retire is not
delete; rename the retired one, or unretire it). A technique with active
prototypes cannot be retired: their gates would vanish from status unanswered.

Renaming and retiring need the admin role (once users are registered).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from assay.errors import InputError, NotFoundError
from assay.pipeline import radar as rules
from assay.workspace.context import Context, now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.pipeline.radar import Technique
    from assay.workspace.users import Users

__all__ = ["RETIRABLE", "Corrections", "Retirement"]

RETIRABLE = ("technique", "paper", "run")
"""The kinds of record that can be retired."""

_TABLES = {
    "technique": ("techniques", "name"),
    "paper": ("papers", "key"),
    "run": ("runs", "run_id"),
}


@dataclasses.dataclass(frozen=True)
class Retirement:
    """A record's retirement as stored: retired (with when, by whom, why) or not."""

    kind: str
    ref: str  # the technique's name, the paper's key or the run's id
    retired_at: dt.datetime | None
    retired_by: str | None
    retired_why: str | None

    @property
    def retired(self) -> bool:
        """Whether the record is retired."""
        return self.retired_at is not None

    def describe(self) -> str:
        """``retired 2026-12-06 by priya: duplicate entry``, or ``not retired``."""
        if self.retired_at is None:
            return "not retired"
        return f"retired {self.retired_at:%Y-%m-%d} by {self.retired_by}: {self.retired_why}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "kind": self.kind,
            "ref": self.ref,
            "retired": self.retired,
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
            "retired_by": self.retired_by,
            "retired_why": self.retired_why,
        }


class Corrections:
    """Reached as ``workspace.corrections``; see the module docstring."""

    def __init__(self, ctx: Context, users: Users) -> None:
        self.ctx = ctx
        self.users = users

    def rename_technique(self, old: str, new: str) -> Technique:
        """Rename a technique, keeping its history and every link (see the module
        docstring); a name taken by another technique, retired or not, is refused."""
        from assay.store import techniques as technique_rows
        from assay.store.sql import Sql

        new = rules.check_name(new)
        with self.ctx.write() as session:
            self.users.authorize("technique.rename")
            row = _technique_row(session, old)
            if row.retired_at is not None:
                raise InputError(
                    f"technique {row.name!r} is retired; unretire it first: "
                    f"assay technique retire {row.name!r} --undo"
                )
            if new == row.name:
                raise InputError(f"{row.name!r} already has that name; give a different one")
            former = row.name
            technique_rows.edit(session, former, new_name=new, at=now())
            return technique_rows.get(Sql.of_session(session), new)

    def retire(self, kind: str, ref: str, *, why: str) -> Retirement:
        """Retire the technique, paper or run ``ref`` with a reason (see the module
        docstring); a record already retired is an :class:`InputError`."""
        reason = why.strip()
        if not reason:
            raise InputError(f"retiring a {kind} needs --why: say what was wrong with it")
        with self.ctx.write() as session:
            self.users.authorize(_action(kind))
            row, label = _find(session, kind, ref)
            if row.retired_at is not None:
                raise InputError(f"{kind} {label!r} is already {_state(kind, label, row)}")
            if kind == "technique":
                _check_no_active_prototypes(session, row.id, label)
            row.retired_at, row.retired_by, row.retired_why = now(), self.ctx.user, reason
            session.flush()
            if kind == "run":
                _refresh_judged(session, label)
            return _retirement(kind, label, row)

    def unretire(self, kind: str, ref: str) -> Retirement:
        """Bring a retired technique, paper or run back into the views and evidence."""
        with self.ctx.write() as session:
            self.users.authorize(_action(kind))
            row, label = _find(session, kind, ref)
            if row.retired_at is None:
                raise InputError(f"{kind} {label!r} is not retired; nothing to undo")
            row.retired_at, row.retired_by, row.retired_why = None, None, None
            session.flush()
            if kind == "run":
                _refresh_judged(session, label)
            return _retirement(kind, label, row)

    def retired(self, kind: str) -> dict[str, Retirement]:
        """Every retired record of a kind, by name (technique), key (paper) or id (run)."""
        from assay.store.sql import Sql

        _action(kind)  # a known kind
        table, label = _TABLES[kind]
        with self.ctx.sql_read() as sql:
            rows = sql.rows(
                f"SELECT {label}, retired_at, retired_by, retired_why FROM {table}"
                " WHERE retired_at IS NOT NULL"
            )
            return {
                name: Retirement(kind, name, Sql.datetime(at), by, why)
                for name, at, by, why in rows
            }

    def retirement(self, kind: str, ref: str) -> Retirement:
        """Whether the record is retired, and when, by whom and why."""
        with self.ctx.read() as session:
            row, label = _find(session, kind, ref)
            return _retirement(kind, label, row)


def _action(kind: str) -> str:
    """The permission that retiring (or unretiring) a ``kind`` needs."""
    if kind not in RETIRABLE:
        raise InputError(f"cannot retire a {kind!r}; expected one of {', '.join(RETIRABLE)}")
    return f"{kind}.retire"


def _state(kind: str, label: str, row: Any) -> str:
    return _retirement(kind, label, row).describe() + "; nothing changed"


def _retirement(kind: str, label: str, row: Any) -> Retirement:
    return Retirement(kind, label, row.retired_at, row.retired_by, row.retired_why)


def _technique_row(session: Session, name: str) -> Any:
    """The technique's row by name (any case), retired or not."""
    from sqlalchemy import select

    from assay.store.models import TechniqueRow

    found = session.scalar(select(TechniqueRow).where(TechniqueRow.key == name.strip().casefold()))
    if found is None:
        raise NotFoundError(
            f"unknown technique {name!r}; see: assay technique list --include-retired"
        )
    return found


def _find(session: Session, kind: str, ref: str) -> tuple[Any, str]:
    """The row of the record to retire and how it is named: (row, label)."""
    from sqlalchemy import select

    if kind == "technique":
        row = _technique_row(session, ref)
        return row, row.name
    if kind == "paper":
        from assay.store import papers as paper_rows

        paper = paper_rows.find_row(session, ref)
        return paper, paper.key
    if kind == "run":
        from assay.store.run_models import RunRow

        run = session.scalar(select(RunRow).where(RunRow.run_id == ref.strip()))
        if run is None:
            raise NotFoundError(
                f"unknown run {ref!r}; list the runs with: assay bench list --include-retired"
            )
        return run, run.run_id
    raise InputError(f"cannot retire a {kind!r}; expected one of {', '.join(RETIRABLE)}")


def _check_no_active_prototypes(session: Session, technique_id: int, name: str) -> None:
    from assay.store import prototype_reads
    from assay.store.sql import Sql

    active = [
        r.name
        for r in prototype_reads.by_technique(Sql.of_session(session), technique_id)
        if r.active
    ]
    if active:
        raise InputError(
            f"technique {name!r} has active prototypes ({', '.join(active)}); their gates would "
            "vanish unanswered: decide them first (assay gate decide PROTOTYPE no --why ...)"
        )


def _refresh_judged(session: Session, run_id: str) -> None:
    """Recompute the stored evidence of every prototype the run is linked to or could
    judge (its benchmark declared), now that it counts, or no longer counts."""
    from sqlalchemy import select

    from assay.store import prototype_reads
    from assay.store.run_models import RunRow
    from assay.store.sql import Sql
    from assay.workspace.analyses import refresh_prototype

    source = session.scalar(select(RunRow.source).where(RunRow.run_id == run_id))
    for record in prototype_reads.all_records(Sql.of_session(session)):
        linked = any(link.run_id == run_id for link in record.links)
        if linked or source in record.evidence_files:
            refresh_prototype(session, record.name)

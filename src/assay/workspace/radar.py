"""The radar, reached as ``workspace.radar``: techniques, their rings and history,
next actions, stale blips, radar files, and knowledge-transfer artifacts.

Techniques sit in ADOPT, TRIAL, ASSESS, HOLD or SKIP; every move keeps who, when
and why. A promotion into TRIAL or ADOPT needs a YES gate decision on one of the
technique's prototypes (or an override with a reason, by an approver), and ADOPT
the three artifacts (see :func:`assay.pipeline.radar.check_backing`); the check
reads the decisions inside the transaction that moves.

Listing the radar, its stale blips and a next action read and write over plain SQL
(:meth:`~assay.workspace.context.Context.sql_read`); the evidence rules, the
artifacts and the gate rules are imported by the methods that need them (a
documented lazy import: the radar's everyday commands start without them).
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.errors import DuplicateError, InputError
from assay.pipeline import radar as rules
from assay.pipeline.radar import RingMove, Technique
from assay.store import techniques as technique_rows
from assay.store.sql import Sql
from assay.types import Ring
from assay.workspace import staleness
from assay.workspace.context import Context, now
from assay.workspace.staleness import Staleness

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.store.artifacts import Artifact
    from assay.workspace.users import Users

__all__ = ["RADAR_FORMATS", "Radar", "Staleness"]

#: Radar interchange formats, by name, with the file extension each is guessed from.
RADAR_FORMATS = {"byor-csv": ".csv", "backstage-json": ".json"}


class Radar:
    """Reached as ``workspace.radar``; see the module docstring."""

    def __init__(self, ctx: Context, users: Users) -> None:
        self.ctx = ctx
        self.users = users

    # -- techniques ---------------------------------------------------------------

    def add(
        self,
        name: str,
        *,
        area: str,
        ring: Ring = Ring.ASSESS,
        owner: str | None = None,
        summary: str | None = None,
        why: str | None = None,
        at: dt.datetime | None = None,
        override: bool = False,
    ) -> Technique:
        """Put a new technique on the radar (ASSESS unless ``ring`` says otherwise).

        Entering straight into TRIAL follows the same evidence rule as a move from
        ASSESS: a new technique has no gate decision yet, so it takes ``override``
        with a reason (recorded as an override). A new technique cannot enter ADOPT.
        """
        name = rules.check_name(name)
        area = rules.check_name(area, field="area")
        reason = (why or "").strip()
        if ring in rules.REASON_REQUIRED and not reason:
            raise InputError(f"placing {name} in {ring.value} needs --why: say what the team knows")
        if ring is Ring.ADOPT:
            raise InputError(
                f"a new technique cannot enter ADOPT: add {name} in ASSESS or TRIAL, attach its "
                "implementation document, decision record and runbook, then move it"
            )
        from assay.workspace import radar_evidence  # see the module docstring

        with self.ctx.write() as session:
            added = technique_rows.add(
                session,
                name=name,
                area=area,
                ring=ring,
                owner=_clean(owner) or self.ctx.user,
                summary=_clean(summary),
                by=self.ctx.user,
                why=reason or "added to the radar",
                at=at or now(),
            )
            backing = radar_evidence.radar_backing(
                self.users, session, name, Ring.ASSESS, ring, why=reason, override=override
            )
            if backing is not None:
                radar_evidence.record_backing(session, name, backing)
            return added

    def edit(
        self,
        name: str,
        *,
        new_name: str | None = None,
        area: str | None = None,
        owner: str | None = None,
        summary: str | None = None,
    ) -> Technique:
        """Change a technique's name, area, owner or summary (``None``: unchanged)."""
        if new_name is not None:
            new_name = rules.check_name(new_name)
        if area is not None:
            area = rules.check_name(area, field="area")
        with self.ctx.write() as session:
            return technique_rows.edit(
                session, name, new_name=new_name, area=area, owner=owner, summary=summary, at=now()
            )

    def get(self, name: str) -> Technique:
        """The technique ``name`` (any case), with its ring history."""
        with self.ctx.sql_read() as sql:
            return technique_rows.get(sql, name)

    def list(self) -> builtins.list[Technique]:
        """Every technique on the radar."""
        with self.ctx.sql_read() as sql:
            return technique_rows.all_techniques(sql)

    def documents(self) -> builtins.list[dict[str, Any]]:
        """Every technique on the radar as ``Technique.to_dict`` writes it, read
        straight into dictionaries (for JSON: no value objects built)."""
        with self.ctx.sql_read() as sql:
            return technique_rows.documents(sql)

    def move(
        self,
        name: str,
        ring: Ring,
        *,
        why: str | None = None,
        at: dt.datetime | None = None,
        override: bool = False,
    ) -> RingMove:
        """Move a technique to another ring, recording who, when and why (see the
        module docstring for the evidence rule)."""
        from assay.workspace import radar_evidence  # see the module docstring

        with self.ctx.write() as session:
            stored, current = technique_rows.ring_of(Sql.of_session(session), name)
            reason = rules.check_move(stored, current, ring, why)
            backing = radar_evidence.radar_backing(
                self.users, session, stored, current, ring, why=reason, override=override
            )
            if backing is not None and not reason:
                reason = backing.summary
            moved = technique_rows.move(
                session, stored, to=ring, by=self.ctx.user, why=reason, at=at or now()
            )
            if backing is not None:
                radar_evidence.record_backing(session, stored, backing)
            return moved

    def import_techniques(
        self, techniques: Sequence[Technique], *, source: str = "the import"
    ) -> builtins.list[Technique]:
        """Record techniques with the ring history they had elsewhere, in one transaction.

        For bringing in a radar kept before assay (another tool, a spreadsheet): the
        history is written as it happened, each move with its own author, time and
        reason. The evidence rules bind moves made in assay, not history brought in.
        A name already on the radar refuses the whole import.
        """
        with self.ctx.write() as session:
            taken = {
                t.name.casefold() for t in technique_rows.all_techniques(Sql.of_session(session))
            }
            clash = [t.name for t in techniques if t.name.casefold() in taken]
            if clash:
                raise DuplicateError(
                    f"{source}: already on the radar: {', '.join(clash)}; nothing imported "
                    "(import into a workspace without them, or rename them in the file)"
                )
            for technique in techniques:
                _import_one(session, technique)
            sql = Sql.of_session(session)
            return [technique_rows.get(sql, t.name) for t in techniques]

    def set_next(self, name: str, action: str, *, due: dt.date | None) -> Technique:
        """Set the technique's next action and due date (an empty action clears it)."""
        action = action.strip()
        if action and due is None:
            raise InputError("a next action needs --due YYYY-MM-DD: an action without a date slips")
        with self.ctx.sql_write() as sql:
            return technique_rows.set_next(sql, name, action=action, due=due, at=now())

    def overdue(self, today: dt.date | None = None) -> builtins.list[Technique]:
        """Techniques whose next action is past its due date."""
        return rules.overdue(self.list(), today or dt.date.today())

    def stale(self, *, today: dt.date | None = None) -> builtins.list[Staleness]:
        """Techniques in TRIAL or ADOPT whose evidence is old or contradicted
        (see :mod:`assay.workspace.staleness`), by name."""
        days = self.ctx.settings.radar.stale_after_days
        day = today or dt.date.today()
        try:
            with self.ctx.sql_read() as sql:
                return staleness.stale_techniques(sql, stale_after_days=days, today=day)
        except staleness.NeedsRuns:
            with self.ctx.read() as session:
                return staleness.stale_techniques(
                    Sql.of_session(session), stale_after_days=days, today=day, session=session
                )

    # -- radar files ----------------------------------------------------------------

    def export(self, fmt: str) -> str:
        """The radar as BYOR CSV or Backstage JSON text."""
        from assay.formats import radar_formats

        techniques = self.list()
        if fmt == "byor-csv":
            return radar_formats.write_byor_csv(techniques, as_of=now())
        if fmt == "backstage-json":
            title = self.ctx.settings.workspace.name
            return radar_formats.write_backstage_json(techniques, as_of=now(), title=title)
        raise InputError(f"unknown radar format {fmt!r}; expected {', '.join(RADAR_FORMATS)}")

    def import_file(self, path: Path, fmt: str) -> builtins.list[Technique]:
        """Techniques (and, from Backstage, their ring history) from a file, in one
        transaction; a name already on the radar refuses the whole import."""
        from assay.formats import radar_formats

        if fmt == "byor-csv":
            read = radar_formats.load_byor_csv(path, at=now(), by=self.ctx.user)
        elif fmt == "backstage-json":
            read = radar_formats.load_backstage_json(path, by=self.ctx.user)
        else:
            raise InputError(f"unknown radar format {fmt!r}; expected {', '.join(RADAR_FORMATS)}")
        return self.import_techniques(read, source=str(path))

    # -- knowledge-transfer artifacts -------------------------------------------------

    def attach(
        self, technique: str, kind: str, path: Path, *, at: dt.datetime | None = None
    ) -> Artifact:
        """Attach a knowledge-transfer document (its text is kept in the record)."""
        from assay.workspace import radar_evidence  # see the module docstring

        content = radar_evidence.read_artifact(path)
        return self.attach_text(technique, kind, path.name, content, at=at)

    def attach_text(
        self,
        technique: str,
        kind: str,
        filename: str,
        content: str,
        *,
        at: dt.datetime | None = None,
    ) -> Artifact:
        """Attach a document given as text: ``implementation``, ``decision-record`` or
        ``runbook``."""
        from assay.pipeline.gates import Role  # see the module docstring
        from assay.store import artifacts as artifact_rows
        from assay.workspace import radar_evidence

        kind = radar_evidence.check_kind(kind)
        if not content.strip():
            raise InputError(f"{filename} is empty; attach a document with something in it")
        with self.ctx.write() as session:
            self.users.require(Role.CONTRIBUTOR, "attaching an artifact")
            found = technique_rows.ref(Sql.of_session(session), technique)
            return artifact_rows.attach(
                session,
                found.id,
                found.name,
                kind=kind,
                filename=filename,
                content=content,
                by=self.ctx.user,
                at=at or now(),
            )

    def artifacts(self, technique: str) -> dict[str, Artifact]:
        """The newest artifact of each kind attached to a technique."""
        from assay.store import artifacts as artifact_rows

        with self.ctx.read() as session:
            found = technique_rows.ref(Sql.of_session(session), technique)
            return artifact_rows.current(session, found.id, found.name)


def _import_one(session: Session, technique: Technique) -> None:
    if not technique.history:
        raise InputError(f"{technique.name}: no placement on the radar to import")
    first, *later = technique.history
    name = rules.check_name(technique.name)
    technique_rows.add(
        session,
        name=name,
        area=rules.check_name(technique.area, field="area"),
        ring=first.to_ring,
        owner=technique.owner,
        summary=technique.summary,
        by=first.by,
        why=first.why,
        at=first.at,
    )
    for move in later:
        technique_rows.move(session, name, to=move.to_ring, by=move.by, why=move.why, at=move.at)
    if technique.next_action:
        technique_rows.set_next(
            Sql.of_session(session),
            name,
            action=technique.next_action,
            due=technique.due,
            at=first.at,
        )


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None

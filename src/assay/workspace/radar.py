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

from assay.errors import DuplicateError, InputError, PermissionDeniedError
from assay.pipeline import radar as rules
from assay.pipeline.radar import RingMove, Technique
from assay.store import techniques as technique_rows
from assay.store.sql import Sql
from assay.types import Ring
from assay.workspace import staleness
from assay.workspace.context import Context, now
from assay.workspace.staleness import Staleness
from assay.workspace.users import authorize

if TYPE_CHECKING:
    from collections.abc import Callable

    from assay.store.artifacts import Artifact
    from assay.store.placements import Placement
    from assay.workspace.radar_files import RadarImport
    from assay.workspace.radar_history import RadarDiff
    from assay.workspace.users import Users

__all__ = ["RADAR_FORMATS", "Radar", "Staleness"]

#: Radar interchange formats, by name, with the file extension each is guessed from.
RADAR_FORMATS = {"byor-csv": ".csv", "backstage-json": ".json", "byor-json": ".json"}


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
        tags: Sequence[str] = (),
    ) -> Technique:
        """Put a new technique on the radar (ASSESS unless ``ring`` says otherwise),
        with ``tags`` (kept in ``fields["tags"]``: see :mod:`assay.workspace.radar_history`).

        Entering straight into TRIAL follows the same evidence rule as a move from
        ASSESS: a new technique has no gate decision yet, so it takes ``override``
        with a reason (recorded as an override). A new technique cannot enter ADOPT.
        """
        name = rules.check_name(name)
        area = rules.check_name(area, field="area")
        kept_tags = check_tags(tags)
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
            authorize(self.ctx, "technique.add")
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
            if kept_tags:
                technique_rows.set_tags(session, name, kept_tags, at=at or now())
            return added

    def edit(
        self,
        name: str,
        *,
        new_name: str | None = None,
        area: str | None = None,
        owner: str | None = None,
        summary: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> Technique:
        """Change a technique's name, area, owner, summary or tags (``None``:
        unchanged; ``tags=[]`` removes them)."""
        if new_name is not None:
            new_name = rules.check_name(new_name)
        if area is not None:
            area = rules.check_name(area, field="area")
        kept_tags = None if tags is None else check_tags(tags)
        with self.ctx.write() as session:
            authorize(self.ctx, "technique.edit")
            if new_name is not None:  # a rename, as `technique rename` (issue 11)
                authorize(self.ctx, "technique.rename")
            edited = technique_rows.edit(
                session, name, new_name=new_name, area=area, owner=owner, summary=summary, at=now()
            )
            if kept_tags is not None:
                technique_rows.set_tags(session, edited.name, kept_tags, at=now())
            return edited

    def get(self, name: str, *, retired: bool = False) -> Technique:
        """The technique ``name`` (any case), with its ring history; a retired one
        only with ``retired`` (see ``workspace.corrections``)."""
        with self.ctx.sql_read() as sql:
            return technique_rows.get(sql, name, retired=retired)

    def list(self, *, include_retired: bool = False) -> builtins.list[Technique]:
        """Every technique on the radar (and the retired ones with ``include_retired``)."""
        with self.ctx.sql_read() as sql:
            return technique_rows.all_techniques(sql, include_retired=include_retired)

    def documents(self, *, include_retired: bool = False) -> builtins.list[dict[str, Any]]:
        """Every technique on the radar as ``Technique.to_dict`` writes it, read
        straight into dictionaries (for JSON: no value objects built)."""
        with self.ctx.sql_read() as sql:
            return technique_rows.documents(sql, include_retired=include_retired)

    # -- the radar's picture and history (see assay.workspace.radar_history) --------

    def document(
        self,
        *,
        include_retired: bool = False,
        as_of: dt.date | None = None,
        since: dt.date | None = None,
        area: str | None = None,
        owner: str | None = None,
        tag: str | None = None,
        today: dt.date | None = None,
    ) -> dict[str, Any]:
        """What ``assay radar --json`` prints: every technique with its marks and
        movement since ``since`` (default: the last review meeting, else 30 days
        before the radar's day), as of the end of ``as_of`` when given, filtered by
        area, owner and tag (see :func:`assay.workspace.radar_history.assemble`)."""
        from assay.workspace import radar_history as history

        filters = history.Filters(area, owner, tag)
        today = today or dt.date.today()
        day, since = history.check_dates(as_of, since, today)
        past = day < today
        with self.ctx.sql_read() as sql:
            documents = technique_rows.documents(sql, include_retired=include_retired or past)
            extras = technique_rows.radar_extras(sql)
            if since is None:
                last = technique_rows.last_review(sql, day)
                since = last or day - dt.timedelta(days=history.DEFAULT_LOOKBACK_DAYS)
            rollouts = {} if past else rollout_stages(sql)
            reopened = {} if past else reopened_by_technique(sql, today)
            owners = area_owners(sql)
        stale = {} if past else {s.technique: s.reasons for s in self.stale(today=today)}
        found = history.assemble(
            documents,
            extras=extras,
            stale=stale,
            placements={} if past else self.placements(),
            include_retired=include_retired,
            as_of=as_of,
            since=since,
            today=today,
            filters=filters,
        )
        for technique in found["techniques"]:  # where its rollout stands (issue 14)
            technique["rollout"] = rollouts.get(technique["name"])
            technique["reopened"] = reopened.get(technique["name"], [])  # issue 14
            technique["area_owner"] = owners.get(" ".join(technique["area"].split()).casefold())
        return found

    def as_of(
        self,
        day: dt.date,
        *,
        area: str | None = None,
        owner: str | None = None,
        tag: str | None = None,
    ) -> builtins.list[Technique]:
        """The radar as it stood at the end of ``day`` (UTC), from the ring history:
        techniques added later absent, those retired by then absent, each in its ring
        of that day with its history up to then; filtered by area, owner and tag."""
        from assay.workspace import radar_history as history

        filters = history.Filters(area, owner, tag)
        with self.ctx.sql_read() as sql:
            every = technique_rows.all_techniques(sql, include_retired=True)
            extras = technique_rows.radar_extras(sql)
        return [
            t
            for t in history.radar_as_of(every, day, extras)
            if filters.keeps(t.area, t.owner, extras.get(t.name, (None, ()))[1])
        ]

    def diff(self, start: dt.date, end: dt.date) -> RadarDiff:
        """How the radar changed from the end of ``start`` to the end of ``end``:
        techniques added, removed (retired) and moved, each move with its from and
        to rings and the last move's time, author and reason."""
        from assay.workspace import radar_history as history

        with self.ctx.sql_read() as sql:
            every = technique_rows.all_techniques(sql, include_retired=True)
            extras = technique_rows.radar_extras(sql)
        return history.diff(every, start, end, extras)

    def tags(self) -> dict[str, builtins.list[str]]:
        """Every tagged technique's tags (``fields["tags"]``), by name."""
        with self.ctx.sql_read() as sql:
            extras = technique_rows.radar_extras(sql)
        return {name: builtins.list(tags) for name, (_, tags) in extras.items() if tags}

    def picture(
        self,
        *,
        as_of: dt.date | None = None,
        since: dt.date | None = None,
        area: str | None = None,
        owner: str | None = None,
        tag: str | None = None,
        href: Callable[[str], str] | None = None,
        cell_href: Callable[[str, Ring], str] | None = None,
        title: str = "Research radar",
        legend: bool = True,
        document: dict[str, Any] | None = None,
    ) -> str:
        """The radar as an SVG picture (:func:`assay.report.radar.radar_svg`) of the
        same techniques and marks as :meth:`document` with the same arguments; each
        blip links to ``href(name)``, a crowded cell's "+N" blip to
        ``cell_href(area, ring)``. ``document``: that document when the caller has it
        already (the web's radar page), so it is not read twice."""
        from assay.report.radar import radar_svg
        from assay.workspace import radar_history as history

        if document is None:
            document = self.document(as_of=as_of, since=since, area=area, owner=owner, tag=tag)
        techniques = history.techniques_of(document["techniques"], last_move_only=True)
        marks = history.marks_of(document["techniques"])
        return radar_svg(
            techniques, title=title, marks=marks, href=href, cell_href=cell_href, legend=legend
        )

    def retired(self) -> dict[str, tuple[dt.datetime, str, str]]:
        """The retired techniques: name -> (when, by whom, why)."""
        with self.ctx.sql_read() as sql:
            return technique_rows.retired(sql)

    def placements(self) -> dict[str, Placement]:
        """The techniques whose ring rests on an override or an imported radar, with
        no YES gate decision since, by name (see :mod:`assay.store.placements`)."""
        from assay.store import placements  # plain SQL: the radar's hot path

        with self.ctx.sql_read() as sql:
            return placements.unbacked(sql)

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
        module docstring for the evidence rule). A move to SKIP needs a learnings entry
        on one of the technique's prototypes, when it has any (issue 16)."""
        from assay.workspace import radar_evidence  # see the module docstring

        with self.ctx.write() as session:
            authorize(self.ctx, "radar.move")
            stored, current = technique_rows.ring_of(Sql.of_session(session), name)
            reason = rules.check_move(stored, current, ring, why)
            if ring is Ring.SKIP:
                from assay.workspace.learnings import require_for_skip

                found = technique_rows.ref(Sql.of_session(session), stored)
                require_for_skip(Sql.of_session(session), found.id, stored)
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
        reason. A name already on the radar refuses the whole import. A technique
        that ends in TRIAL or ADOPT follows the rule of ``radar import``
        (:mod:`assay.workspace.radar_files`): only an admin (or the single local user
        of a workspace without users) may bring it in, and it is marked *imported, no
        evidence on record* until a gate decision backs it.
        """
        from assay.pipeline.gates import Role  # see the module docstring

        with self.ctx.write() as session:
            role = authorize(self.ctx, "radar.import")
            placed = [t.name for t in techniques if t.ring in rules.EVIDENCE_RINGS]
            if placed and role is not Role.ADMIN:
                raise PermissionDeniedError(
                    f"{source}: {', '.join(placed)} would enter TRIAL or ADOPT without "
                    "evidence; only an admin may import such placements (they are marked "
                    "imported until a gate decision backs them)"
                )
            every = technique_rows.all_techniques(Sql.of_session(session), include_retired=True)
            taken = {t.name.casefold() for t in every}  # a retired name is taken too
            clash = [t.name for t in techniques if t.name.casefold() in taken]
            if clash:
                raise DuplicateError(
                    f"{source}: already on the radar: {', '.join(clash)}; nothing imported "
                    "(import into a workspace without them, or rename them in the file)"
                )
            from assay.workspace.radar_files import import_one, mark_imported

            for technique in techniques:
                import_one(session, technique)
                if technique.name in placed:
                    mark_imported(session, technique.name)
            sql = Sql.of_session(session)
            return [technique_rows.get(sql, t.name) for t in techniques]

    def set_next(self, name: str, action: str, *, due: dt.date | None) -> Technique:
        """Set the technique's next action and due date (an empty action clears it)."""
        action = action.strip()
        if action and due is None:
            raise InputError("a next action needs --due YYYY-MM-DD: an action without a date slips")
        from assay.store.audit import Who  # a plain-SQL write appends its audit entry

        with self.ctx.sql_write() as sql:
            authorize(self.ctx, "technique.next")
            return technique_rows.set_next(
                sql, name, action=action, due=due, at=now(), who=Who.of(self.ctx)
            )

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
        """The radar as BYOR CSV, BYOR JSON or Backstage JSON text, with what imported
        files said beyond assay's columns (see :mod:`assay.workspace.radar_files`)."""
        from assay.workspace import radar_files

        if fmt not in RADAR_FORMATS:
            raise InputError(f"unknown radar format {fmt!r}; expected {', '.join(RADAR_FORMATS)}")
        return radar_files.export_radar(self.ctx, self.list(), fmt, at=now())

    def import_radar(
        self,
        path: Path,
        fmt: str | None = None,
        *,
        ring_map: str | None = None,
        skip_invalid: bool = False,
        override: bool = False,
        why: str | None = None,
    ) -> RadarImport:
        """The techniques of a radar file (from Backstage, with their ring history), in
        one transaction; ``fmt`` ``None``: told from the extension and content.

        The file is checked whole: with any bad record, name already here, or placement
        the acting user may not make, nothing is written and one error lists them all,
        unless ``skip_invalid``. TRIAL and ADOPT placements follow the evidence rule (see
        :mod:`assay.workspace.radar_files`); ``ring_map`` reads a team's own ring names
        (``"1=adopt,2=trial,3=assess,4=hold"``).
        """
        from assay.workspace import radar_files

        if fmt is not None and fmt not in RADAR_FORMATS:
            raise InputError(f"unknown radar format {fmt!r}; expected {', '.join(RADAR_FORMATS)}")
        file = radar_files.read(path, fmt, at=now(), by=self.ctx.user, ring_map=ring_map)
        return radar_files.import_radar(
            self.ctx, self.users, file, skip_invalid=skip_invalid, override=override, why=why
        )

    def import_file(self, path: Path, fmt: str) -> builtins.list[Technique]:
        """The techniques :meth:`import_radar` added from a file in ``fmt``."""
        return builtins.list(self.import_radar(path, fmt).added)

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
        from assay.store import artifacts as artifact_rows
        from assay.workspace import radar_evidence

        kind = radar_evidence.check_kind(kind)
        if not content.strip():
            raise InputError(f"{filename} is empty; attach a document with something in it")
        with self.ctx.write() as session:
            authorize(self.ctx, "technique.attach")
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


def rollout_stages(sql: Sql) -> dict[str, dict[str, Any]]:
    """Where each technique's newest rollout stands, by name: ``status``, ``percent``,
    ``since``, ``flag``, ``stage`` (``"25% since 2026-12-01"``) and ``short``
    (``"rollout 25%"``), as the radar document carries it (see ``docs/rollouts.md``)."""
    from assay.store import rollouts as rollout_rows

    return {
        name: {
            "rollout": r.number,
            "status": r.status.value,
            "percent": r.percent,
            "since": r.since.isoformat(),
            "flag": r.flag,
            "stage": r.stage(),
            "short": r.short(),
        }
        for name, r in rollout_rows.latest_all(sql).items()
    }


def area_owners(sql: Sql) -> dict[str, str]:
    """Each owned area's owner (issue 16), by casefolded area; plain SQL."""
    from assay.store.learnings import owners

    return {" ".join(o.area.split()).casefold(): o.owner for o in owners(sql)}


def reopened_by_technique(sql: Sql, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The open reopenings of current decisions, by technique: ``decision``,
    ``prototype``, ``reason``, ``at`` (see :mod:`assay.workspace.watch`)."""
    from assay.workspace.watch import reopened

    found: dict[str, list[dict[str, Any]]] = {}
    for item in reopened(sql, today):
        found.setdefault(item.technique, []).append(
            {
                "decision": item.decision_id,
                "prototype": item.prototype,
                "reason": item.reason,
                "at": item.at.isoformat(),
            }
        )
    return found


def check_tags(tags: Sequence[str]) -> builtins.list[str]:
    """Tags trimmed, without repeats (the first spelling kept, compared without
    regard to case); a blank, overlong or control-character tag is an InputError."""
    kept: dict[str, str] = {}
    for tag in tags:
        cleaned = rules.check_name(tag, field="tag")
        if len(cleaned) > 60:
            raise InputError(f"tag {cleaned[:20]!r}... is {len(cleaned)} characters; at most 60")
        kept.setdefault(cleaned.casefold(), cleaned)
    return builtins.list(kept.values())


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None

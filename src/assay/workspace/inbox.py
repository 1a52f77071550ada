"""The reading inbox, reached as ``workspace.inbox``: feeds imported into a triage
inbox, each item triaged to *read pass 1*, *skip (why)* or a technique; the sources
with their yield; the team's reading cadence against its targets; a weekly digest.

*Read pass 1* hands the item to the papers service: it creates (or merges into) the
paper record, and records pass 1 when the scan already answered its claim, so the
reading pipeline (:mod:`assay.pipeline.reading`, ``assay paper read``) takes over.
Rules live in :mod:`assay.pipeline.inbox`, feed formats in :mod:`assay.formats.feeds`,
rows and the counting reads in :mod:`assay.store.inbox`.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.errors import InputError
from assay.pipeline.inbox import (
    FeedItem,
    ItemStatus,
    PersonCadence,
    Targets,
    Week,
    behind,
    check_source_name,
    item_keys,
)
from assay.store import inbox as inbox_rows
from assay.store import techniques as technique_rows
from assay.store import users as user_rows
from assay.store.inbox import InboxItem, PassEntry, SourceYield
from assay.store.sql import Sql
from assay.workspace.context import Context, now
from assay.workspace.users import authorize

if TYPE_CHECKING:
    from assay.formats.feeds import Feed
    from assay.report.document import Document
    from assay.workspace.papers import Papers

__all__ = ["Cadence", "Digest", "Inbox", "InboxImport", "InboxItem", "SourceYield"]


@dataclasses.dataclass(frozen=True)
class InboxImport:
    """What an import did: the source, the feed's format, how many items the feed held,
    the new items, and the duplicates left out (already in the inbox, already a paper,
    or repeated in the feed)."""

    source: str
    format: str
    location: str
    records: int
    added: tuple[InboxItem, ...]
    duplicates: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "location": self.location,
            "records": self.records,
            "new": len(self.added),
            "duplicates": len(self.duplicates),
            "duplicate_titles": list(self.duplicates),
            "items": [i.to_dict() for i in self.added],
        }


@dataclasses.dataclass(frozen=True)
class Cadence:
    """A week of reading against the targets: per person, items triaged (the scans)
    and second passes this week, deep reads this month; who is behind."""

    week: Week
    month: tuple[dt.date, dt.date]
    targets: Targets
    people: tuple[PersonCadence, ...]

    @property
    def behind(self) -> tuple[str, ...]:
        return tuple(p.person for p in self.people if p.behind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": str(self.week),
            "from": self.week.monday.isoformat(),
            "to": self.week.sunday.isoformat(),
            "month": [self.month[0].isoformat(), self.month[1].isoformat()],
            "targets": self.targets.to_dict(),
            "people": [p.to_dict() for p in self.people],
            "behind": list(self.behind),
        }


@dataclasses.dataclass(frozen=True)
class Digest:
    """What survived each pass in a week: the items triaged (to pass 1, to a technique,
    skipped with why) and the reading passes recorded, each survived (decided to
    continue, or read in full at pass 3) or stopped."""

    week: Week
    imported: dict[str, int]
    triaged: tuple[InboxItem, ...]
    passes: tuple[PassEntry, ...]

    def _of(self, status: ItemStatus) -> list[InboxItem]:
        return [i for i in self.triaged if i.status is status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": str(self.week),
            "imported": self.imported,
            "to_pass1": [i.to_dict() for i in self._of(ItemStatus.PASS1)],
            "to_technique": [i.to_dict() for i in self._of(ItemStatus.TECHNIQUE)],
            "skipped": [i.to_dict() for i in self._of(ItemStatus.SKIPPED)],
            "passes": {
                str(n): {
                    "survived": [p.to_dict() for p in self.passes if p.number == n and _ok(p)],
                    "stopped": [p.to_dict() for p in self.passes if p.number == n and not _ok(p)],
                }
                for n in (1, 2, 3)
            },
        }

    def document(self) -> Document:
        """The digest as a report document (Markdown or HTML through
        :mod:`assay.report.document`)."""
        from assay.report.document import Bullets, Document, Heading, Paragraph, Strong

        blocks: list[Any] = []
        total = sum(self.imported.values())
        per = ", ".join(f"{n} from {s}" for s, n in sorted(self.imported.items())) or "none"
        blocks.append(Heading(2, "The scan"))
        blocks.append(
            Paragraph.of(
                f"{total} new items imported ({per}); {len(self.triaged)} triaged: "
                f"{len(self._of(ItemStatus.PASS1))} to a first pass, "
                f"{len(self._of(ItemStatus.TECHNIQUE))} to a technique, "
                f"{len(self._of(ItemStatus.SKIPPED))} skipped."
            )
        )

        def line(item: InboxItem, extra: str) -> tuple[Any, ...]:
            return (Strong(item.title), f" ({item.source}) {extra}".rstrip())

        sent = self._of(ItemStatus.PASS1)
        if sent:
            blocks.append(Heading(3, "Survived the scan: read pass 1"))
            blocks.append(Bullets.of([line(i, f"— {i.assignee or i.triaged_by}") for i in sent]))
        radar = self._of(ItemStatus.TECHNIQUE)
        if radar:
            blocks.append(Heading(3, "Sent to the radar"))
            blocks.append(Bullets.of([line(i, f"→ {i.technique}") for i in radar]))
        skipped = self._of(ItemStatus.SKIPPED)
        if skipped:
            blocks.append(Heading(3, "Skipped, and why"))
            blocks.append(Bullets.of([line(i, f"— {i.reason}") for i in skipped]))
        for number, name in ((1, "Pass 1"), (2, "Pass 2"), (3, "Pass 3: deep reads")):
            done = [p for p in self.passes if p.number == number]
            blocks.append(Heading(2, name))
            if not done:
                blocks.append(Paragraph.of("None this week."))
                continue
            kept = [p for p in done if _ok(p)]
            blocks.append(Paragraph.of(f"{len(kept)} of {len(done)} survived."))
            blocks.append(
                Bullets.of(
                    [
                        (
                            Strong(p.title),
                            f" ({p.paper}, {p.by}): "
                            + ("survived" if _ok(p) else "stopped")
                            + f" — {p.reason}",
                        )
                        for p in done
                    ]
                )
            )
        monday, sunday = self.week.monday, self.week.sunday
        return Document(
            f"Reading digest {self.week} ({monday:%d %b} – {sunday:%d %b %Y})", tuple(blocks)
        )

    def render(self, format: str) -> str:
        """``md`` or ``html``."""
        from assay.report.document import to_html, to_markdown

        if format == "md":
            return to_markdown(self.document())
        if format == "html":
            return to_html(self.document())
        raise InputError(f"format {format!r} is not known; expected md or html")


def _ok(entry: PassEntry) -> bool:
    return entry.decision == "continue"


def _week_span(week: Week) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(week.monday, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=7)


def _radar_area(sql: Sql, area: str) -> str:
    """The key of ``area`` (any case and spacing) if the radar has it, else InputError."""
    from assay.pipeline.learnings import area_key
    from assay.store import learnings as learning_rows

    known = learning_rows.areas(sql)
    key = area_key(area)
    if key not in known:
        listed = ", ".join(sorted(known.values())) or "none yet"
        raise InputError(f"--area {area!r} is not an area of the radar; its areas: {listed}")
    return key


def _default_source(feed: str) -> str:
    if "://" in feed:
        host_path = feed.split("://", 1)[1].split("?", 1)[0].rstrip("/")
        return host_path[:80]
    return Path(feed).stem[:80] or "feed"


def _split_name(name: str) -> tuple[str, str]:
    *given, family = name.split()
    return family, " ".join(given)


class Inbox:
    """Reached as ``workspace.inbox``; see the module docstring. ``papers`` gives the
    papers service (built on first use)."""

    def __init__(self, ctx: Context, papers: Callable[[], Papers]) -> None:
        self.ctx = ctx
        self._papers = papers

    # -- writes ---------------------------------------------------------------------

    def read_feed(self, feed: str, *, timeout: float = 20.0) -> Feed:
        """The feed at a path or an http(s) URL, read and checked (nothing written)."""
        from assay.formats import feeds

        if "://" in feed:
            return feeds.fetch_feed(feed, timeout=timeout)
        return feeds.load_feed(feed)

    def import_feed(
        self,
        feed: str,
        *,
        source: str | None = None,
        timeout: float = 20.0,
        area: str | None = None,
    ) -> InboxImport:
        """Import a feed (a saved file or a URL) into the inbox under ``source`` (default:
        the file's name or the URL's host and path). Items already in the inbox, already
        a paper, or repeated in the feed are counted, not added. A bad feed writes
        nothing. ``area`` (an area of the radar) routes the source's items to the area's
        owner (``assay area set-owner``): they show in the owner's ``inbox --mine`` and
        pass 1 goes to the owner unless ``--assign`` says otherwise."""
        name = check_source_name(source if source is not None else _default_source(feed))
        read = self.read_feed(feed, timeout=timeout)
        at = now()
        with self.ctx.write() as session:
            authorize(self.ctx, "inbox.import")
            sql = Sql.of_session(session)
            area_key = None if area is None else _radar_area(sql, area)
            known = inbox_rows.duplicates(sql, read.items)
            fresh: list[FeedItem] = []
            repeated: list[str] = []
            for item in read.items:
                keys = set(item_keys(item))
                if keys & known:
                    repeated.append(item.title)
                    continue
                known |= keys
                fresh.append(item)
            source_id = inbox_rows.source_for(
                session,
                name,
                kind=read.format,
                location=read.location,
                by=self.ctx.user,
                at=at,
                area=area_key,
            )
            ids = inbox_rows.add_items(session, source_id, fresh, by=self.ctx.user, at=at)
            added = inbox_rows.items(sql, ids=ids)
            stored = next(
                s for s in inbox_rows.source_names(sql) if s.casefold() == name.casefold()
            )
        return InboxImport(
            stored, read.format, read.location, len(read.items), tuple(added), tuple(repeated)
        )

    def triage(
        self,
        item: int,
        *,
        pass1: bool = False,
        skip: str | None = None,
        technique: str | None = None,
        assign: str | None = None,
        claim: str | None = None,
        why: str = "",
        today: dt.date | None = None,
    ) -> InboxItem:
        """Triage an item: ``pass1`` (create or merge its paper record, link it, and
        record pass 1 when ``claim`` is given, continuing for ``why``), ``skip`` with
        the reason, or a ``technique`` on the radar; ``assign`` names who follows it
        up (default for pass 1: whoever triages)."""
        chosen = [n for n, on in (("--pass1", pass1), ("--skip", skip is not None),
                                  ("--technique", technique is not None)) if on]  # fmt: skip
        if len(chosen) != 1:
            raise InputError(
                'triage an item one way: --pass1, --skip "why" or --technique NAME'
                + (f" (given: {', '.join(chosen)})" if chosen else "")
            )
        if skip is not None and not skip.strip():
            raise InputError('--skip needs the reason: --skip "why it is not for us"')
        if skip is not None and assign:
            raise InputError("--assign is for an item someone follows up; a skipped one is done")
        if claim is not None and not pass1:
            raise InputError("--claim records pass 1; give it with --pass1")
        with self.ctx.write() as session:
            authorize(self.ctx, "inbox.triage")
            sql = Sql.of_session(session)
            found = inbox_rows.find_item(sql, item)
            if found.status is not ItemStatus.NEW:
                when = f" on {found.triaged_at:%Y-%m-%d}" if found.triaged_at else ""
                raise InputError(
                    f"inbox item {item} was triaged already ({found.status.value}, by "
                    f"{found.triaged_by}{when}); each item is triaged once"
                )
            assignee = self._person(sql, assign) if assign else None
            paper_id = technique_id = None
            status, reason = ItemStatus.SKIPPED, (skip or "").strip()
            if pass1:
                status, reason = ItemStatus.PASS1, " ".join(why.split())
                assignee = assignee or found.routed_to or self.ctx.user
                paper_id = self._paper(session, found, claim, why, today)
            elif technique is not None:
                status, reason = ItemStatus.TECHNIQUE, " ".join(why.split())
                technique_id = technique_rows.ref(sql, technique).id
            inbox_rows.triage(
                session,
                item,
                status=status,
                reason=reason,
                assignee=assignee,
                paper_id=paper_id,
                technique_id=technique_id,
                by=self.ctx.user,
                at=now(),
            )
            return inbox_rows.find_item(sql, item)

    def _person(self, sql: Sql, name: str) -> str:
        """A registered user's stored name; any name in a workspace without users."""
        user = user_rows.find(sql, name)
        if user is not None and user.retired_at is None:
            return user.name
        if user_rows.count(sql) == 0:
            return " ".join(name.split())
        raise InputError(f"--assign {name!r}: no such active user; see: assay user list")

    def _paper(
        self, session: Any, item: InboxItem, claim: str | None, why: str, today: dt.date | None
    ) -> int:
        from assay.pipeline.papers import Author, Paper
        from assay.pipeline.reading import Decision
        from assay.store import papers as paper_rows

        paper = Paper(
            title=item.title,
            authors=tuple(Author(*_split_name(a)) for a in item.authors),
            year=item.published.year if item.published else None,
            doi=item.doi,
            arxiv_id=item.arxiv_id,
            url=item.url,
            abstract=item.abstract,
            source="arxiv" if item.arxiv_id else "manual",
        )
        papers = self._papers()
        added = papers.add([paper]).added[0]
        if claim is not None:
            if not why.strip():
                raise InputError(
                    '--claim records pass 1, which needs the reason to read on: --why "..."'
                )
            papers.read(added.paper.key, [(1, {"claim": claim}, Decision.CONTINUE, why, today)])
        return paper_rows.find_row(session, added.paper.key).id

    # -- reads ----------------------------------------------------------------------

    def list(
        self,
        *,
        source: str | None = None,
        status: ItemStatus | None = ItemStatus.NEW,
        mine: bool = False,
    ) -> builtins.list[InboxItem]:
        """Items (by default the untriaged ones), oldest first; ``mine``: assigned to
        whoever acts, or untriaged from a source of an area they own."""
        with self.ctx.sql_read() as sql:
            if source is not None and source.strip().casefold() not in {
                s.casefold() for s in inbox_rows.source_names(sql)
            }:
                raise InputError(f"no source {source!r}; see: assay inbox sources")
            return inbox_rows.items(
                sql, source=source, status=status, assignee=self.ctx.user if mine else None
            )

    def show(self, item: int) -> InboxItem:
        with self.ctx.sql_read() as sql:
            return inbox_rows.find_item(sql, item)

    def sources(self) -> builtins.list[SourceYield]:
        """Every source with its yield."""
        with self.ctx.sql_read() as sql:
            return inbox_rows.yields(sql)

    def cadence(self, week: Week | None = None, *, today: dt.date | None = None) -> Cadence:
        """The week's scans and second passes, the month's deep reads, per person, against
        ``[cadence]`` in ``assay.toml``. People: the active users who may write (or,
        without users, whoever read)."""
        week = week or Week.of(today or dt.date.today())
        start, end = _week_span(week)
        first, last = week.month
        section = self.ctx.settings.cadence
        targets = Targets(section.scan_per_week, section.pass2_per_week, section.pass3_per_month)
        with self.ctx.sql_read() as sql:
            scans = inbox_rows.cadence_counts(sql, start, end)
            month = inbox_rows.passes_in(sql, first, last)
            people = [
                u.name
                for u in user_rows.all_users(sql)
                if u.retired_at is None and u.role.value != "viewer"
            ]
        second: dict[str, int] = {}
        deep: dict[str, int] = {}
        for entry in month:
            if entry.number == 2 and week.monday <= entry.on <= week.sunday:
                second[entry.by] = second.get(entry.by, 0) + 1
            if entry.number == 3:
                deep[entry.by] = deep.get(entry.by, 0) + 1
        rows = behind(people, scans, second, deep, targets)
        return Cadence(week, (first, last), targets, tuple(rows))

    def digest(self, week: Week | None = None, *, today: dt.date | None = None) -> Digest:
        """What survived each pass in ``week`` (default: this week)."""
        week = week or Week.of(today or dt.date.today())
        start, end = _week_span(week)
        with self.ctx.sql_read() as sql:
            triaged = inbox_rows.triaged_in(sql, start, end)
            passes = inbox_rows.passes_in(sql, week.monday, week.sunday)
            imported = inbox_rows.imported_in(sql, start, end)
        return Digest(week, imported, tuple(triaged), tuple(passes))

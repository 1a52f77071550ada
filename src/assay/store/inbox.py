"""The reading inbox in the store: sources, items, their triage, and the reads that
count them (a source's yield, a week's cadence, the digest).

Reads are plain SQL over :class:`~assay.store.sql.Sql`: each is one or a few indexed
joins over the links stored at triage (an item's paper and technique), the papers'
reading passes and the techniques' prototypes, never a replay of history. Writes go
through the ORM (:mod:`assay.store.inbox_models`), so the audit trail records them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from assay.errors import NotFoundError
from assay.pipeline.inbox import FeedItem, ItemStatus, item_keys, normalise_url
from assay.store.sql import Row, Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "InboxItem",
    "PassEntry",
    "SourceYield",
    "add_items",
    "cadence_counts",
    "duplicates",
    "find_item",
    "imported_in",
    "items",
    "passes_in",
    "source_for",
    "triage",
    "triaged_in",
    "yields",
]


@dataclasses.dataclass(frozen=True)
class InboxItem:
    """An item as the inbox shows it: the entry, its source, its triage and, once sent
    to pass 1, how far its paper's reading went (``pass_reached``: 0 to 3)."""

    id: int
    source: str
    title: str
    authors: tuple[str, ...]
    url: str | None
    arxiv_id: str | None
    doi: str | None
    abstract: str
    published: dt.date | None
    imported_at: dt.datetime
    status: ItemStatus
    reason: str
    assignee: str | None
    triaged_by: str | None
    triaged_at: dt.datetime | None
    paper: str | None
    technique: str | None
    pass_reached: int = 0
    area: str | None = None
    routed_to: str | None = None
    """The owner of the source's area: who an untriaged item waits for."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "authors": list(self.authors),
            "url": self.url,
            "arxiv_id": self.arxiv_id,
            "doi": self.doi,
            "abstract": self.abstract,
            "published": self.published.isoformat() if self.published else None,
            "imported_at": self.imported_at.isoformat(),
            "status": self.status.value,
            "reason": self.reason,
            "assignee": self.assignee,
            "triaged_by": self.triaged_by,
            "triaged_at": self.triaged_at.isoformat() if self.triaged_at else None,
            "paper": self.paper,
            "technique": self.technique,
            "pass_reached": self.pass_reached,
            "area": self.area,
            "routed_to": self.routed_to,
        }


@dataclasses.dataclass(frozen=True)
class SourceYield:
    """What a source brought: items imported, triaged, skipped, and how many reached
    pass 1, pass 2, pass 3 (their papers' reading passes), a prototype of a technique
    they are linked to, and the radar (linked to a technique at all)."""

    source: str
    kind: str
    location: str
    imported: int
    triaged: int
    skipped: int
    pass1: int
    pass2: int
    pass3: int
    prototype: int
    radar: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_ITEMS = """
SELECT i.id, s.name, i.title, i.authors, i.url, i.arxiv_id, i.doi, i.abstract, i.published,
       i.imported_at, i.status, i.reason, i.assignee, i.triaged_by, i.triaged_at,
       p.key, t.name,
       (SELECT max(r.number) FROM reading_passes r WHERE r.paper_id = i.paper_id),
       s.area, ao.owner
FROM inbox_items i
JOIN inbox_sources s ON s.id = i.source_id
LEFT JOIN area_owners ao ON ao.key = s.area
LEFT JOIN papers p ON p.id = i.paper_id
LEFT JOIN techniques t ON t.id = i.technique_id
"""


def _item(sql: Sql, row: Row) -> InboxItem:
    when = sql.datetimes()
    (id_, source, title, authors, url, arxiv_id, doi, abstract, published, imported_at,
     status, reason, assignee, triaged_by, triaged_at, paper, technique, reached,
     area, owner) = row  # fmt: skip
    return InboxItem(
        id=int(id_),
        source=source,
        title=title,
        authors=tuple(sql.json(authors) or ()),
        url=url,
        arxiv_id=arxiv_id,
        doi=doi,
        abstract=abstract,
        published=sql.date(published),
        imported_at=when(imported_at),
        status=ItemStatus(status),
        reason=reason or "",
        assignee=assignee,
        triaged_by=triaged_by,
        triaged_at=Sql.datetime(triaged_at),
        paper=paper,
        technique=technique,
        pass_reached=int(reached or 0),
        area=area,
        routed_to=owner,
    )


def items(
    sql: Sql,
    *,
    source: str | None = None,
    status: ItemStatus | None = None,
    assignee: str | None = None,
    ids: Sequence[int] | None = None,
) -> list[InboxItem]:
    """Items, oldest first, filtered by source (any case), status and assignee."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if source is not None:
        where.append("s.key = :source")
        params["source"] = source.strip().casefold()
    if status is not None:
        where.append("i.status = :status")
        params["status"] = status.value
    if assignee is not None:  # assigned to them, or untriaged in an area they own
        where.append(
            "(lower(i.assignee) = :assignee OR (i.assignee IS NULL AND i.status = 'new' "
            "AND lower(ao.owner) = :assignee))"
        )
        params["assignee"] = assignee.strip().casefold()
    if ids is not None:
        if not ids:
            return []
        where.append("i.id IN (:ids)")
        params["ids"] = list(ids)
    text = _ITEMS + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY i.id"
    return [_item(sql, row) for row in sql.rows(text, params)]


def find_item(sql: Sql, ident: int) -> InboxItem:
    """The item numbered ``ident``, or :class:`NotFoundError` (an id no database can
    hold is the same one line, never the driver's overflow)."""
    from assay.types import check_id

    check_id(ident, noun="inbox item", see="assay inbox")
    found = items(sql, ids=[ident])
    if not found:
        raise NotFoundError(f"no inbox item {ident}; see: assay inbox")
    return found[0]


def source_names(sql: Sql) -> list[str]:
    return [name for (name,) in sql.rows("SELECT name FROM inbox_sources ORDER BY key")]


# --- writes --------------------------------------------------------------------------


def source_for(
    session: Session,
    name: str,
    *,
    kind: str,
    location: str,
    by: str,
    at: dt.datetime,
    area: str | None = None,
) -> int:
    """The id of the source ``name`` (any case), created when new; its format and
    location are updated to the latest import's, its area (a radar area's key) when
    ``area`` is given."""
    from sqlalchemy import select

    from assay.store.inbox_models import InboxSourceRow

    row = session.scalar(select(InboxSourceRow).where(InboxSourceRow.key == name.casefold()))
    if row is None:
        row = InboxSourceRow(
            name=name, key=name.casefold(), kind=kind, location=location, by=by, at=at, area=area
        )
        session.add(row)
    else:
        if (row.kind, row.location) != (kind, location):
            row.kind, row.location = kind, location
        if area is not None and row.area != area:
            row.area = area
    session.flush()
    return row.id


def duplicates(sql: Sql, feed: Iterable[FeedItem]) -> set[str]:
    """The identity keys (:func:`assay.pipeline.inbox.item_keys`) of ``feed`` that an
    inbox item or a paper already holds."""
    arxiv = sorted({i.arxiv_id for i in feed if i.arxiv_id})
    dois = sorted({i.doi.lower() for i in feed if i.doi})
    urls = sorted({normalise_url(i.url) for i in feed if i.url})
    raw_urls = sorted({i.url for i in feed if i.url})
    titles = sorted({k for i in feed for k in item_keys(i) if k.startswith("title:")})
    found: set[str] = set()
    for column, values, prefix in (
        ("arxiv_id", arxiv, "arxiv:"),
        ("doi", dois, "doi:"),
        ("url_key", urls, "url:"),
    ):
        if values:
            query = f"SELECT {column} FROM inbox_items WHERE {column} IN (:v)"
            found |= {prefix + v for (v,) in sql.rows(query, {"v": values})}
    for column, values, prefix in (("arxiv_id", arxiv, "arxiv:"), ("doi", dois, "doi:")):
        if values:
            query = f"SELECT {column} FROM papers WHERE {column} IN (:v)"
            found |= {prefix + v for (v,) in sql.rows(query, {"v": values})}
    if raw_urls:
        query = "SELECT url FROM papers WHERE url IN (:v)"
        found |= {"url:" + normalise_url(v) for (v,) in sql.rows(query, {"v": raw_urls})}
    if titles:
        query = "SELECT title_key FROM inbox_items WHERE title_key IN (:v)"
        found |= {"title:" + v for (v,) in sql.rows(query, {"v": [t[6:] for t in titles]})}
    return found


def add_items(
    session: Session, source_id: int, feed: Sequence[FeedItem], *, by: str, at: dt.datetime
) -> list[int]:
    """Store ``feed``'s items under the source (the caller has removed duplicates);
    their ids."""
    from assay.store.inbox_models import InboxItemRow

    rows = []
    for item in feed:
        title_key = next((k[6:] for k in item_keys(item) if k.startswith("title:")), "")
        rows.append(
            InboxItemRow(
                source_id=source_id,
                title=item.title,
                authors=list(item.authors),
                url=item.url,
                url_key=normalise_url(item.url) if item.url else None,
                arxiv_id=item.arxiv_id,
                doi=item.doi.lower() if item.doi else None,
                title_key=title_key,
                abstract=item.abstract,
                published=item.published,
                imported_by=by,
                imported_at=at,
                status=ItemStatus.NEW.value,
                reason="",
            )
        )
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def triage(
    session: Session,
    ident: int,
    *,
    status: ItemStatus,
    reason: str,
    assignee: str | None,
    paper_id: int | None,
    technique_id: int | None,
    by: str,
    at: dt.datetime,
) -> None:
    """Write the triage of item ``ident``."""
    from assay.store.inbox_models import InboxItemRow

    row = session.get(InboxItemRow, ident)
    if row is None:
        raise NotFoundError(f"no inbox item {ident}; see: assay inbox")
    row.status = status.value
    row.reason = reason
    row.assignee = assignee
    row.paper_id = paper_id
    row.technique_id = technique_id
    row.triaged_by = by
    row.triaged_at = at
    session.flush()


# --- counts --------------------------------------------------------------------------

_YIELD = """
SELECT s.name, s.kind, s.location,
  count(i.id),
  sum(CASE WHEN i.status <> 'new' THEN 1 ELSE 0 END),
  sum(CASE WHEN i.status = 'skipped' THEN 1 ELSE 0 END),
  sum(CASE WHEN i.paper_id IS NOT NULL THEN 1 ELSE 0 END),
  sum(CASE WHEN EXISTS (SELECT 1 FROM reading_passes r
                        WHERE r.paper_id = i.paper_id AND r.number >= 2) THEN 1 ELSE 0 END),
  sum(CASE WHEN EXISTS (SELECT 1 FROM reading_passes r
                        WHERE r.paper_id = i.paper_id AND r.number = 3) THEN 1 ELSE 0 END),
  sum(CASE WHEN EXISTS (SELECT 1 FROM prototypes x WHERE x.technique_id = i.technique_id)
        OR EXISTS (SELECT 1 FROM paper_techniques pt JOIN prototypes x
                   ON x.technique_id = pt.technique_id WHERE pt.paper_id = i.paper_id)
      THEN 1 ELSE 0 END),
  sum(CASE WHEN i.technique_id IS NOT NULL
        OR EXISTS (SELECT 1 FROM paper_techniques pt WHERE pt.paper_id = i.paper_id)
      THEN 1 ELSE 0 END)
FROM inbox_sources s LEFT JOIN inbox_items i ON i.source_id = s.id
GROUP BY s.id, s.name, s.kind, s.location, s.key
ORDER BY s.key
"""


def yields(sql: Sql) -> list[SourceYield]:
    """Every source's yield, by name: one grouped query over indexed links."""
    return [
        SourceYield(name, kind, location, *(int(v or 0) for v in counts))
        for name, kind, location, *counts in sql.rows(_YIELD)
    ]


def triaged_in(sql: Sql, start: dt.datetime, end: dt.datetime) -> list[InboxItem]:
    """The items triaged in ``[start, end)``, oldest triage first."""
    text = _ITEMS + (
        " WHERE i.triaged_at >= :start AND i.triaged_at < :end ORDER BY i.triaged_at, i.id"
    )
    params = {"start": sql.bind_datetime(start), "end": sql.bind_datetime(end)}
    return [_item(sql, row) for row in sql.rows(text, params)]


@dataclasses.dataclass(frozen=True)
class PassEntry:
    """A reading pass recorded in a period: the paper, the pass, who, and whether the
    paper survived it (decided to continue, or completed pass 3)."""

    paper: str
    title: str
    number: int
    by: str
    on: dt.date
    decision: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "on": self.on.isoformat()}


def passes_in(sql: Sql, first: dt.date, last: dt.date) -> list[PassEntry]:
    """The reading passes read from ``first`` to ``last`` (inclusive), by day."""
    rows = sql.rows(
        "SELECT p.key, p.title, r.number, r.by, r.read_on, r.decision, r.reason"
        " FROM reading_passes r JOIN papers p ON p.id = r.paper_id"
        " WHERE r.read_on >= :first AND r.read_on <= :last AND p.retired_at IS NULL"
        " ORDER BY r.read_on, p.key, r.number",
        {"first": sql.bind_date(first), "last": sql.bind_date(last)},
    )
    out = []
    for key, title, number, by, on, decision, reason in rows:
        day = sql.date(on)
        assert day is not None
        out.append(PassEntry(key, title, int(number), by, day, decision, reason))
    return out


def cadence_counts(sql: Sql, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Items triaged per person in ``[start, end)``: one grouped, indexed query."""
    rows = sql.rows(
        "SELECT triaged_by, count(*) FROM inbox_items"
        " WHERE triaged_at >= :start AND triaged_at < :end GROUP BY triaged_by",
        {"start": sql.bind_datetime(start), "end": sql.bind_datetime(end)},
    )
    return {str(by): int(n) for by, n in rows}


def imported_in(sql: Sql, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Items imported in ``[start, end)`` per source name."""
    rows = sql.rows(
        "SELECT s.name, count(*) FROM inbox_items i JOIN inbox_sources s ON s.id = i.source_id"
        " WHERE i.imported_at >= :start AND i.imported_at < :end GROUP BY s.name",
        {"start": sql.bind_datetime(start), "end": sql.bind_datetime(end)},
    )
    return {str(name): int(n) for name, n in rows}

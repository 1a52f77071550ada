"""Papers: adding (duplicates merged, never doubled), finding, listing, linking.

A paper is found by its key, DOI, arXiv id, or a piece of its title. Adding papers
(:func:`add_many`) first looks for the same paper, by DOI, arXiv id, or normalised
title with the same year and first author (:func:`assay.pipeline.papers.same_paper`),
and, when one is stored, merges the newcomer into it with
:func:`assay.pipeline.papers.merge_papers`. A paper with only the same title is
kept, and listed as a possible duplicate. The lookup is an in-memory index read in
one query per import, so an import is linear in its size (it used to ask the
database about every paper, and to compare every pair in the file).

Functions take an open session from :meth:`assay.store.Database.read` or ``.write``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from assay.errors import InputError, NotFoundError
from assay.formats.paper_records import Problem
from assay.pipeline.papers import (
    Author,
    Paper,
    merge_papers,
    normalise_arxiv_id,
    normalise_doi,
    paper_keys,
    same_paper,
)
from assay.pipeline.reading import (
    AdoptionAdvice,
    AdoptionFactors,
    CodeCompleteness,
    DimensionScore,
    PassNote,
    RedFlag,
    StructuredNote,
    Viability,
    ViabilityDimension,
    advise_adoption,
    reading_status,
    worst_severity,
)
from assay.store import claims, reading_notes
from assay.store.claims import ClaimRecord
from assay.store.models import TechniqueRow
from assay.store.research_models import PaperRow, PaperTechniqueRow

__all__ = [
    "Added",
    "PaperImport",
    "PaperRecord",
    "add",
    "add_many",
    "all_rows",
    "find_row",
    "like",
    "link_technique",
    "record",
    "technique_names",
    "to_value",
]

_KEY_MAX = 200


_WHY = {
    "doi": "same DOI",
    "arxiv": "same arXiv id",
    "title": "same title, year and first author",
}


@dataclasses.dataclass(frozen=True)
class Added:
    """A paper as stored after an add, and how it matched an earlier record.

    ``merged_by`` is the key it was recognised by (``doi:...``, ``arxiv:...``,
    ``title:...``, the last meaning the same title, year and first author), or None
    when the paper is new. ``incoming_key`` is the key the record came with.
    ``kept_out`` lists identifiers the newcomer carried that another stored paper
    already holds; ``possible_duplicates`` the keys of papers with the same title but
    another year or first author (kept apart, listed for a person to judge).
    """

    paper: Paper
    merged_by: str | None
    kept_out: tuple[str, ...] = ()
    incoming_key: str = ""
    possible_duplicates: tuple[str, ...] = ()

    @property
    def why(self) -> str:
        """Why it was merged, in words ("" when new)."""
        return _WHY.get((self.merged_by or "").partition(":")[0], "")

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.paper.key,
            "incoming_key": self.incoming_key or self.paper.key,
            "title": self.paper.title,
            "merged_by": self.merged_by,
            "why": self.why or None,
            "kept_out": list(self.kept_out),
            "possible_duplicates": list(self.possible_duplicates),
        }


@dataclasses.dataclass(frozen=True)
class PaperRecord:
    """Everything recorded on one paper."""

    paper: Paper
    techniques: tuple[str, ...]
    passes: tuple[PassNote, ...]
    note: StructuredNote | None
    flags: tuple[RedFlag, ...]
    checklist: CodeCompleteness | None
    scores: Mapping[ViabilityDimension, DimensionScore]
    adoption: AdoptionFactors | None
    claims: tuple[ClaimRecord, ...]

    @property
    def status(self) -> tuple[str, str]:
        state, why = reading_status(self.passes)
        return state.value, why

    @property
    def viability(self) -> Viability | None:
        complete = len(self.scores) == len(ViabilityDimension)
        return Viability(self.scores) if complete else None

    @property
    def advice(self) -> AdoptionAdvice | None:
        return None if self.adoption is None else advise_adoption(self.adoption)

    def summary(self) -> dict[str, Any]:
        """The short form ``paper list`` shows."""
        worst = worst_severity(self.flags)
        return {
            "key": self.paper.key,
            "title": self.paper.title,
            "year": self.paper.year,
            "authors": [a.display for a in self.paper.authors],
            "status": self.status[0],
            "relevance": self.note.relevance if self.note else None,
            "red_flags": len(self.flags),
            "worst_flag": worst.value if worst else None,
            "claims": len(self.claims),
            "techniques": list(self.techniques),
        }

    def to_dict(self) -> dict[str, Any]:
        state, why = self.status
        viability = self.viability
        a = self.adoption
        return {
            **self.paper.to_dict(),
            "techniques": list(self.techniques),
            "reading": {"status": state, "explanation": why},
            "passes": [p.to_dict() for p in self.passes],
            "note": self.note.to_dict() if self.note else None,
            "red_flags": [f.to_dict() for f in self.flags],
            "code_checklist": self.checklist.to_dict() if self.checklist else None,
            "viability": viability.to_dict()
            if viability
            else {"scores": {d.value: dataclasses.asdict(s) for d, s in self.scores.items()}},
            "adoption": None
            if a is None
            else {
                "factors": {
                    "reversibility": a.reversibility.value,
                    "expected_gain": a.expected_gain.value,
                    "maturity": a.maturity.value,
                    "criticality": a.criticality.value,
                    "shadow_mode": a.shadow_mode,
                },
                **advise_adoption(a).to_dict(),
            },
            "claims": [c.to_dict() for c in self.claims],
        }


@dataclasses.dataclass(frozen=True)
class PaperImport:
    """What an import did, record by record, and the reader's notes.

    ``records`` counts the records in the file: always ``new + merged + skipped``,
    where ``merged`` includes ``repeats`` (a key repeated word for word in the file)
    and ``skipped`` lists the bad records left out by ``--skip-invalid``.
    """

    added: tuple[Added, ...]
    warnings: tuple[str, ...] = ()
    skipped: tuple[Problem, ...] = ()
    repeats: int = 0
    source: str = ""

    @property
    def new(self) -> int:
        return sum(a.merged_by is None for a in self.added)

    @property
    def merged(self) -> int:
        return sum(a.merged_by is not None for a in self.added) + self.repeats

    @property
    def records(self) -> int:
        return len(self.added) + self.repeats + len(self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source or None,
            "records": self.records,
            "new": self.new,
            "merged": self.merged,
            "skipped": len(self.skipped),
            "papers": [a.to_dict() for a in self.added],
            "skipped_records": [p.to_dict() for p in self.skipped],
            "possible_duplicates": [
                {"key": a.paper.key, "same_title_as": list(a.possible_duplicates)}
                for a in self.added
                if a.possible_duplicates
            ],
            "warnings": list(self.warnings),
        }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like(text: str) -> str:
    """A ``LIKE`` pattern matching ``text`` anywhere; use with ``escape='\\\\'``."""
    return f"%{_escape_like(text)}%"


def _title_key(paper: Paper) -> str:
    return next((k[6:] for k in paper_keys(paper) if k.startswith("title:")), "")


def to_value(row: PaperRow) -> Paper:
    authors = tuple(Author(a["family"], a.get("given", "")) for a in row.authors)
    return Paper(
        title=row.title,
        raw_title=row.raw_title,
        authors=authors,
        year=row.year,
        venue=row.venue,
        doi=row.doi,
        arxiv_id=row.arxiv_id,
        url=row.url,
        code_url=row.code_url,
        abstract=row.abstract,
        key=row.key,
        source=row.source,
    )


def record(session: Session, row: PaperRow) -> PaperRecord:
    """Everything recorded on the paper of ``row``."""
    return PaperRecord(
        paper=to_value(row),
        techniques=technique_names(session, row),
        passes=reading_notes.passes(row),
        note=reading_notes.note(row),
        flags=reading_notes.flags(row),
        checklist=reading_notes.checklist(row),
        scores=reading_notes.scores(row),
        adoption=reading_notes.adoption(row),
        claims=tuple(claims.all_records(session, row)),
    )


def _fill(row: PaperRow, paper: Paper) -> None:
    row.title = paper.title
    row.raw_title = paper.raw_title
    row.title_key = _title_key(paper)
    row.authors = [a.to_dict() for a in paper.authors]
    row.year = paper.year
    row.venue = paper.venue
    row.doi = paper.doi
    row.arxiv_id = paper.arxiv_id
    row.url = paper.url
    row.code_url = paper.code_url
    row.abstract = paper.abstract


def _made_up_key(paper: Paper) -> str:
    family = paper.authors[0].family if paper.authors else ""
    word = next((w for w in paper.normalised_title.split() if len(w) > 3), "paper")
    base = re.sub(r"[^a-z0-9]", "", family.casefold()) + str(paper.year or "") + word
    return base[:_KEY_MAX] or "paper"


@dataclasses.dataclass
class _Pending:
    """A paper new in this import, inserted with the others at the end."""

    paper: Paper
    key: str


_Handle = _Pending | int


class _Index:
    """Every stored paper's identifiers, read in one query, kept up to date as papers
    are added: one dictionary look-up per paper instead of a query against all."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.keys: set[str] = set()
        self.doi: dict[str, _Handle] = {}
        self.arxiv: dict[str, _Handle] = {}
        self.titles: dict[str, list[_Handle]] = {}
        self.pending: list[_Pending] = []
        query = select(
            PaperRow.id, PaperRow.key, PaperRow.doi, PaperRow.arxiv_id, PaperRow.title_key
        )
        for row_id, key, doi, arxiv_id, title_key in session.execute(query):
            self.keys.add(key)
            if doi:
                self.doi[doi] = row_id
            if arxiv_id:
                self.arxiv[arxiv_id] = row_id
            self.titles.setdefault(title_key, []).append(row_id)

    def value(self, handle: _Handle) -> Paper:
        if isinstance(handle, _Pending):
            return handle.paper
        row = self.session.get(PaperRow, handle)
        assert row is not None
        return to_value(row)

    def key(self, handle: _Handle) -> str:
        return handle.key if isinstance(handle, _Pending) else self.value(handle).key

    def put(self, handle: _Handle, paper: Paper) -> None:
        if paper.doi:
            self.doi.setdefault(paper.doi, handle)
        if paper.arxiv_id:
            self.arxiv.setdefault(paper.arxiv_id, handle)

    def free_key(self, wanted: str) -> str:
        key, n = wanted[: _KEY_MAX - 4], 1
        while key in self.keys:
            n += 1
            key = f"{wanted[: _KEY_MAX - 4]}-{n}"
        return key

    def match(self, paper: Paper, title_key: str) -> tuple[_Handle, str] | None:
        """The stored (or pending) paper that ``paper`` is, and the key it matched by."""
        for table, value in ((self.doi, paper.doi), (self.arxiv, paper.arxiv_id)):
            if value and value in table:
                key = same_paper(self.value(table[value]), paper)
                if key is not None:
                    return table[value], key
        for handle in self.titles.get(title_key, []):
            key = same_paper(self.value(handle), paper)
            if key is not None:
                return handle, key
        return None

    def holder(self, table: dict[str, _Handle], value: str | None, handle: _Handle) -> bool:
        """Whether a paper other than ``handle`` holds identifier ``value``."""
        return value is not None and value in table and table[value] is not handle


def _new(index: _Index, paper: Paper, title_key: str) -> Added:
    key = index.free_key(paper.key or paper.arxiv_id or _made_up_key(paper))
    pending = _Pending(dataclasses.replace(paper, key=key), key)
    same_title = tuple(index.key(h) for h in index.titles.get(title_key, []))
    index.keys.add(key)
    index.titles.setdefault(title_key, []).append(pending)
    index.pending.append(pending)
    index.put(pending, pending.paper)
    return Added(pending.paper, None, (), paper.key, same_title)


def _merge(index: _Index, handle: _Handle, paper: Paper, matched_by: str, at: dt.datetime) -> Added:
    kept = index.value(handle)
    merged = merge_papers(kept, paper)
    kept_out = []
    # Another stored paper may hold an identifier the newcomer brings: keep it there.
    if merged.doi != kept.doi and index.holder(index.doi, merged.doi, handle):
        kept_out.append(f"doi:{merged.doi}")
        merged = dataclasses.replace(merged, doi=kept.doi)
    if merged.arxiv_id != kept.arxiv_id and index.holder(index.arxiv, merged.arxiv_id, handle):
        kept_out.append(f"arxiv:{merged.arxiv_id}")
        merged = dataclasses.replace(merged, arxiv_id=kept.arxiv_id)
    if merged != kept:
        if isinstance(handle, _Pending):
            handle.paper = merged
        else:
            row = index.session.get(PaperRow, handle)
            assert row is not None
            _fill(row, merged)
            row.updated_at = at
        index.put(handle, merged)
    return Added(merged, matched_by, tuple(kept_out), paper.key)


def _insert(index: _Index, by: str, at: dt.datetime) -> None:
    """The new papers in one multi-row insert (the ORM's unit of work took 1 ms a row)."""
    if not index.pending:
        return
    rows = []
    for pending in index.pending:
        p = pending.paper
        rows.append({
            "key": pending.key, "title": p.title, "raw_title": p.raw_title,
            "title_key": _title_key(p), "authors": [a.to_dict() for a in p.authors],
            "year": p.year, "venue": p.venue, "doi": p.doi, "arxiv_id": p.arxiv_id,
            "url": p.url, "code_url": p.code_url, "abstract": p.abstract,
            "source": p.source, "code_checklist": None, "by": by,
            "created_at": at, "updated_at": at,
        })  # fmt: skip
    index.session.execute(insert(PaperRow), rows)
    # A bulk insert bypasses the unit of work: note the new papers for the audit trail.
    from assay.store import audit_capture

    keys = [row["key"] for row in rows]
    ids = index.session.scalars(select(PaperRow.id).where(PaperRow.key.in_(keys)))
    audit_capture.inserted(index.session, "papers", [(pk,) for pk in ids])


def add_many(session: Session, papers: Sequence[Paper], *, by: str, at: dt.datetime) -> list[Added]:
    """Store ``papers`` in order, each merged into the stored record of the same paper
    (one added earlier in the same call included); linear in stored and new papers."""
    index = _Index(session)
    result = []
    with session.no_autoflush:
        for paper in papers:
            title_key = _title_key(paper)
            found = index.match(paper, title_key)
            if found is None:
                result.append(_new(index, paper, title_key))
            else:
                result.append(_merge(index, found[0], paper, found[1], at))
    session.flush()
    _insert(index, by, at)
    return result


def add(session: Session, paper: Paper, *, by: str, at: dt.datetime) -> Added:
    """Store ``paper``, or merge it into the stored record of the same paper."""
    return add_many(session, [paper], by=by, at=at)[0]


def _describe(rows: Sequence[PaperRow]) -> str:
    shown = "; ".join(f"{r.key} ({r.title})" for r in rows[:8])
    more = f"; and {len(rows) - 8} more" if len(rows) > 8 else ""
    return shown + more


def _by_identifier(session: Session, ref: str) -> PaperRow | None:
    text = ref.strip()
    for normalise, column in (
        (normalise_doi, PaperRow.doi),
        (normalise_arxiv_id, PaperRow.arxiv_id),
    ):
        try:
            value = normalise(text)
        except InputError:
            continue
        row = session.scalar(select(PaperRow).where(column == value))
        if row is not None:
            return row
    return None


def find_row(session: Session, ref: str) -> PaperRow:
    """The paper ``ref`` names: a key, a DOI, an arXiv id, the start of a key, or a
    piece of its title (case-insensitive).

    A title piece that matches several papers is an :class:`InputError` listing them.
    """
    text = ref.strip()
    if not text:
        raise InputError("no paper given; name it by key, DOI, arXiv id or part of its title")
    row = session.scalar(select(PaperRow).where(PaperRow.key == text))
    if row is None:
        keyed = session.scalars(
            select(PaperRow).where(PaperRow.key.ilike(_escape_like(text), escape="\\"))
        ).all()
        row = keyed[0] if len(keyed) == 1 else None
    row = row or _by_identifier(session, text)
    if row is not None:
        return row
    rows = session.scalars(
        select(PaperRow)
        .where(
            or_(
                PaperRow.key.ilike(_escape_like(text) + "%", escape="\\"),
                PaperRow.title.ilike(like(text), escape="\\"),
                PaperRow.raw_title.ilike(like(text), escape="\\"),
            )
        )
        .order_by(PaperRow.key)
    ).all()
    if len(rows) == 1:
        return rows[0]
    if rows:
        raise InputError(
            f"paper {text!r} is ambiguous: {len(rows)} papers match ({_describe(rows)}); "
            "name it by its key, DOI or arXiv id"
        )
    raise NotFoundError(
        f"no paper matches {text!r} by key, DOI, arXiv id or title; see: assay paper list"
    )


def all_rows(session: Session, *, include_retired: bool = False) -> list[PaperRow]:
    """Every paper not retired (all with ``include_retired``), newest year first,
    then by key."""
    query = select(PaperRow).order_by(PaperRow.year.desc().nulls_last(), PaperRow.key)
    if not include_retired:
        query = query.where(PaperRow.retired_at.is_(None))
    return list(session.scalars(query).all())


def linked_rows(session: Session, technique: str) -> list[PaperRow]:
    """The papers (not retired) linked to the technique named ``technique`` (any
    case), newest year first, then by key: one query."""
    query = (
        select(PaperRow)
        .join(PaperTechniqueRow, PaperTechniqueRow.paper_id == PaperRow.id)
        .join(TechniqueRow, TechniqueRow.id == PaperTechniqueRow.technique_id)
        .where(TechniqueRow.key == technique.strip().casefold(), PaperRow.retired_at.is_(None))
        .order_by(PaperRow.year.desc().nulls_last(), PaperRow.key)
    )
    return list(session.scalars(query).all())


def technique_names(session: Session, row: PaperRow) -> tuple[str, ...]:
    """The names of the techniques ``row`` is linked to, sorted."""
    names = session.scalars(
        select(TechniqueRow.name)
        .join(PaperTechniqueRow, PaperTechniqueRow.technique_id == TechniqueRow.id)
        .where(PaperTechniqueRow.paper_id == row.id)
        .order_by(TechniqueRow.key)
    ).all()
    return tuple(names)


def link_technique(
    session: Session, row: PaperRow, technique: TechniqueRow, *, by: str, at: dt.datetime
) -> bool:
    """Link a paper to a technique; False when they were linked already."""
    exists = session.get(PaperTechniqueRow, (row.id, technique.id))
    if exists is not None:
        return False
    session.add(PaperTechniqueRow(paper_id=row.id, technique_id=technique.id, by=by, at=at))
    session.flush()
    return True

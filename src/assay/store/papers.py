"""Papers: adding (duplicates merged, never doubled), finding, listing, linking.

A paper is found by its key, DOI, arXiv id, or a piece of its title. Adding a paper
first looks for the same paper by :func:`assay.pipeline.papers.paper_keys` (DOI,
arXiv id, normalised title) and, when one is stored, merges the newcomer into it
with :func:`assay.pipeline.papers.merge_papers`.

Functions take an open session from :meth:`assay.store.Database.read` or ``.write``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from assay.errors import InputError, NotFoundError
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
    "all_rows",
    "find_row",
    "like",
    "link_technique",
    "record",
    "technique_names",
    "to_value",
]

_KEY_MAX = 200


@dataclasses.dataclass(frozen=True)
class Added:
    """A paper as stored after an add, and how it matched an earlier record.

    ``merged_by`` is the key it was recognised by (``doi:...``, ``arxiv:...``,
    ``title:...``), or None when the paper is new. ``kept_out`` lists identifiers
    the newcomer carried that another stored paper already holds.
    """

    paper: Paper
    merged_by: str | None
    kept_out: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.paper.key,
            "title": self.paper.title,
            "merged_by": self.merged_by,
            "kept_out": list(self.kept_out),
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
    """What an import did, paper by paper, and the reader's warnings."""

    added: tuple[Added, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "papers": [a.to_dict() for a in self.added],
            "new": sum(a.merged_by is None for a in self.added),
            "merged": sum(a.merged_by is not None for a in self.added),
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


def _free_key(session: Session, wanted: str) -> str:
    key, n = wanted[: _KEY_MAX - 4], 1
    while session.scalar(select(PaperRow.id).where(PaperRow.key == key)) is not None:
        n += 1
        key = f"{wanted[: _KEY_MAX - 4]}-{n}"
    return key


def _holder(
    session: Session, column: InstrumentedAttribute[str | None], value: str | None, row_id: int
) -> bool:
    if value is None:
        return False
    found = session.scalar(select(PaperRow.id).where(column == value, PaperRow.id != row_id))
    return found is not None


def _match(session: Session, paper: Paper) -> tuple[PaperRow, str] | None:
    conditions = [PaperRow.title_key == _title_key(paper)]
    if paper.doi:
        conditions.append(PaperRow.doi == paper.doi)
    if paper.arxiv_id:
        conditions.append(PaperRow.arxiv_id == paper.arxiv_id)
    rows = session.scalars(select(PaperRow).where(or_(*conditions)).order_by(PaperRow.id)).all()
    # Identifiers decide before titles: a DOI match beats an earlier title match.
    matches = [(row, same_paper(to_value(row), paper)) for row in rows]
    for prefix in ("doi:", "arxiv:", "title:"):
        for row, key in matches:
            if key is not None and key.startswith(prefix):
                return row, key
    return None


def add(session: Session, paper: Paper, *, by: str, at: dt.datetime) -> Added:
    """Store ``paper``, or merge it into the stored record of the same paper."""
    found = _match(session, paper)
    if found is None:
        row = PaperRow(
            key=_free_key(session, paper.key or paper.arxiv_id or _made_up_key(paper)),
            source=paper.source,
            by=by,
            created_at=at,
            updated_at=at,
        )
        _fill(row, paper)
        session.add(row)
        session.flush()
        return Added(to_value(row), None)
    row, matched_by = found
    kept = to_value(row)
    merged = merge_papers(kept, paper)
    kept_out = []
    # Another stored paper may hold an identifier the newcomer brings: keep it there.
    if merged.doi != kept.doi and _holder(session, PaperRow.doi, merged.doi, row.id):
        kept_out.append(f"doi:{merged.doi}")
        merged = dataclasses.replace(merged, doi=kept.doi)
    if merged.arxiv_id != kept.arxiv_id and _holder(
        session, PaperRow.arxiv_id, merged.arxiv_id, row.id
    ):
        kept_out.append(f"arxiv:{merged.arxiv_id}")
        merged = dataclasses.replace(merged, arxiv_id=kept.arxiv_id)
    if merged != kept:
        _fill(row, merged)
        row.updated_at = at
        session.flush()
    return Added(to_value(row), matched_by, tuple(kept_out))


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


def all_rows(session: Session) -> list[PaperRow]:
    """Every paper, newest year first, then by key."""
    return list(
        session.scalars(
            select(PaperRow).order_by(PaperRow.year.desc().nulls_last(), PaperRow.key)
        ).all()
    )


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

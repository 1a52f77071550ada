"""Search across the record: papers, reading notes, red flags, claims, findings,
predictions, prototypes and their gate decisions (with their dissents), learnings
entries, post-mortems, techniques and their ring moves.

Portable SQL: each table is asked for rows where any searched column matches
``ILIKE '%text%'`` (SQLAlchemy renders ``lower(x) LIKE lower(y)`` on SQLite, which
folds ASCII letters only, and ``ILIKE`` on PostgreSQL). Matches inside JSON
columns are then confirmed on the decoded text, so that a word that is only a
JSON key (``"whys"``) does not match, and each hit carries a snippet around the
match. Failed experiments are included: post-mortems, stopped prototypes, gates
answered NO and the reasons techniques went to HOLD or SKIP are searched like
everything else.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from assay.errors import InputError
from assay.store.decision_models import AmendmentRow, DecisionRow, PrototypeRow
from assay.store.learning_models import LearningRow
from assay.store.models import Base, RingMoveRow, TechniqueRow
from assay.store.papers import like
from assay.store.research_models import (
    ClaimRow,
    FindingRow,
    NoteRow,
    PaperRow,
    PassRow,
    PostMortemActionRow,
    PostMortemRow,
    PredictionRow,
    RedFlagRow,
    ViabilityScoreRow,
)

__all__ = ["Hit", "search"]

_CONTEXT = 60


@dataclasses.dataclass(frozen=True)
class Hit:
    """One match: what kind of record, how to name it, where it matched, and a snippet."""

    kind: str
    ref: str
    title: str
    field: str
    snippet: str

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


Label = Callable[[Session, Any], tuple[str, str]]


@dataclasses.dataclass(frozen=True)
class _Source:
    kind: str
    model: type[Base]
    fields: tuple[str, ...]
    label: Label
    json_fields: frozenset[str] = frozenset()


def _paper(session: Session, paper_id: int) -> PaperRow:
    row = session.get(PaperRow, paper_id)
    assert row is not None
    return row


def _on_paper(what: Callable[[Any], str]) -> Label:
    def label(session: Session, row: Any) -> tuple[str, str]:
        paper = _paper(session, row.paper_id)
        return paper.key, f"{what(row)}: {paper.title}"

    return label


def _claim_label(session: Session, row: ClaimRow) -> tuple[str, str]:
    return str(row.id), f"claim {row.id} of {_paper(session, row.paper_id).key}: {row.metric}"


def _finding_label(session: Session, row: FindingRow) -> tuple[str, str]:
    claim = session.get(ClaimRow, row.claim_id)
    assert claim is not None
    return str(claim.id), f"finding on claim {claim.id}: {claim.metric}"


def _action_label(session: Session, row: PostMortemActionRow) -> tuple[str, str]:
    pm = session.get(PostMortemRow, row.postmortem_id)
    assert pm is not None
    return str(row.id), f"action {row.id} from the post-mortem of {pm.subject}"


def _prototype(session: Session, prototype_id: int) -> PrototypeRow:
    row = session.get(PrototypeRow, prototype_id)
    assert row is not None
    return row


def _decision_label(session: Session, row: DecisionRow) -> tuple[str, str]:
    name = _prototype(session, row.prototype_id).name
    return name, f"{row.stage} gate of {name}: {row.answer} ({row.at.date()})"


def _learning_label(session: Session, row: LearningRow) -> tuple[str, str]:
    name = _prototype(session, row.prototype_id).name
    outcome = f"{row.outcome}, " if row.outcome else ""
    return str(row.id), f"learnings {row.id} on {name} ({outcome}{row.at.date()}, {row.by})"


def _amendment_label(session: Session, row: AmendmentRow) -> tuple[str, str]:
    name = _prototype(session, row.prototype_id).name
    return name, f"amendment of {name} ({row.at.date()})"


def _move_label(session: Session, row: RingMoveRow) -> tuple[str, str]:
    technique = session.get(TechniqueRow, row.technique_id)
    assert technique is not None
    source = row.from_ring or "—"
    return technique.name, f"{technique.name}: {source} → {row.to_ring} ({row.at.date()})"


_SOURCES: tuple[_Source, ...] = (
    _Source(
        "paper",
        PaperRow,
        ("title", "raw_title", "abstract", "authors", "venue", "key"),
        lambda _s, r: (r.key, r.title),
        frozenset({"authors"}),
    ),
    _Source(
        "reading pass",
        PassRow,
        ("answers", "reason"),
        _on_paper(lambda r: f"pass {r.number}"),
        frozenset({"answers"}),
    ),
    _Source(
        "note",
        NoteRow,
        (
            "summary",
            "key_insight",
            "results_vs_baselines",
            "limitations",
            "production_viability",
            "implementation_effort",
        ),
        _on_paper(lambda _r: "note"),
    ),
    _Source(
        "red flag",
        RedFlagRow,
        ("kind", "evidence", "note"),
        _on_paper(lambda r: f"red flag {r.kind}"),
        frozenset({"evidence"}),
    ),
    _Source(
        "viability",
        ViabilityScoreRow,
        ("notes", "red_flags", "green_flags"),
        _on_paper(lambda r: f"viability {r.dimension}"),
        frozenset({"red_flags", "green_flags"}),
    ),
    _Source("claim", ClaimRow, ("metric", "setting"), _claim_label),
    _Source("finding", FindingRow, ("text",), _finding_label),
    _Source(
        "prediction",
        PredictionRow,
        ("question", "notes", "tags", "criterion"),
        lambda _s, r: (str(r.id), r.question),
        frozenset({"tags"}),
    ),
    _Source(
        "prototype",
        PrototypeRow,
        ("name", "registration", "frozen_text"),
        lambda _s, r: (r.name, f"prototype {r.name} ({r.stage}, {r.status})"),
        frozenset({"registration"}),
    ),
    _Source("amendment", AmendmentRow, ("reason",), _amendment_label),
    _Source(
        "gate decision",
        DecisionRow,
        ("why", "conditions", "revisit_when", "dissents"),
        _decision_label,
        frozenset({"dissents"}),
    ),
    _Source(
        "learning",
        LearningRow,
        ("learned", "surprises", "implicit", "advice"),
        _learning_label,
    ),
    _Source(
        "post-mortem",
        PostMortemRow,
        ("subject", "timeline", "problems", "why_chains", "lessons"),
        lambda _s, r: (str(r.id), f"post-mortem of {r.subject}"),
        frozenset({"timeline", "problems", "why_chains", "lessons"}),
    ),
    _Source("action", PostMortemActionRow, ("text", "question"), _action_label),
    _Source(
        "technique",
        TechniqueRow,
        ("name", "summary", "next_action"),
        lambda _s, r: (r.name, f"{r.name} ({r.ring})"),
    ),
    _Source("ring move", RingMoveRow, ("why",), _move_label),
)

KINDS = tuple(source.kind for source in _SOURCES)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _text(row: Any, name: str, is_json: bool) -> str:
    value = getattr(row, name)
    if value is None:
        return ""
    if is_json:
        return " · ".join(s for s in _strings(value) if s)
    return str(value)


def _snippet(text: str, match: re.Match[str]) -> str:
    start, end = max(match.start() - _CONTEXT, 0), min(match.end() + _CONTEXT, len(text))
    flat = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + flat + ("…" if end < len(text) else "")


def search(
    session: Session,
    text: str,
    *,
    limit: int | None = None,
    kinds: Collection[str] | None = None,
) -> list[Hit]:
    """Every record that mentions ``text`` (case-insensitive), one hit per record,
    in the order of the kinds listed in :data:`KINDS` (only ``kinds``, when given)."""
    query = " ".join(text.split())
    if len(query) < 2:
        raise InputError(f"search text {text!r} is too short; expected at least 2 characters")
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    hits: list[Hit] = []
    for source in _SOURCES:
        if kinds is not None and source.kind not in kinds:
            continue
        columns = [
            cast(getattr(source.model, name), Text)
            if name in source.json_fields
            else getattr(source.model, name)
            for name in source.fields
        ]
        condition = or_(*(c.ilike(like(query), escape="\\") for c in columns))
        order = list(source.model.__table__.primary_key)
        rows = session.scalars(select(source.model).where(condition).order_by(*order)).all()
        for row in rows:
            if getattr(row, "retired_at", None) is not None:
                continue  # a retired paper or technique leaves the search (issue 11)
            for name in source.fields:
                found = pattern.search(content := _text(row, name, name in source.json_fields))
                if found:
                    ref, title = source.label(session, row)
                    hits.append(Hit(source.kind, ref, title, name, _snippet(content, found)))
                    break
            if limit is not None and len(hits) >= limit:
                return hits
    return hits

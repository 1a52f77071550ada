"""What readers record on a paper: passes, the structured note, red flags, the code
checklist, viability scores and adoption factors.

Functions take a session and a stored paper row (from
:func:`assay.store.papers.find_row`) and return :mod:`assay.pipeline.reading` values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from assay.errors import InputError
from assay.pipeline.reading import (
    CODE_CHECKLIST,
    AdoptionFactors,
    CodeCompleteness,
    Decision,
    DimensionScore,
    Evidence,
    Level,
    PassNote,
    RedFlag,
    RedFlagKind,
    Severity,
    StructuredNote,
    Viability,
    ViabilityDimension,
    record_pass,
)
from assay.store.research_models import (
    AdoptionRow,
    NoteRow,
    PaperRow,
    PassRow,
    RedFlagRow,
    ViabilityScoreRow,
)

__all__ = [
    "adoption",
    "checklist",
    "flag_value",
    "flags",
    "note",
    "passes",
    "remove_flag",
    "save_pass",
    "scores",
    "set_adoption",
    "set_checklist",
    "set_flag",
    "set_note",
    "set_scores",
    "viability",
]


# --- passes ---------------------------------------------------------------------


def _pass_value(row: PassRow) -> PassNote:
    return PassNote(
        number=row.number,
        answers=dict(row.answers),
        decision=Decision(row.decision),
        reason=row.reason,
        by=row.by,
        on=row.read_on,
    )


def passes(row: PaperRow) -> tuple[PassNote, ...]:
    return tuple(_pass_value(p) for p in row.passes)


def save_pass(session: Session, row: PaperRow, note: PassNote) -> tuple[PassNote, ...]:
    """Record a pass by the rules of :func:`assay.pipeline.reading.record_pass`.

    Recording a pass again replaces it and drops the later passes built on it.
    """
    kept = record_pass(passes(row), note)
    for old in [p for p in row.passes if p.number >= note.number]:
        row.passes.remove(old)
    session.flush()  # the unique (paper, number) must be free before the insert
    row.passes.append(
        PassRow(
            number=note.number,
            answers=dict(note.answers),
            decision=note.decision.value,
            reason=note.reason,
            by=note.by,
            read_on=note.on,
        )
    )
    session.flush()
    return kept


# --- the structured note ----------------------------------------------------------

_NOTE_TEXT = (
    "key_insight",
    "results_vs_baselines",
    "limitations",
    "production_viability",
    "implementation_effort",
)


def note(row: PaperRow) -> StructuredNote | None:
    n = row.note
    if n is None:
        return None
    return StructuredNote(
        date_read=n.date_read,
        relevance=n.relevance,
        summary=n.summary,
        **{name: getattr(n, name) for name in _NOTE_TEXT},
    )


def set_note(
    session: Session, row: PaperRow, value: StructuredNote, *, by: str, at: dt.datetime
) -> StructuredNote:
    """Write the paper's structured note, replacing the earlier one."""
    if row.note is None:
        row.note = NoteRow(paper_id=row.id)
    target = row.note
    target.date_read = value.date_read
    target.relevance = value.relevance
    target.summary = value.summary
    for name in _NOTE_TEXT:
        setattr(target, name, getattr(value, name))
    target.by, target.at = by, at
    session.flush()
    return value


# --- red flags -------------------------------------------------------------------------


def flag_value(row: RedFlagRow) -> RedFlag:
    evidence = tuple(Evidence(e["where"], e.get("what", "")) for e in row.evidence)
    return RedFlag(
        RedFlagKind(row.kind), Severity(row.severity), evidence, row.note, origin=row.origin
    )


def flags(row: PaperRow) -> tuple[RedFlag, ...]:
    return tuple(flag_value(f) for f in row.flags)


def _evidence_json(flag: RedFlag) -> list[dict[str, str]]:
    return [{"where": e.where, "what": e.what} for e in flag.evidence]


def set_flag(
    session: Session,
    row: PaperRow,
    flag: RedFlag,
    *,
    by: str,
    at: dt.datetime,
    claim_id: int | None = None,
) -> RedFlag:
    """Raise a flag. A reader's flag replaces the reader's earlier flag of that kind;
    an automatic flag (``claim_id`` given) replaces the one that claim raised before."""
    if claim_id is not None:
        existing = next((f for f in row.flags if f.claim_id == claim_id), None)
    else:
        existing = next(
            (f for f in row.flags if f.claim_id is None and f.kind == flag.kind.value), None
        )
    target = existing or RedFlagRow(paper_id=row.id, claim_id=claim_id)
    target.kind = flag.kind.value
    target.severity = flag.severity.value
    target.evidence = _evidence_json(flag)
    target.note = flag.note
    target.origin = flag.origin
    target.by, target.at = by, at
    if existing is None:
        row.flags.append(target)
    session.flush()
    return flag


def remove_flag(
    session: Session, row: PaperRow, *, kind: RedFlagKind | None = None, claim_id: int | None = None
) -> bool:
    """Remove the reader's flag of ``kind``, or the automatic flag of ``claim_id``."""
    if claim_id is not None:
        found = [f for f in row.flags if f.claim_id == claim_id]
    else:
        found = [f for f in row.flags if f.claim_id is None and kind and f.kind == kind.value]
    for f in found:
        row.flags.remove(f)
    session.flush()
    return bool(found)


# --- the code checklist ----------------------------------------------------------------


def checklist(row: PaperRow) -> CodeCompleteness | None:
    if row.code_checklist is None:
        return None
    ticks: dict[str, bool] = row.code_checklist
    return CodeCompleteness(**{name: bool(ticks.get(name)) for name in CODE_CHECKLIST})


def set_checklist(
    session: Session, row: PaperRow, changes: Mapping[str, bool], *, at: dt.datetime
) -> CodeCompleteness:
    """Tick or untick items; items not in ``changes`` keep their value (unticked at first)."""
    unknown = sorted(set(changes) - set(CODE_CHECKLIST))
    if unknown:
        raise InputError(
            f"no checklist item {', '.join(unknown)}; expected some of {', '.join(CODE_CHECKLIST)}"
        )
    current = checklist(row) or CodeCompleteness()
    updated = dataclasses.replace(current, **changes)
    row.code_checklist = {name: getattr(updated, name) for name in CODE_CHECKLIST}
    row.updated_at = at
    session.flush()
    return updated


# --- viability and adoption --------------------------------------------------------------


def scores(row: PaperRow) -> dict[ViabilityDimension, DimensionScore]:
    """The dimensions scored so far (a full :class:`Viability` needs all four)."""
    found = {}
    for s in row.viability:
        found[ViabilityDimension(s.dimension)] = DimensionScore(
            s.score, s.notes, tuple(s.red_flags), tuple(s.green_flags)
        )
    return {d: found[d] for d in ViabilityDimension if d in found}


def viability(row: PaperRow) -> Viability | None:
    current = scores(row)
    return Viability(current) if len(current) == len(ViabilityDimension) else None


def set_scores(
    session: Session,
    row: PaperRow,
    changes: Mapping[ViabilityDimension, DimensionScore],
    *,
    by: str,
    at: dt.datetime,
) -> Viability:
    """Score dimensions; the others keep their scores, and all four must end up scored."""
    merged = scores(row) | dict(changes)
    result = Viability(merged)  # refuses a missing dimension, naming it
    stored = {s.dimension: s for s in row.viability}
    for dimension, value in changes.items():
        target = stored.get(dimension.value)
        if target is None:
            target = ViabilityScoreRow(paper_id=row.id, dimension=dimension.value)
            row.viability.append(target)
        target.score = value.score
        target.notes = value.notes
        target.red_flags = list(value.red_flags)
        target.green_flags = list(value.green_flags)
        target.by, target.at = by, at
    session.flush()
    return result


def adoption(row: PaperRow) -> AdoptionFactors | None:
    a = row.adoption
    if a is None:
        return None
    return AdoptionFactors(
        Level(a.reversibility),
        Level(a.expected_gain),
        Level(a.maturity),
        Level(a.criticality),
        a.shadow_mode,
    )


def set_adoption(
    session: Session, row: PaperRow, factors: AdoptionFactors, *, by: str, at: dt.datetime
) -> AdoptionFactors:
    if row.adoption is None:
        row.adoption = AdoptionRow(paper_id=row.id)
    a = row.adoption
    a.reversibility = factors.reversibility.value
    a.expected_gain = factors.expected_gain.value
    a.maturity = factors.maturity.value
    a.criticality = factors.criticality.value
    a.shadow_mode = factors.shadow_mode
    a.by, a.at = by, at
    session.flush()
    return factors

"""Claims, the runs that try to reproduce them, findings, and the automatic red flag.

A claim's reproduction is built with
:func:`assay.pipeline.claims.reproduction_from_trials` from the per-trial values
of the runs linked to it. After every change to a claim's runs the claim is
assessed again and its automatic red flag (:func:`assay.pipeline.claims.gap_red_flag`)
is raised, replaced or withdrawn: one automatic flag per claim at most.

A link names a run in this store (a foreign key; its trial values are read with
:func:`assay.store.reproductions.values_from_run` or given), or a run recorded
elsewhere, which is accepted only with its trial values. A link to a run that is
in neither place is refused. Each link keeps the values it was made with and a
line saying where they came from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.errors import InputError, NotFoundError
from assay.pipeline.claims import (
    Assessment,
    Claim,
    Direction,
    Finding,
    assess,
    gap_red_flag,
    reproduction_from_trials,
    unit_scale,
)
from assay.store import reading_notes
from assay.store.research_models import ClaimRow, ClaimRunRow, FindingRow, PaperRow
from assay.store.run_models import RunRow
from assay.types import check_id

__all__ = [
    "ClaimRecord",
    "LinkedRun",
    "add",
    "add_finding",
    "all_records",
    "find_row",
    "link_run",
    "parse_claim_id",
    "reassess",
    "record",
]


@dataclasses.dataclass(frozen=True)
class LinkedRun:
    """A run linked to a claim, its trial values once known, and where they came from."""

    run: str
    values: tuple[float, ...] | None
    source: str = ""
    reading: str = "value"
    """How the values were read from the run (``value`` for given values)."""

    def to_dict(self) -> dict[str, Any]:
        values = None if self.values is None else list(self.values)
        return {"run": self.run, "values": values, "source": self.source, "as": self.reading}


@dataclasses.dataclass(frozen=True)
class ClaimRecord:
    """A stored claim: its id, its paper, its assessment and the runs behind it."""

    id: int
    paper_key: str
    paper_title: str
    assessment: Assessment
    runs: tuple[LinkedRun, ...]

    @property
    def claim(self) -> Claim:
        return self.assessment.claim

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "paper_title": self.paper_title,
            **self.assessment.to_dict(),
            "runs": [r.to_dict() for r in self.runs],
        }


_CLAIM_ID = re.compile(r"^\s*(?:#|c(?:laim)?[-\s]?)?(\d+)\s*$", re.IGNORECASE)


def parse_claim_id(text: str) -> int:
    """A claim id as people write it: ``3``, ``#3`` or ``c3``."""
    match = _CLAIM_ID.match(text)
    if not match:
        raise InputError(f"claim {text!r} is not a claim id; expected a number such as 3")
    return check_id(int(match.group(1)), noun="claim", see="assay claim list")


def find_row(session: Session, claim_id: int) -> ClaimRow:
    row = session.get(ClaimRow, claim_id)
    if row is None:
        raise NotFoundError(f"no claim {claim_id}; see: assay claim list")
    return row


def _stored(row: ClaimRunRow) -> tuple[tuple[float, ...] | None, str, str]:
    data = row.trial_values
    if data is None:
        return None, "", "value"
    if isinstance(data, list):  # the values alone
        return tuple(data), "given", "value"
    return tuple(data["values"]), str(data.get("source", "")), str(data.get("as", "value"))


def _values(row: ClaimRunRow) -> tuple[float, ...] | None:
    return _stored(row)[0]


def _claim(row: ClaimRow) -> Claim:
    findings = tuple(Finding(f.text, f.by, f.at) for f in row.findings)
    return Claim(
        paper=row.paper.key,
        metric=row.metric,
        value=row.value,
        setting=row.setting,
        direction=Direction(row.direction),
        unit=row.unit,
        findings=findings,
    )


def _assessment(row: ClaimRow) -> Assessment:
    claim = _claim(row)
    counted = [r for r in row.runs if r.run is None or r.run.retired_at is None]  # issue 11
    measured = [(r.run_id, _values(r)) for r in counted]
    measured = [(run, values) for run, values in measured if values]
    pooled = [v for _, values in measured for v in values or ()]
    read = (_stored(r) for r in counted)
    readings = {reading for values, source, reading in read if values and source != "given"}
    reading = readings.pop() if len(readings) == 1 else "value"
    if not measured:
        return assess(claim, None)
    if len(pooled) < 2:
        return dataclasses.replace(
            assess(claim, None),
            explanation=f"{len(pooled)} trial value cannot give an interval; "
            "link runs with at least 2 trial values in all",
        )
    runs = [run for run, _ in measured]
    return assess(claim, reproduction_from_trials(pooled, runs=runs, reading=reading))


def record(row: ClaimRow) -> ClaimRecord:
    runs = tuple(LinkedRun(r.run_id, *_stored(r)) for r in row.runs)
    return ClaimRecord(row.id, row.paper.key, row.paper.title, _assessment(row), runs)


def all_records(session: Session, paper: PaperRow | None = None) -> list[ClaimRecord]:
    query = select(ClaimRow).order_by(ClaimRow.id)
    if paper is not None:
        query = query.where(ClaimRow.paper_id == paper.id)
    return [record(row) for row in session.scalars(query).all()]


def add(
    session: Session, paper: PaperRow, claim: Claim, *, by: str, at: dt.datetime
) -> ClaimRecord:
    row = ClaimRow(
        metric=claim.metric.strip(),
        value=claim.value,
        setting=claim.setting.strip(),
        direction=claim.direction.value,
        unit=claim.unit.strip(),
        by=by,
        at=at,
    )
    paper.claims.append(row)
    session.flush()
    return record(row)


def reassess(session: Session, row: ClaimRow, *, by: str, at: dt.datetime) -> ClaimRecord:
    """Assess the claim again and raise, replace or withdraw its automatic red flag."""
    result = record(row)
    flag = gap_red_flag(result.assessment)
    if flag is None:
        reading_notes.remove_flag(session, row.paper, claim_id=row.id)
    else:
        reading_notes.set_flag(session, row.paper, flag, by=by, at=at, claim_id=row.id)
    return result


def _check_values(values: Sequence[float]) -> tuple[float, ...]:
    if not values:
        raise InputError("no trial values given; expected one value per trial, such as 0.38,0.41")
    bad = [v for v in values if not math.isfinite(v)]
    if bad:
        raise InputError(f"trial value {bad[0]!r} is not a finite number")
    return tuple(float(v) for v in values)


def link_run(
    session: Session,
    row: ClaimRow,
    run: str,
    values: Sequence[float] | None,
    *,
    by: str,
    at: dt.datetime,
    source: str = "given",
    reading: str = "value",
) -> ClaimRecord:
    """Link a run to a claim (again: its values are replaced) and reassess the claim.

    ``run`` is the id of a run in this store, or of a run recorded elsewhere when
    ``values`` are given; an unknown run without values is an :class:`InputError`.
    ``source`` says where the values came from (``given``, or how a stored run
    was read); ``values`` None links a stored run without values for now.
    ``reading`` says how a stored run's values were read (``ratio``,
    ``times-smaller``...): they are stored in the claim's unit
    (:func:`assay.pipeline.claims.unit_scale`), and every linked run must be read
    the same way.
    """
    name = run.strip()
    if not name:
        raise InputError("no run given; expected the id of a run that reproduces the claim")
    if len(name) > 200:
        raise InputError(f"run id is {len(name)} characters; expected at most 200")
    stored_run = session.scalar(select(RunRow).where(RunRow.run_id == name))
    if stored_run is None and values is None:
        raise InputError(
            f"run {name!r} is not in this workspace (see: assay bench list); "
            "for a run recorded elsewhere, give its trial values with --values"
        )
    existing = next((r for r in row.runs if r.run_id == name), None)
    stored = None
    if values is not None:
        scale = _check_reading(row, existing, reading, source)
        checked = [v * scale for v in _check_values(values)]
        note = "" if scale == 1 else f", x{scale:g} for the claim's {row.unit.strip()}"
        stored = {"values": checked, "source": source + note, "as": reading}
    if existing is None:
        elsewhere = None if stored_run is not None else name
        link = ClaimRunRow(run=stored_run, elsewhere=elsewhere, trial_values=stored, by=by, at=at)
        row.runs.append(link)
    elif stored is not None:
        existing.trial_values = stored
        existing.by, existing.at = by, at
    session.flush()
    return reassess(session, row, by=by, at=at)


def _check_reading(row: ClaimRow, replaced: ClaimRunRow | None, reading: str, source: str) -> float:
    """The factor into the claim's unit; :class:`InputError` when the claim's other
    runs were read from their runs another way (their values are pooled with these;
    given values are taken to be in the claim's unit and pool with any)."""
    scale = unit_scale(_claim(row), reading)
    if source == "given":
        return scale
    others = {
        stored[2]
        for stored in (_stored(r) for r in row.runs if r is not replaced)
        if stored[0] and stored[1] != "given"
    }
    if others - {reading}:
        was = ", ".join(sorted(others))
        raise InputError(
            f"claim {row.id}'s other runs were read as {was}; their values are pooled with "
            f"these, so read this run the same way (--as {was})"
        )
    return scale


def add_finding(session: Session, row: ClaimRow, finding: Finding) -> ClaimRecord:
    row.findings.append(FindingRow(text=finding.text.strip(), by=finding.by, at=finding.at))
    session.flush()
    return record(row)

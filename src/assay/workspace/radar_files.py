"""Radar files in and out, for the radar service (:class:`assay.workspace.radar.Radar`).

**Import follows the rules of the commands it stands for.** A record placed in
TRIAL or ADOPT stands for ``technique add --ring``/``radar move``, which need a YES
gate decision (and, for ADOPT, the knowledge-transfer artifacts):

- an admin (or the single local user of a workspace without users) may import
  them: a team moving its radar into assay needs its placements; each is stored as
  *imported, no evidence on record* (``ring_move_evidence.imported``), shown
  wherever the technique appears until a YES gate decision backs it;
- an approver may import TRIAL placements with ``override`` and ``why``, recorded
  as overrides exactly as ``radar move --override`` records them;
- anyone else's import refuses those records, each listed with its line.

Refused records, names already on the radar and bad records are problems: with any,
nothing is written and one error lists them all, unless ``skip_invalid``. The
summary always adds up: records in the file = added + merged + skipped.

What a file says beyond assay's columns is kept (``techniques.fields``), and its
layout (``radar_meta``, one row per format), so that an export gives it back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.errors import DuplicateError, InputError
from assay.formats import radar_formats
from assay.formats.paper_records import Problem
from assay.formats.radar_file import RadarFile, RadarRecord, Repeat, RingMap, refuse
from assay.pipeline import radar as rules
from assay.pipeline.radar import MoveBacking, Technique
from assay.store import techniques as technique_rows
from assay.store.sql import Sql
from assay.types import Ring

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.workspace.context import Context
    from assay.workspace.users import Users

__all__ = ["IMPORTED", "OVERRIDE", "RadarImport", "export_radar", "import_radar"]

IMPORTED = "imported, no evidence on record"
OVERRIDE = "override"


@dataclasses.dataclass(frozen=True)
class RadarImport:
    """What an import did: records in the file = added + merged + skipped."""

    source: str
    format: str
    records: int
    added: tuple[Technique, ...]
    merged: tuple[Repeat, ...]
    skipped: tuple[Problem, ...]
    placed: Mapping[str, str]  # technique → IMPORTED or OVERRIDE

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "file": self.source,
            "format": self.format,
            "records": self.records,
            "added": len(self.added),
            "merged": [
                {"name": r.name, "line": r.line, "first_line": r.first_line} for r in self.merged
            ],
            "skipped": [p.to_dict() for p in self.skipped],
            "placed": dict(self.placed),
            "imported": [t.to_dict() for t in self.added],
        }


def _placement_problem(record: RadarRecord, source: str, override: bool) -> Problem:
    t = record.technique
    if t.ring is Ring.TRIAL:
        message = (
            "placed in TRIAL, which needs a YES gate decision on one of its prototypes; an "
            "approver may import it with --override --why REASON, an admin as an imported "
            "placement"
        )
    else:
        message = (
            "placed in ADOPT, which needs a YES gate decision and the runbook, decision "
            "record and implementation document"
            + (" (an override does not waive them)" if override else "")
            + "; an admin may import it as an imported placement, or import it in ASSESS "
            "and move it once it has them"
        )
    return Problem(source, record.line, t.name, message)


def _sort(
    users: Users, file: RadarFile, taken: set[str], *, override: bool
) -> tuple[list[RadarRecord], dict[str, str], list[Problem], int]:
    """The records to import, how each TRIAL/ADOPT one is placed (see the module
    docstring), every problem (one per record), and how many are names already here."""
    from assay.pipeline.gates import Role  # see the module docstring of workspace.radar

    role = users.authorize("radar.import")
    good: list[RadarRecord] = []
    placed: dict[str, str] = {}
    problems = list(file.problems)
    clashes = 0
    for record in file.records:
        t = record.technique
        if t.name.casefold() in taken:
            problems.append(Problem(file.source, record.line, t.name, "already on the radar"))
            clashes += 1
            continue
        if t.ring in rules.EVIDENCE_RINGS:
            if override and t.ring is Ring.TRIAL:
                users.authorize("radar.override")
                placed[t.name] = OVERRIDE
            elif role is Role.ADMIN:
                placed[t.name] = IMPORTED
            else:
                problems.append(_placement_problem(record, file.source, override))
                continue
        good.append(record)
    return good, placed, sorted(problems, key=_order), clashes


def import_radar(
    ctx: Context,
    users: Users,
    file: RadarFile,
    *,
    skip_invalid: bool = False,
    override: bool = False,
    why: str | None = None,
) -> RadarImport:
    """Record a radar file's techniques in one transaction (see the module docstring)."""
    reason = (why or "").strip()
    if override and not reason:
        raise InputError("--override needs --why: say why the placements go ahead")
    with ctx.write() as session:
        every = technique_rows.all_techniques(Sql.of_session(session), include_retired=True)
        taken = {t.name.casefold() for t in every}  # a retired name is taken too
        good, placed, problems, clashes = _sort(users, file, taken, override=override)
        if problems and not skip_invalid and clashes == len(problems):
            raise DuplicateError(
                f"{file.source}: already on the radar: "
                f"{', '.join(p.key for p in problems)}; nothing imported "
                "(import into a workspace without them, or rename them in the file)"
            )
        refuse(file.source, tuple(problems), file.count, file.hints, skip_invalid=skip_invalid)
        for record in good:
            _import_record(session, record, placed.get(record.technique.name), reason)
        _keep_layout(session, file)
        sql = Sql.of_session(session)
        added = tuple(technique_rows.get(sql, r.technique.name) for r in good)
    return RadarImport(
        file.source,
        file.format,
        file.count,
        added,
        file.repeats,
        tuple(problems),
        {k: v for k, v in placed.items() if any(t.name == k for t in added)},
    )


def _order(problem: Problem) -> tuple[int, str]:
    return (problem.line or 0, problem.key)


def _import_record(session: Session, record: RadarRecord, placed: str | None, reason: str) -> None:
    from assay.workspace import radar_evidence

    technique = record.technique
    if placed == OVERRIDE and technique.history:
        *before, last = technique.history
        technique = dataclasses.replace(
            technique, history=(*before, dataclasses.replace(last, why=reason))
        )
    import_one(session, technique)
    row = technique_rows.row(session, technique.name)
    row.fields = dict(record.fields) or None
    if placed == OVERRIDE:
        backing = MoveBacking(None, True, ("a YES gate decision",))
        radar_evidence.record_backing(session, technique.name, backing)
    elif placed == IMPORTED:
        mark_imported(session, technique.name)


def mark_imported(session: Session, name: str) -> None:
    """Mark the technique's newest move as an imported placement, with no evidence on
    record until a gate decision backs it."""
    from assay.store.decision_models import RadarEvidenceRow

    row = technique_rows.row(session, name)
    session.add(
        RadarEvidenceRow(
            move_id=_newest_move(session, row.id),
            decision_id=None,
            override=False,
            imported=True,
            waived=[],
        )
    )
    session.flush()


def _newest_move(session: Session, technique_id: int) -> int:
    from sqlalchemy import select

    from assay.store.models import RingMoveRow

    found = session.scalar(
        select(RingMoveRow.id)
        .where(RingMoveRow.technique_id == technique_id)
        .order_by(RingMoveRow.id.desc())
        .limit(1)
    )
    assert found is not None, "record the move before its evidence"
    return found


def _keep_layout(session: Session, file: RadarFile) -> None:
    from assay.store.models import RadarMetaRow

    session.merge(RadarMetaRow(key=file.format, value=dict(file.layout)))
    session.flush()


def import_one(session: Session, technique: Technique) -> None:
    """Record one technique with the ring history it had elsewhere."""
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


def read(
    path: Path,
    fmt: str | None,
    *,
    at: dt.datetime,
    by: str,
    ring_map: str | None,
) -> RadarFile:
    """The radar file at ``path``: ``fmt``, or told from the extension and content."""
    guess = fmt is None
    if fmt is None:
        fmt = next(
            (
                name
                for name, suffix in radar_formats.FORMATS.items()
                if path.suffix.lower() == suffix
            ),
            None,
        )
        if fmt is None:
            raise InputError(
                f"{path}: cannot tell the format from the extension {path.suffix or '(none)'!r}; "
                f"give --format {' or '.join(radar_formats.FORMATS)}"
            )
    return radar_formats.read_radar_file(
        path, fmt, at=at, by=by, ring_map=RingMap.parse(ring_map), guess=guess
    )


def export_radar(
    ctx: Context, techniques: Sequence[Technique], fmt: str, *, at: dt.datetime
) -> str:
    """The radar as ``fmt`` text, with what imported files left (fields, layout)."""
    from sqlalchemy import select

    from assay.store.models import RadarMetaRow, TechniqueRow

    with ctx.read() as session:
        fields = {
            key: value
            for key, value in session.execute(select(TechniqueRow.key, TechniqueRow.fields))
            if isinstance(value, dict)
        }
        meta = session.get(RadarMetaRow, fmt)
        layout: Mapping[str, Any] = meta.value if meta is not None else {}
    if fmt == "byor-csv":
        return radar_formats.write_byor_csv(techniques, as_of=at, fields=fields, layout=layout)
    if fmt == "byor-json":
        return radar_formats.write_byor_json(techniques, as_of=at, fields=fields, layout=layout)
    title = ctx.settings.workspace.name
    return radar_formats.write_backstage_json(
        techniques, as_of=at, title=title, fields=fields, layout=layout
    )

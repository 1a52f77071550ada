"""Writing a prototype's record: registration, edits and amendments, linked runs,
stage facts, details and cost inputs. Reached through ``workspace.decisions``.

Every function is one transaction that first stores the effective freeze (see
:mod:`assay.workspace.judging`), checks the acting user's role, and refuses bad
input before anything is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.errors import InputError, NotFoundError
from assay.pipeline.gates import Role
from assay.pipeline.prototype import Amendment, Prototype, Registration, TimeBox, amend
from assay.store import prototypes as prototype_rows
from assay.store.prototypes import PrototypeRecord, RecordedFacts
from assay.store.run_models import RunRow
from assay.workspace.evidence import resolve_metric
from assay.workspace.judging import effective_record, technique_row

if TYPE_CHECKING:
    from assay.workspace.decisions import Decisions

__all__ = [
    "PORTFOLIOS",
    "amend_registration",
    "check_cost_inputs",
    "check_portfolio",
    "evidence_entry",
    "link_run",
    "new_prototype",
    "set_cost_inputs",
    "set_details",
    "set_facts",
]

PORTFOLIOS = ("core", "adjacent", "exploratory")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_portfolio(portfolio: str | None) -> None:
    """Refuse a portfolio category other than core, adjacent or exploratory."""
    if portfolio is not None and portfolio not in PORTFOLIOS:
        raise InputError(f"unknown portfolio {portfolio!r}; expected {', '.join(PORTFOLIOS)}")


def check_cost_inputs(inputs: Mapping[str, Any]) -> None:
    """Refuse cost inputs that are not fields of :class:`assay.pipeline.cost.CostInputs`
    or not non-negative numbers."""
    from assay.pipeline.cost import CostInputs

    known = {f.name for f in dataclasses.fields(CostInputs)}
    unknown = sorted(set(inputs) - known)
    if unknown:
        raise InputError(
            f"unknown cost input(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}"
        )
    for key, value in inputs.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InputError(f"cost input {key}={value!r} must be a number, at least 0")


def evidence_entry(text: str, base: Path) -> str:
    """A declared evidence source: a benchmark file (made absolute against ``base``)
    or a module name."""
    entry = text.strip()
    if not entry:
        raise InputError("an evidence entry is empty; give a benchmark file or module")
    path = Path(entry).expanduser()
    if entry.endswith(".py") or "/" in entry or path.exists():
        resolved = path.resolve() if path.is_absolute() else (base / path).resolve()
        if resolved.suffix != ".py":
            raise InputError(f"evidence {entry!r} is not a benchmark file (.py) or module")
        return str(resolved)
    return entry


_BUILT_IN = frozenset({"time", "throughput", "peak_rss", "peak_heap", "peak_cuda", "cost"})


def check_against_benchmark(
    entry: str,
    registration: Registration,
    candidate: str | None,
    point: Mapping[str, Any] | None,
) -> None:
    """Refuse what the evidence benchmark can never measure, before it is frozen.

    A typo in a criterion's metric, the candidate or the sweep point would otherwise
    be pre-registered, frozen at the first run, and only fixable by an amendment.
    A benchmark file that does not exist yet is not checked (it may be written later).
    """
    from assay.bench import load_benchmark, load_module

    if entry.endswith(".py") and not Path(entry).exists():
        return
    spec = load_benchmark(entry) if entry.endswith(".py") else load_module(entry)
    where = f"--evidence {Path(entry).name}"
    names = [m.name for m in spec.candidates]
    if candidate is not None and candidate not in names:
        raise InputError(
            f"--candidate {candidate!r} is not a candidate of {where}; it has {', '.join(names)}"
        )
    grid = {name: [str(v) for v in values] for name, values in spec.workload.grid}
    for key, value in (point or {}).items():
        if key not in grid:
            known = ", ".join(grid) or "no parameters"
            raise InputError(f"--at {key}={value}: {where} sweeps {known}, not {key!r}")
        if str(value) not in grid[key]:
            raise InputError(
                f"--at {key}={value}: {where} measures {key} at {', '.join(grid[key])} only"
            )
    known_metrics = _BUILT_IN | {m.name for m in spec.metrics}
    criteria = [*registration.success, *(k.criterion for k in registration.kill)]
    for criterion in criteria:
        for metric in sorted(criterion.metrics):
            source = resolve_metric(metric)
            if source.kind == "value" and source.name not in known_metrics:
                raise InputError(
                    f"criterion {criterion.canonical!r} reads {metric!r}, which {where} never "
                    f"measures; it measures {', '.join(sorted(known_metrics))} "
                    "(and latency.p50/p90/p99, memory.peak_rss, failure_rate)"
                )


def _persist_freeze(session: Session, name: str) -> PrototypeRecord:
    record = effective_record(session, name)
    if record.freeze is not None:
        prototype_rows.freeze(session, record.name, record.freeze)
    return record


def new_prototype(
    d: Decisions,
    prototype: Prototype,
    *,
    portfolio: str | None,
    candidate: str | None,
    point: Mapping[str, Any] | None,
    facts: RecordedFacts | None,
    cost_inputs: Mapping[str, float] | None,
    base: Path | None,
    at: dt.datetime | None,
) -> PrototypeRecord:
    """See :meth:`assay.workspace.decisions.Decisions.new_prototype`."""
    check_portfolio(portfolio)
    files = [evidence_entry(e, base or Path.cwd()) for e in prototype.evidence]
    for entry in files:
        check_against_benchmark(entry, prototype.registration, candidate, point)
    if cost_inputs:
        check_cost_inputs(cost_inputs)
    with d.ws.db.write() as session:
        d.require(session, Role.CONTRIBUTOR, "registering a prototype")
        technique = technique_row(session, prototype.technique)
        stored = dataclasses.replace(prototype, technique=technique.name, evidence=())
        return prototype_rows.add(
            session,
            stored,
            technique_id=technique.id,
            portfolio=portfolio,
            candidate=candidate,
            point=point,
            evidence_files=files,
            facts=facts or RecordedFacts(),
            cost_inputs=cost_inputs,
            by=d.ws.user,
            at=at or _now(),
        )


def _replaced(
    record: PrototypeRecord,
    changes: Mapping[str, Any],
    at: dt.datetime,
) -> tuple[Registration, TimeBox | None]:
    """The registration with the given sections replaced, and its time-box."""
    old = record.registration
    box = record.prototype.timebox
    if changes.get("timebox") is not None:
        box = TimeBox.parse(changes["timebox"], start=box.start if box else at.date())
    hard = [k for k in old.kill if k.severity.value == "hard"]
    soft = [k.criterion for k in old.kill if k.severity.value == "soft"]

    def pick(key: str, current: Any) -> Any:
        return current if changes.get(key) is None else changes[key]

    new = Registration.build(
        hypothesis=pick("hypothesis", old.hypothesis),
        success=pick("success", old.success),
        kill=pick("kill", hard),
        soft_kill=pick("soft_kill", soft),
        requirements=pick("requirements", old.requirements),
        timebox_end=box.end if box else None,
    )
    return new, box


def amend_registration(
    d: Decisions, name: str, *, why: str, changes: Mapping[str, Any], at: dt.datetime | None
) -> tuple[PrototypeRecord, Amendment | None]:
    """See :meth:`assay.workspace.decisions.Decisions.amend`."""
    at = at or _now()
    with d.ws.db.write() as session:
        d.require(session, Role.CONTRIBUTOR, "changing a prototype's criteria")
        record = _persist_freeze(session, name)
        if not record.active:
            raise InputError(f"{record.name} is {record.status}; its criteria no longer change")
        new, box = _replaced(record, changes, at)
        old = record.registration
        if record.freeze is None:
            if new.canonical_lines() == old.canonical_lines():
                raise InputError("nothing to change: the pre-registered content is the same")
            return prototype_rows.edit_registration(
                session, record.name, new, timebox=box, at=at
            ), None
        amendment = amend(old, new, by=d.ws.user, reason=why, at=at)
        prototype_rows.add_amendment(session, record.name, new, amendment, timebox=box)
        return effective_record(session, record.name), amendment


def link_run(
    d: Decisions,
    name: str,
    run_id: str,
    *,
    online_ab: bool,
    scale: float | None,
    at: dt.datetime | None,
) -> PrototypeRecord:
    """See :meth:`assay.workspace.decisions.Decisions.link_run`."""
    if scale is not None and not scale > 0:
        raise InputError(f"--scale {scale} must be a positive number")
    with d.ws.db.write() as session:
        d.require(session, Role.CONTRIBUTOR, "linking evidence")
        record = _persist_freeze(session, name)
        run = session.scalar(select(RunRow).where(RunRow.run_id == run_id))
        if run is None:
            raise NotFoundError(f"unknown run {run_id!r}; list the runs with: assay bench list")
        if run.created_at < record.registered_at:
            raise InputError(
                f"run {run_id} began at {run.created_at:%Y-%m-%d %H:%M} UTC, before the "
                f"criteria of {record.name} were registered "
                f"({record.registered_at:%Y-%m-%d %H:%M} UTC); criteria are judged only by "
                "runs that start after them. Start a new run: assay bench run FILE"
            )
        prototype_rows.link_run(
            session,
            record.name,
            run_id,
            online_ab=online_ab,
            scale=scale,
            by=d.ws.user,
            at=at or _now(),
        )
        return _persist_freeze(session, record.name)


def set_facts(d: Decisions, name: str, changes: Mapping[str, Any]) -> PrototypeRecord:
    """See :meth:`assay.workspace.decisions.Decisions.set_facts`."""
    known = {f.name for f in dataclasses.fields(RecordedFacts)} - {"by", "at"}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise InputError(f"unknown stage fact(s) {', '.join(unknown)}")
    updates = {k: v for k, v in changes.items() if v is not None}
    scale = updates.get("declared_scale")
    if scale is not None and not float(scale) > 0:
        raise InputError(f"declared scale {scale} must be a positive number")
    justification = str(updates.get("baseline_justification", "")).strip()
    if updates.get("baseline_strongest") and not justification:
        raise InputError(
            "recording the baseline as the strongest available needs a justification: "
            "say why no stronger baseline exists"
        )
    with d.ws.db.write() as session:
        d.require(session, Role.CONTRIBUTOR, "recording stage facts")
        record = _persist_freeze(session, name)
        facts = dataclasses.replace(record.facts, **updates, by=d.ws.user, at=_now())
        return prototype_rows.set_facts(session, record.name, facts)


def set_details(
    d: Decisions,
    name: str,
    *,
    portfolio: str | None,
    candidate: str | None,
    point: Mapping[str, Any] | None,
    evidence: Sequence[str] | None,
    base: Path | None,
) -> PrototypeRecord:
    """See :meth:`assay.workspace.decisions.Decisions.set_details`."""
    check_portfolio(portfolio or None)
    files = None
    if evidence is not None:
        files = [evidence_entry(e, base or Path.cwd()) for e in evidence]
    with d.ws.db.write() as session:
        d.require(session, Role.CONTRIBUTOR, "changing a prototype")
        record = _persist_freeze(session, name)
        if record.freeze is not None and (candidate is not None or point is not None):
            raise InputError(
                f"the criteria of {record.name} are frozen; the candidate and sweep point "
                "they are judged at no longer change (register a new prototype instead)"
            )
        prototype_rows.set_details(
            session,
            record.name,
            portfolio=portfolio,
            candidate=candidate,
            point=point,
            evidence_files=files,
            at=_now(),
        )
        return _persist_freeze(session, record.name)


def set_cost_inputs(d: Decisions, name: str, inputs: Mapping[str, float] | None) -> PrototypeRecord:
    """See :meth:`assay.workspace.decisions.Decisions.set_cost_inputs`."""
    if inputs:
        check_cost_inputs(inputs)
    with d.ws.db.write() as session:
        d.require(session, Role.CONTRIBUTOR, "storing cost inputs")
        record = _persist_freeze(session, name)
        prototype_rows.set_cost_inputs(session, record.name, inputs, at=_now())
        return effective_record(session, record.name)

"""What a prototype's record must satisfy before it is written: the portfolio, cost
inputs, declared evidence, criteria checked against the evidence benchmark, stage
facts, and the registration with some sections replaced.

Pure checks, no database: the prototype service
(:class:`assay.workspace.prototypes.Prototypes`) calls them before it opens the
unit of work that writes, so bad input leaves no trace.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.pipeline.prototype import Registration, TimeBox
from assay.store.prototype_reads import PrototypeRecord, RecordedFacts
from assay.workspace.evidence import resolve_metric

__all__ = [
    "PORTFOLIOS",
    "check_against_benchmark",
    "check_cost_inputs",
    "check_facts",
    "check_portfolio",
    "evidence_entry",
    "replaced",
]

PORTFOLIOS = ("core", "adjacent", "exploratory")


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


def replaced(
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


def check_facts(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The stage facts to change (fields of :class:`RecordedFacts`; ``None`` keeps
    one), checked."""
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
    return updates

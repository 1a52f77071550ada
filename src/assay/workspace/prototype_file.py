"""``prototype.toml``: a prototype written as a file (``assay prototype new --from``).

The keys of :meth:`assay.pipeline.prototype.Prototype.from_dict` (see
``docs/criteria.md``), plus what the workspace records beside the
pre-registration::

    portfolio = "core"                  # core | adjacent | exploratory
    candidate = "tiled"                 # the benchmark method that is the technique
    point = "n=4096"                    # the sweep point the criteria are judged at

    [facts]                             # for the validation and integration gates
    declared_scale = 8192
    scale_unit = "tokens"
    scale_param = "n"
    production_representative = true
    baseline_strongest = true
    baseline_justification = "the fused kernel we serve with today"
    rollout_plan = "shadow 1 week, then 10% canary"

    [cost]                              # assay.pipeline.cost.CostInputs fields
    engineer_weeks = 3
    cost_per_engineer_week = 4000

Benchmark files in ``evidence`` are relative to the file's directory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.pipeline.prototype import Prototype
from assay.store.prototypes import RecordedFacts
from assay.workspace.evidence import parse_point

__all__ = ["PrototypeFile", "read_prototype_file"]

_FACT_TYPES: dict[str, tuple[type, ...]] = {
    "declared_scale": (int, float),
    "scale_unit": (str,),
    "scale_param": (str,),
    "production_representative": (bool,),
    "baseline_strongest": (bool,),
    "baseline_justification": (str,),
    "rollout_plan": (str,),
}


@dataclasses.dataclass(frozen=True)
class PrototypeFile:
    """What a ``prototype.toml`` says."""

    prototype: Prototype
    portfolio: str | None
    candidate: str | None
    point: dict[str, Any] | None
    facts: RecordedFacts | None
    cost_inputs: dict[str, float] | None
    base: Path


def _point(value: object, path: Path) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_point(value)
    if isinstance(value, Mapping) and value:
        return dict(value)
    raise InputError(f'{path}: point must be text such as "n=4096" or a table')


def _facts(value: object, path: Path) -> RecordedFacts | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InputError(f"{path}: [facts] must be a table")
    unknown = sorted(set(value) - set(_FACT_TYPES))
    if unknown:
        expected = ", ".join(sorted(_FACT_TYPES))
        raise InputError(f"{path}: unknown fact(s) {', '.join(unknown)}; expected {expected}")
    for key, item in value.items():
        kinds = _FACT_TYPES[key]
        if not isinstance(item, kinds) or (bool not in kinds and isinstance(item, bool)):
            raise InputError(f"{path}: facts.{key}={item!r} has the wrong type")
    return RecordedFacts(**value)


def _cost(value: object, path: Path) -> dict[str, float] | None:
    from assay.workspace.preregistration import check_cost_inputs

    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InputError(f"{path}: [cost] must be a table")
    try:
        check_cost_inputs(value)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    return {k: float(v) for k, v in value.items()}


def read_prototype_file(path: Path, *, today: dt.date) -> PrototypeFile:
    """Read and check a ``prototype.toml``; any mistake is an :class:`InputError`
    naming the file and the field."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; expected a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}; expected valid TOML") from None
    portfolio = data.pop("portfolio", None)
    candidate = data.pop("candidate", None)
    for key, value in (("portfolio", portfolio), ("candidate", candidate)):
        if value is not None and not isinstance(value, str):
            raise InputError(f"{path}: {key} must be text")
    point = _point(data.pop("point", None), path)
    facts = _facts(data.pop("facts", None), path)
    cost = _cost(data.pop("cost", None), path)
    try:
        prototype = Prototype.from_dict(data, today=today)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    return PrototypeFile(prototype, portfolio, candidate, point, facts, cost, path.resolve().parent)

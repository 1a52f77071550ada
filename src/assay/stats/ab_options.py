"""The options of an A/B analysis (:class:`ABOptions`) and the text they are written in.

``assay ab analyze`` takes its options as text (``--guardrail p99_latency:5%``,
``--ratio rps=revenue/sessions``, ``--expected-split 90/10``); the ``parse_*``
helpers turn each into values and say what is wrong with a bad one.
:func:`needed_columns` tells the reader which columns of a file the options use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assay.errors import InputError

__all__ = [
    "UNITS_COLUMN",
    "ABOptions",
    "needed_columns",
    "options_from_text",
    "parse_guardrail",
    "parse_pair",
    "parse_percent",
    "parse_ratio",
    "parse_split",
]

UNITS_COLUMN = "units"
"""The column that marks a file of per-arm aggregates."""


@dataclass(frozen=True)
class ABOptions:
    """What to analyse: the arm column, the metrics and how to read them.

    ``covariates`` maps a metric to its pre-period column (CUPED); ``ratios`` maps
    a ratio metric's name to its numerator and denominator columns; ``guardrails``
    maps a metric to its non-inferiority margin (a fraction: 0.05 for 5%);
    ``lower_is_better`` names the metrics where a drop is good (latency, errors).
    ``margin`` is the practical margin of every verdict (EQUIVALENT within it).
    ``sequential`` reads the always-valid mSPRT interval (tuned to a relative
    effect of ``mde``) instead of the fixed-horizon one.
    """

    arm: str
    metrics: tuple[str, ...] = ()
    control: str | None = None
    unit: str | None = None
    covariates: Mapping[str, str] = field(default_factory=dict)
    ratios: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    guardrails: Mapping[str, float] = field(default_factory=dict)
    lower_is_better: frozenset[str] = frozenset()
    expected_split: tuple[float, ...] = (50.0, 50.0)
    margin: float | None = None
    alpha: float = 0.05
    sequential: bool = False
    mde: float = 0.02
    look: str | None = None

    @property
    def confidence(self) -> float:
        """``1 − alpha``."""
        return 1.0 - self.alpha

    def all_metrics(self) -> tuple[str, ...]:
        """The metrics to analyse: those named, the ratios, then the guardrails."""
        names = [*self.metrics, *self.ratios, *self.guardrails]
        return tuple(dict.fromkeys(names))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "arm": self.arm,
            "metrics": list(self.all_metrics()),
            "control": self.control,
            "unit": self.unit,
            "covariates": dict(self.covariates),
            "ratios": {k: list(v) for k, v in self.ratios.items()},
            "guardrails": dict(self.guardrails),
            "lower_is_better": sorted(self.lower_is_better),
            "expected_split": list(self.expected_split),
            "margin": self.margin,
            "alpha": self.alpha,
            "sequential": self.sequential,
            "mde": self.mde if self.sequential else None,
            "look": self.look,
        }


# -- parsing the options' text --------------------------------------------------------


def parse_percent(text: str, *, name: str) -> float:
    """``5%`` or ``0.05`` as the fraction 0.05; a positive relative size below 100%."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value < 1):
        raise InputError(f"{name} {text!r} must be a relative size such as 5% (or 0.05)")
    return value


def parse_pair(text: str, *, name: str, example: str) -> tuple[str, str]:
    """``KEY=VALUE`` as its two stripped, non-empty halves."""
    key, eq, value = text.partition("=")
    if not eq or not key.strip() or not value.strip():
        raise InputError(f"{name} {text!r} must be written {example}")
    return key.strip(), value.strip()


def parse_ratio(text: str) -> tuple[str, tuple[str, str]]:
    """``NAME=NUM/DEN`` (``rps=revenue/sessions``)."""
    example = "NAME=NUMERATOR/DENOMINATOR, e.g. rps=revenue/sessions"
    name, columns = parse_pair(text, name="--ratio", example=example)
    num, slash, den = columns.partition("/")
    if not slash or not num.strip() or not den.strip():
        raise InputError(f"--ratio {text!r} must be written {example}")
    return name, (num.strip(), den.strip())


def parse_guardrail(text: str) -> tuple[str, float]:
    """``METRIC:MARGIN`` (``p99_latency:5%``)."""
    metric, colon, margin = text.rpartition(":")
    if not colon or not metric.strip():
        raise InputError(f"--guardrail {text!r} must be written METRIC:MARGIN, e.g. latency:5%")
    return metric.strip(), parse_percent(margin, name=f"--guardrail {metric.strip()}'s margin")


def parse_split(text: str) -> tuple[float, ...]:
    """``50/50`` (or ``90/10``, ``1/1``) as the planned weights, control first, scaled
    so that the larger is 100 (``1e308/1e308`` is 100/100, not an overflow)."""
    try:
        parts = tuple(float(p) for p in text.split("/"))
    except ValueError:
        parts = ()
    if len(parts) == 2 and all(math.isfinite(p) and p > 0 for p in parts):
        parts = tuple(100 * (p / max(parts)) for p in parts)
    if len(parts) != 2 or not all(math.isfinite(p) and p >= 1e-6 for p in parts):
        raise InputError(
            f"--expected-split {text!r} must give the control's and the treatment's "
            "planned shares, e.g. 50/50 or 90/10"
        )
    return parts


def needed_columns(header: Sequence[str], options: ABOptions) -> tuple[bool, tuple[str, ...]]:
    """Whether the file holds aggregates (a ``units`` column), and the numeric
    columns to read for ``options`` (each checked by the reader)."""
    aggregate = UNITS_COLUMN in header
    if aggregate:
        given = (
            ("--covariate", bool(options.covariates)),
            ("--ratio", bool(options.ratios)),
            ("--unit", options.unit is not None),
            ("--sequential", options.sequential),
            ("--look", options.look is not None),
        )
        flags = [flag for flag, used in given if used]
        if flags:
            raise InputError(
                f"{', '.join(flags)} need(s) per-unit rows; this file holds one row per arm "
                f"(it has a {UNITS_COLUMN!r} column)"
            )
        wanted = [UNITS_COLUMN]
        for metric in options.all_metrics():
            mean, sd = f"{metric}_mean", f"{metric}_sd"
            wanted += [mean, sd] if metric not in header and mean in header else [metric]
        return True, tuple(dict.fromkeys(wanted))
    wanted = [m for m in options.all_metrics() if m not in options.ratios]
    wanted += [c for pair in options.ratios.values() for c in pair]
    wanted += list(options.covariates.values())
    wanted += [options.look] if options.look is not None else []
    return False, tuple(dict.fromkeys(wanted))


def options_from_text(
    *,
    arm: str,
    metrics: Sequence[str] = (),
    control: str | None = None,
    unit: str | None = None,
    covariates: Sequence[str] = (),
    ratios: Sequence[str] = (),
    guardrails: Sequence[str] = (),
    lower_is_better: Sequence[str] = (),
    expected_split: str = "50/50",
    margin: str | None = None,
    alpha: float = 0.05,
    sequential: bool = False,
    mde: str = "2%",
    look: str | None = None,
) -> ABOptions:
    """:class:`ABOptions` from the command line's text (``--covariate revenue=pre``,
    ``--ratio rps=revenue/sessions``, ``--guardrail latency:5%``, ``--margin 1%``)."""
    if not (isinstance(alpha, float | int) and 0 < alpha < 0.5):
        raise InputError(f"--alpha {alpha!r} must lie between 0 and 0.5, e.g. 0.05")
    example = "METRIC=COLUMN, e.g. revenue=revenue_pre"
    pairs = dict(parse_pair(c, name="--covariate", example=example) for c in covariates)
    options = ABOptions(
        arm=arm.strip(),
        metrics=tuple(dict.fromkeys(m.strip() for m in metrics)),
        control=None if control is None else control.strip(),
        unit=None if unit is None else unit.strip(),
        covariates=pairs,
        ratios=dict(parse_ratio(r) for r in ratios),
        guardrails=dict(parse_guardrail(g) for g in guardrails),
        lower_is_better=frozenset(m.strip() for m in lower_is_better),
        expected_split=parse_split(expected_split),
        margin=None if margin is None else parse_percent(margin, name="--margin"),
        alpha=float(alpha),
        sequential=sequential,
        mde=parse_percent(mde, name="--mde"),
        look=None if look is None else look.strip(),
    )
    _check_names(options)
    return options


def _check_names(options: ABOptions) -> None:
    analysed = set(options.all_metrics())
    if not analysed:
        raise InputError("name at least one metric: --metric COLUMN (or --ratio, --guardrail)")
    for flag, names in (
        ("--covariate", options.covariates),
        ("--lower-is-better", options.lower_is_better),
    ):
        unknown = sorted(set(names) - analysed)
        if unknown:
            raise InputError(
                f"{flag} names {', '.join(unknown)}, which is not analysed; add --metric "
                f"{unknown[0]}"
            )
    if options.look is not None and not options.sequential:
        raise InputError("--look replays the looks of a sequential analysis: add --sequential")
    clash = sorted(set(options.covariates) & set(options.ratios))
    if clash:
        raise InputError(f"{clash[0]} is a ratio metric; CUPED (--covariate) takes a plain metric")

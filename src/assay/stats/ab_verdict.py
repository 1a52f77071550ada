"""Verdicts on a production A/B test, non-inferiority, and guardrails across metrics.

- :func:`ab_verdict` — the four verdicts of :mod:`assay.stats.verdict` (BETTER,
  WORSE, EQUIVALENT, INCONCLUSIVE) applied to the interval of the relative lift,
  plus **INVALID** when the sample-ratio-mismatch check fails: then no effect is
  reported, because a broken split biases every metric. An INCONCLUSIVE or
  EQUIVALENT result says what the data rule out ("no drop larger than 0.4 pt").
- :func:`not_worse` — non-inferiority: the metric holds when the interval of
  the lift lies wholly on the good side of ``−margin`` (at 95% confidence, the
  one-sided test at 2.5%).
- :func:`guardrails` — a one-sided non-inferiority test per guardrail metric,
  with the Benjamini-Hochberg procedure across them (Benjamini & Hochberg 1995,
  *JRSS B* 57:289-300) so that at most ``fdr`` of the guardrails declared safe
  are expected to be harmed beyond their margin.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from assay.errors import InputError
from assay.stats.ab import ABEffect, SRMResult, one_sided_p
from assay.stats.multiplicity import adjust_pvalues
from assay.stats.validation import check_positive, check_probability
from assay.stats.verdict import Verdict, decide

__all__ = [
    "ABResult",
    "ABVerdict",
    "Guardrail",
    "GuardrailReport",
    "ab_verdict",
    "guardrails",
    "not_worse",
]


class ABVerdict(enum.StrEnum):
    """The verdict words of assay, plus INVALID for a failed sample-ratio check."""

    BETTER = "better"
    WORSE = "worse"
    EQUIVALENT = "equivalent"
    INCONCLUSIVE = "inconclusive"
    INVALID = "invalid"


@dataclass(frozen=True)
class ABResult:
    """One metric's verdict; ``effect`` is ``None`` when the verdict is INVALID.

    ``non_inferior`` is set by :func:`not_worse`: whether the harm the data
    allow stays within ``margin``. ``rules_out`` is the sentence of what the
    data exclude, for INCONCLUSIVE and EQUIVALENT results.
    """

    metric: str
    verdict: ABVerdict
    effect: ABEffect | None
    srm: SRMResult | None
    lower_is_better: bool
    margin: float | None
    non_inferior: bool | None = None
    rules_out: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "metric": self.metric,
            "verdict": self.verdict.value,
            "effect": self.effect.to_dict() if self.effect is not None else None,
            "srm": self.srm.to_dict() if self.srm is not None else None,
            "lower_is_better": self.lower_is_better,
            "margin": self.margin,
            "non_inferior": self.non_inferior,
            "rules_out": self.rules_out,
        }

    def __str__(self) -> str:
        if self.verdict is ABVerdict.INVALID:
            p = self.srm.p_value if self.srm is not None else math.nan
            return (
                f"INVALID: {self.metric}: sample-ratio mismatch (chi-square p = {p:.3g}); "
                "no effect is reported: fix the assignment or logging and rerun"
            )
        assert self.effect is not None  # only INVALID has no effect
        low, high = self.effect.relative_ci
        text = (
            f"{self.verdict.name}: {self.metric}: lift {_pct(self.effect.relative)} "
            f"({self.effect.confidence:.0%} CI {_pct(low)} to {_pct(high)})"
        )
        if self.non_inferior is not None:
            text += f"; {'not worse' if self.non_inferior else 'may be worse'} than "
            text += f"the margin {_size((self.margin or 0.0) * 100)}%"
        return text + (f"; {self.rules_out}" if self.rules_out else "")


def _size(value: float) -> str:
    """A non-negative size with sensible precision: 12, 3.4, 0.56."""
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2g}"


def _pct(value: float) -> str:
    if not math.isfinite(value):
        return "unbounded"
    return f"{'+' if value >= 0 else '-'}{_size(abs(value) * 100)}%"


def rules_out(effect: ABEffect) -> str:
    """What the interval excludes, in points for proportions and in percent otherwise.

    ``"the data rule out a drop larger than 0.4 pt and a rise larger than 0.6 pt"``.
    """
    if effect.kind == "proportion":
        (low, high), unit = effect.difference_ci, " pt"
    else:
        (low, high), unit = effect.relative_ci, "%"
    if not (math.isfinite(low) and math.isfinite(high)):
        return "the data cannot bound the effect yet"
    drop = "any drop" if low >= 0 else f"a drop larger than {_size(-low * 100)}{unit}"
    rise = "any rise" if high <= 0 else f"a rise larger than {_size(high * 100)}{unit}"
    return f"the data rule out {drop} and {rise} ({effect.confidence:.0%} confidence)"


def _check_margin(margin: float | None) -> float | None:
    if margin is None:
        return None
    margin = check_positive(margin, name="margin")
    if margin >= 1:
        raise InputError(f"margin={margin!r} is a relative change: write 0.05 for 5%, not 5")
    return margin


def ab_verdict(
    effect: ABEffect,
    *,
    metric: str = "metric",
    srm: SRMResult | None = None,
    lower_is_better: bool = False,
    margin: float | None = None,
) -> ABResult:
    """The verdict on one metric, from the interval of its relative lift.

    The rule is :func:`assay.stats.verdict.decide`'s (``margin`` as a fraction:
    ``0.01`` for 1%); a failed ``srm`` check makes it INVALID with no effect.
    """
    margin = _check_margin(margin)
    if srm is not None and srm.mismatch:
        return ABResult(metric, ABVerdict.INVALID, None, srm, lower_is_better, margin)
    verdict = ABVerdict(
        decide(effect.relative_ci, lower_is_better=lower_is_better, margin=margin).value
    )
    words = rules_out(effect) if verdict.value in _OPEN else None
    return ABResult(metric, verdict, effect, srm, lower_is_better, margin, rules_out=words)


_OPEN = {Verdict.INCONCLUSIVE.value, Verdict.EQUIVALENT.value}


def not_worse(
    effect: ABEffect,
    margin: float,
    *,
    metric: str = "metric",
    srm: SRMResult | None = None,
    lower_is_better: bool = False,
) -> ABResult:
    """Non-inferiority: B is not worse than A by more than ``margin`` (relative, 0.05 = 5%).

    Holds when the interval of the lift lies above ``−margin`` (below ``+margin``
    when lower is better): at 95% confidence, the one-sided test at 2.5%. The
    verdict is the plain one (no margin); INVALID when ``srm`` fails.
    """
    checked = _check_margin(margin)
    assert checked is not None
    result = ab_verdict(effect, metric=metric, srm=srm, lower_is_better=lower_is_better)
    if result.verdict is ABVerdict.INVALID:
        return ABResult(metric, result.verdict, None, srm, lower_is_better, checked, False)
    low, high = effect.relative_ci
    holds = high < checked if lower_is_better else low > -checked
    return ABResult(
        metric, result.verdict, effect, srm, lower_is_better, checked, holds, result.rules_out
    )


@dataclass(frozen=True)
class Guardrail:
    """One guardrail: the one-sided p-value of harm beyond ``margin``, BH-adjusted."""

    metric: str
    margin: float
    lower_is_better: bool
    relative: float
    p_value: float
    adjusted_p_value: float
    holds: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "metric": self.metric,
            "margin": self.margin,
            "lower_is_better": self.lower_is_better,
            "relative": self.relative if math.isfinite(self.relative) else None,
            "p_value": self.p_value,
            "adjusted_p_value": self.adjusted_p_value,
            "holds": self.holds,
        }


@dataclass(frozen=True)
class GuardrailReport:
    """Every guardrail's result; ``all_hold`` when each is shown not worse than its margin."""

    guardrails: tuple[Guardrail, ...]
    fdr: float
    invalid: bool = False

    @property
    def all_hold(self) -> bool:
        """Whether every guardrail holds (never on an INVALID experiment)."""
        return not self.invalid and all(g.holds for g in self.guardrails)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "method": "one-sided non-inferiority tests, Benjamini-Hochberg across metrics",
            "fdr": self.fdr,
            "invalid": self.invalid,
            "all_hold": self.all_hold,
            "guardrails": [g.to_dict() for g in self.guardrails],
        }


def guardrails(
    results: Mapping[str, ABEffect],
    margins: Mapping[str, float],
    fdr: float = 0.05,
    *,
    lower_is_better: Collection[str] = (),
    srm: SRMResult | None = None,
) -> GuardrailReport:
    """Non-inferiority of each guardrail metric, with false-discovery control across them.

    For each metric in ``margins`` (relative: ``0.05`` for 5%), H0 is "B is worse
    than A by the margin or more": ``lift <= −margin`` (``>= +margin`` for the
    metrics named in ``lower_is_better``), tested one-sided (:func:`one_sided_p`).
    The p-values are adjusted by Benjamini-Hochberg
    (:func:`assay.stats.adjust_pvalues`, ``method="bh"``) and a guardrail holds
    when its adjusted p-value is at most ``fdr``.
    """
    fdr = check_probability(fdr, name="fdr")
    if not margins:
        raise InputError("margins is empty; name at least one guardrail metric and its margin")
    missing = sorted(set(margins) - set(results)) + sorted(set(lower_is_better) - set(margins))
    if missing:
        raise InputError(f"no result or margin for {', '.join(missing)}; give every guardrail both")
    names = list(margins)
    checked = {name: _check_margin(margins[name]) or 0.0 for name in names}
    pvalues = [
        one_sided_p(
            results[name],
            checked[name] if name in lower_is_better else -checked[name],
            above=name not in lower_is_better,
        )
        for name in names
    ]
    adjusted = adjust_pvalues(pvalues, method="bh")
    invalid = srm is not None and srm.mismatch
    rows = tuple(
        Guardrail(
            *(name, checked[name], name in lower_is_better, results[name].relative),
            *(p, float(q), bool(q <= fdr) and not invalid),
        )
        for name, p, q in zip(names, pvalues, adjusted, strict=True)
    )
    return GuardrailReport(rows, fdr, invalid)

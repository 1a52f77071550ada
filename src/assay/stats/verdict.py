"""The four-valued verdict and the :class:`Comparison` that carries it.

A verdict has four values, and the rule is applied to the confidence interval
of the relative effect (candidate against baseline), so the verdict never
claims more than the interval shows:

- **BETTER** / **WORSE**: the interval lies wholly on that side of zero and,
  when a margin is given, wholly beyond it;
- **EQUIVALENT**: a margin is given and the interval lies wholly inside
  ``±margin`` (at 95% confidence this is the two one-sided tests procedure at
  2.5% each side, slightly stricter than the usual TOST at 5%);
- **INCONCLUSIVE**: anything else, with an estimate of the trials per arm that
  would likely settle it.

Which side is "better" depends on the metric: lower latency, higher accuracy.
"""

from __future__ import annotations

import enum
import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay.display import Displayable
from assay.stats.magnitude import effect_words, interval_short, ratio_fields

if TYPE_CHECKING:
    from assay.stats.serial import Serial

__all__ = ["Comparison", "Verdict", "decide"]


class Verdict(enum.StrEnum):
    """What a comparison concludes; the values are the lower-case words."""

    BETTER = "better"
    WORSE = "worse"
    EQUIVALENT = "equivalent"
    INCONCLUSIVE = "inconclusive"


def decide(ci: tuple[float, float], *, lower_is_better: bool, margin: float | None) -> Verdict:
    """The verdict for an interval of the relative effect (positive: candidate larger)."""
    low, high = ci
    bound = margin or 0.0
    if low > bound:
        return Verdict.WORSE if lower_is_better else Verdict.BETTER
    if high < -bound:
        return Verdict.BETTER if lower_is_better else Verdict.WORSE
    if margin is not None and -margin < low and high < margin:
        return Verdict.EQUIVALENT
    return Verdict.INCONCLUSIVE


_HEADLINES = {
    Verdict.BETTER: "the candidate is better",
    Verdict.WORSE: "the candidate is worse",
    Verdict.EQUIVALENT: "the candidate is equivalent to the baseline",
    Verdict.INCONCLUSIVE: "not enough evidence either way",
}

_COLOURS = {
    Verdict.BETTER: "#1a7f37",
    Verdict.WORSE: "#cf222e",
    Verdict.EQUIVALENT: "#0969da",
    Verdict.INCONCLUSIVE: "#9a6700",
}


def _magnitude(size: float) -> str:
    """A non-negative percentage with sensible precision: 127, 12, 3.4, 0.56."""
    if size >= 1e6:
        return f"{size:.3g}"
    if size >= 10 or size == 0:
        return f"{size:.0f}"
    if size >= 1:
        return f"{size:.1f}"
    return f"{size:.2g}"


def percent(value: float) -> str:
    """A relative change as a signed percentage (``+127%``, ``-3.4%``, ``+0.56%``).

    Whole percents from 10% up, one decimal from 1%, two significant figures
    below; infinite or NaN ends say 'unbounded', never ``inf%`` or ``nan%``.
    """
    if not math.isfinite(value):
        return "unbounded"
    if value == 0:
        return "0%"
    return f"{'+' if value > 0 else '-'}{_magnitude(abs(value) * 100)}%"


def _direction(effect: float, metric: str | None = None) -> str:
    if not math.isfinite(effect):
        return "different from the baseline by an unbounded amount"
    if effect == 0 or _magnitude(abs(effect) * 100) == "0":
        return "the same as the baseline"
    return f"{effect_words(effect, metric)} than the baseline"


def _p_value(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "undefined"


@dataclass(frozen=True, repr=False)  # a short repr and to_pandas() from Displayable
class Comparison(Displayable):
    """The outcome of :func:`assay.stats.compare`.

    ``effect`` is the relative change of the location (``0.05``: the candidate
    is 5% larger) and ``ci`` its interval at ``confidence``; ``test`` names the
    test that ran and ``scale`` whether it ran on log values or raw values.
    ``needed_trials`` is set when the verdict is inconclusive: the trials per
    arm (pairs, when paired), counting those already run, that would detect
    the observed effect with 80% power. ``None`` when it cannot be estimated.
    """

    verdict: Verdict
    effect: float
    ci: tuple[float, float]
    p_value: float
    test: str
    scale: str
    confidence: float
    lower_is_better: bool
    paired: bool
    margin: float | None
    n_baseline: int
    n_candidate: int
    needed_trials: int | None
    warnings: tuple[str, ...] = ()
    serial: Serial | None = None  # set by compare(serial=True)

    _display_columns = (
        *("verdict", "effect.relative", "effect.ci", "test.p_value", "n_baseline"),
        *("n_candidate", "needed_trials", "test.name", "warnings"),
    )

    @property
    def method(self) -> str:
        """The test and scale in words, e.g. "Welch t on log values"."""
        names = {
            "welch": "Welch t",
            "paired-t": "paired t",
            "paired-t-serial": "paired t widened for serial correlation",
            "mann-whitney": "Mann-Whitney U",
            "wilcoxon": "Wilcoxon signed-rank",
            "permutation": "permutation test",
        }
        return f"{names.get(self.test, self.test)} on {self.scale} values"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; unbounded interval ends are ``None``."""

        def finite(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "verdict": self.verdict.value,
            "lower_is_better": self.lower_is_better,
            "paired": self.paired,
            "effect": {
                "relative": self.effect,
                "ci": [finite(self.ci[0]), finite(self.ci[1])],
                "confidence": self.confidence,
                **ratio_fields(finite(self.effect), (finite(self.ci[0]), finite(self.ci[1]))),
            },
            "test": {"name": self.test, "p_value": finite(self.p_value), "scale": self.scale},
            "margin": self.margin,
            "n_baseline": self.n_baseline,
            "n_candidate": self.n_candidate,
            "needed_trials": self.needed_trials,
            "warnings": list(self.warnings),
            **({} if self.serial is None else {"serial": self.serial.to_dict()}),
        }

    def headline(self) -> str:
        """One line: the verdict in capitals and in words."""
        text = _HEADLINES[self.verdict]
        if self.verdict is Verdict.EQUIVALENT and self.margin is not None:
            text += f" (within ±{percent(self.margin)[1:]})"
        return f"{self.verdict.name}: {text}"

    def effect_text(self, metric: str | None = None) -> str:
        """The effect and its interval in words, in the unit a reader thinks in
        (:mod:`assay.stats.magnitude`: ``201x faster`` for ``metric="time"``, ``8.9%
        lower`` for a small change)."""
        goal = "lower is better" if self.lower_is_better else "higher is better"
        low, high = self.ci
        interval = (
            "unbounded"
            if not (math.isfinite(low) or math.isfinite(high))
            else interval_short(self.effect, low, high, metric)
        )
        return (
            f"candidate is {_direction(self.effect, metric)} "
            f"({self.confidence:.0%} CI {interval}; {goal})"
        )

    def detail_text(self) -> str:
        """The test, p-value, trial counts and, when inconclusive, trials needed."""
        text = (
            f"{self.method}, p = {_p_value(self.p_value)}; "
            f"{self.n_baseline} baseline and {self.n_candidate} candidate "
            f"{'pairs' if self.paired else 'trials'}"
        )
        if self.verdict is Verdict.INCONCLUSIVE and self.needed_trials is not None:
            more = self.needed_trials - min(self.n_baseline, self.n_candidate)
            unit = "pairs" if self.paired else "trials per arm"
            text += (
                f". About {self.needed_trials} {unit} in all ({more} more) would likely settle it"
            )
        return text

    def __str__(self) -> str:
        lines = [self.headline(), self.effect_text(), self.detail_text()]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.verdict]
        rows = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        warnings = f"<ul style='color:#9a6700'>{rows}</ul>" if rows else ""
        return (
            "<div class='assay-comparison'>"
            f"<p><strong style='color:{colour}'>{html.escape(self.headline())}</strong></p>"
            f"<p>{html.escape(self.effect_text())}</p>"
            f"<p><small>{html.escape(self.detail_text())}</small></p>"
            f"{warnings}{Displayable._repr_html_(self)}</div>"  # and the numbers, as a table
        )

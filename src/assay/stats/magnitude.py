"""How big an effect is, in the unit a reader thinks in: one rule for every surface.

A relative effect ``e`` is ``candidate / baseline - 1`` and its ratio ``r = 1 + e``.
The CLI, the reports, the MADR records and the gate review all show it through
the functions below, so a change reads the same wherever it appears:

- **Small changes as percentages**: ``-8.9%`` in a table, ``8.9% faster`` in a
  sentence. Percentages are of the metric itself: for time, ``8.9% faster`` means
  8.9% less time per call.
- **Large changes as ratios**: ``201x faster``, ``3.2x more`` (memory), ``2.5x
  higher``. A change is large when ``r >= 1.5`` or ``r <= 1/1.5`` (:data:`RATIO_AT`),
  the same distance on the log scale either way, so a 1.5x slow-down and a 1.5x
  speed-up switch together. Below that a percentage reads naturally ("33%
  slower"); above it a percentage hides what matters: a 200x speed-up is
  ``-99.5%``, and a 3x slow-down ``+200%`` is easily misread as 2x. Speed-ups
  are where the rule matters most: percentages crowd against -100%, ratios do
  not (pyperf shows every change as a ratio, ``1.50x slower``; the percentages
  kept for small changes follow the tables of the benchmark literature).
- **Words that follow the metric** (:func:`words_for`): time gets
  ``faster``/``slower``, memory ``less``/``more``, anything else (throughput,
  accuracy, cost) ``lower``/``higher``.
- **Intervals in the unit of their estimate**, smaller figure first on one side
  (``180x to 225x faster``, ``-12% to -5.1%``), low end first when they cross no
  change (``1.1x faster to 4.0x slower``). A percentage never rounds to -100%:
  it keeps the digits that tell it from -100% (``-99.6%``).

A ratio at or below zero (possible on the raw scale of a metric that can be
negative) has no "times" reading and stays a percentage. JSON keeps the relative
effect and adds the ratio, ``candidate / baseline`` (:func:`ratio_fields`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "RATIO_AT",
    "Words",
    "effect_phrase",
    "effect_short",
    "effect_words",
    "evidence_text",
    "interval_short",
    "interval_words",
    "ratio_fields",
    "signed_percent",
    "uses_ratio",
    "words_for",
]

RATIO_AT = 1.5
"""A change is shown as a ratio when ``candidate / baseline`` is at least this, or
at most its inverse; as a percentage otherwise."""


@dataclass(frozen=True)
class Words:
    """The words for a larger (``up``) and a smaller (``down``) candidate."""

    up: str
    down: str


TIME = Words("slower", "faster")
MEMORY = Words("more", "less")
LEVEL = Words("higher", "lower")

_TIME_NAMES = ("time", "latency", "duration", "wall_time", "cpu_time", "elapsed")
_MEMORY_PREFIXES = ("peak_", "memory", "gpu_memory", "rss", "heap", "vram")


def words_for(metric: str | None) -> Words:
    """The direction words of a metric: ``time``, ``latency.p99`` -> faster/slower;
    ``peak_rss``, ``memory.heap`` -> more/less; anything else -> higher/lower."""
    if not metric:
        return LEVEL
    name = metric.lower()
    if name in _TIME_NAMES or name.startswith(tuple(f"{n}." for n in _TIME_NAMES)):
        return TIME
    if name.startswith(("latency", "time_")) or name.endswith(("_time", "_latency")):
        return TIME
    if name.startswith(_MEMORY_PREFIXES) or name.endswith(("_memory", "_rss", "_bytes")):
        return MEMORY
    return LEVEL


def uses_ratio(effect: float) -> bool:
    """Whether ``effect`` is shown as a ratio: finite, with a positive ratio at least
    :data:`RATIO_AT` or at most its inverse."""
    if not math.isfinite(effect):
        return False
    ratio = 1.0 + effect
    return ratio > 0 and (ratio >= RATIO_AT or ratio * RATIO_AT <= 1.0)


def _ratio(effect: float | None) -> float | None:
    if effect is None or not math.isfinite(effect):
        return None
    return 1.0 + effect


def ratio_fields(
    effect: float | None, ci: tuple[float | None, float | None] | None
) -> dict[str, float | None]:
    """The JSON fields that carry the ratio ``candidate / baseline`` beside a relative
    effect: ``{"ratio", "ratio_low", "ratio_high"}`` (``None`` where unknown or unbounded)."""
    low, high = ci if ci is not None else (None, None)
    return {"ratio": _ratio(effect), "ratio_low": _ratio(low), "ratio_high": _ratio(high)}


# -- figures ---------------------------------------------------------------------------


def _percent_size(size: float) -> str:
    """A non-negative percentage: ``127``, ``12``, ``3.4``, ``0.56``, ``<0.001``."""
    if size >= 10 or size == 0:
        return f"{size:,.0f}"
    if size >= 1:
        return f"{size:.1f}"
    if size < 0.001:
        return "<0.001"
    return f"{size:.{1 - math.floor(math.log10(size))}f}"


def _percent(effect: float) -> str:
    """``|effect|`` as a percentage, never rounded to 100% unless it is 100%."""
    size = abs(effect) * 100
    text = _percent_size(size)
    if effect < 0 and text == "100" and size != 100:
        for digits in range(1, 16):
            text = f"{size:.{digits}f}"
            if float(text) != 100:
                break
    return text + "%"


def signed_percent(effect: float) -> str:
    """``-0.089`` -> ``-8.9%``, ``1.27`` -> ``+127%``; infinite -> ``unbounded``."""
    if not math.isfinite(effect):
        return "unbounded"
    if effect == 0:
        return "0%"
    return ("+" if effect > 0 else "-") + _percent(effect)


def _times(ratio: float) -> str:
    """A factor of at least 1: ``1.5x``, ``9.9x``, ``38x``, ``201x``, ``1,250x``."""
    text = f"{ratio:.1f}"
    return f"{text}x" if float(text) < 10 else f"{ratio:,.0f}x"


def _factor(effect: float) -> tuple[str, bool]:
    """The factor of a ratio-shown effect and whether the candidate is larger."""
    ratio = 1.0 + effect
    return (_times(ratio), True) if ratio >= 1 else (_times(1.0 / ratio), False)


# -- one figure ------------------------------------------------------------------------


def effect_short(effect: float, metric: str | None = None) -> str:
    """A table cell: ``-8.9%``, ``+21%``, ``201x faster``, ``3.2x more``."""
    if not uses_ratio(effect):
        return signed_percent(effect)
    factor, up = _factor(effect)
    words = words_for(metric)
    return f"{factor} {words.up if up else words.down}"


def effect_words(effect: float, metric: str | None = None) -> str:
    """A sentence's figure: ``8.9% faster``, ``21% more``, ``201x faster``, ``no change``."""
    if not math.isfinite(effect):
        return "unbounded"
    if uses_ratio(effect):
        return effect_short(effect, metric)
    if effect == 0:
        return "no change"
    words = words_for(metric)
    if effect <= -1:
        return f"{_percent(effect)} {words.down}"
    return f"{_percent(effect)} {words.up if effect > 0 else words.down}"


# -- intervals -------------------------------------------------------------------------


def _end(effect: float, ratio: bool, metric: str | None) -> str:
    """One interval end, in the interval's unit, with its word."""
    if not math.isfinite(effect):
        return "no bound"
    if ratio and 1.0 + effect > 0:
        factor, up = _factor(effect)
        words = words_for(metric)
        return f"{factor} {words.up if up else words.down}"
    if ratio or effect == 0:
        return "no bound" if ratio else "no change"
    words = words_for(metric)
    return f"{_percent(effect)} {words.up if effect > 0 else words.down}"


def _bare(effect: float, ratio: bool) -> str:
    """An end's figure without its word (both ends on one side share it)."""
    if not math.isfinite(effect) or (ratio and 1.0 + effect <= 0):
        return "no bound"
    return _factor(effect)[0] if ratio else _percent(effect)


def _side(low: float, high: float) -> int:
    """+1 when the interval lies at or above no change, -1 at or below, 0 across."""
    if low >= 0:
        return 1
    if high <= 0:
        return -1
    return 0


def _one_side(low: float, high: float, metric: str | None) -> tuple[str, float, float] | None:
    """For an interval on one side of no change: its direction word and its ends,
    nearer to no change first; ``None`` when it crosses no change."""
    side = _side(low, high)
    if side == 0:
        return None
    words = words_for(metric)
    return (words.up, low, high) if side > 0 else (words.down, high, low)


def interval_short(effect: float, low: float, high: float, metric: str | None = None) -> str:
    """An interval for a table, in its estimate's unit: ``-12% to -5.1%``,
    ``180x to 225x faster``, ``1.1x faster to 4.0x slower``."""
    ratio = uses_ratio(effect)
    if not ratio:
        return f"{signed_percent(low)} to {signed_percent(high)}"
    oriented = _one_side(low, high, metric)
    if oriented is None:
        return f"{_end(low, True, metric)} to {_end(high, True, metric)}"
    word, near, far = oriented
    if _bare(far, True) == "no bound":
        return f"at least {_bare(near, True)} {word}"
    return f"{_bare(near, True)} to {_bare(far, True)} {word}"


def interval_words(effect: float, low: float, high: float, metric: str | None = None) -> str:
    """An interval for a sentence, in its estimate's unit: ``between 5.1% and 12%
    faster``, ``between 180x and 225x faster``, ``between 1.1x faster and 4.0x slower``;
    ``at least 5.1% faster`` when the far end is unbounded."""
    ratio = uses_ratio(effect)
    oriented = _one_side(low, high, metric)
    if oriented is None:
        return f"between {_end(low, ratio, metric)} and {_end(high, ratio, metric)}"
    word, near, far = oriented
    if _bare(far, ratio) == "no bound":
        return f"at least {_bare(near, ratio)} {word}, with no bound beyond"
    return f"between {_bare(near, ratio)} and {_bare(far, ratio)} {word}"


def effect_phrase(
    effect: float,
    ci: tuple[float, float] | None,
    metric: str | None = None,
    confidence: float = 0.95,
) -> str:
    """The figure and its interval in one phrase: ``201x faster (95% CI 180x to 225x
    faster)``, ``-8.9% (95% CI -12% to -5.1%)``."""
    text = effect_short(effect, metric)
    if ci is None:
        return text
    return f"{text} ({confidence:.0%} CI {interval_short(effect, ci[0], ci[1], metric)})"


def evidence_text(
    label: str,
    effect: float,
    ci: tuple[float, float],
    *,
    metric: str | None,
    confidence: float = 0.95,
    n: int | None = None,
) -> str:
    """A criterion's evidence for ``effect(metric)``, as the gate review and MADR records
    say it: ``effect(time) = 201x faster (-99.5%; 95% CI 180x to 225x faster, 68
    trials per arm)``; the percentage stays beside a ratio, as criteria are written
    in percent. Small changes: ``effect(time) = -8.9% (95% CI -12% to -5.1%, ...)``."""
    trials = "" if n is None else f", {n} trials per arm"
    interval = interval_short(effect, ci[0], ci[1], metric)
    if not uses_ratio(effect):
        return f"{label} = {signed_percent(effect)} ({confidence:.0%} CI {interval}{trials})"
    figure = effect_short(effect, metric)
    return f"{label} = {figure} ({signed_percent(effect)}; {confidence:.0%} CI {interval}{trials})"

"""Units of the criteria language and the dimensions they belong to.

Every number in a criterion may carry a unit. Units belong to a *dimension*, and
two quantities can be compared only within one dimension: ``200ms`` against a
latency is fine, ``200MiB`` against a latency is an error found when the
criterion is checked, before any data exists.

======================  =========================================  ==============
dimension               units (factor to the base unit)            base unit
======================  =========================================  ==============
time                    ``ns`` ``us`` (or ``µs``) ``ms`` ``s``     second
                        ``min``
memory                  ``B`` ``KB`` ``MB`` ``GB`` (decimal),      byte
                        ``KiB`` ``MiB`` ``GiB`` ``TiB`` (binary)
money                   ``usd``                                    US dollar
fraction                ``%`` and ``pt`` (both 0.01), plain        1
                        numbers
ratio                   ``x`` (``1.5x`` is 1.5 times the baseline) 1
======================  =========================================  ==============

``%`` and ``pt`` are both hundredths, and differ only where the language gives
them different roles: in a margin, ``%`` is *relative* to the baseline and ``pt``
is an *absolute* difference of a proportion (``not_worse(accuracy, margin=1pt)``
allows the accuracy to drop from 0.852 to 0.842). A relative effect takes ``%``
or ``x``; ``x`` states the ratio candidate / baseline, so ``0.8x`` is the
relative change -20%.

Conversions go through :class:`decimal.Decimal` so that ``29%`` becomes the float
nearest to 0.29, not ``29 * 0.01``; evidence in ``ms`` and a threshold in ``ms``
then compare exactly, which matters when an interval touches its threshold.
"""

from __future__ import annotations

import decimal
import enum
import math
from decimal import Decimal

__all__ = [
    "UNITS",
    "Dimension",
    "canonical_unit",
    "dimension_of_metric",
    "dimension_of_unit",
    "from_base",
    "to_base",
    "unit_names",
]


class Dimension(enum.StrEnum):
    """What a quantity measures; only quantities of one dimension compare."""

    TIME = "time"
    MEMORY = "memory"
    MONEY = "money"
    FRACTION = "fraction"
    RATE = "rate"
    RATIO = "ratio"
    RELATIVE = "relative"
    UNKNOWN = "unknown"

    @property
    def described(self) -> str:
        """The dimension in words, with the units that express it."""
        return _DESCRIBED[self]

    @property
    def noun(self) -> str:
        """The dimension in two or three words: "a time", "a memory size"."""
        return _DESCRIBED[self].split(" (", 1)[0]

    @property
    def needs_unit(self) -> bool:
        """Whether a plain number is too ambiguous to compare with this dimension."""
        return self in (Dimension.TIME, Dimension.MEMORY, Dimension.MONEY, Dimension.RELATIVE)


_DESCRIBED = {
    Dimension.TIME: "a time (ns, us, ms, s, min)",
    Dimension.MEMORY: "a memory size (B, KB, MB, GB, KiB, MiB, GiB, TiB)",
    Dimension.MONEY: "an amount in usd",
    Dimension.FRACTION: "a fraction (a plain number, % or pt)",
    Dimension.RATE: "a rate (a plain number)",
    Dimension.RATIO: "a ratio (x)",
    Dimension.RELATIVE: "a relative change (% or x)",
    Dimension.UNKNOWN: "a metric of unknown unit",
}

# unit -> (dimension, factor to the base unit of that dimension)
UNITS: dict[str, tuple[Dimension, Decimal]] = {
    "ns": (Dimension.TIME, Decimal("1e-9")),
    "us": (Dimension.TIME, Decimal("1e-6")),
    "ms": (Dimension.TIME, Decimal("1e-3")),
    "s": (Dimension.TIME, Decimal(1)),
    "min": (Dimension.TIME, Decimal(60)),
    "B": (Dimension.MEMORY, Decimal(1)),
    "KB": (Dimension.MEMORY, Decimal(10) ** 3),
    "MB": (Dimension.MEMORY, Decimal(10) ** 6),
    "GB": (Dimension.MEMORY, Decimal(10) ** 9),
    "KiB": (Dimension.MEMORY, Decimal(2) ** 10),
    "MiB": (Dimension.MEMORY, Decimal(2) ** 20),
    "GiB": (Dimension.MEMORY, Decimal(2) ** 30),
    "TiB": (Dimension.MEMORY, Decimal(2) ** 40),
    "usd": (Dimension.MONEY, Decimal(1)),
    "%": (Dimension.FRACTION, Decimal("0.01")),
    "pt": (Dimension.FRACTION, Decimal("0.01")),
    "x": (Dimension.RATIO, Decimal(1)),
}

# Other spellings accepted on input, and the unit each stands for.
_ALIASES: dict[str, str] = {"µs": "us", "μs": "us", "USD": "usd"}

# First segment of a metric name -> its dimension, for the checks made without data.
_METRIC_FAMILIES: dict[str, Dimension] = {
    "latency": Dimension.TIME,
    "time": Dimension.TIME,
    "duration": Dimension.TIME,
    "ttft": Dimension.TIME,
    "memory": Dimension.MEMORY,
    "peak_rss": Dimension.MEMORY,
    "gpu_memory": Dimension.MEMORY,
    "accuracy": Dimension.FRACTION,
    "failure_rate": Dimension.FRACTION,
    "error_rate": Dimension.FRACTION,
    "throughput": Dimension.RATE,
    "cost": Dimension.MONEY,
}

_CONTEXT = decimal.Context(
    prec=60, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, traps=[decimal.InvalidOperation]
)


def canonical_unit(unit: str) -> str | None:
    """The canonical spelling of ``unit`` (``µs`` is ``us``), or ``None`` when unknown."""
    unit = _ALIASES.get(unit, unit)
    return unit if unit in UNITS else None


def unit_names() -> str:
    """The units, comma-separated, for error messages."""
    return ", ".join(UNITS)


def dimension_of_unit(unit: str | None) -> Dimension:
    """The dimension of ``unit``; a plain number (``None``) is a fraction."""
    if unit is None:
        return Dimension.FRACTION
    return UNITS[_ALIASES.get(unit, unit)][0]


def dimension_of_metric(metric: str) -> Dimension:
    """The dimension assay knows for a metric name such as ``latency.p99``.

    Only well-known families are recognised (latency, memory, accuracy,
    failure_rate, throughput, cost...); any other metric is ``UNKNOWN`` until its
    evidence says which unit it is measured in.
    """
    return _METRIC_FAMILIES.get(metric.split(".", 1)[0], Dimension.UNKNOWN)


def to_base(value: Decimal | float, unit: str | None) -> float:
    """``value`` expressed in ``unit``, converted to the base unit of its dimension.

    ``x`` converts to itself (a ratio); plain numbers are returned as they are.
    The result may be infinite when the number is out of the float range.
    """
    factor = Decimal(1) if unit is None else UNITS[_ALIASES.get(unit, unit)][1]
    if isinstance(value, float) and not math.isfinite(value):
        return value
    exact = _CONTEXT.multiply(_decimal(value), factor)
    return float(exact)


def from_base(value: float, unit: str | None) -> float:
    """The inverse of :func:`to_base`: a base-unit value expressed in ``unit``."""
    if unit is None or not math.isfinite(value):
        return value
    return float(_CONTEXT.divide(_decimal(value), UNITS[_ALIASES.get(unit, unit)][1]))


def _decimal(value: Decimal | float) -> Decimal:
    # A float goes through its shortest repr, so that evidence of 184.3 ms and a
    # literal 184.3ms convert to the very same float.
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))

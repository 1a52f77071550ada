"""Value types shared by every layer: rings, and parsers for the small
literals users type (dates, durations, sizes)."""

from __future__ import annotations

import datetime as dt
import enum
import re

from assay.errors import InputError

__all__ = [
    "MAX_DURATION",
    "MAX_ID",
    "Ring",
    "check_id",
    "parse_date",
    "parse_duration",
    "parse_fraction",
]


class Ring(enum.StrEnum):
    """A ring of the research radar, from most to least endorsed."""

    ADOPT = "ADOPT"
    TRIAL = "TRIAL"
    ASSESS = "ASSESS"
    HOLD = "HOLD"
    SKIP = "SKIP"

    @classmethod
    def parse(cls, text: str) -> Ring:
        """The ring named by ``text``, in any case; an :class:`InputError` otherwise."""
        try:
            return cls(text.strip().upper())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise InputError(f"unknown ring {text!r}; expected one of {names}") from None

    @property
    def order(self) -> int:
        """Position on the radar, 0 for ADOPT (the centre)."""
        return list(Ring).index(self)


def parse_date(text: str, *, field: str = "date") -> dt.date:
    """A calendar date written ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{field} {text!r} is not a date; expected YYYY-MM-DD, for example 2026-12-31"
        ) from None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d|w)?\s*$")
MAX_DURATION = dt.timedelta(days=3650)
"""The longest duration assay takes (a time-box, a timeout, a budget): ten years."""
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(text: str, *, field: str = "duration") -> dt.timedelta:
    """A duration such as ``90s``, ``5m``, ``2h``, ``5d`` or ``1w`` (plain numbers are seconds)."""
    match = _DURATION.match(text)
    if not match:
        raise InputError(
            f"{field} {text!r} is not a duration; expected a number with a unit "
            "(ms, s, m, h, d, w), for example 5m"
        )
    value, unit = float(match.group(1)), match.group(2) or "s"
    seconds = value * _SECONDS[unit]
    if not seconds <= MAX_DURATION.total_seconds():  # also inf and NaN
        raise InputError(
            f"{field} {text!r} is too long; expected at most {MAX_DURATION.days}d (10 years)"
        )
    return dt.timedelta(seconds=seconds)


MAX_ID = 2**63 - 1
"""The largest record id a database stores (a signed 64-bit integer)."""


def check_id(number: int, *, noun: str, see: str = "") -> int:
    """``number`` when it can be a record id (1 to :data:`MAX_ID`), else an
    :class:`InputError` giving the range; ``see`` names the command that lists them."""
    if not 1 <= number <= MAX_ID:
        shown = str(number) if len(str(number)) <= 30 else f"{str(number)[:27]}..."
        hint = f" (see: {see})" if see else ""
        raise InputError(f"{noun} {shown} does not exist; ids run from 1 to {MAX_ID}{hint}")
    return number


def parse_fraction(
    text: str,
    *,
    field: str,
    what: str = "a fraction",
    inclusive: bool = False,
    example: float = 0.7,
) -> float:
    """A fraction written ``0.7`` or ``70%``, as 0.7.

    The value must lie between 0 and 1: strictly unless ``inclusive`` (a probability
    may be 0 or 1; a margin or a confidence level may not). ``field`` names the option,
    ``what`` the quantity and ``example`` a sensible value in the error: ``--p '170%' is
    out of range; expected a probability from 0 to 100%, as a fraction (0.7) or a
    percentage (70%)``.
    """
    raw = str(text).strip()
    percent = raw.endswith("%")
    bounds = "from 0 to 100%" if inclusive else "above 0 and below 100%"
    shown = f"as a fraction ({example:g}) or a percentage ({example * 100:g}%)"
    expected = f"expected {what} {bounds}, {shown}"
    try:
        value = float(raw.removesuffix("%").strip())
    except ValueError:
        raise InputError(f"{field} {text!r} is not a number; {expected}") from None
    value = value / 100 if percent else value
    inside = 0 <= value <= 1 if inclusive else 0 < value < 1
    if not inside:  # NaN fails both comparisons
        raise InputError(f"{field} {text!r} is out of range; {expected}")
    return value

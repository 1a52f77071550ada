"""Revisit-when conditions and regression rules for decisions that stay true (issue 14).

A gate decision's ``revisit_when`` is text. :func:`parse_conditions` splits it on
``;`` (and takes a repeated option as separate items) and recognises three kinds of
condition that assay can check; anything else is kept as free text, shown as "not
checked by assay":

=============================  ===============================================
``on 2027-03-01``              the date is reached (checked at read time and by
                               ``assay watch check``)
``change(latency.p99)``        any change point on that watched metric after
                               the decision, in either direction
``effect(latency.p99) > -10%``  a criteria expression (see ``docs/criteria.md``)
                               that holds on the newest evidence of the
                               prototype
=============================  ===============================================

Text that starts like one of them but does not parse (``on 2027-13-01``,
``change()``, ``effect(latency.p99) >``) is an :class:`InputError`: a condition
that silently became free text would never fire.

The series a metric is watched in is named by :func:`series_metric`, the same name
:func:`summary_series` gives the values it reads from a run's summary, so that
``effect(latency)`` in a criterion and the ``time`` metric of a benchmark meet.
:func:`is_regression` says whether a change is in the harmful direction.

This module is pure: no store, no clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from assay.criteria import Criterion, parse
from assay.errors import InputError

__all__ = [
    "Condition",
    "ConditionKind",
    "is_regression",
    "parse_condition",
    "parse_conditions",
    "series_metric",
    "summary_series",
]

ConditionKind = str
"""``date``, ``change``, ``criteria`` or ``text``."""

_DATE = re.compile(r"^on\s+(\S+)\s*$", re.IGNORECASE)
_CHANGE = re.compile(r"^change\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_METRIC = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*(\.[0-9]+)?$")
_CRITERIA_HINT = re.compile(
    r"\b(effect|verdict|not_worse|equivalent)\s*\(|\b(candidate|baseline)\.", re.IGNORECASE
)
_PERCENTILE = re.compile(r"^p(\d+(?:[._]\d+)?)$")


@dataclasses.dataclass(frozen=True)
class Condition:
    """One revisit-when condition.

    Attributes:
        kind: ``date``, ``change``, ``criteria`` or ``text``.
        text: the condition as written (trimmed).
        on: the date of a ``date`` condition.
        metric: the watched metric of a ``change`` condition (its series name).
        criterion: the canonical criteria text of a ``criteria`` condition.
    """

    kind: ConditionKind
    text: str
    on: dt.date | None = None
    metric: str | None = None
    criterion: str | None = None

    @property
    def checked(self) -> bool:
        """Whether assay checks it (free text is not)."""
        return self.kind != "text"

    def describe(self) -> str:
        """One line for people."""
        if self.kind == "text":
            return f"{self.text} (not checked by assay)"
        return self.text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "kind": self.kind,
            "text": self.text,
            "on": None if self.on is None else self.on.isoformat(),
            "metric": self.metric,
            "criterion": self.criterion,
            "checked": self.checked,
        }


def parse_condition(text: str) -> Condition:
    """One condition: a date, a ``change(METRIC)``, a criteria expression or free text.

    Raises :class:`InputError` for text that starts like a condition assay checks
    but does not parse.
    """
    text = text.strip()
    if not text:
        raise InputError("an empty revisit-when condition; write a date, change(METRIC) or text")
    date = _DATE.match(text)
    if date:
        try:
            on = dt.date.fromisoformat(date.group(1))
        except ValueError:
            raise InputError(
                f"revisit-when {text!r}: {date.group(1)!r} is not a date; write on YYYY-MM-DD"
            ) from None
        return Condition("date", text, on=on)
    if text.lower().startswith("change"):
        change = _CHANGE.match(text)
        metric = change.group(1).strip() if change else ""
        if not change or not _METRIC.match(metric):
            raise InputError(
                f"revisit-when {text!r} is not change(METRIC); write e.g. change(latency.p99)"
            )
        return Condition("change", text, metric=series_metric(metric))
    if _CRITERIA_HINT.search(text):
        criterion: Criterion = parse(text)  # a CriteriaSyntaxError is an InputError
        return Condition("criteria", text, criterion=criterion.canonical)
    return Condition("text", text)


def parse_conditions(texts: str | Iterable[str]) -> tuple[Condition, ...]:
    """Every condition in ``texts`` (one string, or several from a repeated option),
    each split on ``;``; empty pieces are skipped."""
    items = [texts] if isinstance(texts, str) else list(texts)
    pieces = [piece.strip() for item in items for piece in item.split(";")]
    return tuple(parse_condition(piece) for piece in pieces if piece)


def series_metric(metric: str) -> str:
    """The series name of a criteria metric name.

    ``latency``, ``latency.p50``, ``latency.median``, ``time`` → ``latency``;
    ``latency.p99`` → ``latency.p99`` (``p99_9`` → ``p99.9``); ``memory.peak_rss``
    → ``peak_rss``; ``gpu_memory`` → ``peak_cuda``; ``accuracy.mean`` → ``accuracy``.
    """
    family, _, rest = metric.partition(".")
    if family in ("latency", "time"):
        if rest in ("", "p50", "median"):
            return "latency"
        match = _PERCENTILE.match(rest)
        if match:
            return "latency.p" + match.group(1).replace("_", ".")
        return metric
    if family == "memory" and rest:
        return rest
    if metric == "gpu_memory":
        return "peak_cuda"
    base, dot, stat = metric.rpartition(".")
    if dot and stat in ("mean", "median"):
        return base
    return metric


def summary_series(metrics: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """The watched values of one method summary's ``metrics`` (see
    :class:`~assay.bench.MethodSummary`): each metric's median under its series name
    (or, for a summary without one, such as a load run's or an A/B arm's, the value
    it compares), and, for ``time``, each pooled per-call percentile (``per_call_p99``
    → ``latency.p99``). Missing or non-finite values are left out."""
    found: dict[str, float] = {}
    for name, stats in metrics.items():
        if name == "time":
            for key, value in stats.items():
                if key.startswith("per_call_p"):
                    _put(found, series_metric("latency." + key.removeprefix("per_call_")), value)
        _put(found, series_metric(name), stats.get("median", stats.get("compared")))
    return found


def _put(found: dict[str, float], name: str, value: Any) -> None:
    if isinstance(value, int | float) and value == value and abs(value) != float("inf"):
        found[name] = float(value)


def is_regression(mean_before: float, mean_after: float, *, lower_is_better: bool) -> bool:
    """Whether a shift from ``mean_before`` to ``mean_after`` is harmful: up when lower
    is better (latency, memory), down when higher is better (throughput, accuracy)."""
    if lower_is_better:
        return mean_after > mean_before
    return mean_after < mean_before

"""The checks made on a parsed criterion before any data exists.

A criterion is well-formed when every comparison compares things of one
dimension: a latency with a time, a memory statistic with a memory size, a
relative effect with ``%`` or ``x``, a verdict with a verdict name (by ``==`` or
``!=`` only); margins are positive and fit their metric. Metrics whose family
assay does not know (anything but latency, memory, accuracy, failure_rate,
throughput, cost...) pass here and are checked again against the unit their
evidence carries, when the criterion is evaluated.
"""

from __future__ import annotations

from assay.criteria.errors import CriteriaUnitError
from assay.criteria.nodes import (
    And,
    ArmMetric,
    Comparison,
    EffectOf,
    Not,
    NotWorse,
    Operand,
    Or,
    Predicate,
    Quantity,
    VerdictName,
    VerdictOf,
)
from assay.criteria.units import Dimension, dimension_of_metric

__all__ = ["check_predicate", "margin_misfit", "quantity_misfit"]


def quantity_misfit(target: Dimension, quantity: Quantity) -> str | None:
    """What was expected instead of ``quantity`` against a value of dimension ``target``,
    or ``None`` when it fits."""
    unit = quantity.unit
    if target is Dimension.UNKNOWN:
        fits = quantity.dimension is not Dimension.RATIO
        expected = "a number with a unit; x states a ratio and goes with effect()"
    elif target is Dimension.RELATIVE:
        fits = unit in ("%", "x")
        expected = "a relative change in % or x, such as -20% or 0.8x"
        if unit == "pt":
            expected += " (pt is an absolute difference of a proportion; use it in a margin)"
    elif target is Dimension.RATE:
        fits = unit is None
        expected = "a plain number for a rate"
    elif target is Dimension.FRACTION:
        fits = quantity.dimension is Dimension.FRACTION
        expected = target.described
    else:
        fits = quantity.dimension is target
        expected = target.described
        if unit == "%":
            expected += "; for a relative change write effect(METRIC) <= -20%"
    return None if fits else expected


def margin_misfit(target: Dimension, margin: Quantity) -> str | None:
    """What was expected instead of ``margin`` for a metric of dimension ``target``,
    or ``None`` when it fits. ``%`` (relative) fits any metric."""
    if margin.value <= 0:
        return "a positive margin"
    if margin.unit == "%":
        return None
    if margin.unit == "x":
        return "a margin in % (relative) or in the metric's own unit (absolute)"
    if target is Dimension.UNKNOWN:
        return None
    if target is Dimension.RATE:
        return None if margin.unit is None else "a margin in % or a plain number for a rate"
    if margin.dimension is not target:
        return f"a margin in % or in {target.described}"
    return None


def _dimension(operand: Operand) -> Dimension | None:
    if isinstance(operand, Quantity):
        return None
    if isinstance(operand, ArmMetric):
        return dimension_of_metric(operand.metric)
    if isinstance(operand, EffectOf):
        return Dimension.RELATIVE
    return None


def _fail(text: str, span: tuple[int, int], expected: str, found: str) -> CriteriaUnitError:
    return CriteriaUnitError(text, span[0], expected, found)


def _check_verdicts(text: str, node: Comparison) -> None:
    left, right = node.left, node.right
    if isinstance(right, VerdictOf) and not isinstance(left, VerdictOf):
        left, right = right, left
    if not isinstance(left, VerdictOf):
        raise _fail(text, left.span, "verdict(METRIC) to compare with a verdict name", str(left))
    if not isinstance(right, VerdictName):
        raise _fail(text, right.span, "better, worse, equivalent or inconclusive", str(right))
    if node.op not in ("==", "!="):
        raise _fail(text, node.span, "== or != between a verdict and its name", node.op)


def _check_comparison(text: str, node: Comparison) -> None:
    left, right = node.left, node.right
    verdicts = (VerdictOf, VerdictName)
    if isinstance(left, verdicts) or isinstance(right, verdicts):
        _check_verdicts(text, node)
        return
    if isinstance(left, Quantity) and isinstance(right, Quantity):
        raise _fail(text, node.span, "a metric on one side at least", "two constants")
    if {type(left), type(right)} == {EffectOf, ArmMetric}:
        raise _fail(
            text, node.span, "a relative effect compared with % or x", f"{left} against {right}"
        )
    for this, other in ((left, right), (right, left)):
        target = _dimension(this)
        if target is None:
            continue
        if isinstance(other, Quantity):
            expected = quantity_misfit(target, other)
            if expected is not None:
                found = f"{other}, {other.dimension.noun}"
                raise _fail(text, other.span, f"{expected} to compare with {this}", found)
            continue
        theirs = _dimension(other)
        unknown = Dimension.UNKNOWN
        if theirs is not None and unknown not in (target, theirs) and theirs is not target:
            found = f"{other}, {theirs.noun}"
            raise _fail(text, other.span, f"{target.described} to compare with {this}", found)


def check_predicate(text: str, node: Predicate) -> None:
    """Raise :class:`CriteriaUnitError` at the first ill-matched comparison or margin.

    ``text`` is the source the node was parsed from, for the error's caret.
    """
    stack: list[Predicate] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, And | Or):
            stack.extend((current.right, current.left))
        elif isinstance(current, Not):
            stack.append(current.operand)
        elif isinstance(current, Comparison):
            _check_comparison(text, current)
        else:
            target = dimension_of_metric(current.metric)
            expected = margin_misfit(target, current.margin)
            if expected is not None:
                margin = current.margin
                found = f"{margin}, {margin.dimension.noun}"
                name = "not_worse" if isinstance(current, NotWorse) else "equivalent"
                raise _fail(text, margin.span, f"{expected} for {name}({current.metric})", found)

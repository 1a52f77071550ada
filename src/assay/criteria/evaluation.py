"""Evaluating a criterion against evidence: PASS, FAIL or UNDETERMINED.

The rule is one: a comparison PASSes only when *every* value in the confidence
interval satisfies it, FAILs when *no* value does, and is UNDETERMINED otherwise.
Intervals are closed, so for ``x <= t``:

* PASS when ``high <= t`` (an interval touching ``t`` from below passes),
* FAIL when ``low > t``,
* UNDETERMINED otherwise;

and for ``x < t``, PASS needs ``high < t``: an interval reaching ``t`` is
UNDETERMINED, as ``t`` itself is not below ``t``. A zero-width interval (an exact
figure) equal to ``t`` therefore passes ``<=`` and fails ``<``. ``==`` passes only
for a zero-width interval at the value and fails when the interval excludes it.

Between two measured sides (``candidate.latency.p99 < baseline.latency.p99``)
the interval of the difference is taken by interval arithmetic,
``[a.low - b.high, a.high - b.low]``: conservative, as the two intervals are not
joint; ``effect(...)`` compares the arms with the engine's own interval and is
the better way to ask that question.

``not_worse(m, margin=M)`` holds when the candidate is worse by at most M:
``change <= M`` when lower is better, ``change >= -M`` when higher is better;
``equivalent(m, margin=M)`` when ``-M <= change <= M``. A margin in ``%`` is a
relative change; any other margin is an absolute difference (``1pt`` is 0.01 of
a proportion). Both follow the same whole-interval rule.

``verdict(m) == better`` compares the statistics engine's verdict: PASS or FAIL
by equality, except that an *inconclusive* verdict leaves a comparison with any
other name UNDETERMINED (more trials may still make it better).

Evidence that is missing leaves its comparison UNDETERMINED, with no trial
estimate. Evidence whose unit does not fit the criterion (a custom metric in
``MiB`` compared with ``200ms``) is an error, not an outcome:
:class:`CriteriaUnitError`.
"""

from __future__ import annotations

import dataclasses
import math

from assay.criteria.check import check_predicate, margin_misfit, quantity_misfit
from assay.criteria.errors import CriteriaUnitError
from assay.criteria.evidence import EffectEstimate, Evidence, MetricEstimate
from assay.criteria.nodes import (
    And,
    ArmMetric,
    Comparison,
    EffectOf,
    Equivalent,
    Not,
    NotWorse,
    Operand,
    Or,
    Predicate,
    Quantity,
    VerdictName,
    VerdictOf,
    render,
)
from assay.criteria.outcome import Evaluation, Outcome
from assay.criteria.trials import trials_to_settle
from assay.criteria.units import (
    Dimension,
    dimension_of_metric,
    dimension_of_unit,
    from_base,
    to_base,
)
from assay.errors import InputError
from assay.stats.magnitude import evidence_text, signed_percent, uses_ratio
from assay.stats.verdict import Verdict

__all__ = ["evaluate_predicate"]

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_WORDS = {
    "<": "below",
    "<=": "at or below",
    ">": "above",
    ">=": "at or above",
    "==": "equal to",
    "!=": "different from",
}


def _holds(value: float, op: str) -> bool:
    """Whether ``value op 0``."""
    return {
        "<": value < 0,
        "<=": value <= 0,
        ">": value > 0,
        ">=": value >= 0,
        "==": value == 0,
        "!=": value != 0,
    }[op]


def interval_outcome(low: float, high: float, op: str) -> Outcome:
    """The outcome of ``x op 0`` for every ``x`` in the closed interval ``[low, high]``."""
    if op == "==":
        if low == high == 0:
            return Outcome.PASS
        return Outcome.FAIL if low > 0 or high < 0 else Outcome.UNDETERMINED
    if op == "!=":
        return ~interval_outcome(low, high, "==")
    if _holds(low, op) and _holds(high, op):
        return Outcome.PASS
    if not _holds(low, op) and not _holds(high, op):
        return Outcome.FAIL
    return Outcome.UNDETERMINED


@dataclasses.dataclass(frozen=True)
class _Side:
    """One side of a comparison, in base units."""

    label: str
    value: float
    low: float
    high: float
    display_unit: str | None
    estimate: MetricEstimate | None = None

    @property
    def constant(self) -> bool:
        return self.estimate is None

    def show(self, value: float) -> str:
        return _show(value, self.display_unit)

    def describe(self) -> str:
        if self.estimate is None:
            return self.label
        e = self.estimate
        trials = "" if e.n is None else f", {e.n} trials per arm"
        if self.label.startswith("effect(") and uses_ratio(self.value):  # 201x faster
            metric = self.label[len("effect(") : -1]
            ends = (self.low, self.high)
            return evidence_text(
                self.label, self.value, ends, metric=metric, confidence=e.confidence, n=e.n
            )
        return (
            f"{self.label} = {self.show(self.value)} ({e.confidence:.0%} CI "
            f"{self.show(self.low)} to {self.show(self.high)}{trials})"
        )


def _show(value: float, unit: str | None) -> str:
    if not math.isfinite(value):
        return "-inf" if value < 0 else "inf"
    if unit == "%":
        return _signed_percent(from_base(value, unit))
    return f"{from_base(value, unit):.4g}{unit or ''}"


def _signed_percent(percent: float) -> str:
    """A relative change as the tables show it: ``+127%``, ``-3.4%``, ``+0.56%``, and
    ``-99.5%``, never ``-100%`` short of it (:func:`assay.stats.magnitude.signed_percent`)."""
    return signed_percent(percent / 100)


class _Evaluator:
    def __init__(self, evidence: Evidence, source: str) -> None:
        self.evidence = evidence
        self.source = source

    def unit_error(self, span: tuple[int, int], expected: str, found: str) -> CriteriaUnitError:
        return CriteriaUnitError(self.source, span[0], expected, found)

    def run(self, node: Predicate) -> Evaluation:
        if isinstance(node, Not):
            return self.negation(node)
        if isinstance(node, And | Or):
            return self.junction(node)
        if isinstance(node, NotWorse | Equivalent):
            return self.margin(node)
        if isinstance(node.left, VerdictOf | VerdictName) or isinstance(node.right, VerdictOf):
            return self.verdict(node)
        return self.comparison(node)

    # -- logic --------------------------------------------------------------------

    def negation(self, node: Not) -> Evaluation:
        child = self.run(node.operand)
        return Evaluation(
            outcome=~child.outcome,
            expression=render(node),
            reason=f"negates {child.outcome.value}",
            trials=child.trials,
            trials_needed=child.trials_needed,
            leaning=None if child.leaning is None else ~child.leaning,
            children=(child,),
        )

    def junction(self, node: And | Or) -> Evaluation:
        children = (self.run(node.left), self.run(node.right))
        conjunction = isinstance(node, And)
        decisive = Outcome.FAIL if conjunction else Outcome.PASS
        outcome = children[0].outcome
        outcome = outcome & children[1].outcome if conjunction else outcome | children[1].outcome
        known = [c.trials for c in children if c.trials is not None]
        trials, needed, leaning = min(known, default=None), None, None
        if outcome is decisive:
            deciders = [c.expression for c in children if c.outcome is decisive]
            reason = f"{decisive.value} by {' and by '.join(deciders)}"
        elif outcome is not Outcome.UNDETERMINED:
            reason = f"every part {'passes' if conjunction else 'fails'}"
        else:
            open_ = [c for c in children if c.outcome is Outcome.UNDETERMINED]
            reason = f"no part {'fails' if conjunction else 'passes'} yet; " + (
                "both parts are undetermined" if len(open_) == 2 else "one part is undetermined"
            )
            needed, leaning = _settle(open_, decisive)
        return Evaluation(
            outcome, render(node), reason, (), None, trials, needed, leaning, children
        )

    # -- comparisons ----------------------------------------------------------------

    def verdict(self, node: Comparison) -> Evaluation:
        left, right = node.left, node.right
        call, name = (left, right) if isinstance(left, VerdictOf) else (right, left)
        assert isinstance(call, VerdictOf)
        assert isinstance(name, VerdictName)
        found = self.evidence.verdict(call.metric)
        if found is None:
            return _missing(node, f"no verdict on {call.metric} in the evidence")
        equal = found.verdict is Verdict(name.name)
        trials = f" ({found.n} trials per arm)" if found.n is not None else ""
        reason = f"{call} is {found.verdict.value}{trials}"
        if found.verdict is Verdict.INCONCLUSIVE and not equal:
            return Evaluation(
                Outcome.UNDETERMINED,
                render(node),
                reason,
                trials=found.n,
                trials_needed=found.needed_trials,
            )
        outcome = Outcome.of(equal if node.op == "==" else not equal)
        return Evaluation(outcome, render(node), reason, trials=found.n)

    def comparison(self, node: Comparison) -> Evaluation:
        left, op, right = node.left, node.op, node.right
        if isinstance(left, Quantity):
            left, op, right = right, _FLIP[op], left
        sides = [self.side(left, right), self.side(right, left)]
        if sides[0] is None or sides[1] is None:
            absent = left if sides[0] is None else right
            return _missing(node, f"no evidence for {absent}")
        a, b = sides[0], sides[1]
        low, high, point = a.low - b.high, a.high - b.low, a.value - b.value
        outcome = interval_outcome(low, high, op)
        if b.constant:
            reason = f"{a.describe()}; " + _sentence(outcome, f"{_WORDS[op]} {b.label}")
        else:
            diff = f"{a.label} - {b.label}"
            span = f"{a.show(low)} to {a.show(high)}"
            reason = (
                f"{a.describe()}; {b.describe()}; the difference {diff} lies in {span}; "
                + _sentence(outcome, f"{_WORDS[op]} 0")
            )
        estimates = tuple((s.label, s.estimate) for s in (a, b) if s.estimate is not None)
        return self.settled(node, outcome, reason, estimates, (low, high, point), op, b)

    def settled(
        self,
        node: Predicate,
        outcome: Outcome,
        reason: str,
        estimates: tuple[tuple[str, MetricEstimate], ...],
        interval: tuple[float, float, float],
        op: str,
        threshold: _Side | Quantity | None,
    ) -> Evaluation:
        low, high, point = interval
        counts = [e.n for _, e in estimates]
        trials = None if None in counts or not counts else min(c for c in counts if c is not None)
        needed, leaning = None, None
        if outcome is Outcome.UNDETERMINED:
            confidence = min(e.confidence for _, e in estimates)
            leaning = Outcome.of(_holds(point, op))
            needed = trials_to_settle((high - low) / 2, point, trials, confidence=confidence)
        shown = None
        if isinstance(threshold, Quantity):
            shown = str(threshold)
        elif threshold is not None and threshold.constant:
            shown = threshold.label.split(" (", 1)[0]
        return Evaluation(outcome, render(node), reason, estimates, shown, trials, needed, leaning)

    def side(self, operand: Operand, other: Operand) -> _Side | None:
        if isinstance(operand, Quantity):
            if operand.unit == "x":  # a ratio to the baseline, as a relative change
                value = operand.base - 1
                label = f"{operand} ({_show(value, '%')})"
                return _Side(label, value, value, value, "%")
            return _Side(str(operand), operand.base, operand.base, operand.base, operand.unit)
        if isinstance(operand, EffectOf):
            effect = self.evidence.effect(operand.metric)
            if effect is None:
                return None
            return _estimate_side(str(operand), effect.relative, "%")
        assert isinstance(operand, ArmMetric)
        estimate = self.evidence.statistic(operand.arm, operand.metric)
        if estimate is None:
            return None
        dimension = _evidence_dimension(str(operand), operand.metric, estimate)
        if isinstance(other, Quantity):
            expected = quantity_misfit(dimension, other)
            if expected is not None:
                unit = estimate.unit or "plain numbers"
                found = f"{other}, {other.dimension.noun}"
                measured = f"{expected} to compare with {operand}, measured in {unit}"
                raise self.unit_error(other.span, measured, found)
        elif isinstance(other, ArmMetric):
            mine = dimension_of_unit(estimate.unit)
            theirs = self.evidence.statistic(other.arm, other.metric)
            if theirs is not None and dimension_of_unit(theirs.unit) is not mine:
                found = f"{other}, measured in {theirs.unit or 'plain numbers'}"
                raise self.unit_error(other.span, f"{mine.described} like {operand}", found)
        return _estimate_side(str(operand), estimate, estimate.unit)

    # -- margins ------------------------------------------------------------------

    def margin(self, node: NotWorse | Equivalent) -> Evaluation:
        effect = self.evidence.effect(node.metric)
        if effect is None:
            return _missing(node, f"no effect of {node.metric} in the evidence")
        side = self.change(node, effect)
        if side is None:
            return _missing(node, f"no absolute difference of {node.metric} in the evidence")
        assert side.estimate is not None
        estimates = ((side.label, side.estimate),)
        m, margin = node.margin.base, node.margin
        if isinstance(node, Equivalent):
            outcome = _equivalence(side.low, side.high, m)
            reason = f"{side.describe()}; " + _sentence(outcome, f"within ±{margin}", f"±{margin}")
            evaluation = self.settled(node, outcome, reason, estimates, (0, 0, 0), "==", margin)
            if outcome is not Outcome.UNDETERMINED:
                return evaluation
            needed = trials_to_settle(
                (side.high - side.low) / 2,
                m - abs(side.value),
                evaluation.trials,
                confidence=side.estimate.confidence,
            )
            leaning = Outcome.of(abs(side.value) <= m)
            return dataclasses.replace(evaluation, leaning=leaning, trials_needed=needed)
        if effect.lower_is_better:
            op, shift, where = "<=", -m, f"at or below +{margin}"
        else:
            op, shift, where = ">=", m, f"at or above -{margin}"
        direction = "lower" if effect.lower_is_better else "higher"
        outcome = interval_outcome(side.low + shift, side.high + shift, op)
        reason = (
            f"{side.describe()}; {direction} is better, so not worse means {where}; "
            + _sentence(outcome, where)
        )
        interval = (side.low + shift, side.high + shift, side.value + shift)
        return self.settled(node, outcome, reason, estimates, interval, op, margin)

    def change(self, node: NotWorse | Equivalent, effect: EffectEstimate) -> _Side | None:
        """The relative change (margin in %) or the absolute difference (any other margin)."""
        name = "not_worse" if isinstance(node, NotWorse) else "equivalent"
        if node.margin.unit == "%":
            return _estimate_side(f"effect({node.metric})", effect.relative, "%")
        difference = effect.difference
        if difference is None:
            return None
        dimension = _evidence_dimension(f"the difference of {node.metric}", node.metric, difference)
        expected = margin_misfit(dimension, node.margin)
        if expected is not None:
            found = f"{node.margin}, but {node.metric} is measured in "
            found += difference.unit or "plain numbers"
            raise self.unit_error(node.margin.span, f"{expected} for {name}({node.metric})", found)
        unit = "pt" if node.margin.unit == "pt" else difference.unit
        return _estimate_side(f"change of {node.metric}", difference, unit)


def _estimate_side(label: str, estimate: MetricEstimate, display_unit: str | None) -> _Side:
    unit = estimate.unit
    return _Side(
        label,
        to_base(estimate.value, unit),
        to_base(estimate.low, unit),
        to_base(estimate.high, unit),
        display_unit,
        estimate,
    )


def _evidence_dimension(label: str, metric: str, estimate: MetricEstimate) -> Dimension:
    """The dimension of the evidence for ``metric``; an :class:`InputError` when the
    evidence contradicts what assay knows of the metric (a latency in MiB)."""
    known = dimension_of_metric(metric)
    if estimate.unit is None:
        if known.needs_unit:
            raise InputError(f"evidence for {label} has no unit; {known.described} needs one")
        return Dimension.RATE if known is Dimension.RATE else Dimension.FRACTION
    measured = dimension_of_unit(estimate.unit)
    plain_rate = known is Dimension.RATE and measured is Dimension.FRACTION
    if known is not Dimension.UNKNOWN and measured is not known and not plain_rate:
        raise InputError(f"evidence for {label} is in {estimate.unit}; expected {known.described}")
    return measured


def _equivalence(low: float, high: float, m: float) -> Outcome:
    if -m <= low and high <= m:
        return Outcome.PASS
    if high < -m or low > m:
        return Outcome.FAIL
    return Outcome.UNDETERMINED


def _sentence(outcome: Outcome, where: str, outside: str | None = None) -> str:
    """How the interval sits against ``where`` ("at or below 200ms", "within ±2%")."""
    if outcome is Outcome.PASS:
        return f"the whole interval is {where}"
    if outcome is Outcome.FAIL:
        if outside is not None:
            return f"the whole interval is outside {outside}"
        return f"no part of the interval is {where}"
    return f"only part of the interval is {where}"


def _missing(node: Predicate, reason: str) -> Evaluation:
    return Evaluation(Outcome.UNDETERMINED, render(node), reason)


def _settle(open_: list[Evaluation], decisive: Outcome) -> tuple[int | None, Outcome | None]:
    """Trials and leaning of an ``and``/``or`` whose undetermined parts are ``open_``.

    If some parts lean to the decisive outcome (FAIL for ``and``, PASS for
    ``or``), the first of them to settle decides: the least of their needs.
    Otherwise every part must settle, each to the other outcome: the greatest
    need, or ``None`` when any is unknown.
    """
    deciding = [c for c in open_ if c.leaning is decisive]
    if deciding:
        needs = [c.trials_needed for c in deciding if c.trials_needed is not None]
        return (min(needs) if needs else None), decisive
    if any(c.leaning is None for c in open_):
        return None, None
    all_needs = [c.trials_needed for c in open_]
    known = [t for t in all_needs if t is not None]
    return (max(known) if len(known) == len(all_needs) else None), ~decisive


def evaluate_predicate(
    node: Predicate, evidence: Evidence, *, source: str | None = None
) -> Evaluation:
    """Evaluate ``node`` against ``evidence`` (see the module docstring for the rules).

    ``source`` is the text the node was parsed from, so that a unit error found
    against the evidence can point at its column; it defaults to the canonical text.
    """
    text = source if source is not None else render(node)
    check_predicate(text, node)
    return _Evaluator(evidence, text).run(node)

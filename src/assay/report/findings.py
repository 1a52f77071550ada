"""What the record says, as sentences every audience shares.

Each function reads a :class:`~assay.report.view.StudyView` and returns facts or
sentences: the measured effects (:func:`effects`), the headline benefit with its
interval (:func:`headline`), the assessment against the pre-registered criteria,
the risks in order of weight, what is needed from the product side, the
pre-registration and its amendments, the cost and the recommendation.

Honesty rules: a figure comes with its interval; an inconclusive verdict, an
undetermined criterion or a wide interval is said in words next to the figure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from assay.bench.result import ComparisonRow
from assay.criteria import Evaluation, Outcome
from assay.pipeline.gates import CriterionReview
from assay.report import phrasing as say
from assay.report.view import Point, StudyView
from assay.stats.verdict import Verdict

__all__ = [
    "Effect",
    "Headline",
    "MetricStory",
    "asks",
    "assessment",
    "cost_sentence",
    "describe_effect",
    "effects",
    "headline",
    "headline_sentence",
    "kind_label",
    "placement_sentence",
    "preregistration_sentence",
    "quoted",
    "recommendation_sentence",
    "risks",
    "stories",
]


@dataclasses.dataclass(frozen=True)
class Effect:
    """One comparison of the study's candidate with the baseline, from a run."""

    run_id: str
    baseline: str
    row: ComparisonRow
    confidence: float

    @property
    def metric(self) -> str:
        return self.row.metric

    @property
    def point(self) -> Point:
        return self.row.params

    @property
    def verdict(self) -> Verdict | None:
        return self.row.verdict


def effects(view: StudyView) -> list[Effect]:
    """Every comparison of the chosen candidate in the newest run."""
    run = view.main_run
    candidate = view.chosen_candidate
    if run is None:
        return []
    confidence = float(run.result.header.options.get("confidence", 0.95))
    return [
        Effect(run.run_id, run.baseline, row, confidence)
        for row in run.result.comparisons
        if row.candidate == candidate
    ]


def describe_effect(effect: Effect, *, with_point: bool = True) -> str:
    """One comparison in words: the change, its interval, and what cannot be said."""
    row = effect.row
    where = f" at {say.point_label(row.params)}" if with_point and row.params else ""
    metric = say.metric_label(row.metric)
    if row.effect is None or row.ci is None:
        why = row.warnings[0] if row.warnings else "too few completed trials"
        return f"{metric}{where} was not compared ({why})"
    low, high = row.ci
    if row.effect == low == high == 0:
        return f"{metric}{where} is the same as {effect.baseline} in every trial"
    interval = say.change_interval(
        low, high, effect.confidence, effect=row.effect, metric=row.metric
    )
    said = say.compared(row.effect, effect.baseline, row.metric)
    if row.verdict is Verdict.INCONCLUSIVE and (low > 0 or high < 0):
        control = [w for w in row.warnings if "false-discovery" in w]
        why = (
            control[0]
            if control
            else "the interval reaches into the practical margin, so the change may be too "
            "small to matter"
        )
        text = (
            f"{metric}{where} is inconclusive although its interval excludes no change: "
            f"the estimate is {said} ({interval}), "
            f"but {why}"
        )
        if row.needed_trials:
            text += f"; about {row.needed_trials:,} trials per arm would likely settle it"
        return text
    if row.verdict is Verdict.INCONCLUSIVE:
        runs = interval.replace(": ", " runs ", 1)
        text = (
            f"{metric}{where} is inconclusive: the estimate is "
            f"{said}, but the {runs}, so the "
            "data cannot yet say which way it goes"
        )
        if row.needed_trials:
            text += f"; about {row.needed_trials:,} trials per arm would likely settle it"
        return text
    text = f"{metric}{where} is {said} ({interval})"
    if row.verdict is Verdict.EQUIVALENT:
        text += ", no difference that matters (within the practical margin)"
    elif row.verdict in (Verdict.BETTER, Verdict.WORSE):
        text += f": {row.verdict.value}"
    if say.is_wide(low, high):
        text += "; the interval is wide, so the figure is rough"
    return text


@dataclasses.dataclass(frozen=True)
class MetricStory:
    """One metric across the sweep: where the candidate is better, worse, unclear."""

    metric: str
    at_point: Effect | None
    by_verdict: dict[Verdict | None, list[Point]]

    @property
    def verdict(self) -> Verdict | None:
        """The verdict at the study's point (None: not compared, or absent)."""
        return self.at_point.verdict if self.at_point else None

    def sweep_sentence(self) -> str:
        """``better at n=1024, n=2048; worse at n=256`` (empty without a sweep)."""
        parts = []
        for verdict in (*Verdict, None):
            points = self.by_verdict.get(verdict, [])
            if points and any(points):
                labels = ", ".join(say.point_label(p) for p in points)
                word = "not compared" if verdict is None else verdict.value
                parts.append(f"{word} at {labels}")
        return "; ".join(parts)


def stories(view: StudyView) -> list[MetricStory]:
    """One :class:`MetricStory` per compared metric, in the run's order."""
    point = view.chosen_point
    found: dict[str, MetricStory] = {}
    for effect in effects(view):
        story = found.setdefault(effect.metric, MetricStory(effect.metric, None, {}))
        story.by_verdict.setdefault(effect.verdict, []).append(effect.point)
        if effect.point == point:
            found[effect.metric] = dataclasses.replace(story, at_point=effect)
    for story in found.values():
        for points in story.by_verdict.values():
            points.sort(key=lambda p: [str(v).zfill(12) for _, v in p])
    return list(found.values())


# -- the headline ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Headline:
    """The benefit the study is about: a relative change with its interval.

    From the first success criterion that judges an ``effect(...)`` (what the gate
    read), else from the run's comparison of the first criterion's metric (or
    time) at the study's point.
    """

    metric: str
    value: float
    low: float
    high: float
    confidence: float
    point: Point
    n: int | None = None
    verdict: Verdict | None = None
    needed_trials: int | None = None
    criterion: str | None = None
    outcome: Outcome | None = None
    lower_is_better: bool | None = None

    @property
    def standing(self) -> str:
        """``established`` (the target is met, or the engine says better),
        ``missed`` (the target fails, the engine says worse or equivalent, or the
        whole interval lies on the harmful side) or ``open``."""
        if self.outcome is Outcome.PASS:
            return "established"
        if self.outcome is Outcome.FAIL or self.verdict in (Verdict.WORSE, Verdict.EQUIVALENT):
            return "missed"
        if self.verdict is Verdict.BETTER and self.outcome is None:
            return "established"
        if self.lower_is_better is not None and self.low != self.high:
            harmful = self.low >= 0 if self.lower_is_better else self.high <= 0
            if harmful:
                return "missed"
        return "open"


def _leaves(evaluation: Evaluation) -> Iterator[Evaluation]:
    if not evaluation.children:
        yield evaluation
    for child in evaluation.children:
        yield from _leaves(child)


def _from_criteria(view: StudyView) -> Headline | None:
    for review in view.evaluations:
        if review.kind != "success":
            continue
        for leaf in _leaves(review.evaluation):
            for label, estimate in leaf.estimates:
                if not label.startswith("effect("):
                    continue
                scale = 0.01 if estimate.unit == "%" else 1.0
                metric = label[len("effect(") : -1]
                row = _row_at(view, metric)
                return Headline(
                    metric=metric,
                    value=estimate.value * scale,
                    low=estimate.low * scale,
                    high=estimate.high * scale,
                    confidence=estimate.confidence,
                    point=view.chosen_point,
                    n=estimate.n,
                    verdict=row.verdict if row else None,
                    needed_trials=leaf.trials_needed or (row.row.needed_trials if row else None),
                    criterion=leaf.expression,
                    outcome=leaf.outcome,
                    lower_is_better=row.row.lower_is_better if row else _lower(metric),
                )
    return None


def _row_at(view: StudyView, metric: str) -> Effect | None:
    point, wanted = view.chosen_point, say.engine_metric(metric)
    for effect in effects(view):
        if effect.metric == wanted and effect.point == point:
            return effect
    return None


def headline(view: StudyView) -> Headline | None:
    """The headline benefit (see :class:`Headline`), or ``None`` without evidence."""
    found = _from_criteria(view)
    if found is not None:
        return found
    wanted = [m for review in view.evaluations for m in sorted(review.criterion.metrics)]
    for metric in [*wanted, "time"]:
        effect = _row_at(view, metric)
        if effect is None or effect.row.effect is None or effect.row.ci is None:
            continue
        return Headline(
            metric=metric,
            value=effect.row.effect,
            low=effect.row.ci[0],
            high=effect.row.ci[1],
            confidence=effect.confidence,
            point=effect.point,
            n=min(effect.row.n_baseline, effect.row.n_candidate),
            verdict=effect.verdict,
            needed_trials=effect.row.needed_trials,
            lower_is_better=effect.row.lower_is_better,
        )
    return None


def _lower(metric: str) -> bool | None:
    """Whether lower is better, for the metrics whose direction assay knows."""
    engine = say.engine_metric(metric)
    if engine in ("time", "cost", "failure_rate") or engine.startswith(("peak_", "latency")):
        return True
    return False if engine == "throughput" else None


def headline_sentence(view: StudyView) -> str:
    """The expected benefit with its interval, in words, or why there is none."""
    found = headline(view)
    if found is None:
        return "No benefit can be stated yet: no run has measured it."
    run = view.main_run
    baseline = run.baseline if run else "the baseline"
    where = f" at {say.point_label(found.point)}" if found.point else ""
    interval = say.change_interval(
        found.low, found.high, found.confidence, effect=found.value, metric=found.metric
    )
    said = say.compared(found.value, baseline, found.metric)
    measured = f"{say.metric_label(found.metric)} {said}{where}"
    undecided = found.verdict is Verdict.INCONCLUSIVE or found.outcome is Outcome.UNDETERMINED
    standing = found.standing
    if standing == "open":
        text = (
            f"The expected benefit is not established: the estimate is {measured}, "
            f"but the {interval.replace(': ', ' runs ', 1)}, so it may be no benefit at all"
        )
    else:
        lead = {"missed": "The expected benefit did not materialise:"}.get(
            standing, "The expected benefit is"
        )
        text = f"{lead} {measured} ({interval})"
        if say.is_wide(found.low, found.high):
            text += "; the interval is wide, so treat the figure as rough"
    if found.criterion is not None and found.outcome is not None:
        verb = {
            Outcome.PASS: "meets",
            Outcome.FAIL: "misses",
            Outcome.UNDETERMINED: "does not yet settle",
        }[found.outcome]
        text += f", which {verb} the pre-registered target {found.criterion}"
    if found.needed_trials and undecided:
        text += f"; about {found.needed_trials:,} trials per arm would likely settle it"
    return text + "."


# -- assessment, risks, asks ----------------------------------------------------------


def kind_label(kind: str) -> str:
    """``success``, ``hard kill`` or ``soft kill`` (a review's kind, for people)."""
    return {"kill hard": "hard kill", "kill soft": "soft kill"}.get(kind, kind)


def _count(reviews: list[CriterionReview], outcome: Outcome) -> int:
    return sum(1 for r in reviews if r.outcome is outcome)


def assessment(view: StudyView) -> str:
    """How the criteria stand, in one sentence."""
    success = [r for r in view.evaluations if r.kind == "success"]
    kills = [r for r in view.evaluations if r.kind.startswith("kill")]
    if not view.evaluations:
        return "No criterion has been evaluated yet."
    parts = []
    if success:
        counts = [
            f"{_count(success, Outcome.PASS)} pass",
            f"{_count(success, Outcome.FAIL)} fail",
            f"{_count(success, Outcome.UNDETERMINED)} not yet settled",
        ]
        noun = "criterion" if len(success) == 1 else "criteria"
        parts.append(f"of {len(success)} success {noun}, {', '.join(counts)}")
    else:
        parts.append("no success criterion is registered")
    if kills:
        fired = [r for r in kills if r.fired]
        open_ = _count(kills, Outcome.UNDETERMINED)
        text = f"{len(fired)} of {len(kills)} kill criteria fire"
        if open_:
            text += f" and {open_} cannot be ruled out yet"
        parts.append(text)
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _criteria_risks(view: StudyView) -> list[str]:
    """Criteria that fire or fail, the time-box, measured downsides, open criteria."""
    out: list[str] = []
    reviews = view.evaluations
    for kind, template in (
        ("kill hard", "the hard kill criterion {} fires ({})"),
        ("success", "the success criterion {} fails ({})"),
        ("kill soft", "the soft kill criterion {} fires ({})"),
    ):
        for r in reviews:
            if r.kind == kind and r.outcome is Outcome.FAIL:
                out.append(template.format(r.criterion.canonical, r.evaluation.reason))
    if view.recommendation is not None and view.recommendation.timebox_expired:
        out.append("the time-box has expired")
    downsides = [s.at_point for s in stories(view) if s.verdict is Verdict.WORSE and s.at_point]
    out += [describe_effect(e) for e in downsides]
    for r in reviews:
        if r.outcome is Outcome.UNDETERMINED:
            need = r.evaluation.trials_needed
            more = f"; about {need:,} trials per arm would likely settle it" if need else ""
            label = kind_label(r.kind)
            out.append(f"the {label} criterion {r.criterion.canonical} is not settled{more}")
    return out


def risks(view: StudyView) -> list[str]:
    """What could make the study wrong or the adoption go badly, weightiest first."""
    out = _criteria_risks(view)
    run = view.main_run
    if run is not None:
        for method, rate in sorted(run.result.failure_rates().items()):
            if rate > 0:
                out.append(f"{method} failed {say.percent(rate)} of its trials")
    facts = view.facts
    if run is not None and (facts is None or not facts.baseline_strongest):
        out.append(
            f"the baseline ({run.baseline}) is not recorded as the strongest available: "
            "against a stronger one the benefit may shrink or vanish"
        )
    cost = view.cost
    if cost is not None and cost.pessimistic_verdict is not cost.verdict:
        out.append(
            f"at the pessimistic end of the measured intervals the cost-benefit is "
            f"{cost.pessimistic_verdict.value} (payback {say.months(cost.payback_months.high)})"
        )
    if view.amendments:
        n = len(view.amendments)
        out.append(
            f"the pre-registered criteria were amended {n} time{'s' if n > 1 else ''} after "
            "they were frozen"
        )
    early = [r.run_id for r in view.runs if r.before_amendment]
    if early:
        out.append(
            f"run{'s' if len(early) > 1 else ''} {', '.join(early)} began before the newest "
            "amendment: the amended criteria were written with that data available"
        )
    out += [w for w in view.warnings if w not in out]
    if run is not None:
        out += [f"measurement: {w}" for w in run.result.warnings]
    return out


def asks(view: StudyView) -> list[str]:
    """What is needed from the product side to move on."""
    out: list[str] = []
    rec = view.recommendation
    if rec is not None and rec.trials_needed:
        out.append(
            f"time for more trials: about {rec.trials_needed:,} per arm would likely settle "
            "the open criteria"
        )
    if rec is not None:
        out += [f"{check.name}: {check.detail}" for check in rec.checks if not check.passed]
        if rec.timebox_expired:
            out.append("a decision to stop, or to extend the time-box with a reason")
    decided = view.decision
    if rec is not None and (decided is None or decided.stage is not rec.stage):
        out.append(
            f"a decision at the {rec.stage.value} gate ({rec.question}) by someone with "
            f"the approver role; the recommended answer is {rec.answer.label}"
        )
    if decided is not None and decided.conditions:
        out.append(f"the conditions of the {decided.stage.value} decision: {decided.conditions}")
    return out


# -- pre-registration, cost, recommendation ------------------------------------------


def preregistration_sentence(view: StudyView) -> str:
    """When the criteria were frozen, and every amendment since, dated and attributed."""
    if view.frozen is None:
        return (
            "The hypothesis and criteria are registered but not yet frozen: no run has "
            "judged them yet, so they may still change without an amendment."
        )
    text = (
        f"The hypothesis and criteria were pre-registered and frozen on "
        f"{say.date(view.frozen.at)} (content hash {view.frozen.content_hash[:12]})"
    )
    if not view.amendments:
        return text + "; they have not been changed since."
    items = [
        f"on {say.date(a.at)} by {a.by} ({a.reason})" for a in view.amendments
    ]  # every amendment, dated and attributed
    n = len(view.amendments)
    return f"{text}, and amended {n} time{'s' if n > 1 else ''} since: {'; '.join(items)}."


def cost_sentence(view: StudyView) -> str:
    """What adoption costs and returns, with intervals; or that no one priced it."""
    cost = view.cost
    if cost is None:
        return "Its cost has not been estimated yet (assay cost PROTOTYPE)."
    weeks = ""
    if view.cost_inputs is not None and view.cost_inputs.engineer_weeks:
        count = view.cost_inputs.engineer_weeks
        noun = "engineer-week" if count == 1 else "engineer-weeks"
        weeks = f" ({count:g} {noun} and infrastructure)"
    b, p = cost.monthly_benefit, cost.payback_months
    text = (
        f"Adopting it costs about {say.money(cost.one_off_cost)} once{weeks}; the net monthly "
        f"benefit is estimated at {say.money(b.value)} (between {say.money(b.low)} and "
        f"{say.money(b.high)} over the measured intervals), a payback of "
        f"{say.months(p.value)} ({say.months(p.low)} to {say.months(p.high)}): "
        f"{cost.verdict.value}"
    )
    if b.low < 0 < b.high:
        text += "; the interval runs from a loss to a gain, so the benefit is not established"
    if cost.pessimistic_verdict is not cost.verdict:
        text += f", though {cost.pessimistic_verdict.value} at the pessimistic end"
    return text + "."


def recommendation_sentence(
    view: StudyView, *, more_reasons: str = "in the engineering report"
) -> str:
    """The decision taken, or the recommendation awaiting one, with its main reason;
    ``more_reasons`` says where the others are (the engineering report, or, in it,
    its Gate section)."""
    rec, decided = view.recommendation, view.decision
    parts = []
    if decided is not None:
        text = (
            f"On {say.date(decided.at)}, {decided.decided_by} ({decided.role.value}) answered "
            f"{decided.answer.label} at the {decided.stage.value} gate "
            f"({decided.stage.question}): {decided.why.rstrip('.')}"
        )
        if decided.override:
            text += (
                f". This goes against the recommended {decided.recommended.label} and is "
                "recorded as an override"
            )
        if decided.conditions:
            text += f". Conditions: {decided.conditions.rstrip('.')}"
        parts.append(text + ".")
    if rec is not None and (decided is None or decided.stage is not rec.stage):
        reason = rec.reasons[0] if rec.reasons else ""
        others = len(rec.reasons) - 1
        more = ""
        if others:
            more = f" ({others} more reason{'s' if others > 1 else ''} {more_reasons})"
        parts.append(
            f"The recommended answer at the {rec.stage.value} gate ({rec.question}) is "
            f"{rec.answer.label}: {reason}{more}; it awaits a decision by an approver."
        )
    if not parts:
        return "The gate has not been reviewed yet (assay gate review PROTOTYPE)."
    return " ".join(parts)


def quoted(text: str) -> str:
    """``text`` in quotation marks, its final full stop (if any) kept outside."""
    body = " ".join(text.split())
    end = "." if body.endswith(".") else ""
    return f"“{body.rstrip('.')}”{end}"


def placement_sentence(view: StudyView) -> str | None:
    """What every report says when the technique's ring rests on an override or an
    imported radar with no YES gate since; ``None`` otherwise."""
    placed = view.placement
    if placed is None:
        return None
    name, ring, when = view.technique.name, placed.ring.value, f"{placed.at:%Y-%m-%d}"
    if placed.kind == "imported":
        return (
            f"Radar placement: {name} sits in {ring} as imported from another radar "
            f"({placed.by}, {when}): imported, no evidence on record; no gate decision backs it."
        )
    waived = f"; it waived {', '.join(placed.waived)}" if placed.waived else ""
    return (
        f"Radar placement: {name} sits in {ring} by override, approved by {placed.by} on "
        f"{when} against the recommended {placed.recommended.value}{waived}; why: {placed.why}"
        + ("" if placed.why.endswith(".") else ".")
    )

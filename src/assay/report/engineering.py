"""The engineering report: method, environment, every criterion and its
evaluation, the pre-registration and its amendments, the gate, tables and figures.

Sections: summary; pre-registration (the frozen text, then each amendment as a
dated, attributed diff); criteria (outcome, estimate, interval, trials, trials
needed, and the evaluation tree); the gate (recommendation, stage checks,
decisions); then per run: method, environment, comparisons (inconclusive and
wide results also said in words), figures (distributions, forest plot, sweep
curves with crossovers, ablation bars), scaling and ablation tables, failures;
then cost-benefit and risks.
"""

from __future__ import annotations

import math
import re

from assay.bench.result import BenchmarkResult, ComparisonRow
from assay.criteria import Evaluation, MetricEstimate, Outcome
from assay.pipeline.gates import CriterionReview, Decision
from assay.report import findings, plots
from assay.report import phrasing as say
from assay.report.document import (
    Block,
    Bullets,
    Code,
    Document,
    Figure,
    Heading,
    Inline,
    Paragraph,
    Preformatted,
    Strong,
    Table,
)
from assay.report.runinfo import environment_rows, method_rows
from assay.report.view import RunEvidence, StudyView
from assay.stats import magnitude
from assay.stats.verdict import Verdict

__all__ = ["engineering_report"]


def _estimate(label: str, estimate: MetricEstimate) -> tuple[str, str]:
    relative = label.startswith("effect(")
    scale = 0.01 if estimate.unit == "%" else 1.0
    if relative:  # the one rule: 201x faster, or -8.9%
        metric = say.engine_metric(label[len("effect(") : -1])
        point, ends = estimate.value * scale, (estimate.low * scale, estimate.high * scale)
        interval = magnitude.interval_short(point, *ends, metric)
        shown = magnitude.effect_short(point, metric)
        return f"{label} = {shown}", f"[{interval}] ({estimate.confidence:.0%})"
    if estimate.unit == "%":
        value = say.signed_percent(estimate.value * scale)
        low, high = (say.signed_percent(e * scale) for e in (estimate.low, estimate.high))
    else:
        value = say.number(estimate.value, estimate.unit)
        low, high = (say.number(e, estimate.unit) for e in (estimate.low, estimate.high))
    return f"{label} = {value}", f"[{low}, {high}] ({estimate.confidence:.0%})"


def _leaf_estimates(evaluation: Evaluation) -> list[tuple[str, MetricEstimate]]:
    found = list(evaluation.estimates)
    for child in evaluation.children:
        found += _leaf_estimates(child)
    return found


def _criterion_row(review: CriterionReview) -> list[Inline | list[Inline]]:
    evaluation = review.evaluation
    pairs = [_estimate(label, e) for label, e in _leaf_estimates(evaluation)]
    estimate = "; ".join(p[0] for p in pairs) or evaluation.reason or "no evidence"
    interval = "; ".join(p[1] for p in pairs) or "-"
    needed = "-"
    if evaluation.outcome is Outcome.UNDETERMINED:
        needed = (
            "cannot be said" if evaluation.trials_needed is None else str(evaluation.trials_needed)
        )
        if evaluation.more_trials is not None:
            needed += f" ({evaluation.more_trials} more)"
    outcome: list[Inline] = [Strong(evaluation.outcome.value)]
    if evaluation.leaning is not None:
        outcome.append(f" (leaning {evaluation.leaning.value})")
    trials = "-" if evaluation.trials is None else str(evaluation.trials)
    return [
        findings.kind_label(review.kind),
        Code(review.criterion.canonical),
        outcome,
        estimate,
        interval,
        trials,
        needed,
    ]


def _criteria(view: StudyView) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Criteria and their evaluation")]
    if not view.evaluations:
        registered = [
            *(("success", c.canonical) for c in view.prototype.success),
            *((f"{k.severity.value} kill", k.criterion.canonical) for k in view.prototype.kill),
        ]
        blocks.append(Paragraph.of("No criterion has been evaluated yet. Registered criteria:"))
        blocks.append(Bullets.of([[kind + ": ", Code(text)] for kind, text in registered]))
        return blocks
    blocks.append(
        Paragraph.of(
            "PASS only when the whole confidence interval satisfies a criterion, FAIL when "
            "the whole interval violates it, UNDETERMINED otherwise, with the trials per arm "
            "likely needed to settle it."
        )
    )
    headers = ["Kind", "Criterion", "Outcome", "Estimate", "Interval", "Trials", "Trials needed"]
    rows = [_criterion_row(review) for review in view.evaluations]
    blocks.append(Table.of(headers, rows))
    blocks.append(Heading(3, "How each criterion was evaluated"))
    text = "\n\n".join(
        f"[{findings.kind_label(r.kind)}] {r.evaluation.explain()}" for r in view.evaluations
    )
    blocks.append(Preformatted(text))
    if view.sources:
        rows = [[Code(what), where] for what, where in sorted(view.sources.items())]
        blocks.append(Table.of(["Estimate", "Where it came from"], rows, "Evidence sources"))
    return blocks


def _preregistration(view: StudyView) -> list[Block]:
    registration = view.prototype.registration
    blocks: list[Block] = [
        Heading(2, "Pre-registration"),
        Paragraph.of(findings.preregistration_sentence(view)),
    ]
    if view.registered_at is not None:
        blocks.append(Paragraph.of(f"Registered on {say.date(view.registered_at)}."))
    text = view.frozen.canonical_text if view.frozen else registration.canonical_text()
    label = "The frozen registration" if view.frozen else "The registration (not yet frozen)"
    blocks += [Paragraph.of(f"{label}:"), Preformatted(text.rstrip("\n"))]
    if not view.amendments:
        blocks.append(Paragraph.of("No amendments."))
    for number, amendment in enumerate(view.amendments, 1):
        blocks += [
            Heading(3, f"Amendment {number}: {say.date(amendment.at)} by {amendment.by}"),
            Paragraph.of(Strong("Reason: "), amendment.reason),
            Paragraph.of(
                f"Content hash {amendment.old_hash[:12]} became {amendment.new_hash[:12]}. "
                "Lines removed (-) and added (+):"
            ),
            Preformatted("\n".join(amendment.changes)),
        ]
    return blocks


def _decision_row(decision: Decision) -> list[str]:
    advocates = "; ".join(f"{who}: {position}" for who, position in decision.advocates)
    return [
        say.date(decision.at),
        decision.stage.value,
        f"{decision.decided_by} ({decision.role.value})",
        decision.answer.label,
        decision.recommended.label + (" (OVERRIDDEN)" if decision.override else ""),
        decision.why,
        decision.conditions or "-",
        advocates or "-",
        decision.revisit_when or "-",
    ]


def _gate(view: StudyView) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Gate")]
    if view.warnings:
        blocks += [Paragraph.of(Strong("What the review warns about:")), Bullets.of(view.warnings)]
    rec = view.recommendation
    if rec is None:
        blocks.append(Paragraph.of("The gate has not been reviewed yet."))
    else:
        blocks.append(
            Paragraph.of(
                f"{rec.stage.value.capitalize()} gate: {rec.question} Recommended answer: ",
                Strong(rec.answer.label),
                ".",
            )
        )
        blocks.append(Bullets.of(list(rec.reasons)))
        if rec.checks:
            rows = [[c.name, "met" if c.passed else "NOT met", c.detail] for c in rec.checks]
            blocks.append(Table.of(["Stage check", "State", "Detail"], rows))
    if view.decisions:
        headers = [
            "Date",
            "Stage",
            "Decided by",
            "Answer",
            "Recommended",
            "Why",
            "Conditions",
            "Advocates",
            "Revisit when",
        ]
        blocks.append(Table.of(headers, [_decision_row(d) for d in view.decisions], "Decisions"))
    else:
        blocks.append(Paragraph.of("No decision has been recorded."))
    return blocks


def _interval(ci: tuple[float, float] | None) -> str:
    if ci is None:
        return "-"
    return f"[{say.signed_percent(ci[0])}, {say.signed_percent(ci[1])}]"


def _effect(row: ComparisonRow) -> tuple[str, str]:
    """A comparison's effect and interval by the one rule: ``201x faster``, ``-8.9%``."""
    if row.effect is None:
        return "-", _interval(row.ci)
    shown = magnitude.effect_short(row.effect, row.metric)
    if row.ci is None:
        return shown, "-"
    return shown, f"[{magnitude.interval_short(row.effect, *row.ci, row.metric)}]"


def _p(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.3g}"


def _comparisons(run: RunEvidence, confidence: float) -> list[Block]:
    result = run.result
    rows: list[list[Inline]] = []
    for row in result.comparisons:
        shown, interval = _effect(row)
        rows.append(
            [
                row.candidate,
                say.point_label(row.params) or "-",
                say.metric_label(row.metric),
                Strong(row.verdict_label),
                shown,
                interval,
                _p(row.p_adjusted),
                f"{row.n_baseline} / {row.n_candidate}",
                "-" if row.needed_trials is None else str(row.needed_trials),
            ]
        )
    headers = [
        "Candidate",
        "Point",
        "Metric",
        "Verdict",
        "Effect",
        f"{confidence:.0%} CI",
        "Adjusted p",
        "n (base / cand)",
        "Trials needed",
    ]
    blocks: list[Block] = [
        Heading(3, "Comparisons"),
        Table.of(headers, rows, f"Relative effects, candidate against {run.baseline}"),
    ]
    baseline, said = run.baseline, []
    for row in result.comparisons:
        wide = row.ci is not None and say.is_wide(*row.ci)
        if row.verdict in (Verdict.INCONCLUSIVE, None) or wide:
            effect = findings.Effect(run.run_id, baseline, row, confidence)
            said.append(f"{row.candidate}: {findings.describe_effect(effect)}")
    if said:
        blocks += [
            Paragraph.of("What these figures cannot say (inconclusive or wide):"),
            Bullets.of(said),
        ]
    return blocks


def _figures(run: RunEvidence, prefix: str) -> list[Block]:
    result = run.result
    figures: list[Block] = []
    drawn = plots.distributions(result)
    if drawn:
        caption = "Every trial's value per method and sweep point; bars mark the medians."
        figures.append(Figure(f"{prefix}distributions", caption, drawn))
    drawn = plots.forest(result.comparisons, baseline=run.baseline)
    if drawn:
        caption = "Effects with their intervals, as ratios to the baseline (log scale)."
        figures.append(Figure(f"{prefix}forest", caption, drawn))
    for parameter in _sweep_parameters(result):
        drawn = plots.sweep(result, parameter)
        if drawn:
            caption = (
                f"Median time along {parameter}, whiskers from the lowest to the highest trial"
            )
            marked = [c.sentence for c in result.crossovers if c.parameter == parameter]
            caption += f"; crossover marked: {'; '.join(marked)}." if marked else "; no crossover."
            figures.append(Figure(f"{prefix}sweep-{_slug(parameter)}", caption, drawn))
    drawn = plots.ablation(result.ablation)
    if drawn:
        caption = "What each component contributes, with its interval."
        figures.append(Figure(f"{prefix}ablation", caption, drawn))
    return [Heading(3, "Figures"), *figures] if figures else []


def _sweep_parameters(result: BenchmarkResult) -> list[str]:
    grid = result.header.spec.get("workload", {}).get("params", {})
    return [
        name
        for name, values in grid.items()
        if len(set(values)) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in values)
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _sweeps_and_ablation(result: BenchmarkResult) -> list[Block]:
    blocks: list[Block] = []
    if result.crossovers:
        blocks += [Heading(3, "Crossovers"), Bullets.of([c.sentence for c in result.crossovers])]
    if result.scaling:
        rows = [
            [
                s.method,
                say.metric_label(s.metric),
                s.parameter,
                f"{s.exponent:.2f}",
                f"[{s.ci[0]:.2f}, {s.ci[1]:.2f}]",
                str(s.points),
            ]
            for s in result.scaling
        ]
        headers = ["Method", "Metric", "Parameter", "Exponent", "Interval", "Points"]
        caption = "Empirical scaling: slope of log(metric) on log(parameter); 1 is linear"
        blocks += [Heading(3, "Scaling"), Table.of(headers, rows, caption)]
    if result.ablation:
        ablation: list[list[Inline]] = [
            [
                a.family,
                a.component,
                say.metric_label(a.metric),
                say.point_label(a.params) or "-",
                "-" if a.contribution is None else say.signed_percent(a.contribution),
                _interval(a.ci),
                Strong(a.verdict.value),
            ]
            for a in result.ablation
        ]
        headers = ["Method", "Component", "Metric", "Point", "Contribution", "Interval", "Verdict"]
        blocks += [Heading(3, "Ablation"), Table.of(headers, ablation, result.ablation[0].method)]
    failures = result.failures()
    if failures:
        items = [
            f"{method} {f['key'].get('params', {})} seed {f['key'].get('seed')}: "
            f"{f['status']}: {f['reason']}"
            for method, listed in failures.items()
            for f in listed
        ]
        blocks += [Heading(3, "Failed trials"), Bullets.of(items)]
    return blocks


def _run(run: RunEvidence, number: int, total: int) -> list[Block]:
    confidence = float(run.result.header.options.get("confidence", 0.95))
    title = f"Run {run.run_id}" + (f" ({number} of {total})" if total > 1 else "")
    prefix = "" if total == 1 else f"run{number}-"
    blocks: list[Block] = [
        Heading(2, title),
        Heading(3, "Method"),
        Table.of(["Method", ""], method_rows(run)),
        Heading(3, "Environment"),
        Table.of(["Environment", ""], environment_rows(run.env)),
        *_comparisons(run, confidence),
        *_figures(run, prefix),
        *_sweeps_and_ablation(run.result),
    ]
    if run.result.warnings:
        blocks += [Heading(3, "Warnings"), Bullets.of(list(run.result.warnings))]
    return blocks


def _cost(view: StudyView) -> list[Block]:
    cost = view.cost
    blocks: list[Block] = [Heading(2, "Cost-benefit"), Paragraph.of(findings.cost_sentence(view))]
    if cost is None:
        return blocks
    rows = [
        [name, say.money(f.value), f"{say.money(f.low)} to {say.money(f.high)}"]
        for name, f in (
            ("monthly compute saving", cost.monthly_compute_saving),
            ("monthly memory saving", cost.monthly_memory_saving),
            ("monthly net benefit", cost.monthly_benefit),
        )
    ]
    p, roi = cost.payback_months, cost.roi_12_months
    rows.append(["payback", say.months(p.value), f"{say.months(p.low)} to {say.months(p.high)}"])
    rows.append(
        [
            "12-month ROI",
            say.signed_percent(roi.value),
            f"{say.signed_percent(roi.low)} to {say.signed_percent(roi.high)}",
        ]
    )
    rows.insert(0, ["one-off cost", say.money(cost.one_off_cost), "-"])
    caption = f"Savings computed from {cost.basis}; intervals carried from the measurements"
    blocks.append(Table.of(["Figure", "Estimate", "Interval"], rows, caption))
    if cost.sensitivity:
        sens = [
            [
                r.input,
                f"{r.change:+.0%}",
                f"{r.value:,.4g}",
                say.money(r.monthly_benefit),
                say.months(r.payback_months),
                say.signed_percent(r.roi_12_months),
            ]
            for r in cost.sensitivity
        ]
        headers = ["Input", "Change", "Value", "Monthly benefit", "Payback", "12-month ROI"]
        blocks.append(Table.of(headers, sens, "Sensitivity: one input varied at a time"))
    if cost.notes:
        blocks.append(Bullets.of(list(cost.notes)))
    return blocks


def _placement(view: StudyView) -> list[Block]:
    """The ring resting on an override or an imported radar, marked (issue 11)."""
    placed = findings.placement_sentence(view)
    return [] if placed is None else [Paragraph.of(Strong(placed))]


def engineering_report(view: StudyView) -> Document:
    """The engineering report of ``view``, figures included."""
    blocks: list[Block] = [
        Heading(2, "Summary"),
        Paragraph.of(
            f"Technique {view.technique.name} (area {view.technique.area}, ring "
            f"{view.technique.ring.value}); prototype {view.prototype.name}, stage "
            f"{view.prototype.stage.value}"
            + (f", strategy {view.prototype.strategy.value}" if view.prototype.strategy else "")
            + "."
        ),
        *_placement(view),
        Paragraph.of(findings.assessment(view), " ", findings.headline_sentence(view)),
        Paragraph.of(findings.recommendation_sentence(view, more_reasons="under Gate below")),
        *_preregistration(view),
        *_criteria(view),
        *_gate(view),
    ]
    if not view.runs:
        blocks += [Heading(2, "Runs"), Paragraph.of("No run is linked to this prototype yet.")]
    for number, run in enumerate(view.runs, 1):
        blocks += _run(run, number, len(view.runs))
    blocks += _cost(view)
    risks = findings.risks(view)
    if risks:
        blocks += [Heading(2, "Risks"), Bullets.of(risks)]
    title = f"{view.prototype.name} ({view.technique.name}): engineering report"
    return Document(title, tuple(blocks))

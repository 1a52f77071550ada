"""The product report: one page on what it does, what users would notice, the
timeline and what is needed from the product side."""

from __future__ import annotations

from assay.criteria import Outcome
from assay.pipeline.prototype import Stage
from assay.report import findings
from assay.report import phrasing as say
from assay.report.document import Block, Bullets, Document, Heading, Paragraph, Strong
from assay.report.view import StudyView
from assay.stats.verdict import Verdict

_GROUPS: dict[Verdict | None, str] = {
    Verdict.BETTER: "better",
    Verdict.WORSE: "worse",
    Verdict.EQUIVALENT: "same",
}

__all__ = ["plain_risks", "product_report"]

_MAX_ITEMS = 5


def _what_it_does(view: StudyView) -> list[Block]:
    technique, prototype = view.technique, view.prototype
    summary = technique.summary or "No summary of the technique is recorded."
    blocks: list[Block] = [
        Heading(2, "What it does"),
        Paragraph.of(f"{technique.name}: {summary}"),
    ]
    placed = findings.placement_sentence(view)
    if placed is not None:  # an override or an imported placement, marked (issue 11)
        blocks.append(Paragraph.of(Strong(placed)))
    if view.rollout:  # where its production rollout stands (issue 14)
        blocks.append(Paragraph.of(view.rollout))
    blocks += [
        Paragraph.of(
            "What the team set out to show, stated before any data: ",
            findings.quoted(prototype.registration.hypothesis),
        ),
    ]
    if prototype.registration.requirements:
        blocks.append(Paragraph.of("It must also meet these requirements:"))
        blocks.append(Bullets.of(list(prototype.registration.requirements)))
    return blocks


def _noticeable(view: StudyView) -> list[Block]:
    groups: dict[str, list[str]] = {"better": [], "worse": [], "unclear": [], "same": []}
    for story in findings.stories(view):
        if story.at_point is None:
            continue
        text = findings.describe_effect(story.at_point)
        across = story.sweep_sentence()
        if across and len(story.by_verdict) > 1:
            text += f" (across the sweep: {across})"
        key = _GROUPS.get(story.verdict, "unclear")
        groups[key].append(text)
    blocks: list[Block] = [Heading(2, "What users would notice")]
    if not any(groups.values()):
        blocks.append(Paragraph.of("Nothing has been measured yet."))
        return blocks
    for key, label in (
        ("better", "Benefits"),
        ("worse", "Downsides"),
        ("unclear", "Not known yet (the data cannot say)"),
        ("same", "No change that matters"),
    ):
        if groups[key]:
            blocks.append(Paragraph.of(Strong(label)))
            blocks.append(Bullets.of(groups[key][:_MAX_ITEMS]))
    blocks.append(Paragraph.of(findings.headline_sentence(view)))
    blocks.append(Paragraph.of(findings.cost_sentence(view)))
    return blocks


def _timeline(view: StudyView) -> list[Block]:
    prototype, today = view.prototype, view.today
    items: list[str] = []
    box = prototype.timebox
    if box is None:
        items.append("No time-box is set.")
    elif box.expired(today):
        items.append(f"Time-box: {say.date(box.start)} to {say.date(box.end)}; it has expired.")
    else:
        left = box.days_left(today)
        items.append(
            f"Time-box: {say.date(box.start)} to {say.date(box.end)}; "
            f"{left} day{'s' if left != 1 else ''} left."
        )
    for stage in Stage:
        marker = " (current stage)" if stage is prototype.stage else ""
        decided = [d for d in view.decisions if d.stage is stage]
        state = ""
        if decided:
            last = decided[-1]
            state = f"; answered {last.answer.label} on {say.date(last.at.date())}"
            if last.override:
                state += " (an override of the recommendation)"
        items.append(f"{stage.value.capitalize()} gate{marker}: “{stage.question}”{state}")
    return [Heading(2, "Timeline"), Bullets.of(items)]


_CRITERION_RISK = {
    "kill hard": "A condition agreed in advance for stopping the work has been met",
    "success": "A goal set before the measurements is missed",
    "kill soft": "A warning sign agreed in advance has appeared",
}


def _plain(effect: findings.Effect) -> str | None:
    """``tiled is 5.6x slower than naive in time per call`` (no statistics), or None."""
    row = effect.row
    if row.effect is None:
        return None
    said = say.compared(row.effect, effect.baseline, row.metric)
    return f"{row.candidate} is {said} in {say.metric_label(row.metric)}"


def _criterion_risks(view: StudyView, seen: set[str]) -> list[str]:
    """Failing goals and stop or warning conditions met, once per metric, in words."""
    at_point = {s.metric: s.at_point for s in findings.stories(view) if s.at_point}
    out: list[str] = []
    for kind, lead in _CRITERION_RISK.items():
        for review in view.evaluations:
            if review.kind != kind or not review.evaluation.failed:
                continue
            metrics = {say.engine_metric(m) for m in review.criterion.metrics}
            if metrics and metrics <= seen:
                continue  # said already, by a weightier criterion on the same metric
            effects = [at_point[m] for m in sorted(metrics - seen) if m in at_point]
            plain = [p for p in (_plain(e) for e in effects) if p]
            seen |= metrics
            out.append(f"{lead}: {'; '.join(plain)}." if plain else f"{lead}.")
    for story in findings.stories(view):
        if story.verdict is Verdict.WORSE and story.at_point and story.metric not in seen:
            seen.add(story.metric)
            out.append(f"Users may notice a step back: {_plain(story.at_point)}.")
    return out


def _other_risks(view: StudyView) -> list[str]:
    """The time-box, reliability, the comparison, the money and changed goals, in words."""
    out: list[str] = []
    rec, run, cost = view.recommendation, view.main_run, view.cost
    if rec is not None and rec.timebox_expired:
        out.append("The time set aside for this evaluation has run out.")
    if any(r.outcome is Outcome.UNDETERMINED for r in view.evaluations):
        out.append("Some goals cannot be judged yet: the measurements so far are too few.")
    if run is not None:
        for method, rate in sorted(run.result.failure_rates().items()):
            if rate > 0:
                out.append(
                    f"{method} failed in {say.percent(rate)} of test runs: it may be unreliable."
                )
        if view.facts is None or not view.facts.baseline_strongest:
            out.append(
                f"It was compared with {run.baseline}, which may not be the best alternative "
                "available; against a better one the benefit may shrink."
            )
    if cost is not None and cost.pessimistic_verdict is not cost.verdict:
        out.append(
            "If the results land at the unfavourable end of what was measured, it would not "
            "pay for itself as planned."
        )
    if view.amendments:
        out.append(
            "The goals were changed after the work began, so the result deserves a second look."
        )
    if run is not None and run.result.warnings:
        out.append("The measurements came with warnings; the engineering report lists them.")
    return out


def plain_risks(view: StudyView) -> list[str]:
    """What could go wrong, for a product manager or an executive: plain words, no
    statistics, one sentence per concern, weightiest first (the engineering report
    keeps the statistical detail: :func:`assay.report.findings.risks`)."""
    return _criterion_risks(view, set()) + _other_risks(view)


def product_report(view: StudyView) -> Document:
    """The product manager's one-page report of ``view``."""
    asks = findings.asks(view)
    risks = plain_risks(view)
    blocks: list[Block] = [
        *_what_it_does(view),
        *_noticeable(view),
        *_timeline(view),
        Heading(2, "What we need from you"),
        Bullets.of(asks) if asks else Paragraph.of("Nothing right now."),
        Heading(2, "Where it stands"),
        Paragraph.of(findings.assessment(view), " ", findings.recommendation_sentence(view)),
        Paragraph.of(findings.preregistration_sentence(view)),
    ]
    if risks:
        blocks += [Heading(2, "Main risks"), Bullets.of(risks[:3])]
    title = f"{view.prototype.name} ({view.technique.name}): product summary"
    return Document(title, tuple(blocks))

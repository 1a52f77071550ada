"""The product report: one page on what it does, what users would notice, the
timeline and what is needed from the product side."""

from __future__ import annotations

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

__all__ = ["product_report"]

_MAX_ITEMS = 5


def _what_it_does(view: StudyView) -> list[Block]:
    technique, prototype = view.technique, view.prototype
    summary = technique.summary or "No summary of the technique is recorded."
    blocks: list[Block] = [
        Heading(2, "What it does"),
        Paragraph.of(f"{technique.name}: {summary}"),
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


def product_report(view: StudyView) -> Document:
    """The product manager's one-page report of ``view``."""
    asks = findings.asks(view)
    risks = findings.risks(view)
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

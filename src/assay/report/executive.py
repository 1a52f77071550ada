"""The executive report: two paragraphs, plain words.

The first says what was evaluated, for what, how it stands against the criteria
written before the data, and the expected benefit with its interval. The second
says what it costs, the key risk and the recommendation (or the decision taken).
"""

from __future__ import annotations

from assay.report import findings
from assay.report.document import Document, Inline, Paragraph, Strong
from assay.report.product import plain_risks
from assay.report.view import StudyView

__all__ = ["executive_report"]


def _what(view: StudyView) -> str:
    technique, prototype = view.technique, view.prototype
    summary = f" ({technique.summary.rstrip('.')})" if technique.summary else ""
    run = view.main_run
    against = ""
    if run is not None and view.chosen_candidate:
        against = f", comparing {view.chosen_candidate} against {run.baseline}"
    stage = prototype.stage
    hypothesis = findings.quoted(prototype.registration.hypothesis)
    return (
        f"We evaluated {technique.name}{summary} in the prototype {prototype.name}{against}, "
        f"for the {stage.value} gate's question: {stage.question} "
        f"The hypothesis, stated before the data: {hypothesis}"
    )


def _answer(view: StudyView) -> str | None:
    rec, decided = view.recommendation, view.decision
    if decided is not None and (rec is None or decided.stage is rec.stage):
        return f"{decided.answer.label} (decided)"
    if rec is not None:
        return f"{rec.answer.label} (recommended, awaiting a decision)"
    return None


def executive_report(view: StudyView) -> Document:
    """The executive report of ``view``: a title and at most two paragraphs."""
    what = _what(view)
    first = Paragraph.of(
        what + ("" if what.endswith(".") else ".") + " ",
        findings.assessment(view) + " ",
        findings.headline_sentence(view) + " ",
        findings.preregistration_sentence(view),
    )
    risks = plain_risks(view)
    risk = risks[0].rstrip(".") if risks else "none recorded beyond the intervals above"
    answer = _answer(view)
    second_parts: list[Inline] = [
        findings.cost_sentence(view) + " ",
        Strong("Key risk:"),
        f" {risk}. ",
    ]
    if answer is not None:
        second_parts += [Strong(f"Recommendation: {answer}."), " "]
    second_parts.append(findings.recommendation_sentence(view))
    placed = findings.placement_sentence(view)
    if placed is not None:  # an override or an imported placement, marked (issue 11)
        second_parts += [" ", Strong(placed)]
    if view.rollout:  # where its production rollout stands (issue 14)
        second_parts += [" ", view.rollout]
    if view.track_record:  # predicted against measured, so far (issue 16)
        second_parts += [" ", view.track_record]
    title = f"{view.prototype.name} ({view.technique.name}): executive summary"
    return Document(title, (first, Paragraph(tuple(second_parts))))

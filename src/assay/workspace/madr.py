"""A gate decision as a MADR 4 decision record (https://adr.github.io/madr/).

Front matter ``status`` (accepted / rejected / proposed for YES / NO / NOT YET),
``date``, ``decision-makers``, ``consulted`` (who advocated a position) and
``informed`` (the technique's owner and the prototype's author); then Context and
Problem Statement, Decision Drivers (the pre-registered criteria and stage checks
with their outcomes when the decision was taken), Considered Options (the three
answers), Decision Outcome with Consequences and Confirmation (how to re-check
it), and More Information (pre-registration, amendments, the runs). Everything
comes from the decision's own snapshot of the recommendation it answered, so the
record says what the decider saw, whatever happened since.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Stage
from assay.pipeline.radar import Technique
from assay.stats.magnitude import evidence_text, uses_ratio
from assay.store.gate_reads import DecisionRecord
from assay.store.prototype_reads import PrototypeRecord

__all__ = ["madr_record"]

_MEANING = {
    Stage.DISCOVERY: {
        Answer.YES: "invest more time: take the prototype into validation",
        Answer.NO: "stop here and record what was learned",
        Answer.NOT_YET: "keep gathering evidence at discovery before deciding",
    },
    Stage.VALIDATION: {
        Answer.YES: "build it for production: take the prototype into integration",
        Answer.NO: "do not build it for production",
        Answer.NOT_YET: "keep validating before deciding",
    },
    Stage.INTEGRATION: {
        Answer.YES: "keep it in production",
        Answer.NO: "take it out of production",
        Answer.NOT_YET: "keep it under observation before deciding",
    },
}


def _md(value: object) -> str:
    """User text as Markdown that renders as the same text, never as HTML: ``&``, ``<``
    and ``>`` become entities (no tag, comment or autolink survives), a backtick is
    escaped, so the text cannot open or close a code span around them, and so are
    brackets, so it cannot make a link or an image (``[x](javascript:...)``)."""
    text = str(value).replace("\\", "\\\\").replace("`", "\\`")
    text = text.replace("[", "\\[").replace("]", "\\]")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(value: object) -> str:
    """A code span holding ``value`` literally, its fence longer than any backtick run in it."""
    text = " ".join(str(value).split("\n"))
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _yaml(value: str) -> str:
    text = value.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return f'"{text}"'


def _names(values: Sequence[str]) -> str:
    unique = list(dict.fromkeys(v for v in values if v))
    return "[" + ", ".join(_yaml(v) for v in unique) + "]"


def _end(value: Any, unbounded: float, scale: float) -> float:
    return unbounded if value is None else float(value) * scale


def _reason(evaluation: Mapping[str, Any]) -> str:
    """The evaluation's reason, its effect said by the one rule of
    :mod:`assay.stats.magnitude` (``201x faster``, not ``-100%``) even when the
    snapshot was written before that rule: the figures are the decider's, only
    their unit is the reader's."""
    reason = str(evaluation.get("reason", ""))
    estimates = evaluation.get("estimates") or []
    if len(estimates) != 1 or not str(estimates[0].get("of", "")).startswith("effect("):
        return reason
    found = estimates[0]
    label = str(found["of"])
    head, sep, rest = reason.partition("); ")
    scale = 0.01 if found.get("unit") == "%" else 1.0
    value = float(found["value"]) * scale
    if not head.startswith(f"{label} = ") or not sep or not uses_ratio(value):
        return reason
    ends = (_end(found.get("low"), -math.inf, scale), _end(found.get("high"), math.inf, scale))
    said = evidence_text(
        label,
        value,
        ends,
        metric=label[len("effect(") : -1],
        confidence=float(found.get("confidence", 0.95)),
        n=found.get("n"),
    )
    return f"{said}; {rest}"


def _drivers(snapshot: Mapping[str, Any]) -> list[str]:
    lines = []
    for item in snapshot.get("criteria", []):
        evaluation = item.get("evaluation", {})
        lines.append(
            f"* **{item['kind']}**: {_code(item['criterion'])} — {item['outcome']}: "
            f"{_md(_reason(evaluation))}"
        )
    for check in snapshot.get("checks", []):
        state = "met" if check.get("passed") else "NOT met"
        lines.append(f"* **stage check** {_md(check['name'])} — {state}: {_md(check['detail'])}")
    if not lines:
        lines.append("* no criteria were registered")
    return lines


def _consequences(snapshot: Mapping[str, Any], decision: DecisionRecord) -> list[str]:
    lines = []
    for item in snapshot.get("criteria", []):
        text = f"{_code(item['criterion'])} ({item['kind']})"
        if item["outcome"] == "PASS":
            lines.append(f"* Good, because {text} passes on the evidence")
        elif item["outcome"] == "FAIL":
            lines.append(f"* Bad, because {text} fails on the evidence")
        else:
            lines.append(f"* Neutral, because {text} is still undetermined")
    for check in snapshot.get("checks", []):
        if not check.get("passed"):
            lines.append(f"* Bad, because the stage check {_md(check['name'])} is not met")
    if decision.decision.conditions:
        conditions = _md(decision.decision.conditions)
        lines.append(f"* Neutral, because it holds on conditions: {conditions}")
    return lines or ["* Neutral, because no criterion was evaluated"]


def _confirmation(record: PrototypeRecord, decision: DecisionRecord, stale_days: int) -> list[str]:
    name = record.name if " " not in record.name else f'"{record.name}"'
    sources = ", ".join(_code(f) for f in record.evidence_files) or "its benchmark"
    lines = [
        f"Re-check it with `assay gate review {name}` (every criterion against the newest "
        f"runs) and, in CI, `assay gate check {name}`, which exits with 1 when a kill "
        "criterion fires.",
        "",
        f"To re-measure, run {sources} again (`assay bench run`) and link the run "
        f"(`assay prototype evidence {name} RUN_ID`): it is judged by the same criteria, "
        f"content hash `{decision.registration_hash[:16]}`.",
        "",
        f"`assay radar` marks {_md(record.technique)} stale when a newer run contradicts this "
        f"decision or its newest evidence is older than {stale_days} days.",
    ]
    if decision.decision.revisit_when:
        lines += ["", f"Revisit when: {_md(decision.decision.revisit_when)}."]
    return lines


def _more(record: PrototypeRecord, decision: DecisionRecord) -> list[str]:
    lines = [f"* Decision #{decision.id}, recorded {decision.at:%Y-%m-%d %H:%M} UTC."]
    if record.freeze is not None:
        lines.append(
            f"* Criteria pre-registered and frozen at {record.freeze.at:%Y-%m-%d %H:%M} UTC, "
            f"content hash `{record.freeze.content_hash}`."
        )
    for amendment in record.amendments:
        if amendment.at <= decision.at:
            lines.append(
                f"* Amended {amendment.at:%Y-%m-%d} by {_md(amendment.by)}: "
                f"{_md(amendment.reason)} ({_md('; '.join(amendment.changes))})."
            )
    runs = ", ".join(_code(run) for run in decision.runs) or "none"
    lines.append(f"* Evidence runs: {runs}.")
    return lines


def madr_record(
    technique: Technique,
    record: PrototypeRecord,
    decision: DecisionRecord,
    *,
    stale_days: int,
) -> str:
    """The decision as MADR 4 Markdown (see the module docstring)."""
    d = decision.decision
    snapshot = decision.recommendation
    chosen = d.answer.label
    informed = [technique.owner or "", record.created_by]
    lines = [
        "---",
        f"status: {d.answer.madr_status}",
        f"date: {d.at.date().isoformat()}",
        f"decision-makers: {_names([d.decided_by])}",
        f"consulted: {_names([who for who, _ in d.advocates])}",
        f"informed: {_names([n for n in informed if n != d.decided_by])}",
        "---",
        "",
        f"# {d.stage.value.capitalize()} gate of {_md(record.name)}: {chosen} for "
        f"{_md(technique.name)}",
        "",
        "## Context and Problem Statement",
        "",
        f"{d.stage.question} The team prototyped **{_md(technique.name)}** "
        f"({_md(technique.area)}"
        + (f": {_md(technique.summary)}" if technique.summary else "")
        + f") as **{_md(record.name)}**, with the hypothesis: "
        f"{_md(record.registration.hypothesis)}",
    ]
    if record.prototype.strategy is not None:
        lines += ["", f"Implementation strategy: {record.prototype.strategy.value}."]
    if record.registration.requirements:
        lines += [
            "",
            "Qualitative requirements: "
            + "; ".join(_md(r) for r in record.registration.requirements)
            + ".",
        ]
    lines += ["", "## Decision Drivers", "", *_drivers(snapshot), "", "## Considered Options", ""]
    lines += [f"* {answer.label} — {_MEANING[d.stage][answer]}" for answer in Answer]
    lines += [
        "",
        "## Decision Outcome",
        "",
        f'Chosen option: "{chosen}", because {_md(d.why)}',
        "",
        f"The evidence recommended {d.recommended.label}"
        + (
            "; this decision goes against it and is recorded as an **override**."
            if d.override
            else ", and the decision follows it."
        ),
    ]
    reasons = snapshot.get("reasons", [])
    if reasons:
        lines += ["", "The recommendation's reasons:", "", *[f"* {_md(r)}" for r in reasons]]
    if d.conditions:
        lines += ["", f"Conditions: {_md(d.conditions)}"]
    if d.advocates:
        argued = [f"* {_md(who)}: {_md(what)}" for who, what in d.advocates]
        lines += ["", "Positions argued:", "", *argued]
    lines += ["", "### Consequences", "", *_consequences(snapshot, decision)]
    lines += ["", "### Confirmation", "", *_confirmation(record, decision, stale_days)]
    lines += ["", "## More Information", "", *_more(record, decision), ""]
    return "\n".join(lines)

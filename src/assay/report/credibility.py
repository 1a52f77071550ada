"""The credibility page, the write-up of a technique and the track-record sentence of
the reports (issue 16), as :class:`~assay.report.document.Document` s.

They take the JSON documents the workspace builds (:mod:`assay.workspace.credibility`,
:mod:`assay.workspace.writeup`), plain dictionaries, so that ``--json``, Markdown and
HTML say the same thing. All user text goes into blocks as plain text; the renderers
escape it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from assay.report.document import Bullets, Code, Document, Heading, Inline, Paragraph, Table

__all__ = ["credibility_report", "estimate_text", "track_record_sentence", "writeup_report"]


_ENDS = ("value", "low", "high")


def _number(value: float | None, unit: str | None = None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "∞"
    text = f"{value:.3g}"
    return f"{text}{unit}" if unit == "%" else (f"{text} {unit}" if unit else text)


def estimate_text(estimate: Mapping[str, Any]) -> str:
    """``effect(time) = -23.1% (95% interval -25.4% to -20.8%)``: an estimate with its
    interval."""
    unit = estimate.get("unit")
    if unit is None and str(estimate["of"]).startswith("effect("):  # a relative change
        estimate = {
            **estimate,
            **{k: None if estimate.get(k) is None else estimate[k] * 100 for k in _ENDS},
        }
        unit = "%"
    level = estimate.get("confidence")
    low, high = _number(estimate.get("low"), unit), _number(estimate.get("high"), unit)
    if low == "∞":
        low = "-∞"
    shown = f"{level:.0%} interval" if isinstance(level, int | float) else "interval"
    return f"{estimate['of']} = {_number(estimate.get('value'), unit)} ({shown} {low} to {high})"


def _held(value: bool | None, registered: bool) -> str:
    if not registered:
        return "Nothing was pre-registered."
    return {
        True: "What was pre-registered held.",
        False: "What was pre-registered did not hold.",
        None: "What was pre-registered is not settled yet.",
    }[value]


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _predicted(items: Sequence[Mapping[str, Any]]) -> list[Sequence[Inline]]:
    out: list[Sequence[Inline]] = []
    for item in items:
        if item["source"] == "pre-registration":
            criteria: list[Inline] = []
            for criterion in item["criteria"]:
                criteria += [Code(criterion), " "]
            out.append(
                (f"{item['prototype']} (pre-registered): {item['hypothesis']} — ", *criteria)
            )
        else:
            forecasts = ", ".join(f"{f['by']} {f['p']:.0%}" for f in item["forecasts"])
            resolved = item["resolution"] or "open"
            out.append((f"prediction #{item['id']}: {item['question']} ({forecasts}; {resolved})",))
    return out


def _measured(items: Sequence[Mapping[str, Any]]) -> list[Sequence[Inline]]:
    out: list[Sequence[Inline]] = []
    for item in items:
        if item["source"] == "benchmark":
            estimates = "; ".join(estimate_text(e) for e in item["estimates"]) or "no estimate"
            out.append(
                (
                    f"{item['prototype']}: ",
                    Code(item["criterion"]),
                    f" {item['outcome']}: {estimates}",
                )
            )
        elif item["source"] == "ab":
            out.append((f"A/B at {item['at_percent']:g}%: {item['summary']}",))
        else:
            out.append((f"production: rollout #{item['rollout']} {item['stage']}",))
    return out


def credibility_report(doc: Mapping[str, Any]) -> Document:
    """The credibility page: the summary, each technique predicted against measured,
    the forecasters' calibration, adoptions and owned failures."""
    who = f" of {doc['person']}" if doc.get("person") else ""
    s = doc["summary"]
    blocks: list[Any] = [
        Paragraph.of(
            f"As of {doc['as_of']}: {s['adopted']} technique(s) adopted, {s['rejected']} "
            f"rejected; what was pre-registered held for {s['predictions_held']} of "
            f"{s['predictions_settled']} settled."
        ),
        Heading(2, "Predicted against measured"),
    ]
    if not doc["techniques"]:
        blocks.append(Paragraph.of("No technique has been adopted or rejected yet."))
    for entry in doc["techniques"]:
        decision = entry["decision"]
        by = (
            f", decided by {decision['decided_by']} ({decision['answer'].upper()} at the "
            f"{decision['stage']} gate, {decision['at'][:10]})"
            if decision
            else ""
        )
        registered = any(
            p["source"] == "pre-registration" and p["criteria"] for p in entry["predicted"]
        )
        blocks.append(Heading(3, f"{entry['name']}: {entry['verdict']}"))
        blocks.append(
            Paragraph.of(
                f"Ring {entry['ring']}, owner {entry['owner'] or '—'}{by}. "
                + _held(entry["held"], registered)
            )
        )
        if entry["predicted"]:
            blocks += [Paragraph.of("Predicted:"), Bullets.of(_predicted(entry["predicted"]))]
        if entry["measured"]:
            blocks += [Paragraph.of("Measured:"), Bullets.of(_measured(entry["measured"]))]
    blocks.append(Heading(2, "Calibration of those who predicted"))
    if doc["people"]:
        rows = [
            [
                p["person"],
                str(p["count"]),
                _score(p["brier"]),
                _score(p["log"]),
                f"{p['on_these']['count']} / {_score(p['on_these']['brier'])}",
            ]
            for p in doc["people"]
        ]
        blocks.append(
            Table.of(
                ["person", "scored", "Brier", "log", "on these: scored / Brier"],
                rows,
                "Brier: 0 is perfect, 0.25 is always saying 50%; log: 0 is perfect.",
            )
        )
    else:
        blocks.append(Paragraph.of("No forecasts yet."))
    blocks.append(Heading(2, "Adoptions"))
    blocks.append(
        Bullets.of(
            [
                f"{a['technique']} (owner {a['owner'] or '—'}"
                + (f", decided by {a['decided_by']} on {a['at'][:10]}" if a["decided_by"] else "")
                + ")"
                for a in doc["adoptions"]
            ]
        )
        if doc["adoptions"]
        else Paragraph.of("None yet.")
    )
    blocks.append(Heading(2, "Failures owned (post-mortems)"))
    blocks.append(
        Bullets.of(
            [
                f"{f['subject']} (post-mortem {f['postmortem']}) by {f['author'] or '—'}"
                + (f": {' '.join(f['lessons'])}" if f["lessons"] else "")
                for f in doc["failures"]
            ]
        )
        if doc["failures"]
        else Paragraph.of("None recorded.")
    )
    return Document(f"Credibility{who}: predicted against measured", tuple(blocks))


def track_record_sentence(doc: Mapping[str, Any], owner: str | None) -> str:
    """One sentence for a report: the team's record, and the owner's calibration."""
    s = doc["summary"]
    text = (
        f"Track record: {s['adopted']} technique(s) adopted and {s['rejected']} rejected; "
        f"pre-registered predictions held {s['predictions_held']} of "
        f"{s['predictions_settled']} times; {len(doc['failures'])} failure(s) owned in "
        "post-mortems."
    )
    mine = next((p for p in doc["people"] if owner and p["person"] == owner), None)
    if mine is not None and mine["count"]:
        text += (
            f" {owner}'s forecasts: Brier {_score(mine['brier'])} over {mine['count']} "
            "resolved (0 is perfect, 0.25 is always 50%)."
        )
    return text


def writeup_report(doc: Mapping[str, Any]) -> Document:
    """The write-up of what was built, from the technique's record."""
    t = doc["technique"]
    blocks: list[Any] = [
        Paragraph.of(
            f"{t['name']} ({t['area']}), ring {t['ring']}, owner {t['owner'] or '—'}. "
            + (t["summary"] or "")
        ),
        Heading(2, "Papers"),
    ]
    if doc["papers"]:
        for paper in doc["papers"]:
            line = f"{paper['title']} ({paper['key']})"
            blocks.append(Heading(3, line))
            notes = [f"{k}: {v}" for k, v in (paper.get("notes") or {}).items() if v]
            passes = [f"pass {p['number']} by {p['by']}: {p['decision']}" for p in paper["passes"]]
            if passes or notes:
                blocks.append(Bullets.of(passes + notes))
    else:
        blocks.append(Paragraph.of("No paper linked."))
    blocks.append(Heading(2, "Prototypes and evidence"))
    if not doc["prototypes"]:
        blocks.append(Paragraph.of("No prototype."))
    for p in doc["prototypes"]:
        blocks.append(Heading(3, f"{p['name']} ({p['stage']}, {p['status']})"))
        blocks.append(Paragraph.of(f"Hypothesis: {p['hypothesis']}"))
        criteria = [
            (c["kind"] + ": ", Code(c["criterion"]), f" {c['outcome']}") for c in p["criteria"]
        ]
        if criteria:
            blocks.append(Bullets.of(criteria))
        estimates = [estimate_text(e) for c in p["criteria"] for e in c["estimates"]]
        if estimates:
            blocks += [Paragraph.of("Measured:"), Bullets.of(estimates)]
        if p["runs"]:
            shown = ", ".join(p["runs"][:5])
            more = f" and {len(p['runs']) - 5} older" if len(p["runs"]) > 5 else ""
            blocks.append(Paragraph.of(f"Runs (newest first): {shown}{more}."))
    blocks.append(Heading(2, "Decisions"))
    blocks.append(
        Bullets.of(
            [
                f"{d['at'][:10]} {d['prototype']}: {d['answer'].upper()} at the {d['stage']} "
                f"gate by {d['decided_by']}: {d['why']}"
                + (
                    "; dissent: " + "; ".join(f"{n}: {r}" for n, r in d.get("dissents", []))
                    if d.get("dissents")
                    else ""
                )
                for d in doc["decisions"]
            ]
        )
        if doc["decisions"]
        else Paragraph.of("No gate decided yet.")
    )
    blocks.append(Heading(2, "Production"))
    blocks.append(
        Bullets.of(
            [f"rollout #{r['number']} (flag {r['flag']}): {r['stage']}" for r in doc["rollouts"]]
        )
        if doc["rollouts"]
        else Paragraph.of("Not rolled out.")
    )
    blocks.append(Heading(2, "Post-mortems"))
    blocks.append(
        Bullets.of(
            [
                f"post-mortem {pm['id']} by {pm['author'] or '—'}: "
                + " ".join(pm["lessons"] or ["no lesson recorded."])
                for pm in doc["postmortems"]
            ]
        )
        if doc["postmortems"]
        else Paragraph.of("None.")
    )
    if doc.get("learnings") is not None:
        blocks.append(Heading(2, "Learnings"))
        blocks.append(
            Bullets.of(
                [
                    f"{item.get('prototype') or ''} ({item.get('by')}): learned "
                    f"{item.get('learned')}; surprises: {item.get('surprises')}; implicit: "
                    f"{item.get('implicit')}; advice: {item.get('advice')}"
                    for item in doc["learnings"]
                ]
            )
            if doc["learnings"]
            else Paragraph.of("None recorded.")
        )
    return Document(f"{t['name']}: write-up", tuple(blocks))

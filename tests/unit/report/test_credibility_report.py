"""The credibility page, the write-up and the track-record sentence as documents
(:mod:`assay.report.credibility`): estimates with their intervals, user text escaped."""

from __future__ import annotations

from typing import Any

from assay.report.credibility import (
    credibility_report,
    estimate_text,
    track_record_sentence,
    writeup_report,
)
from assay.report.document import to_html, to_markdown

EMPTY: dict[str, Any] = {
    "as_of": "2026-12-07",
    "person": None,
    "techniques": [],
    "summary": {"adopted": 0, "rejected": 0, "predictions_held": 0, "predictions_settled": 0},
    "people": [],
    "adoptions": [],
    "failures": [],
}


def test_an_estimate_with_its_interval() -> None:
    relative = {"of": "effect(time)", "value": -0.75, "low": -0.7535, "high": -0.7465}
    assert estimate_text(relative | {"confidence": 0.95}) == (
        "effect(time) = -75% (95% interval -75.3% to -74.7%)"
    )
    absolute = {"of": "candidate.latency", "value": 12.5, "low": 11.0, "high": None, "unit": "ms"}
    assert estimate_text(absolute) == "candidate.latency = 12.5 ms (interval 11 ms to ∞)"


def test_an_empty_record_says_so() -> None:
    text = to_markdown(credibility_report(EMPTY))
    assert "No technique has been adopted or rejected yet." in text
    assert "No forecasts yet." in text and "None recorded." in text


def test_the_track_record_sentence_names_the_owners_calibration() -> None:
    doc = EMPTY | {
        "summary": {"adopted": 2, "rejected": 1, "predictions_held": 2, "predictions_settled": 3},
        "people": [{"person": "ana", "count": 4, "brier": 0.125, "log": -0.4}],
        "failures": [{"postmortem": "1"}],
    }
    said = track_record_sentence(doc, "ana")
    assert said.startswith("Track record: 2 technique(s) adopted and 1 rejected;")
    assert "ana's forecasts: Brier 0.125 over 4 resolved" in said
    assert "forecasts" not in track_record_sentence(doc, "bo")


def test_the_writeup_escapes_what_users_wrote() -> None:
    doc = {
        "technique": {"name": "<script>x</script>", "area": "a", "ring": "ADOPT",
                      "owner": "ana", "summary": "*bold*", "next_action": None},
        "papers": [],
        "prototypes": [{"name": "p1", "stage": "validation", "status": "complete",
                        "hypothesis": "<img src=x onerror=alert(1)>", "criteria": [],
                        "runs": []}],
        "decisions": [{"prototype": "p1", "stage": "validation", "answer": "yes",
                       "decided_by": "bo", "at": "2026-12-01T00:00:00+00:00", "why": "w",
                       "dissents": [["cy", "too early"]]}],
        "rollouts": [],
        "postmortems": [],
        "learnings": None,
    }  # fmt: skip
    html = to_html(writeup_report(doc))
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert "<img" not in html
    markdown = to_markdown(writeup_report(doc))
    assert "dissent: cy: too early" in markdown
    assert "Learnings" not in markdown  # no learnings service: no section

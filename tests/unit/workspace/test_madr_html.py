"""A MADR record renders user text as text: no HTML from a why, a summary or a name
survives CommonMark (issue 11)."""

from __future__ import annotations

import datetime as dt

import pytest
from markdown_it import MarkdownIt

from assay.criteria import InMemoryEvidence
from assay.pipeline.gates import Role, StageFacts, decide, review
from assay.pipeline.prototype import Prototype, Registration, Stage
from assay.pipeline.radar import Technique
from assay.store.gates import DecisionRecord
from assay.store.prototypes import PrototypeRecord, RecordedFacts
from assay.types import Ring
from assay.workspace.madr import madr_record

AT = dt.datetime(2026, 5, 19, 16, 0, tzinfo=dt.UTC)
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "`` <img src=x onerror=alert(2)> ``",
    "` <b>bold</b>",
    "<!-- hidden --><iframe src=//evil>",
    "<https://evil.example>",
    "\\<svg onload=alert(3)>",
    "[click](javascript:alert(4))",
    "[log in again](https://evil.example/phish)",
    "![x](https://evil.example/pixel.png)",
    "[ref]\n\n[ref]: javascript:alert(5)",
]


def _record(text: str) -> str:
    registration = Registration.build(
        hypothesis=f"faster {text}", success=["effect(time) <= -20%"], requirements=[text]
    )
    prototype = Prototype(
        name="topk", technique="argpartition", registration=registration, stage=Stage.DISCOVERY
    )
    recommendation = review(prototype, InMemoryEvidence(), today=AT.date(), facts=StageFacts())
    decision = decide(
        recommendation, recommendation.answer, user="priya", role=Role.APPROVER,
        why=f"because {text}", at=AT, conditions=text, advocates=(("ana", text),),
        revisit_when=text,
    )  # fmt: skip
    stored = DecisionRecord(1, "topk", "argpartition", decision, "0" * 64,
                            recommendation.to_dict(), ("r1",))  # fmt: skip
    record = PrototypeRecord(
        prototype, "active", None, None, None, (f"bench{text}.py",), RecordedFacts(), None,
        AT, "priya", AT, AT,
    )  # fmt: skip
    technique = Technique("argpartition", text, Ring.ASSESS, summary=text, owner="ana")
    return madr_record(technique, record, stored, stale_days=90)


@pytest.mark.parametrize("text", HOSTILE)
def test_no_user_text_renders_as_html(text: str) -> None:
    markdown = _record(text)
    rendered = MarkdownIt("commonmark").render(markdown)
    for tag in ("<script", "<img", "<iframe", "<b>", "<svg", "<!--", "<a "):
        assert tag not in rendered, (tag, rendered)


def test_the_text_still_reads_as_written() -> None:
    rendered = MarkdownIt("commonmark").render(_record("a < b & c > d `x`"))
    assert "because a &lt; b &amp; c &gt; d `x`" in rendered  # shown as typed, once rendered


def test_the_check_can_fail() -> None:
    """Without the escaping, the same renderer does let the HTML through."""
    rendered = MarkdownIt("commonmark").render("because <img src=x onerror=alert(1)>")
    assert "<img" in rendered


def test_front_matter_stays_one_line_per_field() -> None:
    technique = Technique("t", "area", Ring.ASSESS, owner="ana\nstatus: accepted")
    registration = Registration.build(hypothesis="h", success=["effect(time) <= -20%"])
    prototype = Prototype(name="p", technique="t", registration=registration, stage=Stage.DISCOVERY)
    recommendation = review(prototype, InMemoryEvidence(), today=AT.date(), facts=StageFacts())
    decision = decide(recommendation, recommendation.answer, user="priya", role=Role.APPROVER,
                      why="w", at=AT)  # fmt: skip
    stored = DecisionRecord(1, "p", "t", decision, "0" * 64, recommendation.to_dict(), ())
    record = PrototypeRecord(prototype, "active", None, None, None, (), RecordedFacts(), None,
                             AT, "bob", AT, AT)  # fmt: skip
    head = madr_record(technique, record, stored, stale_days=90).split("---")[1]
    assert [line.split(":")[0] for line in head.strip().splitlines()] == [
        "status", "date", "decision-makers", "consulted", "informed",
    ]  # fmt: skip

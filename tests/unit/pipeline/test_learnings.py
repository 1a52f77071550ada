"""The pure rules of issue 16: learnings entries, dissents, revisit dates, area keys."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.errors import InputError
from assay.pipeline.gates import Answer, Decision, Role
from assay.pipeline.learnings import (
    DEFAULT_REVISIT_DAYS,
    LearningOutcome,
    area_key,
    check_learning,
    missing_learnings,
    missing_skip_learnings,
    parse_dissent,
    revisit_date,
)
from assay.pipeline.prototype import Stage

PARTS = {"learned": " a ", "surprises": "b", "implicit": "c", "advice": "d"}


def test_a_learnings_entry_needs_all_four_parts() -> None:
    assert check_learning(**PARTS) == {
        "learned": "a",
        "surprises": "b",
        "implicit": "c",
        "advice": "d",
    }
    for name in PARTS:
        with pytest.raises(InputError, match=f"--{name} is empty"):
            check_learning(**(PARTS | {name: "  "}))


def test_outcomes_parse_in_any_case() -> None:
    assert LearningOutcome.parse(" Killed ") is LearningOutcome.KILLED
    with pytest.raises(InputError, match="expected kept or killed"):
        LearningOutcome.parse("dropped")


@pytest.mark.parametrize(
    ("text", "pair"),
    [("marco:noise", ("marco", "noise")), (" ana : p99: worse ", ("ana", "p99: worse"))],
)
def test_dissents_parse(text: str, pair: tuple[str, str]) -> None:
    assert parse_dissent(text) == pair


@pytest.mark.parametrize("text", ["marco", ":reason", "marco:", "  :  "])
def test_malformed_dissents_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="is not NAME:REASON"):
        parse_dissent(text)


def test_revisit_date_and_area_key() -> None:
    assert revisit_date(dt.date(2026, 12, 7)) == dt.date(2027, 3, 7)
    assert DEFAULT_REVISIT_DAYS == 90
    assert area_key("  Large   Models ") == "large models"


def test_messages_name_the_command_to_run() -> None:
    assert "assay learning add p1 --learned" in missing_learnings("p1")
    said = missing_skip_learnings("Tiling", ["p1", "p2"])
    assert "(p1, p2)" in said and "assay learning add p1" in said


def test_a_decision_with_dissents_is_without_consensus() -> None:
    at = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    base = Decision(Stage.DISCOVERY, Answer.YES, Answer.YES, "w", "sam", Role.APPROVER, at)
    assert base.consensus and base.to_dict()["dissents"] == []
    split = Decision(
        Stage.DISCOVERY, Answer.YES, Answer.YES, "w", "sam", Role.APPROVER, at,
        dissents=(("marco", "noise"),),
    )  # fmt: skip
    assert not split.consensus
    assert split.to_dict()["dissents"] == [["marco", "noise"]]
    assert split.to_dict()["consensus"] is False

"""Prototype value types: stages, strategies, kill criteria, time-boxes, pre-registration."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.criteria import CriteriaSyntaxError, parse
from assay.errors import InputError
from assay.pipeline.prototype import (
    KillCriterion,
    Prototype,
    Registration,
    Severity,
    Stage,
    Strategy,
    TimeBox,
    amend,
    freeze,
)

MONDAY = dt.date(2026, 6, 1)
NOON = dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)

REGISTRATION = Registration.build(
    hypothesis="Tiled attention reduces P99 latency by >20% without losing more than 1 point",
    success=["effect(latency.p99) <= -20%", "not_worse(accuracy, margin=1pt)"],
    kill=["not_worse(accuracy, margin=2pt)"],
    soft_kill=["candidate.memory.peak_rss < 40GiB"],
    requirements=["works with our tokenizer"],
    timebox_end=dt.date(2026, 6, 6),
)


def test_stages_ask_their_questions_in_order() -> None:
    assert [s.value for s in Stage] == ["discovery", "validation", "integration"]
    assert Stage.DISCOVERY.question == "Should we invest more time in this?"
    assert Stage.VALIDATION.question == "Should we build this for production?"
    assert Stage.INTEGRATION.question == "Should we keep this in production?"
    assert Stage.DISCOVERY.next is Stage.VALIDATION
    assert Stage.INTEGRATION.next is None
    assert Stage.parse(" Validation ") is Stage.VALIDATION
    with pytest.raises(InputError, match="unknown stage 'prod'; expected one of discovery"):
        Stage.parse("prod")


def test_strategies_parse_in_several_spellings() -> None:
    assert Strategy.parse("reference code") is Strategy.REFERENCE_CODE
    assert Strategy.parse("FROM_SCRATCH") is Strategy.FROM_SCRATCH
    assert Strategy.parse("framework-integration") is Strategy.FRAMEWORK
    assert Strategy.parse("Adapted Implementation") is Strategy.ADAPTED
    with pytest.raises(InputError, match="implementation strategy"):
        Strategy.parse("magic")


def test_kill_criteria_are_hard_unless_said_soft() -> None:
    kill = KillCriterion.parse("not_worse(accuracy, margin=2pt)")
    assert kill.severity is Severity.HARD
    assert KillCriterion.parse("candidate.failure_rate < 1%", "SOFT").severity is Severity.SOFT
    assert str(kill) == "not_worse(accuracy, margin=2pt) (hard)"
    with pytest.raises(InputError, match="severity"):
        KillCriterion.parse("candidate.failure_rate < 1%", "medium")


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("5d", dt.date(2026, 6, 6)),
        ("2w", dt.date(2026, 6, 15)),
        ("36h", dt.date(2026, 6, 3)),  # rounded up to whole days
        ("1d", dt.date(2026, 6, 2)),
        ("2026-06-30", dt.date(2026, 6, 30)),
        ("2026-06-01", dt.date(2026, 6, 1)),
    ],
)
def test_time_box_from_a_duration_or_a_date(text: str, end: dt.date) -> None:
    assert TimeBox.parse(text, start=MONDAY) == TimeBox(MONDAY, end)


def test_time_box_expiry_is_the_day_after_its_last_day() -> None:
    box = TimeBox.parse("5d", start=MONDAY)  # ends Saturday the 6th
    assert not box.expired(dt.date(2026, 6, 6))
    assert box.expired(dt.date(2026, 6, 7))
    assert box.days_left(MONDAY) == 6
    assert box.days_left(dt.date(2026, 6, 6)) == 1
    assert box.days_left(dt.date(2026, 6, 9)) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5", "shorter than a day"),
        ("12h", "shorter than a day"),
        ("soon", "is not a duration"),
        ("2026-05-31", "before it starts"),
        ("2026-13-01", "is not a date"),
        ("9999999d", "too long"),
        ("99999999999d", "too long"),
        ("1" + "0" * 400 + "w", "too long"),
    ],
)
def test_bad_time_boxes_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        TimeBox.parse(text, start=MONDAY)


def test_the_canonical_form_labels_every_section() -> None:
    assert REGISTRATION.canonical_text() == (
        "hypothesis: Tiled attention reduces P99 latency by >20% without losing more than 1 point\n"
        "success: effect(latency.p99) <= -20%\n"
        "success: not_worse(accuracy, margin=1pt)\n"
        "kill hard: not_worse(accuracy, margin=2pt)\n"
        "kill soft: candidate.memory.peak_rss < 40GiB\n"
        "requirement: works with our tokenizer\n"
        "timebox ends: 2026-06-06\n"
    )


def test_reformatting_and_reordering_keep_the_hash() -> None:
    same = Registration.build(
        hypothesis="  Tiled attention reduces P99 latency by >20%\n without losing"
        " more than 1 point ",
        success=["not_worse(accuracy,margin=1pt)", "effect(latency.p99)<=-20.0%"],
        kill=[parse("not_worse( accuracy , margin = 2pt )")],
        soft_kill=["candidate.memory.peak_rss<40GiB"],
        requirements=["works  with our tokenizer"],
        timebox_end=dt.date(2026, 6, 6),
    )
    assert same.content_hash() == REGISTRATION.content_hash()


@pytest.mark.parametrize(
    "change",
    [
        {"hypothesis": "Tiled attention reduces P99 latency by >10%"},
        {"success": ["effect(latency.p99) <= -15%", "not_worse(accuracy, margin=1pt)"]},
        {
            "kill": [],
            "soft_kill": ["not_worse(accuracy, margin=2pt)", "candidate.memory.peak_rss < 40GiB"],
        },
        {"requirements": []},
        {"timebox_end": dt.date(2026, 6, 20)},
    ],
)
def test_any_change_of_content_changes_the_hash(change: dict[str, object]) -> None:
    fields = {
        "hypothesis": REGISTRATION.hypothesis,
        "success": REGISTRATION.success,
        "kill": [k for k in REGISTRATION.kill if k.severity is Severity.HARD],
        "soft_kill": [k.criterion for k in REGISTRATION.kill if k.severity is Severity.SOFT],
        "requirements": REGISTRATION.requirements,
        "timebox_end": REGISTRATION.timebox_end,
    }
    changed = Registration.build(**{**fields, **change})  # type: ignore[arg-type]
    assert Registration.build(**fields).content_hash() == REGISTRATION.content_hash()  # type: ignore[arg-type]
    assert changed.content_hash() != REGISTRATION.content_hash()


def test_a_registration_needs_a_hypothesis() -> None:
    with pytest.raises(InputError, match="hypothesis"):
        Registration.build(hypothesis="   ")


def test_freezing_records_hash_text_and_time() -> None:
    frozen = freeze(REGISTRATION, at=NOON)
    assert frozen.content_hash == REGISTRATION.content_hash()
    assert frozen.canonical_text == REGISTRATION.canonical_text()
    assert frozen.at == NOON


def test_an_amendment_is_dated_attributed_and_lists_the_changed_lines() -> None:
    moved = Registration.build(
        hypothesis=REGISTRATION.hypothesis,
        success=["effect(latency.p99) <= -15%", "not_worse(accuracy, margin=1pt)"],
        kill=["not_worse(accuracy, margin=2pt)"],
        soft_kill=["candidate.memory.peak_rss < 40GiB"],
        requirements=["works with our tokenizer"],
        timebox_end=dt.date(2026, 6, 6),
    )
    amendment = amend(REGISTRATION, moved, by="alice", reason="the SLO changed", at=NOON)
    assert amendment.changes == (
        "- success: effect(latency.p99) <= -20%",
        "+ success: effect(latency.p99) <= -15%",
    )
    assert amendment.old_hash == REGISTRATION.content_hash()
    assert amendment.new_hash == moved.content_hash()
    assert (amendment.by, amendment.reason, amendment.at) == ("alice", "the SLO changed", NOON)
    assert amendment.to_dict()["at"] == "2026-06-03T12:00:00+00:00"


@pytest.mark.parametrize(
    ("by", "reason", "message"),
    [("", "why", "who made it"), ("alice", "  ", "needs a reason")],
)
def test_an_amendment_needs_an_author_and_a_reason(by: str, reason: str, message: str) -> None:
    moved = Registration.build(hypothesis="something else")
    with pytest.raises(InputError, match=message):
        amend(REGISTRATION, moved, by=by, reason=reason, at=NOON)


def test_an_amendment_that_changes_nothing_is_refused() -> None:
    with pytest.raises(InputError, match="nothing to amend"):
        amend(REGISTRATION, REGISTRATION, by="alice", reason="tidy", at=NOON)


TOML_LIKE = {
    "name": "tiled-attention-p99",
    "technique": "tiled attention",
    "hypothesis": "reduces P99 latency by >20% on our workload",
    "stage": "discovery",
    "strategy": "adapted implementation",
    "timebox": "5d",
    "success": ["effect(latency.p99) <= -20%", "not_worse(accuracy, margin=1pt)"],
    "kill": {"hard": ["not_worse(accuracy, margin=2pt)"], "soft": ["candidate.failure_rate < 1%"]},
    "requirements": ["works with our tokenizer"],
    "evidence": ["benchmarks/attention.py"],
}


def test_a_prototype_from_a_file_mapping() -> None:
    prototype = Prototype.from_dict(TOML_LIKE, today=MONDAY)
    assert prototype.name == "tiled-attention-p99"
    assert prototype.stage is Stage.DISCOVERY
    assert prototype.strategy is Strategy.ADAPTED
    assert prototype.timebox == TimeBox(MONDAY, dt.date(2026, 6, 6))
    assert prototype.registration.timebox_end == dt.date(2026, 6, 6)
    assert [str(c) for c in prototype.success] == [
        "effect(latency.p99) <= -20%",
        "not_worse(accuracy, margin=1pt)",
    ]
    assert [(str(k.criterion), k.severity) for k in prototype.kill] == [
        ("not_worse(accuracy, margin=2pt)", Severity.HARD),
        ("candidate.failure_rate < 1%", Severity.SOFT),
    ]
    assert prototype.evidence == ("benchmarks/attention.py",)
    flat = Prototype.from_dict(
        {**TOML_LIKE, "kill": ["not_worse(accuracy, margin=2pt)"]}, today=MONDAY
    )
    assert [k.severity for k in flat.kill] == [Severity.HARD]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown prototype field"),
        ({"name": None}, "'name' is required"),
        ({"name": "bad/name"}, "prototype name 'bad/name'"),
        ({"technique": " "}, "must name the technique"),
        ({"success": "effect(latency.p99) <= -20%"}, "must be a list of text"),
        ({"success": [3]}, "must be a list of text"),
        ({"kill": {"medium": []}}, "unknown kill severity medium"),
        ({"stage": "production"}, "unknown stage"),
        ({"timebox": "2h"}, "shorter than a day"),
    ],
)
def test_bad_prototype_files_are_refused_naming_the_field(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        Prototype.from_dict({**TOML_LIKE, **change}, today=MONDAY)


def test_a_malformed_criterion_in_a_file_names_its_field_and_keeps_the_caret() -> None:
    data = {**TOML_LIKE, "success": ["effect(latency.p99) <= -20%", "not_worse(accuracy 1pt)"]}
    with pytest.raises(CriteriaSyntaxError) as caught:
        Prototype.from_dict(data, today=MONDAY)
    assert str(caught.value).startswith("success[1]: invalid criterion 'not_worse(accuracy 1pt)'")
    assert caught.value.column == 20
    assert caught.value.caret_message().splitlines()[2] == "  " + " " * 19 + "^"

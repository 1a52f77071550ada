"""The pure rules of rollouts (issue 14): who may start, what a step up needs, rollbacks."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from assay.errors import InputError
from assay.pipeline import rollout as rules
from assay.pipeline.rollout import ABEvidence, Rollout, RolloutStatus, Step, StepKind
from assay.types import Ring

AT = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
HOLDS = ABEvidence("ab-1", name="checkout", valid=True, guardrails_hold=True)


def _step(
    kind: StepKind, percent: float, day: int, evidence: tuple[ABEvidence, ...] = (), n: int = 1
) -> Step:
    return Step(
        "Paged attention", n, kind, percent, "paged_attn", dt.date(2026, 12, day), "priya", AT,
        evidence=evidence,
    )  # fmt: skip


def _rollout(*steps: Step) -> Rollout:
    return Rollout("Paged attention", steps[0].rollout, steps)


def test_stage_lines() -> None:
    ramp = _rollout(_step(StepKind.START, 1, 1, (HOLDS,)), _step(StepKind.STEP, 25, 3))
    assert ramp.status is RolloutStatus.ACTIVE
    assert ramp.stage() == "25% since 2026-12-03"
    assert ramp.short() == "rollout 25%"
    back = _rollout(*ramp.steps, _step(StepKind.ROLLBACK, 25, 4))
    assert back.stage() == "rolled back from 25% on 2026-12-04"
    assert back.percent == 0.0 and back.short() == "rolled back"
    done = _rollout(*ramp.steps, _step(StepKind.COMPLETE, 100, 5))
    assert done.stage() == "complete (100%) since 2026-12-05"
    assert rules.format_percent(0.5) == "0.5%"


def test_rollouts_are_grouped_by_number() -> None:
    steps = [
        _step(StepKind.START, 1, 1),
        _step(StepKind.ROLLBACK, 1, 2),
        _step(StepKind.START, 1, 3, n=2),
    ]
    found = rules.rollouts_of(steps)
    assert [(r.number, len(r.steps), r.status) for r in found] == [
        (1, 2, RolloutStatus.ROLLED_BACK),
        (2, 1, RolloutStatus.ACTIVE),
    ]


@pytest.mark.parametrize("ring", [Ring.TRIAL, Ring.ADOPT])
def test_trial_and_adopt_may_start(ring: Ring) -> None:
    rules.check_start("X", ring, passed_gate=None, active=None, percent=1)


def test_assess_needs_a_validation_or_integration_yes() -> None:
    with pytest.raises(InputError, match="no YES at a Validation or Integration gate"):
        rules.check_start("X", Ring.ASSESS, passed_gate=None, active=None, percent=1)
    rules.check_start("X", Ring.ASSESS, passed_gate="YES at validation", active=None, percent=1)


@pytest.mark.parametrize("ring", [Ring.HOLD, Ring.SKIP])
def test_hold_and_skip_never_start(ring: Ring) -> None:
    with pytest.raises(InputError, match=f"is in {ring.value}"):
        rules.check_start("X", ring, passed_gate="YES at integration", active=None, percent=1)


def test_one_active_rollout_and_a_small_start() -> None:
    active = _rollout(_step(StepKind.START, 1, 1))
    with pytest.raises(InputError, match="already has an active rollout"):
        rules.check_start("X", Ring.TRIAL, passed_gate=None, active=active, percent=1)
    with pytest.raises(InputError, match="starts below 100%"):
        rules.check_start("X", Ring.TRIAL, passed_gate=None, active=None, percent=100)


def test_a_step_needs_evidence_that_holds() -> None:
    bare = _rollout(_step(StepKind.START, 1, 1))
    assert rules.step_refusals(bare, "X", 5) == [
        "step 1% has no A/B evidence: attach it with `assay rollout evidence "
        "'Paged attention' --ab RUN`"
    ]
    assert rules.step_refusals(_rollout(_step(StepKind.START, 1, 1, (HOLDS,))), "X", 5) == []


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        (ABEvidence("r", valid=False, guardrails_hold=True), "INVALID (sample-ratio mismatch)"),
        (ABEvidence("r", guardrails_hold=None), "has no guardrail metrics"),
        (
            ABEvidence("r", guardrails_hold=False, failed=("p99_latency",)),
            "guardrail p99_latency failed at 1% (run r)",
        ),
        (ABEvidence("r", found=False), "was retired: it is no longer evidence"),
    ],
)
def test_each_failing_run_is_a_refusal(evidence: ABEvidence, expected: str) -> None:
    ramp = _rollout(_step(StepKind.START, 1, 1, (HOLDS, evidence)))
    refusals = rules.step_refusals(ramp, "X", 5)
    assert len(refusals) == 1 and expected in refusals[0]


def test_percent_must_rise_and_the_rollout_be_active() -> None:
    ramp = _rollout(_step(StepKind.START, 5, 1, (HOLDS,)))
    with pytest.raises(InputError, match="must rise above the current 5%"):
        rules.step_refusals(ramp, "X", 5)
    with pytest.raises(InputError, match="has no active rollout"):
        rules.step_refusals(None, "X", 5)
    back = _rollout(*ramp.steps, _step(StepKind.ROLLBACK, 5, 2))
    with pytest.raises(InputError, match="the last one is rolled back from 5%"):
        rules.step_refusals(back, "X", 25)


def test_rollback_of_active_or_complete_only() -> None:
    ramp = _rollout(_step(StepKind.START, 1, 1))
    assert rules.check_rollback(ramp, "X") is ramp
    done = _rollout(*ramp.steps, _step(StepKind.COMPLETE, 100, 2))
    assert rules.check_rollback(done, "X") is done
    with pytest.raises(InputError, match="no rollout to roll back"):
        rules.check_rollback(None, "X")
    back = _rollout(*ramp.steps, _step(StepKind.ROLLBACK, 1, 2))
    with pytest.raises(InputError, match="already rolled back"):
        rules.check_rollback(back, "X")


@pytest.mark.parametrize("value", [0, -1, 100.5, float("nan"), float("inf")])
def test_bad_percent(value: float) -> None:
    with pytest.raises(InputError, match="above 0 and at most 100"):
        rules.check_percent(value)


@pytest.mark.parametrize("name", ["", "  ", "two words", "tab\there", "x" * 201, "bell\x07"])
def test_bad_flag(name: str) -> None:
    with pytest.raises(InputError, match="--flag"):
        rules.check_flag(name)


def test_dates_do_not_go_back_or_ahead() -> None:
    today = dt.date(2026, 12, 6)
    previous = _step(StepKind.START, 1, 3)
    assert rules.check_on(dt.date(2026, 12, 3), today, previous) == dt.date(2026, 12, 3)
    with pytest.raises(InputError, match="in the future"):
        rules.check_on(dt.date(2026, 12, 7), today, previous)
    with pytest.raises(InputError, match="before the previous step"):
        rules.check_on(dt.date(2026, 12, 2), today, previous)


def test_reason_is_required() -> None:
    with pytest.raises(InputError, match="needs a reason"):
        rules.check_reason("  ", what="a rollback")
    assert rules.check_reason(" p99 up ", what="a rollback") == "p99 up"


def test_evidence_describes_itself() -> None:
    failed = ABEvidence("ab-2", guardrails_hold=False, failed=("p99",), verdicts=("p99 WORSE",))
    assert failed.describe() == "run ab-2: guardrail p99 failed; p99 WORSE"
    assert HOLDS.describe() == "run ab-1 (checkout): guardrails hold"
    assert HOLDS.to_dict()["holds"] is True and failed.to_dict()["holds"] is False


def test_notes_flag_stalled_steps_and_rollbacks_left_in_adopt() -> None:
    today = dt.date(2026, 12, 30)
    stalled = _rollout(_step(StepKind.START, 1, 1))  # 29 days, no evidence
    fresh = Rollout(
        "Fresh", 1, (dataclasses.replace(_step(StepKind.START, 1, 25), technique="Fresh"),)
    )
    backed = Rollout(
        "Backed",
        1,
        (dataclasses.replace(_step(StepKind.START, 1, 1, (HOLDS,)), technique="Backed"),),
    )
    back = Rollout("Back", 1, (_step(StepKind.START, 1, 1), _step(StepKind.ROLLBACK, 1, 2)))
    done = Rollout("Done", 1, (_step(StepKind.START, 1, 1), _step(StepKind.COMPLETE, 100, 2)))
    latest = {
        "Paged attention": stalled,
        "Fresh": fresh,
        "Backed": backed,
        "Back": back,
        "Done": done,
    }
    found = {n.technique: n for n in rules.notes(latest, {"Back": Ring.ADOPT}, today)}
    assert set(found) == {"Paged attention", "Fresh", "Backed", "Back"}  # done: nothing to say
    assert found["Paged attention"].attention is not None
    assert found["Paged attention"].attention.startswith("no A/B evidence for 29 days")
    assert found["Fresh"].attention is None and found["Backed"].attention is None
    assert found["Back"].attention == (
        "rolled back but still in ADOPT: move it on the radar or start a new rollout"
    )
    assert rules.notes({"Back": back}, {"Back": Ring.TRIAL}, today) == []
    assert found["Fresh"].describe() == "Fresh: 1% since 2026-12-25"


def test_report_sentence() -> None:
    ramp = _rollout(
        _step(StepKind.START, 1, 1, (HOLDS,)),
        dataclasses.replace(_step(StepKind.STEP, 5, 2), override="SRE watched it"),
    )
    assert ramp.sentence() == (
        "Production rollout #1 (flag paged_attn): 5% since 2026-12-02; 1 of 2 step(s) carry "
        "A/B evidence; 1 step(s) taken by override."
    )
    back = _rollout(*ramp.steps, dataclasses.replace(_step(StepKind.ROLLBACK, 5, 3), reason="p99."))
    assert back.sentence().endswith("rolled back from 5% on 2026-12-03, because: p99.")

"""Gate rules: the recommendation from criteria, kill criteria, time-box and stage checks,
and who may decide."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.criteria import (
    EffectEstimate,
    InMemoryEvidence,
    MetricEstimate,
    Outcome,
)
from assay.errors import InputError, PermissionDeniedError
from assay.pipeline.gates import (
    Answer,
    Check,
    Role,
    StageFacts,
    decide,
    fired_kill_criteria,
    recommend,
    require_role,
    review,
    stage_checks,
)
from assay.pipeline.prototype import Prototype, Registration, Stage, TimeBox

MONDAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 4, 9, 30, tzinfo=dt.UTC)


def prototype(stage: Stage = Stage.DISCOVERY, *, timebox: str | None = "5d") -> Prototype:
    registration = Registration.build(
        hypothesis="reduces P99 latency by >20% without losing more than 1 point of accuracy",
        success=["effect(latency.p99) <= -20%", "not_worse(accuracy, margin=1pt)"],
        kill=["not_worse(accuracy, margin=3pt)"],
        soft_kill=["candidate.failure_rate < 1%"],
    )
    box = None if timebox is None else TimeBox.parse(timebox, start=MONDAY)
    return Prototype("tiled-p99", "tiled attention", registration, stage=stage, timebox=box)


def evidence(
    *,
    p99: tuple[float, float, float] = (-0.27, -0.31, -0.23),
    accuracy: tuple[float, float, float] = (-0.002, -0.008, 0.004),
    failures: tuple[float, float, float] = (0.002, 0.0, 0.005),
) -> InMemoryEvidence:
    def relative(v: tuple[float, float, float]) -> MetricEstimate:
        return MetricEstimate(v[0], v[1], v[2], n=10)

    return InMemoryEvidence(
        {("candidate", "failure_rate"): MetricEstimate(*failures, n=10)},
        effects={
            "latency.p99": EffectEstimate(relative(p99), lower_is_better=True),
            "accuracy": EffectEstimate(
                relative((0.0, -0.01, 0.01)), lower_is_better=False, difference=relative(accuracy)
            ),
        },
    )


DURING = dt.date(2026, 6, 4)
AFTER = dt.date(2026, 6, 7)

VALIDATED = StageFacts(
    largest_declared_scale=8192,
    largest_tested_scale=8192,
    scale_unit="tokens",
    production_representative=True,
    baseline_strongest=True,
    baseline_justification="FlashAttention-2, the fastest kernel we run in production",
)


def test_yes_when_every_criterion_passes_within_the_time_box() -> None:
    result = review(prototype(), evidence(), today=DURING)
    assert result.answer is Answer.YES
    assert result.reasons == ("every criterion passes and every stage check is met",)
    assert result.question == "Should we invest more time in this?"
    assert [r.kind for r in result.criteria] == ["success", "success", "kill hard", "kill soft"]
    assert all(r.outcome is Outcome.PASS for r in result.criteria)
    assert result.fired == ()


def test_a_hard_kill_criterion_that_fires_makes_it_no() -> None:
    # accuracy lost 4 to 5 points: the 3pt hard kill criterion fires
    result = review(prototype(), evidence(accuracy=(-0.045, -0.05, -0.04)), today=DURING)
    assert result.answer is Answer.NO
    assert "hard kill criterion fires: not_worse(accuracy, margin=3pt)" in result.reasons
    assert "success criterion fails: not_worse(accuracy, margin=1pt)" in result.reasons
    assert [r.criterion.canonical for r in result.fired] == ["not_worse(accuracy, margin=3pt)"]


def test_a_failing_success_criterion_makes_it_no() -> None:
    result = review(prototype(), evidence(p99=(-0.1, -0.15, -0.05)), today=DURING)
    assert result.answer is Answer.NO
    assert result.reasons == ("success criterion fails: effect(latency.p99) <= -20%",)


def test_an_expired_time_box_makes_it_no_even_when_everything_passes() -> None:
    result = review(prototype(), evidence(), today=AFTER)
    assert result.answer is Answer.NO
    assert result.reasons == ("the time-box has expired",)
    assert result.timebox_expired
    assert review(prototype(timebox=None), evidence(), today=AFTER).answer is Answer.YES


def test_a_soft_kill_criterion_that_fires_asks_for_a_decision() -> None:
    result = review(prototype(), evidence(failures=(0.03, 0.02, 0.04)), today=DURING)
    assert result.answer is Answer.NOT_YET
    assert result.reasons == (
        "soft kill criterion fires: candidate.failure_rate < 1%; decide whether to go on",
    )
    assert [r.kind for r in result.fired] == ["kill soft"]


def test_undetermined_criteria_make_it_not_yet_with_the_trials_needed() -> None:
    result = review(prototype(), evidence(p99=(-0.22, -0.3, -0.14)), today=DURING)
    assert result.answer is Answer.NOT_YET
    (reason,) = result.reasons
    assert reason.startswith("success criterion undetermined: effect(latency.p99) <= -20%; about ")
    assert result.trials_needed is not None
    assert result.trials_needed > 10


def test_missing_evidence_is_not_yet() -> None:
    result = review(prototype(), InMemoryEvidence(), today=DURING)
    assert result.answer is Answer.NOT_YET
    assert len(result.reasons) == 4
    assert result.trials_needed is None


def test_no_outweighs_not_yet_and_lists_both() -> None:
    result = review(
        prototype(), evidence(p99=(-0.22, -0.3, -0.14), failures=(0.03, 0.02, 0.04)), today=AFTER
    )
    assert result.answer is Answer.NO
    assert result.reasons[0] == "the time-box has expired"
    assert len(result.reasons) == 3


def test_without_success_criteria_there_is_no_yes() -> None:
    result = recommend(Stage.DISCOVERY, [])
    assert result.answer is Answer.NOT_YET
    assert result.reasons == ("no success criterion is registered; nothing can justify a YES",)


# -- stage checks ------------------------------------------------------------------------


def test_discovery_has_no_stage_checks() -> None:
    assert stage_checks(Stage.DISCOVERY, StageFacts()) == ()


def test_validation_checks_scale_data_and_baseline() -> None:
    checks = stage_checks(Stage.VALIDATION, VALIDATED)
    assert [c.name for c in checks] == [
        "tested at the largest declared scale",
        "production-representative data",
        "strongest available baseline",
    ]
    assert all(c.passed for c in checks)
    assert checks[0].detail == "tested at 8192 tokens (declared 8192 tokens)"
    result = review(prototype(Stage.VALIDATION), evidence(), today=DURING, facts=VALIDATED)
    assert result.answer is Answer.YES
    assert result.question == "Should we build this for production?"


@pytest.mark.parametrize(
    ("facts", "detail"),
    [
        (StageFacts(), "no scale declared; declare the largest scale that matters"),
        (StageFacts(largest_declared_scale=8192), "no run at a known scale; run at 8192"),
        (
            StageFacts(largest_declared_scale=8192, largest_tested_scale=4096, scale_unit="tokens"),
            "largest tested 4096 tokens is below the declared 8192 tokens; run at 8192 tokens",
        ),
    ],
)
def test_the_scale_check(facts: StageFacts, detail: str) -> None:
    (scale, *_) = stage_checks(Stage.VALIDATION, facts)
    assert not scale.passed
    assert scale.detail == detail


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"largest_tested_scale": 2048}, "tested at the largest declared scale"),
        (
            {"production_representative": False},
            "mark the evaluation data production-representative",
        ),
        ({"baseline_strongest": False}, "record the baseline as the strongest available"),
        ({"baseline_justification": " "}, "justify why the baseline is the strongest"),
    ],
)
def test_an_unmet_validation_check_makes_it_not_yet(change: dict[str, object], reason: str) -> None:
    facts = StageFacts(**{**VALIDATED.__dict__, **change})
    result = review(prototype(Stage.VALIDATION), evidence(), today=DURING, facts=facts)
    assert result.answer is Answer.NOT_YET
    (only,) = result.reasons
    assert only.startswith("stage check not met: ")
    assert reason in only


def test_integration_needs_a_rollout_plan_and_an_online_ab_comparison() -> None:
    checks = stage_checks(Stage.INTEGRATION, StageFacts())
    assert [(c.name, c.passed) for c in checks] == [
        ("rollout plan", False),
        ("online A/B comparison", False),
    ]
    facts = StageFacts(rollout_plan="5% canary for a week, then 50%, then all", online_ab=True)
    assert all(c.passed for c in stage_checks(Stage.INTEGRATION, facts))
    result = review(prototype(Stage.INTEGRATION), evidence(), today=DURING, facts=facts)
    assert result.answer is Answer.YES
    assert review(prototype(Stage.INTEGRATION), evidence(), today=DURING).answer is Answer.NOT_YET


# -- kill criteria for CI --------------------------------------------------------------------


def test_fired_kill_criteria_lists_hard_and_soft() -> None:
    assert fired_kill_criteria(prototype(), evidence()) == ()
    fired = fired_kill_criteria(
        prototype(), evidence(accuracy=(-0.045, -0.05, -0.04), failures=(0.03, 0.02, 0.04))
    )
    assert [r.kind for r in fired] == ["kill hard", "kill soft"]
    undetermined = fired_kill_criteria(prototype(), evidence(failures=(0.01, 0.0, 0.02)))
    assert undetermined == ()


# -- explanations ---------------------------------------------------------------------------


def test_the_recommendation_shows_every_criterion_with_its_evidence() -> None:
    result = review(prototype(Stage.VALIDATION), evidence(), today=DURING, facts=VALIDATED)
    text = result.explain()
    assert text.splitlines()[:2] == [
        "validation: Should we build this for production?",
        "recommended: YES",
    ]
    assert "effect(latency.p99) = -27% (95% CI -31% to -23%, 10 trials per arm)" in text
    assert "check met: production-representative data" in text
    data = result.to_dict()
    assert data["answer"] == "yes"
    assert data["criteria"][0]["evaluation"]["estimates"][0]["value"] == -0.27
    assert data["checks"][2]["detail"].startswith("FlashAttention-2")


# -- roles and decisions --------------------------------------------------------------------


def test_answers_and_roles_parse() -> None:
    assert Answer.parse("Not Yet") is Answer.NOT_YET
    assert Answer.parse("not_yet") is Answer.NOT_YET
    assert Answer.NOT_YET.label == "NOT YET"
    assert Answer.YES.madr_status == "accepted"
    assert Answer.NO.madr_status == "rejected"
    assert Answer.NOT_YET.madr_status == "proposed"
    with pytest.raises(InputError, match="expected yes, no or not-yet"):
        Answer.parse("maybe")
    assert Role.parse("Approver") is Role.APPROVER
    with pytest.raises(InputError, match="expected one of viewer, contributor, approver, admin"):
        Role.parse("owner")
    assert Role.ADMIN.includes(Role.APPROVER)
    assert not Role.CONTRIBUTOR.includes(Role.APPROVER)


YES = recommend(Stage.DISCOVERY, [], [Check("c", True, "")])
NO = recommend(Stage.DISCOVERY, [], timebox_expired=True)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR])
def test_only_an_approver_or_admin_may_decide(role: Role) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        decide(NO, "no", user="bob", role=role, why="the time-box ran out", at=NOW)
    assert str(caught.value) == (
        f"deciding a gate needs the approver role (or admin); bob has the {role.value} role"
    )


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_an_approver_or_admin_decides_with_the_recommendation(role: Role) -> None:
    decision = decide(
        NO,
        Answer.NO,
        user="carol",
        role=role,
        why="the time-box ran out",
        at=NOW,
        conditions="revisit with a fused kernel",
        advocates=[("dan", "continue"), ("erin", "stop")],
        revisit_when="a fused kernel exists",
    )
    assert decision.answer is Answer.NO
    assert decision.recommended is Answer.NO
    assert not decision.override
    assert decision.to_dict()["advocates"] == [["dan", "continue"], ["erin", "stop"]]
    assert decision.to_dict()["at"] == "2026-06-04T09:30:00+00:00"


def test_a_decision_against_the_recommendation_needs_an_override_and_keeps_the_mark() -> None:
    with pytest.raises(InputError) as caught:
        decide(NO, "yes", user="carol", role=Role.APPROVER, why="strategic", at=NOW)
    assert str(caught.value) == (
        "the recommendation is NO; deciding YES goes against it and needs an override "
        "(--override), which stays on the record"
    )
    decision = decide(
        NO, "yes", user="carol", role=Role.APPROVER, why="strategic", at=NOW, override=True
    )
    assert decision.override
    assert (decision.answer, decision.recommended) == (Answer.YES, Answer.NO)
    agreeing = decide(NO, "no", user="carol", role=Role.APPROVER, why="ok", at=NOW, override=True)
    assert not agreeing.override


def test_a_decision_needs_a_reason_and_a_known_answer() -> None:
    with pytest.raises(InputError, match="needs a reason"):
        decide(NO, "no", user="carol", role=Role.APPROVER, why="  ", at=NOW)
    with pytest.raises(InputError, match="unknown answer"):
        decide(NO, "perhaps", user="carol", role=Role.APPROVER, why="x", at=NOW)


def test_permission_is_checked_before_anything_else() -> None:
    with pytest.raises(PermissionDeniedError):
        decide(NO, "perhaps", user="bob", role=Role.VIEWER, why="", at=NOW)


def test_require_role_names_the_action_and_the_roles() -> None:
    require_role("ann", Role.ADMIN, Role.ADMIN, "adding a user")
    with pytest.raises(PermissionDeniedError, match="adding a user needs the admin role; ann has"):
        require_role("ann", Role.APPROVER, Role.ADMIN, "adding a user")


def test_no_and_said_first_when_the_candidate_failed_every_trial() -> None:
    failed = InMemoryEvidence({("candidate", "failure_rate"): MetricEstimate(1.0, 0.7, 1.0, n=10)})
    result = review(prototype(), failed, today=DURING)
    assert result.answer is Answer.NO
    assert result.reasons[0].startswith("the candidate failed every one of its 10 trials")
    assert "recommended: NO" in result.explain()
    assert review(prototype(), evidence(), today=DURING).answer is Answer.YES

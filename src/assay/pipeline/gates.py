"""Gates: the recommended answer at the end of a stage, and who may decide it.

A gate asks its stage's question (:attr:`Stage.question`) and is answered YES,
NO or NOT YET. :func:`review` evaluates the prototype's criteria against the
evidence and :func:`recommend` turns the evaluations into a recommendation:

**NO** when any of these holds (every one is listed as a reason):

* the candidate failed every one of its trials (it cannot meet any criterion;
  this reason comes first);
* a hard kill criterion FAILs (it *fires*);
* a success criterion FAILs (the evidence says the hypothesis is false);
* the time-box has expired.

**NOT YET**, failing that, when any of these holds:

* a success or kill criterion is UNDETERMINED (with the trials likely needed);
* a soft kill criterion FAILs (someone must decide whether to go on);
* a stage check is not met (what to do is named);
* there is no success criterion to judge.

**YES** otherwise: every success and kill criterion PASSes and every stage
check is met.

Stage checks: discovery has none; validation needs the candidate tested at
the largest declared scale, data marked production-representative, and a
baseline recorded as the strongest available, with a justification;
integration needs a rollout plan and an online A/B comparison imported as
evidence.

:func:`decide` validates a decision: only the approver role (or admin) may
decide (:class:`PermissionDeniedError` otherwise, naming the role needed), a
reason is required, and an answer against the recommendation needs
``override=True`` and is marked as an override for good.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Sequence
from typing import Any

from assay.criteria import Criterion, Evaluation, Evidence, Outcome
from assay.errors import InputError
from assay.pipeline.prototype import Prototype, Severity, Stage
from assay.pipeline.roles import Role, require_role

__all__ = [
    "Answer",
    "Check",
    "CriterionReview",
    "DecidedCriterion",
    "Decision",
    "DecisionPin",
    "Recommendation",
    "Role",
    "StageFacts",
    "decide",
    "fired_kill_criteria",
    "recommend",
    "require_role",
    "review",
    "stage_checks",
]


class Answer(enum.StrEnum):
    """The answer to a gate's question."""

    YES = "yes"
    NO = "no"
    NOT_YET = "not-yet"

    @property
    def label(self) -> str:
        """``YES``, ``NO`` or ``NOT YET``, for people."""
        return self.value.replace("-", " ").upper()

    @property
    def madr_status(self) -> str:
        """The MADR 4 status of a decision with this answer."""
        return {Answer.YES: "accepted", Answer.NO: "rejected", Answer.NOT_YET: "proposed"}[self]

    @classmethod
    def parse(cls, text: str) -> Answer:
        """``yes``, ``no``, ``not-yet`` (or ``not yet``, ``not_yet``), in any case."""
        key = re.sub(r"[\s_-]+", "-", str(text).strip().lower())
        for member in cls:
            if member.value == key:
                return member
        raise InputError(f"unknown answer {text!r}; expected yes, no or not-yet")


@dataclasses.dataclass(frozen=True)
class StageFacts:
    """What the stage checks look at, gathered by the workspace from the record.

    Attributes:
        largest_declared_scale: the largest scale the prototype or its benchmark
            declares (tokens, batch size, requests per second...).
        largest_tested_scale: the largest scale at which the candidate was run.
        scale_unit: the unit of both, for messages (``"tokens"``).
        production_representative: the evaluation data is marked as such.
        baseline_strongest: the baseline is recorded as the strongest available.
        baseline_justification: why it is the strongest.
        rollout_plan: the rollout plan (integration), or ``""``.
        online_ab: an online A/B comparison was imported as evidence.
    """

    largest_declared_scale: float | None = None
    largest_tested_scale: float | None = None
    scale_unit: str = ""
    production_representative: bool = False
    baseline_strongest: bool = False
    baseline_justification: str = ""
    rollout_plan: str = ""
    online_ab: bool = False


@dataclasses.dataclass(frozen=True)
class Check:
    """One stage check: its name, whether it is met, and what it found or asks for."""

    name: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return dataclasses.asdict(self)


def _scale_check(facts: StageFacts) -> Check:
    name = "tested at the largest declared scale"
    declared, tested = facts.largest_declared_scale, facts.largest_tested_scale
    unit = f" {facts.scale_unit}" if facts.scale_unit else ""
    if declared is None:
        return Check(name, False, "no scale declared; declare the largest scale that matters")
    if tested is None:
        return Check(name, False, f"no run at a known scale; run at {declared:g}{unit}")
    if tested < declared:
        detail = f"largest tested {tested:g}{unit} is below the declared {declared:g}{unit}"
        return Check(name, False, detail + f"; run at {declared:g}{unit}")
    return Check(name, True, f"tested at {tested:g}{unit} (declared {declared:g}{unit})")


def stage_checks(stage: Stage, facts: StageFacts) -> tuple[Check, ...]:
    """The checks a stage's gate requires beyond the criteria (see the module docstring)."""
    if stage is Stage.DISCOVERY:
        return ()
    if stage is Stage.VALIDATION:
        data = "production-representative data"
        baseline = "strongest available baseline"
        justification = facts.baseline_justification.strip()
        if not facts.baseline_strongest:
            baseline_check = Check(
                baseline, False, "record the baseline as the strongest available"
            )
        elif not justification:
            baseline_check = Check(baseline, False, "justify why the baseline is the strongest")
        else:
            baseline_check = Check(baseline, True, justification)
        return (
            _scale_check(facts),
            Check(data, True, "the data is marked production-representative")
            if facts.production_representative
            else Check(data, False, "mark the evaluation data production-representative"),
            baseline_check,
        )
    plan = facts.rollout_plan.strip()
    return (
        Check("rollout plan", True, plan)
        if plan
        else Check("rollout plan", False, "attach a rollout plan"),
        Check("online A/B comparison", True, "an online A/B comparison is in the evidence")
        if facts.online_ab
        else Check("online A/B comparison", False, "import an online A/B comparison"),
    )


@dataclasses.dataclass(frozen=True)
class CriterionReview:
    """One criterion of a prototype, the part it plays, and its evaluation.

    ``kind`` is ``"success"``, ``"kill hard"`` or ``"kill soft"``.
    """

    kind: str
    criterion: Criterion
    evaluation: Evaluation

    @property
    def outcome(self) -> Outcome:
        """The criterion's outcome."""
        return self.evaluation.outcome

    @property
    def fired(self) -> bool:
        """For a kill criterion, whether it fires (FAILs)."""
        return self.kind.startswith("kill") and self.outcome is Outcome.FAIL

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary with the evaluation behind it."""
        return {
            "kind": self.kind,
            "criterion": self.criterion.canonical,
            "outcome": self.outcome.value,
            "evaluation": self.evaluation.to_dict(),
        }


@dataclasses.dataclass(frozen=True)
class Recommendation:
    """The recommended answer at a gate, with every reason and the evidence behind it."""

    answer: Answer
    stage: Stage
    reasons: tuple[str, ...]
    criteria: tuple[CriterionReview, ...] = ()
    checks: tuple[Check, ...] = ()
    timebox_expired: bool = False
    trials_needed: int | None = None

    @property
    def question(self) -> str:
        """The gate's question."""
        return self.stage.question

    @property
    def fired(self) -> tuple[CriterionReview, ...]:
        """The kill criteria that fire, hard and soft."""
        return tuple(review for review in self.criteria if review.fired)

    def explain(self) -> str:
        """The recommendation for people: question, answer, reasons, each criterion."""
        lines = [f"{self.stage.value}: {self.question}", f"recommended: {self.answer.label}"]
        lines += [f"  - {reason}" for reason in self.reasons]
        for review in self.criteria:
            lines.append(f"{review.kind}:")
            lines += ["    " + line for line in review.evaluation.explain().splitlines()]
        for check in self.checks:
            lines.append(
                f"check {'met' if check.passed else 'NOT met'}: {check.name}: {check.detail}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "stage": self.stage.value,
            "question": self.question,
            "answer": self.answer.value,
            "reasons": list(self.reasons),
            "criteria": [review.to_dict() for review in self.criteria],
            "checks": [check.to_dict() for check in self.checks],
            "timebox_expired": self.timebox_expired,
            "trials_needed": self.trials_needed,
        }


def _kind(severity: Severity) -> str:
    return f"kill {severity.value}"


def review(
    prototype: Prototype, evidence: Evidence, *, today: dt.date, facts: StageFacts | None = None
) -> Recommendation:
    """Evaluate every criterion of ``prototype`` against ``evidence`` and recommend."""
    reviews = [CriterionReview("success", c, c.evaluate(evidence)) for c in prototype.success]
    reviews += [
        CriterionReview(_kind(k.severity), k.criterion, k.criterion.evaluate(evidence))
        for k in prototype.kill
    ]
    expired = prototype.timebox is not None and prototype.timebox.expired(today)
    checks = stage_checks(prototype.stage, facts or StageFacts())
    return recommend(
        prototype.stage,
        reviews,
        checks,
        timebox_expired=expired,
        candidate_failed_all=failed_every_trial(evidence, "candidate"),
    )


def failed_every_trial(evidence: Evidence, arm: str) -> int | None:
    """The number of trials of ``arm`` when every one of them failed, else None."""
    rate = evidence.statistic(arm, "failure_rate")
    if rate is None or not rate.n or rate.value < 1.0:
        return None
    return rate.n


def fired_kill_criteria(prototype: Prototype, evidence: Evidence) -> tuple[CriterionReview, ...]:
    """The kill criteria of ``prototype`` that fire (FAIL), hard and soft: for CI checks."""
    reviews = (
        CriterionReview(_kind(k.severity), k.criterion, k.criterion.evaluate(evidence))
        for k in prototype.kill
    )
    return tuple(r for r in reviews if r.fired)


def recommend(
    stage: Stage,
    reviews: Sequence[CriterionReview],
    checks: Sequence[Check] = (),
    *,
    timebox_expired: bool = False,
    candidate_failed_all: int | None = None,
) -> Recommendation:
    """The recommendation from evaluated criteria, stage checks and the time-box
    (the rules are in the module docstring). ``candidate_failed_all`` is the
    number of the candidate's trials when every one of them failed."""
    no: list[str] = []
    if candidate_failed_all:
        no.append(
            f"the candidate failed every one of its {candidate_failed_all} trials "
            "(failure rate 100%): it cannot meet any criterion"
        )
    not_yet: list[str] = []
    needs: list[int] = []
    for item in reviews:
        text = item.criterion.canonical
        if item.outcome is Outcome.FAIL:
            if item.kind == "kill soft":
                not_yet.append(f"soft kill criterion fires: {text}; decide whether to go on")
            elif item.kind == "kill hard":
                no.append(f"hard kill criterion fires: {text}")
            else:
                no.append(f"success criterion fails: {text}")
        elif item.outcome is Outcome.UNDETERMINED:
            needed = item.evaluation.trials_needed
            more = f"; about {needed} trials per arm would likely settle it" if needed else ""
            not_yet.append(f"{item.kind} criterion undetermined: {text}{more}")
            if needed is not None:
                needs.append(needed)
    if timebox_expired:
        no.append("the time-box has expired")
    not_yet += [f"stage check not met: {c.name}: {c.detail}" for c in checks if not c.passed]
    if not any(item.kind == "success" for item in reviews):
        not_yet.append("no success criterion is registered; nothing can justify a YES")
    if no:
        answer, reasons = Answer.NO, no + not_yet
    elif not_yet:
        answer, reasons = Answer.NOT_YET, not_yet
    else:
        answer, reasons = Answer.YES, ["every criterion passes and every stage check is met"]
    return Recommendation(
        answer=answer,
        stage=stage,
        reasons=tuple(reasons),
        criteria=tuple(reviews),
        checks=tuple(checks),
        timebox_expired=timebox_expired,
        trials_needed=max(needs) if needs else None,
    )


@dataclasses.dataclass(frozen=True)
class Decision:
    """A gate answered by someone with authority.

    ``override`` is True when the answer goes against ``recommended``; it stays
    on the record. ``advocates`` records who argued for what, ``revisit_when``
    the condition under which to look again, ``dissents`` who disagreed and why
    (issue 16): a decision with dissents was taken without consensus.
    """

    stage: Stage
    answer: Answer
    recommended: Answer
    why: str
    decided_by: str
    role: Role
    at: dt.datetime
    override: bool = False
    conditions: str = ""
    advocates: tuple[tuple[str, str], ...] = ()
    revisit_when: str = ""
    dissents: tuple[tuple[str, str], ...] = ()

    @property
    def consensus(self) -> bool:
        """Whether nobody dissented."""
        return not self.dissents

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "stage": self.stage.value,
            "answer": self.answer.value,
            "recommended": self.recommended.value,
            "why": self.why,
            "decided_by": self.decided_by,
            "role": self.role.value,
            "at": self.at.isoformat(),
            "override": self.override,
            "conditions": self.conditions,
            "advocates": [list(pair) for pair in self.advocates],
            "revisit_when": self.revisit_when,
            "dissents": [list(pair) for pair in self.dissents],
            "consensus": self.consensus,
        }


def decide(
    recommendation: Recommendation,
    answer: Answer | str,
    *,
    user: str,
    role: Role,
    why: str,
    at: dt.datetime,
    conditions: str = "",
    override: bool = False,
    advocates: Sequence[tuple[str, str]] = (),
    revisit_when: str = "",
    amended: Recommendation | None = None,
    dissents: Sequence[tuple[str, str]] = (),
) -> Decision:
    """Validate and build a decision; nothing is recorded when this raises.

    ``recommendation`` is judged on the criteria as registered; ``amended``, when
    amendments changed them, on the amended ones: an answer that follows only the
    amendment goes against the registration and is an override.

    Raises :class:`PermissionDeniedError` unless ``role`` is approver or admin,
    and :class:`InputError` without a reason, or for an answer against the
    recommendation without ``override=True``.
    """
    require_role(user, role, Role.APPROVER, "deciding a gate")
    if not isinstance(answer, Answer):
        answer = Answer.parse(answer)
    if not why.strip():
        raise InputError("a decision needs a reason (--why): say what it rests on")
    against = answer is not recommendation.answer
    if against and not override:
        registered = " on the registered criteria" if amended is not None else ""
        also = ""
        if amended is not None and amended.answer is not recommendation.answer:
            also = f" (on the criteria as amended after the freeze: {amended.answer.label})"
        raise InputError(
            f"the recommendation{registered} is {recommendation.answer.label}{also}; deciding "
            f"{answer.label} goes against it and needs an override (--override), which stays "
            "on the record"
        )
    return Decision(
        stage=recommendation.stage,
        answer=answer,
        recommended=recommendation.answer,
        why=why.strip(),
        decided_by=user,
        role=role,
        at=at,
        override=against,
        conditions=conditions.strip(),
        advocates=tuple(advocates),
        revisit_when=revisit_when.strip(),
        dissents=tuple(dissents),
    )


@dataclasses.dataclass(frozen=True)
class DecidedCriterion:
    """One criterion as the decision saw it: its kind, text, outcome and why."""

    kind: str
    criterion: str
    outcome: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-able dictionary."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class DecisionPin:
    """The newest gate decision on a prototype with the runs it was decided on, and
    the evidence that arrived since, judged on its own.

    Attributes:
        decision_id, stage, answer, at, by: the decision.
        recommended: the recommendation it answered.
        runs: the run ids it was decided on (pinned), newest first.
        criteria: each criterion as the decision saw it, on those runs.
        since_runs: runs that judge the prototype now and were not decided on.
        since: the same criteria judged on ``since_runs`` alone (``None`` without any).
        decided: the same criteria judged on ``runs`` alone, as of the review's day
            (``None`` when the decision rested on no run).
    """

    decision_id: int
    stage: Stage
    answer: Answer
    recommended: Answer
    at: dt.datetime
    by: str
    runs: tuple[str, ...]
    criteria: tuple[DecidedCriterion, ...]
    since_runs: tuple[str, ...] = ()
    since: Recommendation | None = None
    decided: Recommendation | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "decision": self.decision_id,
            "stage": self.stage.value,
            "answer": self.answer.value,
            "recommended": self.recommended.value,
            "at": self.at.isoformat(),
            "by": self.by,
            "runs": list(self.runs),
            "criteria": [c.to_dict() for c in self.criteria],
            "on_these_runs": None if self.decided is None else self.decided.to_dict(),
            "since": {
                "runs": list(self.since_runs),
                "recommendation": None if self.since is None else self.since.to_dict(),
            },
        }

    def describe(self) -> str:
        """One line: the answer, the gate, when, who, and the runs it was decided on."""
        return (
            f"{self.answer.label} at the {self.stage.value} gate on {self.at:%Y-%m-%d} by "
            f"{self.by}, decided on run(s) {', '.join(self.runs) or 'none'}"
        )

    def since_short(self) -> str | None:
        """One line for the CLI: ``new evidence since the decision, run(s) C: NO on these
        runs alone`` (``None`` without any)."""
        if self.since is None:
            return None
        return (
            f"new evidence since the decision, run(s) {', '.join(self.since_runs)}: "
            f"{self.since.answer.label} on these runs alone"
        )

    def since_line(self) -> str | None:
        """One sentence for readers of reports: what the decision rested on, and the
        verdict of the evidence that arrived since, on its own (``None`` without any)."""
        if self.since is None:
            return None
        outcomes = "; ".join(
            f"{r.criterion.canonical} {r.outcome.value}: {r.evaluation.reason}"
            for r in self.since.criteria
        )
        detail = f" ({outcomes})" if outcomes else ""
        return (
            f"the {self.answer.label} of {self.at:%Y-%m-%d} rested on run(s) "
            f"{', '.join(self.runs) or 'none'}; new evidence since the decision, run(s) "
            f"{', '.join(self.since_runs)}, judged on its own recommends "
            f"{self.since.answer.label}{detail}"
        )

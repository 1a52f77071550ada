"""Rollouts: the ramp of a technique in production, step by step (issue 14).

A rollout is a sequence of :class:`Step` records for one technique, numbered from 1
per technique: a ``start`` at some percentage of traffic behind a feature flag, then
``step``\\ s up, ending in ``complete`` (100%) or a ``rollback`` (with its reason).
After a rollback a new rollout (the next number) may start.

The rules, all pure (the workspace reads the record and calls them inside the
transaction that writes):

* **Who may start** (:func:`check_start`): a technique in TRIAL or ADOPT (the radar's
  evidence rule already put a YES gate decision, or a recorded override, behind that
  ring), or one with a YES at its Validation or Integration gate on a prototype not
  stopped since. Not an Integration YES alone: the Integration gate asks "does this
  improve production?" and needs an online A/B comparison as evidence, which is
  what the ramp's early steps produce; demanding the Integration YES first would be
  circular. A technique in HOLD or SKIP never starts one. One active rollout per
  technique.
* **A step up** (:func:`step_refusals`): the percentage must rise, the date must
  not go back, and the step being left must carry A/B evidence, every run of which
  is valid (no sample-ratio mismatch) with its guardrails holding. A run with no
  guardrail metrics proves nothing about harm and does not count as holding. Each
  unmet condition is one refusal line saying what to do; an approver may step up
  anyway with ``override`` (a reason), and the refusals waived are kept on the step.
* **Complete** is a step to 100%, under the same rule.
* **A rollback** needs a reason; it ends an active or a completed rollout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Sequence
from typing import Any

from assay.errors import InputError
from assay.types import Ring

__all__ = [
    "DEFAULT_PERCENTS",
    "STALLED_AFTER_DAYS",
    "STARTABLE_RINGS",
    "ABEvidence",
    "Rollout",
    "RolloutNote",
    "RolloutStatus",
    "Step",
    "StepKind",
    "check_flag",
    "check_on",
    "check_percent",
    "check_reason",
    "check_rollback",
    "check_start",
    "evidence_refusals",
    "format_percent",
    "notes",
    "rollouts_of",
    "step_refusals",
]

#: The usual ramp, as ``docs/rollouts.md`` shows it.
DEFAULT_PERCENTS = (1.0, 5.0, 25.0, 100.0)

#: Rings whose techniques may start a rollout without a Validation/Integration YES.
STARTABLE_RINGS = frozenset({Ring.TRIAL, Ring.ADOPT})

#: A step with no A/B evidence this many days after it took effect needs attention.
STALLED_AFTER_DAYS = 14

_MAX_FLAG = 200


class StepKind(enum.StrEnum):
    """What a step did: started a rollout, raised it, completed it (100%), rolled it back."""

    START = "start"
    STEP = "step"
    COMPLETE = "complete"
    ROLLBACK = "rollback"


class RolloutStatus(enum.StrEnum):
    """Where a rollout stands."""

    ACTIVE = "active"
    COMPLETE = "complete"
    ROLLED_BACK = "rolled back"


@dataclasses.dataclass(frozen=True)
class ABEvidence:
    """An A/B run attached to a step, as the A/B analysis judged it.

    ``valid`` is False when the sample-ratio check failed (verdict INVALID);
    ``guardrails_hold`` is None when the run declares no guardrail metric;
    ``failed`` names the guardrails that did not hold; ``verdicts`` are short lines
    (``"conversion BETTER +1.2%"``) for people.
    """

    run_id: str
    name: str = ""
    valid: bool = True
    guardrails_hold: bool | None = None
    failed: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()
    attached_by: str = ""
    attached_at: dt.datetime | None = None
    found: bool = True  # False: the run was retired (or is gone): no longer evidence

    @property
    def holds(self) -> bool:
        """Whether this run lets the ramp go on: valid, and its guardrails hold."""
        return self.found and self.valid and self.guardrails_hold is True

    def describe(self) -> str:
        """One line: ``run ab-12 (checkout): guardrails hold; conversion BETTER +1%``."""
        label = f"run {self.run_id}" + (f" ({self.name})" if self.name else "")
        if not self.found:
            return f"{label}: retired, no longer evidence"
        if not self.valid:
            state = "INVALID (sample-ratio mismatch)"
        elif self.guardrails_hold is None:
            state = "no guardrail metrics"
        elif self.guardrails_hold:
            state = "guardrails hold"
        else:
            state = "guardrail " + (", ".join(self.failed) or "check") + " failed"
        return f"{label}: {state}" + ("; " + "; ".join(self.verdicts) if self.verdicts else "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "run_id": self.run_id,
            "name": self.name,
            "found": self.found,
            "valid": self.valid,
            "guardrails_hold": self.guardrails_hold,
            "failed_guardrails": list(self.failed),
            "verdicts": list(self.verdicts),
            "holds": self.holds,
            "summary": self.describe(),
            "attached_by": self.attached_by,
            "attached_at": self.attached_at.isoformat() if self.attached_at else None,
        }


@dataclasses.dataclass(frozen=True)
class Step:
    """One recorded step of a rollout: who set the flag to what percentage, when.

    ``on`` is the day the flag changed in production; ``at`` when it was recorded.
    ``override`` is the approver's reason when refusals were waived (listed in
    ``waived``); ``reason`` is the why of a rollback (or a note on any step).
    """

    technique: str
    rollout: int
    kind: StepKind
    percent: float
    flag: str
    on: dt.date
    by: str
    at: dt.datetime
    reason: str = ""
    override: str | None = None
    waived: tuple[str, ...] = ()
    evidence: tuple[ABEvidence, ...] = ()
    id: int = 0

    def label(self) -> str:
        """``25%``, or ``rollback at 5%``."""
        percent = format_percent(self.percent)
        return f"rollback at {percent}" if self.kind is StepKind.ROLLBACK else percent

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "id": self.id,
            "rollout": self.rollout,
            "kind": self.kind.value,
            "percent": self.percent,
            "flag": self.flag,
            "on": self.on.isoformat(),
            "by": self.by,
            "at": self.at.isoformat(),
            "reason": self.reason,
            "override": self.override,
            "waived": list(self.waived),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclasses.dataclass(frozen=True)
class Rollout:
    """One rollout of a technique: its steps, oldest first (never empty)."""

    technique: str
    number: int
    steps: tuple[Step, ...]

    @property
    def current(self) -> Step:
        """The newest step."""
        return self.steps[-1]

    @property
    def flag(self) -> str:
        """The feature flag (the start's)."""
        return self.steps[0].flag

    @property
    def status(self) -> RolloutStatus:
        """Active, complete (100%) or rolled back."""
        kind = self.current.kind
        if kind is StepKind.ROLLBACK:
            return RolloutStatus.ROLLED_BACK
        if kind is StepKind.COMPLETE:
            return RolloutStatus.COMPLETE
        return RolloutStatus.ACTIVE

    @property
    def percent(self) -> float:
        """The share of traffic now: the newest step's; 0 after a rollback."""
        return 0.0 if self.status is RolloutStatus.ROLLED_BACK else self.current.percent

    @property
    def since(self) -> dt.date:
        """The day the newest step took effect."""
        return self.current.on

    @property
    def last_up(self) -> Step:
        """The newest step that is not a rollback (the percentage a rollback left)."""
        return next(s for s in reversed(self.steps) if s.kind is not StepKind.ROLLBACK)

    def stage(self) -> str:
        """Where it stands, for people: ``25% since 2026-12-01``, ``complete since
        2026-12-20``, ``rolled back from 5% on 2026-12-03``."""
        if self.status is RolloutStatus.ROLLED_BACK:
            return f"rolled back from {format_percent(self.last_up.percent)} on {self.since}"
        if self.status is RolloutStatus.COMPLETE:
            return f"complete (100%) since {self.since}"
        return f"{format_percent(self.percent)} since {self.since}"

    def short(self) -> str:
        """The radar's mark: ``rollout 25%``, ``rollout complete``, ``rolled back``."""
        if self.status is RolloutStatus.ROLLED_BACK:
            return "rolled back"
        if self.status is RolloutStatus.COMPLETE:
            return "rollout complete"
        return f"rollout {format_percent(self.percent)}"

    def sentence(self) -> str:
        """What the reports say: ``Production rollout #1 (flag paged_attn): 25% since
        2026-12-01; 3 of 3 steps carry A/B evidence.`` or, rolled back, its reason."""
        head = f"Production rollout #{self.number} (flag {self.flag}): {self.stage()}"
        if self.status is RolloutStatus.ROLLED_BACK:
            return f"{head}, because: {self.current.reason.rstrip('.')}."
        ups = [s for s in self.steps if s.kind is not StepKind.ROLLBACK]
        backed = sum(1 for s in ups if s.evidence)
        waived = sum(1 for s in ups if s.override is not None)
        extra = f"; {waived} step(s) taken by override" if waived else ""
        return f"{head}; {backed} of {len(ups)} step(s) carry A/B evidence{extra}."

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "technique": self.technique,
            "rollout": self.number,
            "flag": self.flag,
            "status": self.status.value,
            "percent": self.percent,
            "since": self.since.isoformat(),
            "stage": self.stage(),
            "steps": [s.to_dict() for s in self.steps],
        }


def format_percent(value: float) -> str:
    """``25%``, ``0.5%``."""
    return f"{value:g}%"


def rollouts_of(steps: Sequence[Step]) -> list[Rollout]:
    """The steps of one technique grouped into rollouts, oldest first."""
    grouped: dict[int, list[Step]] = {}
    for step in sorted(steps, key=lambda s: (s.rollout, s.at, s.id)):
        grouped.setdefault(step.rollout, []).append(step)
    return [Rollout(group[0].technique, n, tuple(group)) for n, group in grouped.items()]


# -- checks at the boundary -----------------------------------------------------------


def check_percent(value: float) -> float:
    """A share of traffic: above 0 and at most 100."""
    if not math.isfinite(value) or not 0 < value <= 100:
        raise InputError(
            f"--percent {value:g} must be above 0 and at most 100 (a share of traffic)"
        )
    return float(value)


def check_flag(name: str) -> str:
    """A feature flag's name: one word (no spaces or control characters), at most 200."""
    cleaned = name.strip()
    if not cleaned:
        raise InputError("--flag is empty; name the feature flag that gates the technique")
    if len(cleaned) > _MAX_FLAG or any(c.isspace() or not c.isprintable() for c in cleaned):
        raise InputError(
            f"--flag {cleaned[:40]!r} must be one word of printable characters, at most "
            f"{_MAX_FLAG} (the flag's key in your flag system)"
        )
    return cleaned


def check_reason(text: str | None, *, what: str) -> str:
    """A non-blank reason, trimmed."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InputError(f"{what} needs a reason: say what happened and what it rests on")
    return cleaned


def check_on(on: dt.date, today: dt.date, previous: Step | None) -> dt.date:
    """The day a step took effect: not in the future, not before the previous step."""
    if on > today:
        raise InputError(f"--on {on} is in the future; record a step on the day the flag changed")
    if previous is not None and on < previous.on:
        raise InputError(
            f"--on {on} is before the previous step ({previous.label()} on {previous.on})"
        )
    return on


def check_start(
    technique: str,
    ring: Ring,
    *,
    passed_gate: str | None,
    active: Rollout | None,
    percent: float,
) -> None:
    """Whether ``technique`` may start a rollout (see the module docstring).

    ``passed_gate`` describes the newest YES at a Validation or Integration gate
    that no NO has stopped since (``None``: there is none); ``active`` is its
    unfinished rollout, if any.
    """
    if active is not None:
        raise InputError(
            f"{technique} already has an active rollout (#{active.number}, flag "
            f"{active.flag}, {active.stage()}): step it, complete it or roll it back first"
        )
    if percent >= 100:
        raise InputError(
            "a rollout starts below 100%; start it small (--percent 1) and step up "
            "with A/B evidence at each step"
        )
    if ring in (Ring.HOLD, Ring.SKIP):
        raise InputError(
            f"{technique} is in {ring.value}: the team decided not to use it; move it "
            "on the radar before rolling it out"
        )
    if ring not in STARTABLE_RINGS and passed_gate is None:
        raise InputError(
            f"{technique} is in {ring.value} with no YES at a Validation or Integration "
            "gate: a rollout needs a validated technique (pass its Validation gate, or "
            "move it to TRIAL on the evidence)"
        )


def evidence_refusals(step: Step) -> list[str]:
    """What stops a ramp from leaving ``step``: no A/B evidence, or a run that is
    INVALID, has no guardrails, failed a guardrail or is gone; empty when it may."""
    where = step.label()
    if not step.evidence:
        return [
            f"step {where} has no A/B evidence: attach it with `assay rollout evidence "
            f"{step.technique!r} --ab RUN`"
        ]
    out = []
    for found in step.evidence:
        run = f"run {found.run_id}"
        if not found.found:
            out.append(f"A/B {run} at {where} was retired: it is no longer evidence")
        elif not found.valid:
            out.append(f"A/B {run} at {where} is INVALID (sample-ratio mismatch): fix the split")
        elif found.guardrails_hold is None:
            out.append(
                f"A/B {run} at {where} has no guardrail metrics: nothing shows the step did "
                "no harm (analyse it with guardrails)"
            )
        elif not found.guardrails_hold:
            names = ", ".join(found.failed) or "a guardrail"
            out.append(f"guardrail {names} failed at {where} ({run})")
    return out


def step_refusals(rollout: Rollout | None, technique: str, percent: float) -> list[str]:
    """Why a step up to ``percent`` may not be taken now (empty: it may).

    Raises :class:`InputError` for what no override can waive (no active rollout, a
    percentage that does not rise); returns the evidence refusals, which an
    approver's override may waive.
    """
    if rollout is None or rollout.status is not RolloutStatus.ACTIVE:
        state = "" if rollout is None else f" (the last one is {rollout.stage()})"
        raise InputError(
            f"{technique} has no active rollout{state}; start one with `assay rollout start`"
        )
    if percent <= rollout.percent:
        raise InputError(
            f"--percent {format_percent(percent)} must rise above the current "
            f"{format_percent(rollout.percent)}; to go down, roll back"
        )
    return evidence_refusals(rollout.current)


def check_rollback(rollout: Rollout | None, technique: str) -> Rollout:
    """The rollout a rollback ends: the newest, active or complete."""
    if rollout is None:
        raise InputError(f"{technique} has no rollout to roll back")
    if rollout.status is RolloutStatus.ROLLED_BACK:
        raise InputError(f"{technique}'s rollout #{rollout.number} is already {rollout.stage()}")
    return rollout


# -- what status and the review agenda say ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class RolloutNote:
    """A line of ``assay status`` or the review agenda about one technique's rollout:
    where it stands, and what needs attention (``None``: nothing)."""

    technique: str
    stage: str
    status: RolloutStatus
    attention: str | None = None

    def describe(self) -> str:
        """``Paged attention: 5% since 2026-12-01 (no A/B evidence for 20 days)``."""
        extra = f" ({self.attention})" if self.attention else ""
        return f"{self.technique}: {self.stage}{extra}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "technique": self.technique,
            "stage": self.stage,
            "status": self.status.value,
            "attention": self.attention,
        }


def _attention(rollout: Rollout, ring: Ring | None, today: dt.date, stalled: int) -> str | None:
    if rollout.status is RolloutStatus.ROLLED_BACK and ring is Ring.ADOPT:
        return "rolled back but still in ADOPT: move it on the radar or start a new rollout"
    days = (today - rollout.since).days
    if rollout.status is RolloutStatus.ACTIVE and not rollout.current.evidence and days >= stalled:
        return (
            f"no A/B evidence for {days} days: attach it with "
            f"`assay rollout evidence {rollout.technique!r} --ab RUN`"
        )
    return None


def notes(
    latest: dict[str, Rollout],
    rings: dict[str, Ring],
    today: dt.date,
    *,
    stalled_after_days: int = STALLED_AFTER_DAYS,
) -> list[RolloutNote]:
    """A note for every active rollout and every one that needs attention (a step with
    no A/B evidence for ``stalled_after_days``, a rolled-back technique still in
    ADOPT), by technique name; ``rings`` holds each technique's ring."""
    out = []
    for name in sorted(latest, key=str.casefold):
        rollout = latest[name]
        attention = _attention(rollout, rings.get(name), today, stalled_after_days)
        if attention is not None or rollout.status is RolloutStatus.ACTIVE:
            out.append(RolloutNote(name, rollout.stage(), rollout.status, attention))
    return out

"""The team's rhythm as values: what ``assay status``, the monthly review's agenda and
the portfolio show, and the pure rules that build them from prototypes' reviews
(the reports service, :class:`assay.workspace.reports.Reports`, reads those).

* :class:`Status` -- active prototypes whose kill criteria fire or whose time-box
  has expired, gates awaiting a decision, and everything else past its date
  (next actions, post-mortem actions, predictions: :mod:`assay.store.overdue`).
* :class:`Agenda` -- for the research review: radar changes since the last
  review, overdue next actions, overdue post-mortem actions and predictions, gates
  awaiting a decision, prototypes past their time-box, and deep-dive candidates
  (stale blips, decisions taken against the recommendation, decisions with a
  "revisit when" condition).
* :class:`Portfolio` -- effort across core, adjacent and exploratory work, from
  the active prototypes' time-boxes, against the 60-70 / 20-30 / 5-10 % guide.

A gate **awaits a decision** when its recommendation is YES or NO, a soft kill
criterion fires, or the time-box has expired, and no decision was taken at that
stage since the newest run that judges it began.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Stage
from assay.pipeline.radar import RingMove, Technique
from assay.pipeline.rollout import RolloutNote
from assay.store.gate_reads import DecisionRecord
from assay.store.overdue import Overdue, OverdueKind
from assay.store.prototype_reads import PrototypeRecord
from assay.store.study import GateReview
from assay.workspace.evidence_runs import Judge

if TYPE_CHECKING:  # annotations only: status reads no review meeting, no radar override
    from assay.store.placements import Placement
    from assay.store.reviews import ReviewMeeting
    from assay.workspace.learnings import WithoutConsensus
    from assay.workspace.radar_overrides import RadarOverride
    from assay.workspace.watch import Reopened

__all__ = [
    "GUIDE",
    "Agenda",
    "AwaitingGate",
    "DeepDive",
    "OpenPrototype",
    "Portfolio",
    "PortfolioShare",
    "PrototypeFlag",
    "Status",
    "awaiting",
    "flag",
    "not_next_actions",
    "portfolio",
    "status",
]

GUIDE = {"core": (0.60, 0.70), "adjacent": (0.20, 0.30), "exploratory": (0.05, 0.10)}
"""Share of effort per portfolio category: the usual guide."""

DEFAULT_LOOKBACK_DAYS = 30


@dataclasses.dataclass(frozen=True)
class AwaitingGate:
    """A gate whose answer is due."""

    prototype: str
    technique: str
    stage: Stage
    recommended: Answer
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "prototype": self.prototype,
            "technique": self.technique,
            "stage": self.stage.value,
            "question": self.stage.question,
            "recommended": self.recommended.value,
            "reasons": list(self.reasons),
        }


@dataclasses.dataclass(frozen=True)
class PrototypeFlag:
    """An active prototype in trouble: kill criteria that fire, an expired time-box."""

    prototype: str
    technique: str
    stage: Stage
    fired: tuple[str, ...]
    timebox_end: dt.date | None
    timebox_expired: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "prototype": self.prototype,
            "technique": self.technique,
            "stage": self.stage.value,
            "fired": list(self.fired),
            "timebox_end": self.timebox_end.isoformat() if self.timebox_end else None,
            "timebox_expired": self.timebox_expired,
        }


@dataclasses.dataclass(frozen=True)
class Status:
    """What ``assay status`` shows."""

    today: dt.date
    killed: tuple[PrototypeFlag, ...]
    expired: tuple[PrototypeFlag, ...]
    awaiting: tuple[AwaitingGate, ...]
    active: int
    overdue: tuple[Overdue, ...] = ()
    """Next actions, open post-mortem actions and unresolved predictions past their date."""
    rollouts: tuple[RolloutNote, ...] = ()
    """Active rollouts, and those that need attention (issue 14)."""
    reopened: tuple[Reopened, ...] = ()
    """Decisions reopened by a watched metric or a revisit-when condition (issue 14)."""

    @property
    def needs_attention(self) -> bool:
        """Whether anything at all is listed (stale blips are the command's to add)."""
        rollouts = any(r.attention for r in self.rollouts)
        listed = self.killed or self.expired or self.awaiting or self.overdue or self.reopened
        return bool(listed or rollouts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "today": self.today.isoformat(),
            "active_prototypes": self.active,
            "kill_criteria_fired": [f.to_dict() for f in self.killed],
            "timebox_expired": [f.to_dict() for f in self.expired],
            "awaiting_decision": [a.to_dict() for a in self.awaiting],
            "overdue": [o.to_dict(self.today) for o in self.overdue],
            "rollouts": [r.to_dict() for r in self.rollouts],
            "reopened": [r.to_dict() for r in self.reopened],
        }


@dataclasses.dataclass(frozen=True)
class DeepDive:
    """Something the review should look at closely, and why."""

    subject: str
    kind: str  # technique, prototype or decision
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Agenda:
    """The research review's agenda."""

    today: dt.date
    since: dt.date
    last_review: ReviewMeeting | None
    radar_changes: tuple[tuple[str, RingMove], ...]
    overdue: tuple[Technique, ...]
    awaiting: tuple[AwaitingGate, ...]
    past_timebox: tuple[PrototypeFlag, ...]
    deep_dives: tuple[DeepDive, ...]
    overrides: tuple[RadarOverride, ...] = ()
    """Ring moves made by override since ``since`` (also deep-dive candidates)."""
    overdue_other: tuple[Overdue, ...] = ()
    """Open post-mortem actions and unresolved predictions past their date (the
    overdue next actions are ``overdue``)."""
    unbacked: tuple[Placement, ...] = ()
    """Techniques whose ring rests on an override or an imported radar, with no YES
    gate decision since (see :mod:`assay.store.placements`), whenever they moved."""
    rollouts: tuple[RolloutNote, ...] = ()
    """Active rollouts, and those that need attention (issue 14)."""
    reopened: tuple[Reopened, ...] = ()
    """Decisions reopened by a watched metric or a revisit-when condition (issue 14)."""
    without_consensus: tuple[WithoutConsensus, ...] = ()
    """Reopened decisions that were taken with dissents, with who disagreed (issue 16)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "today": self.today.isoformat(),
            "since": self.since.isoformat(),
            "last_review": None if self.last_review is None else self.last_review.to_dict(),
            "radar_changes": [
                move.to_dict() | {"technique": name} for name, move in self.radar_changes
            ],
            "overdue": [
                t.to_dict() | {"days_overdue": (self.today - t.due).days if t.due else None}
                for t in self.overdue
            ],
            "awaiting_decision": [a.to_dict() for a in self.awaiting],
            "past_timebox": [p.to_dict() for p in self.past_timebox],
            "deep_dives": [d.to_dict() for d in self.deep_dives],
            "overrides": [o.to_dict() for o in self.overrides],
            "overdue_other": [o.to_dict(self.today) for o in self.overdue_other],
            "without_evidence": [p.to_dict() for p in self.unbacked],
            "rollouts": [r.to_dict() for r in self.rollouts],
            "reopened": [r.to_dict() for r in self.reopened],
            "without_consensus": [w.to_dict() for w in self.without_consensus],
        }


@dataclasses.dataclass(frozen=True)
class PortfolioShare:
    """One category's effort and where it sits against the guide."""

    category: str
    days: int
    share: float
    low: float
    high: float
    prototypes: tuple[str, ...]

    @property
    def position(self) -> str:
        """``below``, ``within`` or ``above`` the guide."""
        if self.share < self.low:
            return "below"
        return "above" if self.share > self.high else "within"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return dataclasses.asdict(self) | {
            "position": self.position,
            "guide": [self.low, self.high],
        }


@dataclasses.dataclass(frozen=True)
class Portfolio:
    """Effort across the portfolio categories."""

    today: dt.date
    shares: tuple[PortfolioShare, ...]
    total_days: int
    uncategorised: tuple[str, ...]
    without_timebox: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "today": self.today.isoformat(),
            "total_days": self.total_days,
            "shares": [s.to_dict() for s in self.shares],
            "uncategorised": list(self.uncategorised),
            "without_timebox": list(self.without_timebox),
        }


@dataclasses.dataclass(frozen=True)
class OpenPrototype:
    """An active prototype with its review, the runs that judge it (when each began,
    not their analyses: the rules need no more) and its decisions."""

    record: PrototypeRecord
    review: GateReview
    runs: tuple[Judge, ...]
    decisions: tuple[DecisionRecord, ...]


def awaiting(item: OpenPrototype) -> AwaitingGate | None:
    """The prototype's gate, when its answer is due (see the module docstring)."""
    rec = item.review.recommendation
    soft = [r for r in rec.criteria if r.kind == "kill soft" and r.fired]
    if rec.answer is Answer.NOT_YET and not soft and not rec.timebox_expired:
        return None
    at_stage = [d for d in item.decisions if d.decision.stage is item.record.stage]
    newest = max((run.started_at for run in item.runs), default=None)
    if at_stage and (newest is None or newest <= at_stage[-1].at):
        return None
    return AwaitingGate(
        item.record.name, item.record.technique, item.record.stage, rec.answer, rec.reasons
    )


def flag(item: OpenPrototype) -> PrototypeFlag:
    """The prototype's kill criteria that fire and its time-box."""
    rec = item.review.recommendation
    box = item.record.prototype.timebox
    return PrototypeFlag(
        prototype=item.record.name,
        technique=item.record.technique,
        stage=item.record.stage,
        fired=tuple(f"{r.kind}: {r.criterion.canonical}" for r in rec.fired),
        timebox_end=box.end if box else None,
        timebox_expired=rec.timebox_expired,
    )


def status(
    items: Sequence[OpenPrototype], today: dt.date, overdue: Sequence[Overdue] = ()
) -> Status:
    """What needs attention now (see the module docstring)."""
    flags = [flag(item) for item in items]
    return Status(
        today=today,
        killed=tuple(f for f in flags if f.fired),
        expired=tuple(f for f in flags if f.timebox_expired),
        awaiting=tuple(a for a in (awaiting(item) for item in items) if a is not None),
        active=len(items),
        overdue=tuple(overdue),
    )


def not_next_actions(found: Sequence[Overdue]) -> tuple[Overdue, ...]:
    """The overdue post-mortem actions and predictions: what the agenda lists beside
    its overdue next actions."""
    return tuple(o for o in found if o.kind is not OverdueKind.NEXT_ACTION)


def portfolio(records: Sequence[PrototypeRecord], today: dt.date) -> Portfolio:
    """Effort per category from the active prototypes' time-boxes."""
    days: dict[str, int] = dict.fromkeys(GUIDE, 0)
    members: dict[str, list[str]] = {category: [] for category in GUIDE}
    uncategorised, untimed = [], []
    for record in records:
        if not record.active:
            continue
        box = record.prototype.timebox
        if box is None:
            untimed.append(record.name)
            continue
        if record.portfolio is None:
            uncategorised.append(record.name)
            continue
        days[record.portfolio] += (box.end - box.start).days + 1
        members[record.portfolio].append(record.name)
    total = sum(days.values())
    shares = tuple(
        PortfolioShare(
            category,
            days[category],
            days[category] / total if total else 0.0,
            low,
            high,
            tuple(members[category]),
        )
        for category, (low, high) in GUIDE.items()
    )
    return Portfolio(today, shares, total, tuple(uncategorised), tuple(untimed))

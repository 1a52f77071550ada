"""Post-mortems: what happened to a technique or prototype that failed, and why.

A post-mortem holds the timeline (first seen, initial assessment, milestones, when
problems emerged, outcome), what went wrong by category, root causes as chains of
whys, lessons, and action items with an owner and a due date. It links to the
predictions that were wrong and the red flags that were missed. Across many
post-mortems, :func:`recurring_patterns` counts the failure patterns and root
causes that keep coming back, and :func:`open_actions` lists what is still owed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from assay.errors import InputError
from assay.pipeline.reading import RedFlagKind

__all__ = [
    "ActionItem",
    "EventKind",
    "FailureCategory",
    "FailurePattern",
    "OpenAction",
    "PatternReport",
    "PostMortem",
    "Problem",
    "TimelineEvent",
    "WhyChain",
    "open_actions",
    "recurring_patterns",
    "research_questions",
]


class EventKind(enum.StrEnum):
    FIRST_SEEN = "first seen"
    INITIAL_ASSESSMENT = "initial assessment"
    MILESTONE = "milestone"
    PROBLEM = "problem emerged"
    OUTCOME = "outcome"


class FailureCategory(enum.StrEnum):
    PAPER_EVALUATION = "paper evaluation"
    PROTOTYPE = "prototype"
    INTEGRATION = "integration"
    PROCESS = "process"


class FailurePattern(enum.StrEnum):
    """Failure patterns that recur across ML research-to-production efforts."""

    BENCHMARK_PRODUCTION_GAP = "benchmark-production gap"
    SCALE_SURPRISE = "scale surprise"
    INTEGRATION_UNDERESTIMATION = "integration underestimation"
    SUNK_COST_CONTINUATION = "sunk-cost continuation"
    MISSING_EXPERTISE = "missing expertise"


@dataclasses.dataclass(frozen=True)
class TimelineEvent:
    on: dt.date
    kind: EventKind
    text: str


@dataclasses.dataclass(frozen=True)
class Problem:
    """Something that went wrong, in one of the four categories."""

    category: FailureCategory
    text: str


@dataclasses.dataclass(frozen=True)
class WhyChain:
    """A problem followed by successive whys; the last why is the root cause."""

    problem: str
    whys: tuple[str, ...]
    pattern: FailurePattern | None = None

    def __post_init__(self) -> None:
        whys = tuple(w.strip() for w in self.whys if w.strip())
        if not whys:
            raise InputError(
                f"the why-chain for {self.problem!r} has no whys; ask 'why?' until you reach "
                "a cause the team can act on"
            )
        object.__setattr__(self, "whys", whys)

    @property
    def root_cause(self) -> str:
        return self.whys[-1]


@dataclasses.dataclass(frozen=True)
class ActionItem:
    """An action with an owner and a due date; ``question`` opens a research question."""

    text: str
    owner: str
    due: dt.date
    done_on: dt.date | None = None
    question: str | None = None

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise InputError("an action item needs text saying what will be done")
        if not self.owner.strip():
            raise InputError(f"action {self.text!r} needs an owner: who will do it?")

    def is_open(self) -> bool:
        return self.done_on is None

    def is_overdue(self, today: dt.date) -> bool:
        return self.done_on is None and self.due < today


@dataclasses.dataclass(frozen=True)
class PostMortem:
    """The post-mortem of one technique or prototype."""

    subject: str
    timeline: tuple[TimelineEvent, ...]
    problems: tuple[Problem, ...] = ()
    why_chains: tuple[WhyChain, ...] = ()
    lessons: tuple[str, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    wrong_predictions: tuple[str, ...] = ()
    missed_red_flags: tuple[RedFlagKind, ...] = ()
    author: str = ""
    id: str | None = None

    def __post_init__(self) -> None:
        if not self.subject.strip():
            raise InputError("a post-mortem needs its subject: a technique or prototype name")
        for name in (
            "timeline", "problems", "why_chains", "lessons", "actions",
            "wrong_predictions", "missed_red_flags",
        ):  # fmt: skip
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _check_timeline(self.subject, self.timeline)
        object.__setattr__(self, "timeline", tuple(sorted(self.timeline, key=_event_order)))

    @property
    def patterns(self) -> tuple[FailurePattern, ...]:
        """The failure patterns its why-chains name, each once."""
        return tuple(dict.fromkeys(c.pattern for c in self.why_chains if c.pattern))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "author": self.author,
            "timeline": [
                {"on": e.on.isoformat(), "kind": e.kind.value, "text": e.text}
                for e in self.timeline
            ],
            "problems": [{"category": p.category.value, "text": p.text} for p in self.problems],
            "why_chains": [
                {
                    "problem": c.problem,
                    "whys": list(c.whys),
                    "root_cause": c.root_cause,
                    "pattern": c.pattern.value if c.pattern else None,
                }
                for c in self.why_chains
            ],
            "lessons": list(self.lessons),
            "actions": [
                {
                    "text": a.text,
                    "owner": a.owner,
                    "due": a.due.isoformat(),
                    "done_on": a.done_on.isoformat() if a.done_on else None,
                    "question": a.question,
                }
                for a in self.actions
            ],
            "wrong_predictions": list(self.wrong_predictions),
            "missed_red_flags": [k.value for k in self.missed_red_flags],
        }


_KIND_ORDER = list(EventKind)


def _event_order(event: TimelineEvent) -> tuple[dt.date, int]:
    return event.on, _KIND_ORDER.index(event.kind)


def _check_timeline(subject: str, events: Sequence[TimelineEvent]) -> None:
    for kind in (EventKind.FIRST_SEEN, EventKind.OUTCOME):
        if sum(e.kind is kind for e in events) > 1:
            raise InputError(f"the timeline of {subject} has more than one '{kind.value}' event")
    first = [e for e in events if e.kind is EventKind.FIRST_SEEN]
    outcome = [e for e in events if e.kind is EventKind.OUTCOME]
    if first and any(e.on < first[0].on for e in events):
        early = min(events, key=lambda e: e.on)
        raise InputError(
            f"the timeline of {subject} has '{early.kind.value}' on {early.on} before it was "
            f"first seen on {first[0].on}"
        )
    if outcome and any(e.on > outcome[0].on for e in events):
        late = max(events, key=lambda e: e.on)
        raise InputError(
            f"the timeline of {subject} has '{late.kind.value}' on {late.on} after its outcome "
            f"on {outcome[0].on}"
        )


@dataclasses.dataclass(frozen=True)
class OpenAction:
    subject: str
    action: ActionItem
    overdue: bool
    days_late: int


def open_actions(postmortems: Iterable[PostMortem], today: dt.date) -> list[OpenAction]:
    """Open action items across post-mortems: overdue ones first, then by due date."""
    found = [
        OpenAction(pm.subject, a, a.is_overdue(today), max((today - a.due).days, 0))
        for pm in postmortems
        for a in pm.actions
        if a.is_open()
    ]
    return sorted(found, key=lambda o: (not o.overdue, o.action.due, o.subject))


def research_questions(postmortems: Iterable[PostMortem]) -> list[tuple[str, ActionItem]]:
    """Actions that open a research question on the radar: (post-mortem subject, action)."""
    return [(pm.subject, a) for pm in postmortems for a in pm.actions if a.question]


def _normalise_cause(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


@dataclasses.dataclass(frozen=True)
class PatternReport:
    """What recurs across post-mortems; every count is of post-mortems, not mentions."""

    total: int
    patterns: dict[FailurePattern, int]
    categories: dict[FailureCategory, int]
    missed_red_flags: dict[RedFlagKind, int]
    recurring_causes: list[tuple[str, int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "postmortems": self.total,
            "patterns": {p.value: n for p, n in self.patterns.items()},
            "categories": {c.value: n for c, n in self.categories.items()},
            "missed_red_flags": {k.value: n for k, n in self.missed_red_flags.items()},
            "recurring_causes": [{"cause": c, "count": n} for c, n in self.recurring_causes],
        }


def recurring_patterns(postmortems: Sequence[PostMortem]) -> PatternReport:
    """Count, across post-mortems, each failure pattern, problem category and missed
    red flag (every one listed, zeros included), and the root causes that recur
    (same wording after case and punctuation are ignored, in two or more)."""
    patterns = Counter(p for pm in postmortems for p in pm.patterns)
    categories = Counter(c for pm in postmortems for c in {p.category for p in pm.problems})
    flags = Counter(k for pm in postmortems for k in set(pm.missed_red_flags))
    causes: Counter[str] = Counter()
    wording: dict[str, str] = {}
    for pm in postmortems:
        seen = set()
        for chain in pm.why_chains:
            key = _normalise_cause(chain.root_cause)
            wording.setdefault(key, chain.root_cause)
            seen.add(key)
        causes.update(seen)
    recurring = sorted(
        ((wording[k], n) for k, n in causes.items() if n >= 2), key=lambda item: (-item[1], item[0])
    )
    return PatternReport(
        total=len(postmortems),
        patterns={p: patterns[p] for p in FailurePattern},
        categories={c: categories[c] for c in FailureCategory},
        missed_red_flags={k: flags[k] for k in RedFlagKind},
        recurring_causes=recurring,
    )

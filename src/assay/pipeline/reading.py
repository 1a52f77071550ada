"""Reading a paper: three passes, the structured note, red flags, checklists,
production viability and when to adopt.

Papers are read in passes (Keshav's three-pass method) and most stop after the
first: a recorded "stop at pass 1" is a good outcome — the team spent ten minutes,
not a week — and :func:`reading_status` says so rather than calling it a gap.

Everything here is a value object with validation; nothing is stored or printed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assay.errors import InputError

__all__ = [
    "CODE_CHECKLIST",
    "DIMENSION_GUIDE",
    "PASS_QUESTIONS",
    "RED_FLAG_GUIDE",
    "AdoptionAdvice",
    "AdoptionFactors",
    "AdoptionTiming",
    "CodeCompleteness",
    "Decision",
    "DimensionScore",
    "Evidence",
    "Level",
    "PassNote",
    "ReadingStatus",
    "RedFlag",
    "RedFlagKind",
    "Severity",
    "StructuredNote",
    "Viability",
    "ViabilityDimension",
    "advise_adoption",
    "reading_status",
    "record_pass",
    "worst_severity",
]


# --- the three passes --------------------------------------------------------------

#: What each pass answers: field name -> the question, in the order to ask it.
PASS_QUESTIONS: Mapping[int, Mapping[str, str]] = {
    1: {
        "claim": "What does the paper claim, in one sentence?",
        "problem": "What problem does it solve?",
        "relevance": "Is that problem ours? Why or why not?",
        "plausibility": "Is the claim plausible given what we know?",
    },
    2: {
        "technique": "The technique in one paragraph.",
        "key_results": "Key results, against which baselines?",
        "limitations_stated": "Limitations the authors state.",
        "limitations_missing": "Limitations they do not state.",
        "can_implement": "Could we implement it? With what?",
    },
    3: {
        "can_reimplement": "Could we reimplement it from the paper alone?",
        "hidden_assumptions": "Hidden assumptions and hyperparameters.",
        "what_breaks_it": "What would break it?",
        "ablations": "What did the ablations show (or fail to show)?",
    },
}


class Decision(enum.StrEnum):
    """What a pass decided: read on, or stop here."""

    CONTINUE = "continue"
    STOP = "stop"


@dataclasses.dataclass(frozen=True)
class PassNote:
    """The answers of one reading pass and its stop-or-continue decision."""

    number: int
    answers: Mapping[str, str]
    decision: Decision
    reason: str
    by: str
    on: dt.date

    def __post_init__(self) -> None:
        if self.number not in PASS_QUESTIONS:
            raise InputError(f"pass {self.number} does not exist; expected 1, 2 or 3")
        known = PASS_QUESTIONS[self.number]
        unknown = sorted(set(self.answers) - set(known))
        if unknown:
            raise InputError(
                f"pass {self.number} has no question {', '.join(map(repr, unknown))}; "
                f"expected some of {', '.join(known)}"
            )
        answers = {k: " ".join(v.split()) for k, v in self.answers.items() if v.strip()}
        if not answers:
            raise InputError(
                f"pass {self.number} answers nothing; answer at least one of {', '.join(known)}"
            )
        if not self.reason.strip():
            raise InputError(
                f"the decision to {self.decision.value} after pass {self.number} needs a reason"
            )
        object.__setattr__(self, "answers", answers)

    @property
    def unanswered(self) -> tuple[str, ...]:
        """The questions of this pass left blank."""
        return tuple(k for k in PASS_QUESTIONS[self.number] if k not in self.answers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pass": self.number,
            "answers": dict(self.answers),
            "unanswered": list(self.unanswered),
            "decision": self.decision.value,
            "reason": self.reason,
            "by": self.by,
            "on": self.on.isoformat(),
        }


def record_pass(passes: Sequence[PassNote], note: PassNote) -> tuple[PassNote, ...]:
    """The passes after recording ``note``.

    Pass N needs pass N-1 recorded with a decision to continue; recording a pass
    again replaces it and drops the later passes that built on it (a reread).
    """
    by_number = {p.number: p for p in passes}
    if note.number > 1:
        previous = by_number.get(note.number - 1)
        if previous is None:
            raise InputError(
                f"pass {note.number} needs pass {note.number - 1} first; "
                "most papers are rightly dropped after pass 1"
            )
        if previous.decision is Decision.STOP:
            raise InputError(
                f"pass {note.number - 1} decided to stop ({previous.reason}); record pass "
                f"{note.number - 1} again with a decision to continue to reopen the paper"
            )
    kept = [p for p in sorted(passes, key=lambda p: p.number) if p.number < note.number]
    return (*kept, note)


class ReadingStatus(enum.StrEnum):
    UNREAD = "unread"
    IN_PROGRESS = "in progress"
    STOPPED = "stopped"
    COMPLETE = "complete"


def reading_status(passes: Sequence[PassNote]) -> tuple[ReadingStatus, str]:
    """Where the reading stands, with a sentence for people.

    A stop is a finished reading: "stopped after pass 1" is the common, good outcome.
    """
    if not passes:
        return ReadingStatus.UNREAD, "not read yet"
    last = max(passes, key=lambda p: p.number)
    if last.decision is Decision.STOP:
        why = f"stopped after pass {last.number}: {last.reason}"
        if last.number == 1:
            why += " (a good outcome: the paper was screened out cheaply)"
        return ReadingStatus.STOPPED, why
    if last.number == 3:
        return ReadingStatus.COMPLETE, f"read in full; continue: {last.reason}"
    return ReadingStatus.IN_PROGRESS, f"pass {last.number} done; pass {last.number + 1} next"


# --- the structured note ------------------------------------------------------------


def _check_score(value: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InputError(f"{field} {value!r} is not a score; expected a whole number from 1 to 5")


@dataclasses.dataclass(frozen=True)
class StructuredNote:
    """The note a reader leaves on a paper worth remembering."""

    date_read: dt.date
    relevance: int
    summary: str
    key_insight: str = ""
    results_vs_baselines: str = ""
    limitations: str = ""
    production_viability: str = ""
    implementation_effort: str = ""

    def __post_init__(self) -> None:
        _check_score(self.relevance, "relevance")
        summary = " ".join(self.summary.split())
        if not summary:
            raise InputError("summary is empty; expected one sentence saying what the paper does")
        if len(summary) > 400:
            raise InputError(
                f"summary is {len(summary)} characters; expected one sentence (at most 400)"
            )
        object.__setattr__(self, "summary", summary)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["date_read"] = self.date_read.isoformat()
        return data


# --- red flags ------------------------------------------------------------------------


class RedFlagKind(enum.StrEnum):
    """The seven red flags of an ML paper."""

    WEAK_BASELINES = "weak-baselines"
    CHERRY_PICKED = "cherry-picked"
    FAVOURABLE_METRIC = "favourable-metric"
    TOY_DATASETS = "toy-datasets"
    MISSING_ABLATIONS = "missing-ablations"
    REPRODUCIBILITY = "reproducibility"
    COMPUTE_AS_ALGORITHM = "compute-as-algorithm"


#: What each red flag means, for prompts and reports.
RED_FLAG_GUIDE: Mapping[RedFlagKind, str] = {
    RedFlagKind.WEAK_BASELINES: "weak or missing baselines (untuned, outdated, or absent)",
    RedFlagKind.CHERRY_PICKED: "cherry-picked examples instead of aggregate results",
    RedFlagKind.FAVOURABLE_METRIC: "a new metric that happens to favour the method",
    RedFlagKind.TOY_DATASETS: "toy datasets only; nothing at realistic scale",
    RedFlagKind.MISSING_ABLATIONS: "missing ablations: which part does the work is unknown",
    RedFlagKind.REPRODUCIBILITY: (
        "reproducibility concerns: no code, vague hyperparameters, seed-dependent results"
    ),
    RedFlagKind.COMPUTE_AS_ALGORITHM: "a compute advantage presented as an algorithmic gain",
}


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclasses.dataclass(frozen=True)
class Evidence:
    """Where in the paper a flag shows (``Table 2``, ``§4.1``, ``Figure 3``) and what."""

    where: str
    what: str = ""

    def __post_init__(self) -> None:
        if not self.where.strip():
            raise InputError(
                "evidence needs a place in the paper (a section, table or figure, "
                "for example 'Table 2')"
            )

    def __str__(self) -> str:
        return f"{self.where}: {self.what}" if self.what else self.where


@dataclasses.dataclass(frozen=True)
class RedFlag:
    """One red flag on a paper, with its severity and the evidence that shows it.

    ``origin`` is ``reader`` for flags a person raised and ``auto`` for flags assay
    raised itself (a claim that did not reproduce, see :mod:`assay.pipeline.claims`).
    """

    kind: RedFlagKind
    severity: Severity
    evidence: tuple[Evidence, ...]
    note: str = ""
    origin: str = "reader"

    def __post_init__(self) -> None:
        if not self.evidence:
            raise InputError(
                f"red flag {self.kind.value} needs evidence: where in the paper it shows "
                "(for example 'Table 2: baselines use default hyperparameters')"
            )
        object.__setattr__(self, "evidence", tuple(self.evidence))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "meaning": RED_FLAG_GUIDE[self.kind],
            "severity": self.severity.value,
            "evidence": [{"where": e.where, "what": e.what} for e in self.evidence],
            "note": self.note,
            "origin": self.origin,
        }


def worst_severity(flags: Iterable[RedFlag]) -> Severity | None:
    """The most severe flag's severity, or None without flags."""
    severities = [f.severity for f in flags]
    return max(severities, key=lambda s: s.rank) if severities else None


# --- ML Code Completeness checklist ---------------------------------------------------

#: The five items of the ML Code Completeness checklist (Papers with Code, 2020).
CODE_CHECKLIST: Mapping[str, str] = {
    "dependencies": "dependencies specified (requirements, environment file)",
    "training_code": "training code",
    "evaluation_code": "evaluation code",
    "pretrained_models": "pre-trained models",
    "results_table": "a results table with the commands that reproduce it",
}


@dataclasses.dataclass(frozen=True)
class CodeCompleteness:
    """Which items of the checklist the paper's code repository ticks."""

    dependencies: bool = False
    training_code: bool = False
    evaluation_code: bool = False
    pretrained_models: bool = False
    results_table: bool = False

    @property
    def score(self) -> int:
        """Ticked items, 0 to 5."""
        return sum(getattr(self, name) for name in CODE_CHECKLIST)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in CODE_CHECKLIST if not getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return {
            **{name: getattr(self, name) for name in CODE_CHECKLIST},
            "score": self.score,
            "missing": list(self.missing),
        }


# --- production viability ---------------------------------------------------------------


class ViabilityDimension(enum.StrEnum):
    COMPUTATIONAL_EFFICIENCY = "computational-efficiency"
    INTEGRATION_COMPLEXITY = "integration-complexity"
    ROBUSTNESS = "robustness"
    MAINTAINABILITY = "maintainability"


#: Typical red and green flags of each dimension, as prompts for the scorer.
DIMENSION_GUIDE: Mapping[ViabilityDimension, Mapping[str, tuple[str, ...]]] = {
    ViabilityDimension.COMPUTATIONAL_EFFICIENCY: {
        "red": (
            "needs more memory or accelerators than we run on",
            "speedups shown only at batch sizes or lengths we never serve",
            "relies on custom kernels for hardware we lack",
        ),
        "green": (
            "faster or cheaper on our hardware at our shapes",
            "no extra training compute, or it pays back quickly",
        ),
    },
    ViabilityDimension.INTEGRATION_COMPLEXITY: {
        "red": (
            "changes the model format, serving stack or data pipeline",
            "needs retraining from scratch",
            "incompatible with our frameworks or quantisation",
        ),
        "green": ("drop-in replacement behind an existing interface", "a flag can turn it off"),
    },
    ViabilityDimension.ROBUSTNESS: {
        "red": (
            "sensitive to seeds or hyperparameters",
            "degrades out of distribution or on long inputs",
            "numerically unstable in low precision",
        ),
        "green": (
            "results hold across seeds, datasets and scales",
            "failure modes known and detectable",
        ),
    },
    ViabilityDimension.MAINTAINABILITY: {
        "red": (
            "research code with no tests or releases",
            "one author who understands it",
            "pins old library versions",
        ),
        "green": (
            "maintained upstream (a library, not a paper's repository)",
            "the team has the expertise to own it",
        ),
    },
}


@dataclasses.dataclass(frozen=True)
class DimensionScore:
    """A 1-5 score on one viability dimension (5: production-ready, 1: impractical)."""

    score: int
    notes: str = ""
    red_flags: tuple[str, ...] = ()
    green_flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_score(self.score, "viability score")
        object.__setattr__(self, "red_flags", tuple(self.red_flags))
        object.__setattr__(self, "green_flags", tuple(self.green_flags))


@dataclasses.dataclass(frozen=True)
class Viability:
    """Production viability on the four dimensions.

    The overall figure is the mean score, but :attr:`blockers` lists any dimension
    scored 1: one impractical dimension blocks production however good the others.
    """

    scores: Mapping[ViabilityDimension, DimensionScore]

    def __post_init__(self) -> None:
        missing = [d.value for d in ViabilityDimension if d not in self.scores]
        if missing:
            raise InputError(
                f"production viability needs a score on every dimension; missing "
                f"{', '.join(missing)}"
            )

    @property
    def overall(self) -> float:
        return sum(s.score for s in self.scores.values()) / len(self.scores)

    @property
    def weakest(self) -> ViabilityDimension:
        return min(
            ViabilityDimension,
            key=lambda d: (self.scores[d].score, list(ViabilityDimension).index(d)),
        )

    @property
    def blockers(self) -> tuple[ViabilityDimension, ...]:
        return tuple(d for d in ViabilityDimension if self.scores[d].score == 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": {
                d.value: {
                    "score": s.score,
                    "notes": s.notes,
                    "red_flags": list(s.red_flags),
                    "green_flags": list(s.green_flags),
                }
                for d, s in ((d, self.scores[d]) for d in ViabilityDimension)
            },
            "overall": round(self.overall, 2),
            "weakest": self.weakest.value,
            "blockers": [d.value for d in self.blockers],
        }


# --- adoption timing -------------------------------------------------------------------


class Level(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AdoptionTiming(enum.StrEnum):
    """When to adopt: early, after a trial, after an assessment, or not at all."""

    ADOPT_EARLY = "adopt early"
    TRIAL = "trial"
    ASSESS = "assess"
    SKIP = "skip"


@dataclasses.dataclass(frozen=True)
class AdoptionFactors:
    """The factors that decide how early to adopt a technique."""

    reversibility: Level
    expected_gain: Level
    maturity: Level
    criticality: Level
    shadow_mode: bool


@dataclasses.dataclass(frozen=True)
class AdoptionAdvice:
    timing: AdoptionTiming
    points: int
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"timing": self.timing.value, "points": self.points, "reasons": list(self.reasons)}


_TIMING_ORDER = [
    AdoptionTiming.SKIP,
    AdoptionTiming.ASSESS,
    AdoptionTiming.TRIAL,
    AdoptionTiming.ADOPT_EARLY,
]
_PLUS = {Level.LOW: -1, Level.MEDIUM: 0, Level.HIGH: 1}


def _timing_for(points: int) -> AdoptionTiming:
    if points >= 3:
        return AdoptionTiming.ADOPT_EARLY
    if points >= 1:
        return AdoptionTiming.TRIAL
    if points >= -1:
        return AdoptionTiming.ASSESS
    return AdoptionTiming.SKIP


def advise_adoption(factors: AdoptionFactors) -> AdoptionAdvice:
    """Suggest when to adopt, from points and caps (documented in research-record.md).

    Points: reversibility, expected gain and maturity count +1 when high, 0 when
    medium, -1 when low; criticality counts the other way (+1 low, -1 high); a
    possible shadow-mode trial counts +1. Total ≥ 3: adopt early; 1-2: trial;
    -1-0: assess; ≤ -2: skip. Caps then apply: low maturity allows at most trial;
    a low expected gain at most assess; an irreversible change to a critical use
    case at most assess.
    """
    f = factors
    contributions = [
        (_PLUS[f.reversibility], f"reversibility {f.reversibility.value}"),
        (_PLUS[f.expected_gain], f"expected gain {f.expected_gain.value}"),
        (_PLUS[f.maturity], f"implementation maturity {f.maturity.value}"),
        (-_PLUS[f.criticality], f"criticality of the use case {f.criticality.value}"),
        (
            1 if f.shadow_mode else 0,
            "shadow-mode trial " + ("possible" if f.shadow_mode else "not possible"),
        ),
    ]
    points = sum(p for p, _ in contributions)
    reasons = [f"{why}: {p:+d}" for p, why in contributions]
    timing = _timing_for(points)
    reasons.append(f"{points:+d} points suggest {timing.value}")
    caps: list[tuple[AdoptionTiming, str]] = []
    if f.maturity is Level.LOW:
        caps.append((AdoptionTiming.TRIAL, "immature implementations: at most trial"))
    if f.expected_gain is Level.LOW:
        caps.append((AdoptionTiming.ASSESS, "a small expected gain: at most assess"))
    if f.reversibility is Level.LOW and f.criticality is Level.HIGH:
        caps.append((AdoptionTiming.ASSESS, "hard to undo in a critical use case: at most assess"))
    for cap, why in caps:
        if _TIMING_ORDER.index(timing) > _TIMING_ORDER.index(cap):
            timing = cap
            reasons.append(why)
    return AdoptionAdvice(timing, points, tuple(reasons))

"""Post-mortems: timeline rules, open and overdue actions, recurring patterns."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.errors import InputError
from assay.pipeline.postmortem import (
    ActionItem,
    EventKind,
    FailureCategory,
    FailurePattern,
    PostMortem,
    Problem,
    TimelineEvent,
    WhyChain,
    open_actions,
    recurring_patterns,
    research_questions,
)
from assay.pipeline.reading import RedFlagKind

D = dt.date.fromisoformat
TODAY = D("2026-03-01")

LINFORMER = PostMortem(
    subject="Linformer projection",
    timeline=(
        TimelineEvent(D("2025-09-01"), EventKind.OUTCOME, "moved to SKIP"),
        TimelineEvent(D("2025-01-10"), EventKind.FIRST_SEEN, "paper read"),
        TimelineEvent(D("2025-02-01"), EventKind.INITIAL_ASSESSMENT, "3-10x faster (vs naive)"),
        TimelineEvent(D("2025-06-01"), EventKind.PROBLEM, "slower than SDPA below 8k"),
        TimelineEvent(D("2025-04-01"), EventKind.MILESTONE, "prototype"),
    ),
    problems=(
        Problem(FailureCategory.PAPER_EVALUATION, "compared against naive attention"),
        Problem(FailureCategory.PROTOTYPE, "benchmarked at 16k, we serve 2k"),
        Problem(FailureCategory.PAPER_EVALUATION, "ignored the sequence-length crossover"),
    ),
    why_chains=(
        WhyChain(
            "the speedup vanished in production",
            ("we serve 2k tokens", "the prototype was benchmarked at 16k", "No workload profile."),
            FailurePattern.BENCHMARK_PRODUCTION_GAP,
        ),
        WhyChain(
            "we kept going for 3 months",
            ("no kill criterion",),
            FailurePattern.SUNK_COST_CONTINUATION,
        ),
    ),
    lessons=("benchmark at the lengths we serve",),
    actions=(
        ActionItem("record a workload profile", "ana", D("2026-02-01")),
        ActionItem(
            "add kill criteria to the template", "ben", D("2026-01-15"), done_on=D("2026-01-10")
        ),
        ActionItem(
            "find attention variants that win at 2k",
            "chen",
            D("2026-04-01"),
            question="Which attention variants win at 2k tokens?",
        ),
    ),
    wrong_predictions=("pred-3",),
    missed_red_flags=(RedFlagKind.WEAK_BASELINES, RedFlagKind.WEAK_BASELINES),
)

LORA = PostMortem(
    subject="LoRA merging",
    timeline=(TimelineEvent(D("2025-05-01"), EventKind.FIRST_SEEN, "seen"),),
    problems=(Problem(FailureCategory.INTEGRATION, "merge tooling missing"),),
    why_chains=(
        WhyChain(
            "quality fell",
            ("eval on toy set", "no workload profile"),
            FailurePattern.BENCHMARK_PRODUCTION_GAP,
        ),
        WhyChain(
            "took 2x longer", ("nobody knew the serving stack",), FailurePattern.MISSING_EXPERTISE
        ),
    ),
    actions=(ActionItem("pair with the serving team", "dan", D("2026-02-20")),),
    missed_red_flags=(RedFlagKind.TOY_DATASETS, RedFlagKind.WEAK_BASELINES),
)


def test_the_timeline_is_ordered() -> None:
    kinds = [e.kind for e in LINFORMER.timeline]
    assert kinds == [
        EventKind.FIRST_SEEN,
        EventKind.INITIAL_ASSESSMENT,
        EventKind.MILESTONE,
        EventKind.PROBLEM,
        EventKind.OUTCOME,
    ]
    assert LINFORMER.why_chains[0].root_cause == "No workload profile."
    assert LINFORMER.patterns == (
        FailurePattern.BENCHMARK_PRODUCTION_GAP,
        FailurePattern.SUNK_COST_CONTINUATION,
    )


def test_timeline_rules() -> None:
    first = TimelineEvent(D("2025-03-01"), EventKind.FIRST_SEEN, "seen")
    with pytest.raises(InputError, match="'milestone' on 2025-02-01 before it was first seen"):
        PostMortem("X", (first, TimelineEvent(D("2025-02-01"), EventKind.MILESTONE, "m")))
    outcome = TimelineEvent(D("2025-04-01"), EventKind.OUTCOME, "dropped")
    with pytest.raises(InputError, match="'problem emerged' on 2025-05-01 after its outcome"):
        PostMortem("X", (outcome, TimelineEvent(D("2025-05-01"), EventKind.PROBLEM, "p")))
    with pytest.raises(InputError, match="more than one 'first seen'"):
        PostMortem("X", (first, first))
    with pytest.raises(InputError, match="needs its subject"):
        PostMortem(" ", ())


def test_why_chains_and_actions_validate() -> None:
    with pytest.raises(InputError, match="has no whys"):
        WhyChain("it failed", (" ",))
    with pytest.raises(InputError, match="needs an owner"):
        ActionItem("do it", " ", TODAY)


def test_open_actions_overdue_first() -> None:
    found = open_actions([LINFORMER, LORA], TODAY)
    assert [(o.subject, o.action.owner, o.overdue, o.days_late) for o in found] == [
        ("Linformer projection", "ana", True, 28),
        ("LoRA merging", "dan", True, 9),
        ("Linformer projection", "chen", False, 0),
    ]


def test_actions_can_open_research_questions() -> None:
    ((subject, action),) = research_questions([LINFORMER, LORA])
    assert subject == "Linformer projection"
    assert action.question == "Which attention variants win at 2k tokens?"


def test_recurring_patterns_count_postmortems_not_mentions() -> None:
    report = recurring_patterns([LINFORMER, LORA])
    assert report.total == 2
    assert report.patterns == {
        FailurePattern.BENCHMARK_PRODUCTION_GAP: 2,
        FailurePattern.SCALE_SURPRISE: 0,
        FailurePattern.INTEGRATION_UNDERESTIMATION: 0,
        FailurePattern.SUNK_COST_CONTINUATION: 1,
        FailurePattern.MISSING_EXPERTISE: 1,
    }
    assert report.categories[FailureCategory.PAPER_EVALUATION] == 1  # two problems, one post-mortem
    assert report.categories[FailureCategory.INTEGRATION] == 1
    assert report.missed_red_flags[RedFlagKind.WEAK_BASELINES] == 2
    assert report.missed_red_flags[RedFlagKind.TOY_DATASETS] == 1
    # "No workload profile." and "no workload profile" are the same cause
    assert report.recurring_causes == [("No workload profile.", 2)]
    data = report.to_dict()
    assert data["patterns"]["benchmark-production gap"] == 2
    assert data["recurring_causes"] == [{"cause": "No workload profile.", "count": 2}]


def test_to_dict_is_plain_data() -> None:
    data = LINFORMER.to_dict()
    assert data["timeline"][0] == {"on": "2025-01-10", "kind": "first seen", "text": "paper read"}
    assert data["why_chains"][1]["root_cause"] == "no kill criterion"
    assert data["actions"][1]["done_on"] == "2026-01-10"
    assert data["missed_red_flags"] == ["weak-baselines", "weak-baselines"]

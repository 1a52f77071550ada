"""Reading notes: passes, the structured note, red flags, checklists, viability, timing."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.errors import InputError
from assay.pipeline.reading import (
    CODE_CHECKLIST,
    DIMENSION_GUIDE,
    PASS_QUESTIONS,
    RED_FLAG_GUIDE,
    AdoptionFactors,
    AdoptionTiming,
    CodeCompleteness,
    Decision,
    DimensionScore,
    Evidence,
    Level,
    PassNote,
    ReadingStatus,
    RedFlag,
    RedFlagKind,
    Severity,
    StructuredNote,
    Viability,
    ViabilityDimension,
    advise_adoption,
    reading_status,
    record_pass,
    worst_severity,
)

DAY = dt.date(2026, 2, 3)


def _pass(number: int, decision: Decision, **answers: str) -> PassNote:
    return PassNote(number, answers, decision, reason="because", by="ana", on=DAY)


def test_the_three_passes_ask_what_the_issue_lists() -> None:
    assert list(PASS_QUESTIONS[1]) == ["claim", "problem", "relevance", "plausibility"]
    assert list(PASS_QUESTIONS[2]) == [
        "technique",
        "key_results",
        "limitations_stated",
        "limitations_missing",
        "can_implement",
    ]
    assert list(PASS_QUESTIONS[3]) == [
        "can_reimplement",
        "hidden_assumptions",
        "what_breaks_it",
        "ablations",
    ]


def test_a_pass_note_validates_and_lists_what_is_unanswered() -> None:
    note = _pass(1, Decision.STOP, claim="  2x   faster attention ", problem="")
    assert note.answers == {"claim": "2x faster attention"}
    assert note.unanswered == ("problem", "relevance", "plausibility")
    assert note.to_dict()["decision"] == "stop"
    with pytest.raises(InputError, match="pass 1 has no question 'ablations'"):
        _pass(1, Decision.STOP, ablations="none")
    with pytest.raises(InputError, match="expected 1, 2 or 3"):
        _pass(4, Decision.STOP, claim="x")
    with pytest.raises(InputError, match="answers nothing"):
        _pass(1, Decision.STOP, claim=" ")
    with pytest.raises(InputError, match="needs a reason"):
        PassNote(1, {"claim": "x"}, Decision.STOP, reason=" ", by="ana", on=DAY)


def test_stopping_at_pass_one_is_a_good_outcome() -> None:
    assert reading_status([]) == (ReadingStatus.UNREAD, "not read yet")
    passes = record_pass([], _pass(1, Decision.STOP, claim="toy datasets only"))
    status, text = reading_status(passes)
    assert status is ReadingStatus.STOPPED
    assert text == (
        "stopped after pass 1: because (a good outcome: the paper was screened out cheaply)"
    )


def test_passes_build_on_each_other() -> None:
    with pytest.raises(InputError, match="pass 2 needs pass 1 first"):
        record_pass([], _pass(2, Decision.CONTINUE, technique="t"))
    stopped = record_pass([], _pass(1, Decision.STOP, claim="c"))
    with pytest.raises(InputError, match="pass 1 decided to stop"):
        record_pass(stopped, _pass(2, Decision.CONTINUE, technique="t"))
    passes = record_pass(stopped, _pass(1, Decision.CONTINUE, claim="c, reread"))
    passes = record_pass(passes, _pass(2, Decision.CONTINUE, technique="t"))
    assert reading_status(passes)[0] is ReadingStatus.IN_PROGRESS
    passes = record_pass(passes, _pass(3, Decision.CONTINUE, ablations="all present"))
    assert reading_status(passes) == (ReadingStatus.COMPLETE, "read in full; continue: because")
    # rereading pass 1 drops the passes built on the old one
    reread = record_pass(passes, _pass(1, Decision.STOP, claim="c"))
    assert [p.number for p in reread] == [1]


def test_structured_note() -> None:
    note = StructuredNote(
        DAY, 4, " Tiles attention   to stay in SRAM. ", key_insight="IO, not FLOPs"
    )
    assert note.summary == "Tiles attention to stay in SRAM."
    assert note.to_dict()["date_read"] == "2026-02-03"
    with pytest.raises(InputError, match="relevance 6 is not a score"):
        StructuredNote(DAY, 6, "x")
    with pytest.raises(InputError, match="relevance True is not a score"):
        StructuredNote(DAY, True, "x")
    with pytest.raises(InputError, match="summary is empty"):
        StructuredNote(DAY, 3, " ")
    with pytest.raises(InputError, match="expected one sentence"):
        StructuredNote(DAY, 3, "word " * 100)


def test_red_flags_need_evidence_and_the_seven_are_described() -> None:
    assert len(RedFlagKind) == 7
    assert set(RED_FLAG_GUIDE) == set(RedFlagKind)
    flag = RedFlag(
        RedFlagKind.WEAK_BASELINES,
        Severity.MEDIUM,
        (Evidence("Table 2", "baselines use default hyperparameters"),),
    )
    assert flag.to_dict()["evidence"] == [
        {"where": "Table 2", "what": "baselines use default hyperparameters"}
    ]
    with pytest.raises(InputError, match="needs evidence"):
        RedFlag(RedFlagKind.CHERRY_PICKED, Severity.LOW, ())
    with pytest.raises(InputError, match="a place in the paper"):
        Evidence(" ", "something")
    other = RedFlag(RedFlagKind.TOY_DATASETS, Severity.HIGH, (Evidence("§5"),))
    assert worst_severity([flag, other]) is Severity.HIGH
    assert worst_severity([]) is None


def test_code_completeness_checklist() -> None:
    assert len(CODE_CHECKLIST) == 5
    code = CodeCompleteness(dependencies=True, evaluation_code=True)
    assert code.score == 2
    assert code.missing == ("training_code", "pretrained_models", "results_table")
    assert code.to_dict()["score"] == 2


def _viability(*scores: int) -> Viability:
    return Viability(
        {d: DimensionScore(s) for d, s in zip(ViabilityDimension, scores, strict=True)}
    )


def test_viability_scores() -> None:
    v = _viability(4, 2, 3, 3)
    assert v.overall == 3.0
    assert v.weakest is ViabilityDimension.INTEGRATION_COMPLEXITY
    assert v.blockers == ()
    assert _viability(5, 5, 1, 5).blockers == (ViabilityDimension.ROBUSTNESS,)
    assert set(DIMENSION_GUIDE) == set(ViabilityDimension)
    assert v.to_dict()["weakest"] == "integration-complexity"
    with pytest.raises(InputError, match="missing robustness, maintainability"):
        Viability(
            {
                ViabilityDimension.COMPUTATIONAL_EFFICIENCY: DimensionScore(3),
                ViabilityDimension.INTEGRATION_COMPLEXITY: DimensionScore(3),
            }
        )
    with pytest.raises(InputError, match="viability score 0"):
        DimensionScore(0)


H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW


@pytest.mark.parametrize(
    ("factors", "points", "timing"),
    [
        # reversibility, gain, maturity, criticality, shadow mode
        (AdoptionFactors(H, H, H, L, True), 5, AdoptionTiming.ADOPT_EARLY),
        (AdoptionFactors(M, H, M, M, True), 2, AdoptionTiming.TRIAL),
        (AdoptionFactors(M, M, M, M, False), 0, AdoptionTiming.ASSESS),
        (AdoptionFactors(L, M, M, H, False), -2, AdoptionTiming.SKIP),
        # caps: a small gain is at most assess, even at +3
        (AdoptionFactors(H, L, H, L, True), 3, AdoptionTiming.ASSESS),
        # immature implementations: at most trial
        (AdoptionFactors(H, H, L, L, True), 3, AdoptionTiming.TRIAL),
        # hard to undo in a critical use case: at most assess
        (AdoptionFactors(L, H, H, H, True), 1, AdoptionTiming.ASSESS),
    ],
)
def test_adoption_timing(factors: AdoptionFactors, points: int, timing: AdoptionTiming) -> None:
    advice = advise_adoption(factors)
    assert (advice.points, advice.timing) == (points, timing)
    assert len(advice.reasons) >= 6


def test_adoption_reasons_explain_each_factor() -> None:
    advice = advise_adoption(AdoptionFactors(H, L, H, L, True))
    assert advice.reasons == (
        "reversibility high: +1",
        "expected gain low: -1",
        "implementation maturity high: +1",
        "criticality of the use case low: +1",
        "shadow-mode trial possible: +1",
        "+3 points suggest adopt early",
        "a small expected gain: at most assess",
    )

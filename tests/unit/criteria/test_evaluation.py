"""PASS / FAIL / UNDETERMINED against known evidence, edge cases first."""

from __future__ import annotations

import itertools

import pytest

from assay.criteria import (
    CriteriaUnitError,
    EffectEstimate,
    InMemoryEvidence,
    MetricEstimate,
    Outcome,
    VerdictEstimate,
    interval_outcome,
    parse,
)
from assay.errors import InputError

PASS, FAIL, UNDETERMINED = Outcome.PASS, Outcome.FAIL, Outcome.UNDETERMINED


def p99(
    value: float, low: float, high: float, *, n: int | None = 10, unit: str = "ms"
) -> InMemoryEvidence:
    """Evidence with only candidate.latency.p99."""
    return InMemoryEvidence(
        {("candidate", "latency.p99"): MetricEstimate(value, low, high, unit, n=n)}
    )


def effect(
    metric: str,
    value: float,
    low: float,
    high: float,
    *,
    lower_is_better: bool = True,
    difference: MetricEstimate | None = None,
    n: int = 10,
) -> InMemoryEvidence:
    relative = MetricEstimate(value, low, high, n=n)
    return InMemoryEvidence(effects={metric: EffectEstimate(relative, lower_is_better, difference)})


def outcome(text: str, evidence: InMemoryEvidence) -> Outcome:
    return parse(text).evaluate(evidence).outcome


# -- the whole-interval rule, at its edges -----------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "op", "expected"),
    [
        # strictly below / above the threshold (0 here)
        (-2, -1, "<", PASS), (-2, -1, "<=", PASS), (-2, -1, ">", FAIL), (-2, -1, ">=", FAIL),
        (1, 2, "<", FAIL), (1, 2, "<=", FAIL), (1, 2, ">", PASS), (1, 2, ">=", PASS),
        # straddling
        (-1, 1, "<", UNDETERMINED), (-1, 1, "<=", UNDETERMINED),
        (-1, 1, ">", UNDETERMINED), (-1, 1, ">=", UNDETERMINED),
        (-1, 1, "==", UNDETERMINED), (-1, 1, "!=", UNDETERMINED),
        # touching the threshold from below: [-1, 0]
        (-1, 0, "<", UNDETERMINED), (-1, 0, "<=", PASS),
        (-1, 0, ">", FAIL), (-1, 0, ">=", UNDETERMINED),
        # touching from above: [0, 1]
        (0, 1, "<", FAIL), (0, 1, "<=", UNDETERMINED),
        (0, 1, ">", UNDETERMINED), (0, 1, ">=", PASS),
        # equal to the threshold: a zero-width interval at 0
        (0, 0, "<", FAIL), (0, 0, "<=", PASS), (0, 0, ">", FAIL), (0, 0, ">=", PASS),
        (0, 0, "==", PASS), (0, 0, "!=", FAIL),
        # away from it
        (1, 2, "==", FAIL), (1, 2, "!=", PASS), (-2, -1, "!=", PASS),
        (0, 1, "==", UNDETERMINED), (0, 1, "!=", UNDETERMINED),
    ],
)  # fmt: skip
def test_interval_outcome_table(low: float, high: float, op: str, expected: Outcome) -> None:
    assert interval_outcome(low, high, op) is expected


@pytest.mark.parametrize(
    ("low", "high", "op", "expected"),
    [
        (170, 190, "<", PASS),  # wholly below 200ms
        (170, 200, "<", UNDETERMINED),  # touching: 200 is not < 200
        (170, 200, "<=", PASS),  # touching: 200 <= 200
        (190, 210, "<", UNDETERMINED),  # straddling
        (190, 210, "<=", UNDETERMINED),
        (200, 210, "<", FAIL),  # touching from above
        (200, 210, "<=", UNDETERMINED),
        (201, 210, "<=", FAIL),
        (200, 200, "<", FAIL),  # equal: a zero-width interval at the threshold
        (200, 200, "<=", PASS),
        (200, 200, "==", PASS),
        (200, 200, "!=", FAIL),
        (150, 190, ">", FAIL),
        (200, 250, ">=", PASS),
        (200, 250, ">", UNDETERMINED),
    ],
)
def test_a_statistic_against_a_threshold_at_the_edges(
    low: float, high: float, op: str, expected: Outcome
) -> None:
    value = (low + high) / 2
    assert outcome(f"candidate.latency.p99 {op} 200ms", p99(value, low, high)) is expected


def test_the_threshold_converts_exactly_so_that_touching_is_touching() -> None:
    # 0.2s and 200ms are the same threshold; evidence in ms touching it passes <=.
    assert outcome("candidate.latency.p99 <= 0.2s", p99(190, 180, 200)) is PASS
    assert outcome("candidate.latency.p99 < 0.2s", p99(190, 180, 200)) is UNDETERMINED
    # 29% has no exact binary form; the evidence's 0.29 and the literal must still meet.
    evidence = InMemoryEvidence({("candidate", "failure_rate"): MetricEstimate(0.2, 0.1, 0.29)})
    assert outcome("candidate.failure_rate <= 29%", evidence) is PASS
    assert outcome("candidate.failure_rate < 29%", evidence) is UNDETERMINED
    evidence = InMemoryEvidence(
        {("candidate", "latency.p99"): MetricEstimate(184, 180, 184.3, "ms")}
    )
    assert outcome("candidate.latency.p99 <= 184.3ms", evidence) is PASS
    assert outcome("candidate.latency.p99 <= 0.1843s", evidence) is PASS


def test_a_constant_on_the_left_reads_the_same_as_on_the_right() -> None:
    evidence = effect("latency.p99", -0.25, -0.3, -0.2)
    assert outcome("-20% >= effect(latency.p99)", evidence) is PASS
    assert outcome("-20% > effect(latency.p99)", evidence) is UNDETERMINED
    assert outcome("effect(latency.p99) <= -20%", evidence) is PASS


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(-0.3, -0.21, PASS), (-0.3, -0.2, PASS), (-0.25, -0.15, UNDETERMINED), (-0.19, -0.1, FAIL)],
)
def test_effect_against_a_relative_threshold(low: float, high: float, expected: Outcome) -> None:
    evidence = effect("latency.p99", (low + high) / 2, low, high)
    assert outcome("effect(latency.p99) <= -20%", evidence) is expected
    assert outcome("effect(latency.p99) <= 0.8x", evidence) is expected


def test_two_measured_sides_compare_by_interval_arithmetic() -> None:
    def evidence(cand: tuple[float, float], base: tuple[float, float]) -> InMemoryEvidence:
        return InMemoryEvidence(
            {
                ("candidate", "latency.p99"): MetricEstimate(sum(cand) / 2, *cand, "ms", n=10),
                ("baseline", "latency.p99"): MetricEstimate(sum(base) / 2, *base, "s", n=12),
            }
        )

    text = "candidate.latency.p99 < baseline.latency.p99"
    assert outcome(text, evidence((100, 150), (0.160, 0.200))) is PASS
    assert outcome(text, evidence((100, 160), (0.160, 0.200))) is UNDETERMINED
    assert outcome(text, evidence((100, 170), (0.160, 0.200))) is UNDETERMINED
    assert outcome(text, evidence((200, 250), (0.160, 0.200))) is FAIL
    result = parse(text).evaluate(evidence((100, 170), (0.160, 0.200)))
    assert result.trials == 10
    assert "candidate.latency.p99 - baseline.latency.p99 lies in -100ms to 10ms" in result.reason


# -- three-valued logic -------------------------------------------------------------

# Three criteria whose outcomes are fixed by one piece of evidence.
_FIXED = {
    PASS: "candidate.latency.p99 < 300ms",
    FAIL: "candidate.latency.p99 < 100ms",
    UNDETERMINED: "candidate.latency.p99 < 185ms",
}
_EVIDENCE = p99(180, 170, 190)

_AND = {
    (PASS, PASS): PASS, (PASS, FAIL): FAIL, (PASS, UNDETERMINED): UNDETERMINED,
    (FAIL, PASS): FAIL, (FAIL, FAIL): FAIL, (FAIL, UNDETERMINED): FAIL,
    (UNDETERMINED, PASS): UNDETERMINED, (UNDETERMINED, FAIL): FAIL,
    (UNDETERMINED, UNDETERMINED): UNDETERMINED,
}  # fmt: skip
_OR = {
    (PASS, PASS): PASS, (PASS, FAIL): PASS, (PASS, UNDETERMINED): PASS,
    (FAIL, PASS): PASS, (FAIL, FAIL): FAIL, (FAIL, UNDETERMINED): UNDETERMINED,
    (UNDETERMINED, PASS): PASS, (UNDETERMINED, FAIL): UNDETERMINED,
    (UNDETERMINED, UNDETERMINED): UNDETERMINED,
}  # fmt: skip


def test_the_fixed_criteria_have_their_outcomes() -> None:
    for expected, text in _FIXED.items():
        assert outcome(text, _EVIDENCE) is expected


@pytest.mark.parametrize(("a", "b"), list(itertools.product(_FIXED, repeat=2)))
def test_and_or_truth_tables(a: Outcome, b: Outcome) -> None:
    assert outcome(f"{_FIXED[a]} and {_FIXED[b]}", _EVIDENCE) is _AND[a, b]
    assert outcome(f"{_FIXED[a]} or {_FIXED[b]}", _EVIDENCE) is _OR[a, b]
    assert (a & b) is _AND[a, b]
    assert (a | b) is _OR[a, b]


@pytest.mark.parametrize(
    ("a", "expected"), [(PASS, FAIL), (FAIL, PASS), (UNDETERMINED, UNDETERMINED)]
)
def test_not(a: Outcome, expected: Outcome) -> None:
    assert outcome(f"not {_FIXED[a]}", _EVIDENCE) is expected
    assert outcome(f"not not {_FIXED[a]}", _EVIDENCE) is a
    assert ~a is expected


def test_not_of_undetermined_keeps_the_trials_and_flips_the_leaning() -> None:
    inner = parse(_FIXED[UNDETERMINED]).evaluate(_EVIDENCE)
    outer = parse(f"not {_FIXED[UNDETERMINED]}").evaluate(_EVIDENCE)
    assert outer.outcome is UNDETERMINED
    assert inner.leaning is PASS
    assert outer.leaning is FAIL
    assert outer.trials_needed == inner.trials_needed is not None
    assert outer.children == (inner,)


# -- not_worse and equivalent -------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (-0.009, 0.004, PASS),
        (-0.01, 0.004, PASS),  # touching the margin: losing exactly 1pt is allowed
        (-0.012, 0.004, UNDETERMINED),
        (-0.03, -0.01, UNDETERMINED),  # touching from the losing side
        (-0.03, -0.011, FAIL),
    ],
)
def test_not_worse_with_an_absolute_margin_on_a_higher_is_better_metric(
    low: float, high: float, expected: Outcome
) -> None:
    difference = MetricEstimate((low + high) / 2, low, high, n=10)
    evidence = effect("accuracy", 0.0, -0.05, 0.05, lower_is_better=False, difference=difference)
    assert outcome("not_worse(accuracy, margin=1pt)", evidence) is expected
    assert outcome("not_worse(accuracy, margin=0.01)", evidence) is expected


def test_not_worse_with_a_difference_in_percent_points() -> None:
    # accuracy recorded in % (85.2 means 0.852); 1pt is 0.01 of a proportion.
    difference = MetricEstimate(-0.4, -0.9, 0.2, "%", n=10)
    evidence = effect("accuracy", 0.0, -0.05, 0.05, lower_is_better=False, difference=difference)
    result = parse("not_worse(accuracy, margin=1pt)").evaluate(evidence)
    assert result.outcome is PASS
    assert "-0.4pt (95% CI -0.9pt to 0.2pt" in result.reason


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (-0.2, 0.04, PASS),
        (-0.2, 0.05, PASS),
        (0.0, 0.06, UNDETERMINED),
        (0.05, 0.2, UNDETERMINED),
        (0.051, 0.2, FAIL),
    ],
)
def test_not_worse_with_a_relative_margin_on_a_lower_is_better_metric(
    low: float, high: float, expected: Outcome
) -> None:
    evidence = effect("latency.p99", (low + high) / 2, low, high)
    assert outcome("not_worse(latency.p99, margin=5%)", evidence) is expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (-0.01, 0.015, PASS),
        (-0.02, 0.02, PASS),  # touching both ends of ±2%
        (-0.03, 0.01, UNDETERMINED),
        (0.01, 0.03, UNDETERMINED),
        (-0.05, 0.05, UNDETERMINED),
        (0.021, 0.05, FAIL),
        (-0.05, -0.021, FAIL),
        (0.02, 0.05, UNDETERMINED),
    ],
)
def test_equivalent_within_a_margin(low: float, high: float, expected: Outcome) -> None:
    evidence = effect("throughput", (low + high) / 2, low, high, lower_is_better=False)
    assert outcome("equivalent(throughput, margin=2%)", evidence) is expected


def test_an_absolute_margin_without_an_absolute_difference_is_undetermined() -> None:
    evidence = effect("accuracy", -0.001, -0.002, 0.0, lower_is_better=False)
    result = parse("not_worse(accuracy, margin=1pt)").evaluate(evidence)
    assert result.outcome is UNDETERMINED
    assert "no absolute difference of accuracy" in result.reason
    assert result.trials_needed is None


# -- verdicts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "text", "expected"),
    [
        ("better", "verdict(latency.p50) == better", PASS),
        ("worse", "verdict(latency.p50) == better", FAIL),
        ("equivalent", "verdict(latency.p50) == better", FAIL),
        ("inconclusive", "verdict(latency.p50) == better", UNDETERMINED),
        ("inconclusive", "verdict(latency.p50) != worse", UNDETERMINED),
        ("inconclusive", "verdict(latency.p50) == inconclusive", PASS),
        ("better", "verdict(latency.p50) != worse", PASS),
        ("worse", "verdict(latency.p50) != worse", FAIL),
        ("BETTER", "better == verdict(latency.p50)", PASS),
    ],
)
def test_verdict_comparisons(verdict: str, text: str, expected: Outcome) -> None:
    evidence = InMemoryEvidence(verdicts={"latency.p50": VerdictEstimate(verdict, 40, n=10)})
    result = parse(text).evaluate(evidence)
    assert result.outcome is expected
    if expected is UNDETERMINED:
        assert result.trials_needed == 40
        assert result.more_trials == 30


# -- missing evidence and units that do not fit -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "candidate.latency.p99 < 200ms",
        "baseline.latency.p99 < candidate.latency.p99",
        "effect(latency.p99) <= -20%",
        "not_worse(accuracy, margin=1%)",
        "equivalent(throughput, margin=2%)",
        "verdict(latency.p50) == better",
    ],
)
def test_missing_evidence_is_undetermined_and_says_so(text: str) -> None:
    result = parse(text).evaluate(InMemoryEvidence())
    assert result.outcome is UNDETERMINED
    assert result.reason.startswith("no ")
    assert result.trials_needed is None
    assert result.leaning is None


def test_a_custom_metric_is_checked_against_the_unit_of_its_evidence() -> None:
    evidence = InMemoryEvidence({("candidate", "score"): MetricEstimate(3.0, 2.5, 3.5, "MiB")})
    assert outcome("candidate.score < 4MiB", evidence) is PASS
    assert outcome("candidate.score < 4096KiB", evidence) is PASS
    with pytest.raises(CriteriaUnitError) as caught:
        parse("candidate.score  <  4ms").evaluate(evidence)
    assert caught.value.column == 21
    assert "measured in MiB" in str(caught.value)
    with pytest.raises(CriteriaUnitError):
        parse("candidate.score < 4").evaluate(evidence)


def test_evidence_that_contradicts_a_known_metric_is_an_input_error() -> None:
    with pytest.raises(InputError, match="is in MiB; expected a time"):
        parse("candidate.latency.p99 < 2ms").evaluate(p99(1, 1, 1, unit="MiB"))
    evidence = InMemoryEvidence({("candidate", "latency.p99"): MetricEstimate(1, 1, 1)})
    with pytest.raises(InputError, match="has no unit"):
        parse("candidate.latency.p99 < 2ms").evaluate(evidence)


def test_an_absolute_margin_is_checked_against_the_unit_of_the_difference() -> None:
    difference = MetricEstimate(1.0, 0.5, 1.5, "ms")
    evidence = effect("score", 0.01, 0.0, 0.02, difference=difference)
    assert outcome("not_worse(score, margin=2ms)", evidence) is PASS
    with pytest.raises(CriteriaUnitError, match="measured in ms"):
        parse("not_worse(score, margin=2MiB)").evaluate(evidence)


# -- trials likely needed -------------------------------------------------------------


def test_undetermined_comparisons_estimate_the_trials_that_would_settle_them() -> None:
    # Interval 170..200 from 10 trials: half-width 15, estimate 185, threshold 195 (d=10).
    # Spread of a trial s = 15 / 1.95996 * sqrt(10) = 24.20; a one-sample t-test of
    # d/s = 0.4132 at 5% two-sided and 80% power needs 48 (statsmodels TTestPower: 47.2).
    result = parse("candidate.latency.p99 < 195ms").evaluate(p99(185, 170, 200))
    assert result.outcome is UNDETERMINED
    assert result.leaning is PASS
    assert result.trials == 10
    assert result.trials_needed == 48
    assert result.more_trials == 38
    assert "about 48 trials per arm would likely settle it (38 more)" in result.summary()


def test_no_trial_estimate_without_a_trial_count_or_with_the_estimate_on_the_threshold() -> None:
    assert (
        parse("candidate.latency.p99 < 195ms").evaluate(p99(185, 170, 200, n=None)).trials_needed
        is None
    )
    on_threshold = parse("candidate.latency.p99 < 185ms").evaluate(p99(185, 170, 200))
    assert on_threshold.outcome is UNDETERMINED
    assert on_threshold.trials_needed is None


def test_and_or_take_the_trials_of_the_parts_that_would_decide() -> None:
    soon = "candidate.latency.p99 < 150ms"  # 100..200 leaning PASS, far from the threshold
    late = "candidate.latency.p99 < 195ms"  # leaning PASS, close to it
    fails = "candidate.latency.p99 > 190ms"  # leaning FAIL
    evidence = p99(150 - 25, 100, 200)  # estimate 125
    need = {t: parse(t).evaluate(evidence).trials_needed for t in (soon, late, fails)}
    assert all(v is not None for v in need.values())
    both = parse(f"{soon} and {late}").evaluate(evidence)
    assert (both.leaning, both.trials_needed) == (PASS, max(need[soon], need[late]))  # type: ignore[type-var]
    killed = parse(f"{late} and {fails}").evaluate(evidence)
    assert (killed.leaning, killed.trials_needed) == (FAIL, need[fails])
    either = parse(f"{late} or {fails}").evaluate(evidence)
    assert (either.leaning, either.trials_needed) == (PASS, need[late])
    neither = parse(f"not {late} or {fails}").evaluate(evidence)
    assert neither.leaning is FAIL


# -- explanations --------------------------------------------------------------------------


def test_an_evaluation_explains_itself_with_the_evidence_behind_it() -> None:
    evidence = InMemoryEvidence(
        {("candidate", "latency.p99"): MetricEstimate(180, 170, 192, "ms", n=10)},
        effects={
            "accuracy": EffectEstimate(
                MetricEstimate(-0.002, -0.01, 0.004, n=10),
                lower_is_better=False,
                difference=MetricEstimate(-0.004, -0.012, 0.003, n=10),
            )
        },
    )
    result = parse("candidate.latency.p99 < 200ms and not_worse(accuracy, margin=1pt)").evaluate(
        evidence
    )
    assert result.outcome is UNDETERMINED
    first, second = result.children
    assert first.outcome is PASS
    assert first.estimates == (
        ("candidate.latency.p99", MetricEstimate(180, 170, 192, "ms", n=10)),
    )
    assert first.threshold == "200ms"
    assert first.reason == (
        "candidate.latency.p99 = 180ms (95% CI 170ms to 192ms, 10 trials per arm); "
        "the whole interval is below 200ms"
    )
    assert second.outcome is UNDETERMINED
    assert "higher is better, so not worse means at or above -1pt" in second.reason
    assert second.threshold == "1pt"
    lines = result.explain().splitlines()
    assert lines[0].startswith("UNDETERMINED  candidate.latency.p99 < 200ms and not_worse(")
    assert lines[1].startswith("  PASS  candidate.latency.p99 < 200ms: ")
    assert lines[2].startswith("  UNDETERMINED  not_worse(accuracy, margin=1pt): ")
    data = result.to_dict()
    assert data["outcome"] == "UNDETERMINED"
    assert data["children"][0]["estimates"][0]["of"] == "candidate.latency.p99"
    assert data["children"][0]["estimates"][0]["unit"] == "ms"


def test_a_failing_and_names_the_part_that_failed() -> None:
    result = parse(f"{_FIXED[PASS]} and {_FIXED[FAIL]}").evaluate(_EVIDENCE)
    assert result.reason == f"FAIL by {_FIXED[FAIL]}"
    result = parse(f"{_FIXED[FAIL]} or {_FIXED[PASS]}").evaluate(_EVIDENCE)
    assert result.reason == f"PASS by {_FIXED[PASS]}"


def test_effects_read_like_the_tables_ratios_when_large() -> None:
    effect = EffectEstimate(MetricEstimate(1.267, 0.6382, 2.139, n=8), lower_is_better=True)
    result = parse("effect(time) <= -20%").evaluate(InMemoryEvidence(effects={"time": effect}))
    text = result.explain()
    assert "effect(time) = 2.3x slower (+127%; 95% CI 1.6x to 3.1x slower, 8 trials" in text
    speedup = EffectEstimate(MetricEstimate(-0.99503, -0.99556, -0.99444, n=68), True)
    result = parse("effect(time) <= -20%").evaluate(InMemoryEvidence(effects={"time": speedup}))
    text = result.explain()
    assert "effect(time) = 201x faster (-99.5%; 95% CI 180x to 225x faster, 68 trials" in text
    assert "-100%" not in text
    shown = result.to_dict()["estimates"][0]  # gate review --json: the ratio beside it
    assert shown["value"] == -0.99503
    assert 1 / shown["ratio"] == pytest.approx(201, abs=0.5)
    assert shown["ratio_low"] == pytest.approx(1 - 0.99556)
    small = EffectEstimate(MetricEstimate(-0.034, -0.0056, 0.0), lower_is_better=True)
    small_text = parse("effect(time) <= -20%").evaluate(InMemoryEvidence(effects={"time": small}))
    assert "-3.4% (95% CI -0.56% to 0%)" in small_text.explain()

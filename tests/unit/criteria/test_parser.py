"""The criteria grammar: what parses, into what tree, and what is refused where."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assay.criteria import CriteriaSyntaxError, CriteriaUnitError, parse
from assay.criteria.nodes import (
    And,
    ArmMetric,
    Comparison,
    EffectOf,
    Equivalent,
    Not,
    NotWorse,
    Or,
    Quantity,
    VerdictName,
    VerdictOf,
)
from assay.errors import InputError


def q(value: str, unit: str | None = None) -> Quantity:
    return Quantity(Decimal(value), unit)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        (
            "candidate.latency.p99 < 200ms",
            Comparison(ArmMetric("candidate", "latency.p99"), "<", q("200", "ms")),
        ),
        (
            "baseline.accuracy.mean >= 0.8",
            Comparison(ArmMetric("baseline", "accuracy.mean"), ">=", q("0.8")),
        ),
        (
            "candidate.memory.peak_rss <= 2GiB",
            Comparison(ArmMetric("candidate", "memory.peak_rss"), "<=", q("2", "GiB")),
        ),
        (
            "candidate.failure_rate < 1%",
            Comparison(ArmMetric("candidate", "failure_rate"), "<", q("1", "%")),
        ),
        ("effect(latency.p99) <= -20%", Comparison(EffectOf("latency.p99"), "<=", q("-20", "%"))),
        ("effect(throughput) >= 1.5x", Comparison(EffectOf("throughput"), ">=", q("1.5", "x"))),
        ("not_worse(accuracy, margin=1pt)", NotWorse("accuracy", q("1", "pt"))),
        ("equivalent(throughput, margin=2%)", Equivalent("throughput", q("2", "%"))),
        (
            "verdict(latency.p50) == better",
            Comparison(VerdictOf("latency.p50"), "==", VerdictName("better")),
        ),
        (
            "verdict(latency.p50) != worse",
            Comparison(VerdictOf("latency.p50"), "!=", VerdictName("worse")),
        ),
        (
            "better == verdict(latency.p50)",
            Comparison(VerdictName("better"), "==", VerdictOf("latency.p50")),
        ),
        ("verdict(x) == equivalent", Comparison(VerdictOf("x"), "==", VerdictName("equivalent"))),
        (
            "candidate.latency.p99.9 < 1s",
            Comparison(ArmMetric("candidate", "latency.p99.9"), "<", q("1", "s")),
        ),
        (
            "candidate.cost.per_request < 0.002usd",
            Comparison(ArmMetric("candidate", "cost.per_request"), "<", q("0.002", "usd")),
        ),
        (
            "candidate.latency.p50 < 250 us",
            Comparison(ArmMetric("candidate", "latency.p50"), "<", q("250", "us")),
        ),
        (
            "candidate.latency.p50 < 250µs",
            Comparison(ArmMetric("candidate", "latency.p50"), "<", q("250", "us")),
        ),
        (
            "candidate.memory.peak_rss < 512KiB",
            Comparison(ArmMetric("candidate", "memory.peak_rss"), "<", q("512", "KiB")),
        ),
        (
            "candidate.cost.total <= 1e3 USD",
            Comparison(ArmMetric("candidate", "cost.total"), "<=", q("1000", "usd")),
        ),
        ("-20% >= effect(latency.p99)", Comparison(q("-20", "%"), ">=", EffectOf("latency.p99"))),
        (
            "candidate.latency.p99 < baseline.latency.p99",
            Comparison(
                ArmMetric("candidate", "latency.p99"), "<", ArmMetric("baseline", "latency.p99")
            ),
        ),
        ("candidate.score > +.5", Comparison(ArmMetric("candidate", "score"), ">", q("0.5"))),
    ],
)
def test_parses_each_form_into_its_tree(text: str, tree: object) -> None:
    assert parse(text).node == tree


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    a = "effect(a) < 0%"
    b = "effect(b) < 0%"
    c = "effect(c) < 0%"
    A, B, C = (parse(x).node for x in (a, b, c))
    assert parse(f"{a} or {b} and {c}").node == Or(A, And(B, C))
    assert parse(f"{a} and {b} or {c}").node == Or(And(A, B), C)
    assert parse(f"not {a} and {b}").node == And(Not(A), B)
    assert parse(f"not ({a} and {b})").node == Not(And(A, B))
    assert parse(f"{a} and {b} and {c}").node == And(And(A, B), C)
    assert parse(f"not not {a}").node == Not(Not(A))


def test_keywords_are_case_insensitive_and_the_canonical_form_is_lower_case() -> None:
    criterion = parse("NOT Effect(latency.p99) > -20% AND Verdict(latency.p50) == BETTER")
    assert str(criterion) == "not effect(latency.p99) > -20% and verdict(latency.p50) == better"


def test_canonical_text_normalises_spacing_numbers_and_units() -> None:
    criterion = parse("  effect( latency.p99 )<=-20.50%\n and\tcandidate.latency.p50<250 µs ")
    assert criterion.canonical == "effect(latency.p99) <= -20.5% and candidate.latency.p50 < 250us"


def test_render_keeps_only_the_parentheses_the_structure_needs() -> None:
    text = "(effect(a) < 0% or effect(b) < 0%) and not (effect(c) < 0% and effect(d) < 0%)"
    assert parse(text).canonical == text
    assert parse("((effect(a) < 0%))").canonical == "effect(a) < 0%"
    assert parse("effect(a) < 0% and (effect(b) < 0% and effect(c) < 0%)").canonical == (
        "effect(a) < 0% and (effect(b) < 0% and effect(c) < 0%)"
    )


def test_whitespace_and_number_spelling_do_not_change_equality() -> None:
    assert parse("effect(a)<=-20%") == parse("effect( a )  <=  -20.0 %")
    assert parse("effect(a) <= -20%") != parse("effect(a) <= -21%")


def test_metrics_lists_every_metric_referred_to() -> None:
    criterion = parse(
        "effect(latency.p99) <= -20% and not_worse(accuracy, margin=1pt) "
        "or verdict(latency.p50) == better or candidate.memory.peak_rss < 2GiB"
    )
    assert criterion.metrics == {"latency.p99", "accuracy", "latency.p50", "memory.peak_rss"}


# -- syntax errors: column and what was expected -------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    [
        ("", 1, "a criterion"),
        ("   ", 4, "a criterion"),
        ("effect(latency.p99) and x", 21, "a comparison operator"),
        ("effect(latency.p99) <=", 23, "a number"),
        ("effect(latency.p99) <= -20% and", 32, "a criterion"),
        ("candidate.latency.p99 = 3ms", 23, "a single = does not"),
        ("candidate.latency.p99 < 200mss", 28, "a unit"),
        ("candidate.latency.p99 < 1ms < 2ms", 29, "comparisons do not chain"),
        ("(effect(a) < 0%", 16, ")"),
        ("effect(a) < 0%)", 15, "the end of the expression"),
        ("not_worse(accuracy, 1pt)", 21, "margin="),
        ("not_worse(accuracy margin=1pt)", 20, "a comma"),
        ("not_worse(accuracy, margin 1pt)", 28, "= after margin"),
        ("not_worse(accuracy, margin=1pt", 31, ")"),
        ("effect(candidate.latency.p99) < 0%", 8, "without the arm"),
        ("effect() < 0%", 8, "a metric name"),
        ("latency.p99 < 2ms", 1, "candidate.latency.p99"),
        ("candidate < 2ms", 1, "a metric after candidate."),
        ("candidate.latency.p99 < @", 25, "candidate.METRIC"),
        ("candidate.latency.p99 < 2ms &&", 29, "and, or"),
        ("effect(a) < 0% or or effect(b) < 0%", 19, "a criterion"),
    ],
)
def test_syntax_errors_name_the_column_and_what_was_expected(
    text: str, column: int, expected: str
) -> None:
    with pytest.raises(CriteriaSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert error.column == column, str(error)
    assert expected in error.expected, str(error)
    assert isinstance(error, InputError)
    assert isinstance(error, ValueError)


def test_the_error_is_one_line_and_its_caret_rendering_points_at_the_column() -> None:
    with pytest.raises(CriteriaSyntaxError) as caught:
        parse("effect(latency.p99) and x")
    error = caught.value
    assert "\n" not in str(error)
    assert "column 21" in str(error)
    assert "found 'and'" in str(error)
    lines = error.caret_message().splitlines()
    assert lines[1] == "  effect(latency.p99) and x"
    assert lines[2] == "  " + " " * 20 + "^"
    assert lines[2].index("^") == lines[1].index("and")


def test_a_multi_line_expression_reports_line_and_column_and_shows_that_line() -> None:
    text = "effect(latency.p99) <= -20%\n  and not_worse(accuracy margin=1pt)"
    with pytest.raises(CriteriaSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert (error.line, error.column) == (2, 26)
    assert "\n" not in str(error)
    assert "line 2, column 26" in str(error)
    shown, caret = error.caret_message().splitlines()[1:]
    assert shown == "    and not_worse(accuracy margin=1pt)"
    assert caret.index("^") == shown.index("margin")


def test_the_caret_keeps_tabs_so_that_it_lines_up() -> None:
    with pytest.raises(CriteriaSyntaxError) as caught:
        parse("\teffect(a) <")
    shown, caret = caught.value.caret_message().splitlines()[1:]
    assert caret == "  \t" + " " * 11 + "^"
    assert shown == "  \teffect(a) <"


def test_nesting_is_bounded_with_a_syntax_error_not_a_recursion_error() -> None:
    with pytest.raises(CriteriaSyntaxError, match="levels of nesting"):
        parse("(" * 5000 + "effect(a) < 0%" + ")" * 5000)
    with pytest.raises(CriteriaSyntaxError, match="levels of nesting"):
        parse("not " * 5000 + "effect(a) < 0%")
    assert parse("(" * 60 + "effect(a) < 0%" + ")" * 60).canonical == "effect(a) < 0%"


def test_numbers_out_of_the_float_range_are_refused() -> None:
    with pytest.raises(CriteriaSyntaxError, match="range of a float"):
        parse("candidate.latency.p99 < 1e400s")
    with pytest.raises(CriteriaSyntaxError, match="range of a float"):
        parse("candidate.latency.p99 < 1e999999999999999999999s")


def test_extreme_exponents_neither_overflow_nor_explode_when_rendered() -> None:
    with pytest.raises(CriteriaSyntaxError, match="range of a float"):
        parse("candidate.score < -1e999999999")
    with pytest.raises(CriteriaSyntaxError, match="range of a float"):
        parse("candidate.score < 1e-999999999")
    assert parse("candidate.score < -0e-99999999999").canonical == "candidate.score < 0"
    assert parse("candidate.score < 1e-300").canonical == "candidate.score < 0." + "0" * 299 + "1"


def test_only_text_is_parsed() -> None:
    with pytest.raises(TypeError):
        parse(12)  # type: ignore[arg-type]


# -- unit checks made without data --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("candidate.latency.p99 < 200MiB", 25, "a time"),
        ("candidate.latency.p99 < 200", 25, "a time"),
        ("candidate.latency.p99 < 20%", 25, "effect(METRIC)"),
        ("candidate.memory.peak_rss < 10ms", 29, "a memory size"),
        ("candidate.cost.total < 3", 24, "usd"),
        ("candidate.accuracy.mean > 80ms", 27, "a fraction"),
        ("candidate.throughput.mean > 5%", 29, "a plain number"),
        ("effect(latency.p99) <= 20ms", 24, "% or x"),
        ("effect(latency.p99) <= -20", 24, "% or x"),
        ("effect(accuracy) >= -1pt", 21, "pt is an absolute difference"),
        ("candidate.score < 1.5x", 19, "goes with effect()"),
        ("candidate.latency.p99 < candidate.memory.peak_rss", 25, "a time"),
        ("effect(latency.p99) < candidate.latency.p99", 1, "relative effect"),
        ("1ms < 2ms", 1, "a metric on one side"),
        ("verdict(latency.p50) < better", 1, "== or !="),
        ("verdict(latency.p50) == 3ms", 25, "better, worse"),
        ("candidate.latency.p99 == better", 1, "verdict(METRIC)"),
        ("verdict(a) == verdict(b)", 15, "better, worse"),
        ("not_worse(latency.p99, margin=1MiB)", 31, "a time"),
        ("not_worse(latency.p99, margin=1pt)", 31, "a time"),
        ("not_worse(latency.p99, margin=5)", 31, "a time"),
        ("not_worse(accuracy, margin=0pt)", 28, "a positive margin"),
        ("equivalent(throughput, margin=-2%)", 31, "a positive margin"),
        ("equivalent(throughput, margin=1.1x)", 31, "% (relative)"),
        ("equivalent(throughput, margin=3ms)", 31, "a plain number"),
    ],
)
def test_ill_matched_units_are_refused_at_check_time(text: str, column: int, fragment: str) -> None:
    with pytest.raises(CriteriaUnitError) as caught:
        parse(text)
    assert caught.value.column == column, str(caught.value)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "candidate.latency.p99 < 0.2s",
        "candidate.latency.p99 < baseline.latency.p99",
        "candidate.accuracy.mean >= 85%",
        "candidate.accuracy.mean >= 0.85",
        "candidate.throughput.mean >= 1200",
        "candidate.score >= 3ms",
        "candidate.score >= 3",
        "not_worse(latency.p99, margin=5ms)",
        "not_worse(latency.p99, margin=5%)",
        "not_worse(accuracy, margin=0.01)",
        "not_worse(score, margin=2MiB)",
        "equivalent(throughput, margin=50)",
        "effect(latency.p99) < effect(latency.p50)",
        "verdict(latency.p50) == inconclusive",
    ],
)
def test_well_matched_units_pass_the_check(text: str) -> None:
    assert parse(text).canonical


def test_the_examples_in_the_language_reference_parse() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "criteria.md").read_text(encoding="utf-8")
    block = doc.split("### Examples", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    examples = [line for line in block.splitlines() if line.strip()]
    assert len(examples) == 7
    for example in examples:
        assert parse(example).canonical == example


def test_criterion_parse_is_parse() -> None:
    from assay.criteria import Criterion

    assert Criterion.parse("effect(a) < 0%") == parse("effect(a)<0%")

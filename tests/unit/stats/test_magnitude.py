"""The one rule for showing an effect: ratios for large changes, percentages for small."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.stats.magnitude import (
    RATIO_AT,
    effect_phrase,
    effect_short,
    effect_words,
    interval_short,
    interval_words,
    ratio_fields,
    uses_ratio,
    words_for,
)

SPEEDUP_200X = (-0.99503, -0.99556, -0.99444)  # 201x faster, 95% CI 180x to 225x


def test_a_200x_speed_up_reads_as_a_ratio_never_minus_100_percent() -> None:
    effect, low, high = SPEEDUP_200X
    assert effect_short(effect, "time") == "201x faster"
    assert interval_short(effect, low, high, "time") == "180x to 225x faster"
    assert effect_words(effect, "time") == "201x faster"
    assert interval_words(effect, low, high, "time") == "between 180x and 225x faster"
    assert "100%" not in effect_phrase(effect, (low, high), "time")


def test_a_small_change_stays_a_percentage() -> None:
    assert effect_short(-0.089, "time") == "-8.9%"
    assert effect_words(-0.089, "time") == "8.9% faster"
    assert interval_short(-0.089, -0.12, -0.051, "time") == "-12% to -5.1%"
    assert interval_words(-0.089, -0.12, -0.051, "time") == "between 5.1% and 12% faster"
    assert effect_words(0.05, "latency.p99") == "5.0% slower"


@pytest.mark.parametrize(
    ("metric", "effect", "expected"),
    [
        ("peak_rss", 2.2, "3.2x more"),
        ("memory.peak_heap", -0.75, "4.0x less"),
        ("time", 1.5, "2.5x slower"),
        ("throughput", 1.5, "2.5x higher"),
        ("accuracy", -0.6, "2.5x lower"),
        (None, 0.3, "+30%"),
    ],
)
def test_the_words_follow_the_metric(metric: str | None, effect: float, expected: str) -> None:
    assert effect_short(effect, metric) == expected


def test_the_threshold_is_symmetric_on_the_log_scale() -> None:
    assert uses_ratio(RATIO_AT - 1)
    assert uses_ratio(1 / RATIO_AT - 1)
    assert not uses_ratio(0.49)
    assert not uses_ratio(-0.33)
    assert effect_short(0.49, "time") == "+49%"
    assert effect_short(0.5, "time") == "1.5x slower"
    assert effect_short(-1 / 3, "time") == "1.5x faster"


def test_an_interval_across_no_change_keeps_its_order() -> None:
    assert interval_short(1.0, -0.1, 3.0, "time") == "1.1x faster to 4.0x slower"
    assert interval_words(0.3, -0.2, 1.5, "time") == "between 20% faster and 150% slower"


def test_percent_ends_never_round_to_minus_100() -> None:
    assert interval_short(-0.3, -0.997, 2.0) == "-99.7% to +200%"
    assert interval_short(-0.3, -0.99996, 0.1) == "-99.996% to +10%"


def test_unbounded_ends_are_said() -> None:
    assert interval_short(-0.5, -math.inf, -0.2, "time") == "at least 1.2x faster"
    assert interval_words(-0.1, -0.2, math.inf) == "between 20% lower and no bound"
    assert effect_words(math.inf) == "unbounded"


def test_json_fields_carry_the_ratio_candidate_over_baseline() -> None:
    effect, low, high = SPEEDUP_200X
    fields = ratio_fields(effect, (low, high))
    assert fields["ratio"] == pytest.approx(1 + effect)
    assert 1 / fields["ratio"] == pytest.approx(201, abs=0.5)
    assert fields["ratio_low"] == pytest.approx(1 + low)
    assert fields["ratio_high"] == pytest.approx(1 + high)
    assert ratio_fields(None, None) == {"ratio": None, "ratio_low": None, "ratio_high": None}
    assert ratio_fields(0.1, (None, 0.2))["ratio_low"] is None


def test_metric_names_map_to_their_words() -> None:
    assert words_for("time").down == "faster"
    assert words_for("latency.p99").up == "slower"
    assert words_for("peak_cuda").up == "more"
    assert words_for("accuracy").up == "higher"
    assert words_for(None).down == "lower"


# -- properties: read the text back as a ratio --------------------------------------------

_FIGURE = re.compile(r"([+-]?)<?([\d,]*\.?\d+)(x|%)")


def _implied(text: str, metric: str) -> float:
    """The ratio candidate / baseline that a shown figure states."""
    if text in ("no change", "0%"):
        return 1.0
    found = _FIGURE.search(text)
    assert found is not None, text
    number = float(found.group(1) + found.group(2).replace(",", ""))
    if found.group(3) == "x":
        return number if text.endswith(words_for(metric).up) else 1 / number
    if text.endswith("%"):
        return 1 + number / 100
    sign = 1 if text.endswith(words_for(metric).up) else -1
    return 1 + sign * number / 100


effects = st.floats(min_value=-1.5, max_value=1e4, allow_nan=False)
metrics = st.sampled_from(["time", "peak_rss", "accuracy"])


@given(st.lists(effects, min_size=2, max_size=12), metrics)
def test_the_rule_is_monotonic(values: list[float], metric: str) -> None:
    values.sort()
    for show in (effect_short, effect_words):
        implied = [_implied(show(v, metric), metric) for v in values]
        assert implied == sorted(implied), [show(v, metric) for v in values]


def _ends(text: str, metric: str) -> tuple[float, float] | None:
    """The ratios of an interval's two ends, low end first, as the text states them."""
    if text.startswith("at least") or "no bound" in text or "unbounded" in text:
        return None
    first, second = text.split(" to ")
    words = words_for(metric)
    if first.endswith(("x", "%")) and not second.endswith(("x", "%")):  # "180x to 225x faster"
        word = second.rsplit(" ", 1)[1]
        a, b = _implied(f"{first} {word}", metric), _implied(second, metric)
        return (a, b) if word == words.up else (b, a)
    return _implied(first, metric), _implied(second, metric)


@given(effects, effects, effects, metrics)
def test_the_interval_text_never_inverts(a: float, b: float, c: float, metric: str) -> None:
    low, effect, high = sorted((a, b, c))
    text = interval_short(effect, low, high, metric)
    ends = _ends(text, metric)
    if ends is not None:
        assert ends[0] <= ends[1], text
    figures = [float(f.replace(",", "")) for _, f, _ in _FIGURE.findall(text)]
    if len(text.split()) == 4:  # "180x to 225x faster": the smaller figure first
        assert figures[0] <= figures[1], text
    words = interval_words(effect, low, high, metric)
    assert words.startswith(("between", "at least")), words
    if words.startswith("between") and "no bound" not in words:
        phrase = words.removeprefix("between ").replace(" and ", " to ", 1)
        ends = _ends(phrase, metric) if "no change" not in phrase else None
        if ends is not None:
            assert ends[0] <= ends[1], words


def test_tiny_percentages_have_no_exponent() -> None:
    assert effect_short(0.0056) == "+0.56%"
    assert effect_short(0.000012) == "+0.0012%"
    assert effect_short(8e-204) == "+<0.001%"

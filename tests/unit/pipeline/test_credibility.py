"""The pure rules of issue 16's credibility page, self-assessment and coverage
(:mod:`assay.pipeline.credibility`)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.errors import InputError
from assay.pipeline.credibility import (
    CAPABILITIES,
    Rating,
    check_growth,
    check_score,
    funnel,
    latest_ratings,
    parse_capability,
    technique_verdict,
)

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_the_seeds_capabilities() -> None:
    assert list(CAPABILITIES.values()) == [
        "paper reading", "reproduction", "benchmarking", "production judgement", "communication",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Paper reading", "paper-reading"),
        ("production_judgement", "production-judgement"),
        ("production judgment", "production-judgement"),
        ("  BENCHMARKING ", "benchmarking"),
    ],
)
def test_capabilities_are_named_loosely(text: str, key: str) -> None:
    assert parse_capability(text) == key


def test_an_unknown_capability_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown capability 'cooking'; expected one of paper-"):
        parse_capability("cooking")


@given(st.integers())
def test_a_score_is_one_to_five(score: int) -> None:
    if 1 <= score <= 5:
        assert check_score(score) == score
    else:
        with pytest.raises(InputError, match="expected a whole number from 1"):
            check_score(score)


def test_a_bool_is_not_a_score() -> None:
    with pytest.raises(InputError):
        check_score(True)


def test_the_newest_rating_of_each_capability() -> None:
    ratings = [
        Rating("ana", "benchmarking", 4, "", "ana", T0 + DAY),
        Rating("ana", "benchmarking", 2, "new to it", "ana", T0),
        Rating("ana", "communication", 3, "", "ana", T0),
    ]
    newest = latest_ratings(ratings)
    assert {k: r.score for k, r in newest.items()} == {"benchmarking": 4, "communication": 3}


def test_a_note_with_a_control_character_is_refused() -> None:
    with pytest.raises(InputError, match="control character"):
        Rating("ana", "benchmarking", 3, "\x1b[31mred", "ana", T0)


def test_a_growth_area_needs_practice_measure_and_a_date_ahead() -> None:
    today = dt.date(2026, 3, 1)
    assert check_growth(" stats ", "a chapter\na week", "explain a CI", today, today=today) == (
        "stats", "a chapter a week", "explain a CI",
    )  # fmt: skip
    with pytest.raises(InputError, match="--practice is empty"):
        check_growth("stats", " ", "m", today, today=today)
    with pytest.raises(InputError, match="--measure is empty"):
        check_growth("stats", "p", "", today, today=today)
    with pytest.raises(InputError, match="is in the past"):
        check_growth("stats", "p", "m", today - DAY, today=today)


@pytest.mark.parametrize(
    ("ring", "decisions", "rollout", "verdict"),
    [
        ("ASSESS", [], None, None),  # nothing decided yet
        ("TRIAL", [("discovery", "yes", T0)], None, None),  # only "invest more time"
        ("TRIAL", [("validation", "yes", T0)], None, "adopted"),
        ("ADOPT", [("integration", "yes", T0)], None, "adopted"),
        ("HOLD", [("discovery", "no", T0)], None, "rejected"),
        ("TRIAL", [("validation", "no", T0), ("validation", "yes", T0 + DAY)], None, "adopted"),
        ("TRIAL", [("validation", "yes", T0), ("integration", "no", T0 + DAY)], None, "rejected"),
        ("ADOPT", [], None, "adopted"),  # imported or moved by an override
        ("HOLD", [], None, None),  # never tried: no record to judge
        ("HOLD", [("discovery", "not-yet", T0)], None, "rejected"),
        ("TRIAL", [("validation", "yes", T0)], "rolled back", "rejected"),
        ("TRIAL", [], "complete", "adopted"),
        ("TRIAL", [("validation", "not-yet", T0)], "active", None),
    ],
)
def test_which_techniques_have_a_verdict(
    ring: str, decisions: list[tuple[str, str, dt.datetime]], rollout: str | None, verdict: str
) -> None:
    assert technique_verdict(ring, iter(decisions), rollout) == verdict


def test_the_coverage_funnel() -> None:
    papers = {"a": ["tiling"], "b": ["paging", "tiling"], "c": [], "d": ["sparse"]}
    found = funnel("team", papers, prototyped={"tiling", "sparse"}, production={"tiling"})
    assert (found.read, found.prototyped, found.production) == (4, 3, 2)
    assert found.to_dict()["production_rate"] == 0.5
    empty = funnel("vic", {}, set(), set())
    assert empty.prototype_rate is None and empty.to_dict()["read"] == 0

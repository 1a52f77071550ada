"""Canonical text and content hash of a set of criteria: what changes the hash and what does not."""

from __future__ import annotations

import hashlib

import pytest

from assay.criteria import CriteriaSyntaxError, canonical_text, content_hash, parse

CRITERIA = [
    "effect(latency.p99) <= -20%",
    "not_worse(accuracy, margin=1pt)",
    "candidate.memory.peak_rss < 2GiB",
]


def test_the_canonical_text_is_sorted_canonical_lines() -> None:
    assert canonical_text(CRITERIA) == (
        "candidate.memory.peak_rss < 2GiB\n"
        "effect(latency.p99) <= -20%\n"
        "not_worse(accuracy, margin=1pt)\n"
    )
    assert canonical_text([]) == ""


def test_the_hash_is_the_sha256_of_the_canonical_text() -> None:
    expected = hashlib.sha256(canonical_text(CRITERIA).encode()).hexdigest()
    assert content_hash(CRITERIA) == expected
    assert len(expected) == 64


@pytest.mark.parametrize(
    "reformatted",
    [
        [
            "effect( latency.p99 )<=-20.0%",
            "not_worse(accuracy,margin=1pt)",
            "candidate.memory.peak_rss<2GiB",
        ],
        [
            "  candidate.memory.peak_rss\n<\t2GiB",
            "EFFECT(latency.p99) <= -20.00%",
            "NOT_WORSE(accuracy, margin = 1 pt)",
        ],
        [*reversed(CRITERIA), CRITERIA[0]],
        [parse(text) for text in CRITERIA],
    ],
)  # fmt: skip
def test_reformatting_reordering_and_repeating_keep_the_hash(reformatted: list[str]) -> None:
    assert content_hash(reformatted) == content_hash(CRITERIA)


@pytest.mark.parametrize(
    "changed",
    [
        ["effect(latency.p99) <= -21%", *CRITERIA[1:]],
        ["effect(latency.p99) < -20%", *CRITERIA[1:]],
        ["effect(latency.p50) <= -20%", *CRITERIA[1:]],
        [CRITERIA[0], "not_worse(accuracy, margin=1%)", CRITERIA[2]],
        [CRITERIA[0], "not_worse(accuracy, margin=2pt)", CRITERIA[2]],
        [*CRITERIA[:2], "candidate.memory.peak_rss < 2GB"],
        [*CRITERIA[:2], "baseline.memory.peak_rss < 2GiB"],
        CRITERIA[:2],
        [*CRITERIA, "verdict(latency.p50) == better"],
    ],
)
def test_any_change_of_meaning_changes_the_hash(changed: list[str]) -> None:
    assert content_hash(changed) != content_hash(CRITERIA)


def test_a_malformed_criterion_cannot_be_registered() -> None:
    with pytest.raises(CriteriaSyntaxError):
        content_hash(["effect(latency.p99) <= -20ms"])

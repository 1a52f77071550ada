"""The radar's evidence rules: what a promotion needs, and when a blip is stale."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.errors import InputError
from assay.pipeline.radar import ARTIFACT_KINDS, MoveBacking, check_backing, stale_reasons
from assay.types import Ring

ALL = set(ARTIFACT_KINDS)
TODAY = dt.date(2026, 11, 26)


def at(days_ago: int) -> dt.datetime:
    return dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC) - dt.timedelta(days=days_ago)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Ring.ADOPT, Ring.TRIAL),
        (Ring.TRIAL, Ring.ASSESS),
        (Ring.ASSESS, Ring.HOLD),
        (Ring.HOLD, Ring.ASSESS),
        (Ring.ASSESS, Ring.SKIP),
    ],
)
def test_moves_that_are_not_promotions_into_trial_or_adopt_need_nothing(
    current: Ring, target: Ring
) -> None:
    backing = check_backing(
        "X", current, target, yes_decision=None, artifacts=(), override=False, why=""
    )
    assert backing is None


@pytest.mark.parametrize(
    ("current", "target"), [(Ring.ASSESS, Ring.TRIAL), (Ring.HOLD, Ring.TRIAL)]
)
def test_trial_needs_a_yes_gate(current: Ring, target: Ring) -> None:
    with pytest.raises(InputError, match=r"needs a YES gate decision .* --override --why"):
        check_backing(
            "X", current, target, yes_decision=None, artifacts=ALL, override=False, why=""
        )
    backing = check_backing(
        "X",
        current,
        target,
        yes_decision=7,
        artifacts=(),
        override=False,
        why="",
        decision_summary="s",
    )
    assert backing == MoveBacking(7, False, (), "s")


def test_an_override_waives_the_gate_with_a_reason_and_is_marked() -> None:
    with pytest.raises(InputError, match="override needs --why"):
        check_backing(
            "X", Ring.ASSESS, Ring.TRIAL, yes_decision=None, artifacts=(), override=True, why=" "
        )
    backing = check_backing(
        "X", Ring.ASSESS, Ring.TRIAL, yes_decision=None, artifacts=(), override=True, why="vendor"
    )
    assert backing is not None and backing.override and backing.decision is None
    assert backing.waived == ("a YES gate decision",)


@pytest.mark.parametrize("override", [False, True])
def test_adopt_needs_the_three_artifacts_override_or_not(override: bool) -> None:
    with pytest.raises(InputError, match="missing: decision-record, runbook") as caught:
        check_backing(
            "Paged attention",
            Ring.TRIAL,
            Ring.ADOPT,
            yes_decision=3,
            artifacts={"implementation"},
            override=override,
            why="why",
        )
    assert "assay technique attach 'Paged attention' --kind decision-record FILE" in str(
        caught.value
    )
    backing = check_backing(
        "X", Ring.TRIAL, Ring.ADOPT, yes_decision=3, artifacts=ALL, override=False, why=""
    )
    assert backing is not None and backing.decision == 3


def test_staleness() -> None:
    def reasons(ring: Ring, **kwargs: object) -> tuple[str, ...]:
        return stale_reasons(ring, today=TODAY, stale_after_days=180, **kwargs)  # type: ignore[arg-type]

    assert reasons(Ring.ADOPT, newest_evidence=at(180), placed_at=at(400)) == ()
    (old,) = reasons(Ring.ADOPT, newest_evidence=at(181), placed_at=at(10))
    assert old.startswith("newest evidence is 181 days old")
    (none,) = reasons(Ring.TRIAL, newest_evidence=None, placed_at=at(200))
    assert none.startswith("no evidence on record, and placed in TRIAL 200 days ago")
    assert reasons(Ring.TRIAL, newest_evidence=None, placed_at=at(20)) == ()
    assert reasons(Ring.HOLD, newest_evidence=at(900), placed_at=at(900)) == ()
    both = reasons(
        Ring.ADOPT, newest_evidence=at(300), placed_at=at(300), contradictions=["run r contradicts"]
    )
    assert both[0] == "run r contradicts" and len(both) == 2


def test_adopt_without_a_yes_gate_or_artifacts_names_everything_missing() -> None:
    with pytest.raises(InputError) as caught:
        check_backing(
            "X", Ring.TRIAL, Ring.ADOPT, yes_decision=None, artifacts=(), override=False, why=""
        )
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert "a YES gate decision" in message and "--override" in message
    assert "missing: " + ", ".join(ARTIFACT_KINDS) in message

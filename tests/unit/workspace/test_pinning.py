"""The registered criteria behind a gate, and what ``gate check --strict`` fails on
(issue 10): pure rules, no database."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

from assay.criteria import InMemoryEvidence
from assay.criteria.evidence import EffectEstimate, MetricEstimate
from assay.pipeline import gates as gate_rules
from assay.pipeline.prototype import Prototype, Registration, TimeBox, amend, freeze
from assay.types import Ring
from assay.workspace import gate_check
from assay.workspace.pinning import registered_prototype
from assay.workspace.staleness import Staleness

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ORIGINAL = Registration.build(
    hypothesis="h", success=["effect(time) <= -30%"], timebox_end=dt.date(2026, 3, 31)
)


def _record(registration: Registration, *, amended: bool = True) -> SimpleNamespace:
    box = TimeBox(dt.date(2026, 3, 2), registration.timebox_end or dt.date(2026, 3, 31))
    prototype = Prototype("p", "t", registration, timebox=box)
    changes = ("an amendment",) if amended else ()
    return SimpleNamespace(
        freeze=freeze(ORIGINAL, at=T0),
        amendments=changes,
        registration=registration,
        prototype=prototype,
        registered_at=T0,
    )


def test_the_registered_prototype_has_the_frozen_criteria_and_time_box() -> None:
    longer = Registration.build(
        hypothesis="h", success=["effect(time) <= -5%"], timebox_end=dt.date(2026, 5, 31)
    )
    registered = registered_prototype(_record(longer))  # type: ignore[arg-type]
    assert registered is not None
    assert [c.canonical for c in registered.success] == ["effect(time) <= -30%"]
    assert registered.timebox is not None and registered.timebox.end == dt.date(2026, 3, 31)
    assert registered_prototype(_record(ORIGINAL, amended=False)) is None  # type: ignore[arg-type]


def test_criteria_amended_back_judge_as_registered() -> None:
    back = _record(ORIGINAL)
    back.amendments = ("amended, then amended back",)
    assert registered_prototype(back) is None  # type: ignore[arg-type]


def _review(bar: str, effect: float) -> gate_rules.Recommendation:
    prototype = Prototype("p", "t", Registration.build(hypothesis="h", success=[bar]))
    estimate = MetricEstimate(effect, effect - 0.01, effect + 0.01, n=5)
    evidence = InMemoryEvidence(effects={"time": EffectEstimate(estimate, lower_is_better=True)})
    return gate_rules.review(prototype, evidence, today=T0.date())


def test_strict_lines_name_each_problem_once_on_one_line() -> None:
    registered, amended = (
        _review("effect(time) <= -30%", 0.01),
        _review("effect(time) <= -5%", 0.01),
    )
    failing = gate_check.failing_success(registered, amended)
    assert [r.criterion.canonical for r in failing] == [
        "effect(time) <= -30%",
        "effect(time) <= -5%",
    ]
    assert gate_check.failing_success(registered, registered) == failing[:1]
    assert gate_check.failing_success(_review("effect(time) <= -30%", -0.5), None) == ()
    change = amend(
        ORIGINAL,
        Registration.build(hypothesis="h", success=["effect(time) <= -5%"]),
        by="marco",
        reason="fairer",
        at=T0 + dt.timedelta(days=2),
    )
    later = [("run-b", T0 + dt.timedelta(days=3)), ("run-a", T0 + dt.timedelta(days=1))]
    (after,) = gate_check.amended_after_data([change], later)
    assert "by marco after run(s) run-a had begun (fairer)" in after and "run-b" not in after
    assert gate_check.amended_after_data([change], later[:1]) == ()
    check = gate_check.KillCheck(
        "p", "t", registered.stage, (), False, ("run-a",), failing, (after,)
    )
    stale = Staleness("T", Ring.TRIAL, ("contradicted", "old"), None)
    lines = gate_check.strict_lines([check], [stale])
    assert [line.split(":")[0] for line in lines] == [
        "FAIL p",
        "FAIL p",
        "AMENDED p",
        "STALE T (TRIAL)",
        "STALE T (TRIAL)",
    ]
    assert all("\n" not in line for line in lines)
    assert (
        gate_check.strict_lines([dataclasses.replace(check, failing=(), amended_after_data=())], [])
        == []
    )

"""MADR records say effects in the unit a reader thinks in (issue 10, problem 2)."""

from __future__ import annotations

import copy
import datetime as dt

from assay.criteria import EffectEstimate, InMemoryEvidence, MetricEstimate
from assay.pipeline.gates import Role, StageFacts, decide, review
from assay.pipeline.prototype import Prototype, Registration, Stage
from assay.pipeline.radar import Technique
from assay.store.gates import DecisionRecord
from assay.store.prototypes import PrototypeRecord, RecordedFacts
from assay.types import Ring
from assay.workspace.madr import madr_record

AT = dt.datetime(2026, 5, 19, 16, 0, tzinfo=dt.UTC)


def _record(
    effect: tuple[float, float, float],
) -> tuple[Technique, PrototypeRecord, DecisionRecord]:
    registration = Registration.build(
        hypothesis="argpartition is at least 20% faster than sorted for top-k",
        success=["effect(time) <= -20%"],
    )
    prototype = Prototype(
        name="topk-argpartition", technique="argpartition", registration=registration,
        stage=Stage.DISCOVERY,
    )  # fmt: skip
    value, low, high = effect
    evidence = InMemoryEvidence(
        effects={"time": EffectEstimate(MetricEstimate(value, low, high, n=68), True)}
    )
    recommendation = review(prototype, evidence, today=AT.date(), facts=StageFacts())
    answer = recommendation.answer
    decision = decide(recommendation, answer, user="priya", role=Role.APPROVER, why="x", at=AT)
    stored = DecisionRecord(
        1, prototype.name, "argpartition", decision, "0" * 64, recommendation.to_dict(), ("r1",)
    )
    record = PrototypeRecord(
        prototype, "active", None, None, None, ("topk_bench.py",), RecordedFacts(), None,
        AT, "priya", AT, AT,
    )  # fmt: skip
    technique = Technique(name="argpartition", area="algorithms", ring=Ring.ASSESS)
    return technique, record, stored


def test_a_200x_speed_up_reads_as_a_ratio_in_the_record() -> None:
    text = madr_record(*_record((-0.99503, -0.99556, -0.99444)), stale_days=90)
    assert "effect(time) = 201x faster (-99.5%; 95% CI 180x to 225x faster, 68 trials" in text
    assert "-100%" not in text
    assert "99% lower" not in text


def test_a_record_written_before_the_rule_is_read_with_it() -> None:
    technique, record, stored = _record((-0.99503, -0.99556, -0.99444))
    old = copy.deepcopy(stored.recommendation)
    evaluation = old["criteria"][0]["evaluation"]
    evaluation["reason"] = (  # what assay wrote before: percentages that all round to -100%
        "effect(time) = -100% (95% CI -100% to -100%, 68 trials per arm); the whole "
        "interval is at or below -20%"
    )
    stored = DecisionRecord(
        stored.id, stored.prototype, stored.technique, stored.decision,
        stored.registration_hash, old, stored.runs,
    )  # fmt: skip
    text = madr_record(technique, record, stored, stale_days=90)
    assert "201x faster (-99.5%; 95% CI 180x to 225x faster, 68 trials per arm); the whole" in text
    assert "-100%" not in text


def test_a_small_change_stays_a_percentage_in_the_record() -> None:
    text = madr_record(*_record((-0.089, -0.12, -0.051)), stale_days=90)
    assert "effect(time) = -8.9% (95% CI -12% to -5.1%, 68 trials per arm)" in text

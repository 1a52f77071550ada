"""Real records to report on, shared by the unit and browser tests of reports.

The demo study run by the real engine (in-process, at two sequence lengths, with a
short timer), criteria parsed and evaluated against evidence built from its
comparisons, a gate review, a decision against the recommendation, an amendment
after the freeze and a cost-benefit; and a small benchmark file with a sweep and
a two-component ablation. Loaded by path from the conftest files (the suite
imports test files in importlib mode, so a test directory is not a package).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap
from pathlib import Path

from assay.bench import (
    BenchmarkResult,
    BenchOptions,
    Isolation,
    load_benchmark,
    load_module,
    run_benchmark,
)
from assay.bench.registry import Params
from assay.criteria import EffectEstimate, InMemoryEvidence, MetricEstimate, VerdictEstimate
from assay.measure.timer import TimerSettings
from assay.pipeline.cost import CostInputs, MeasuredEffects, cost_benefit
from assay.pipeline.gates import Answer, Role, StageFacts, decide, review
from assay.pipeline.prototype import (
    Prototype,
    Registration,
    Stage,
    Strategy,
    TimeBox,
    amend,
    freeze,
)
from assay.pipeline.radar import Technique
from assay.report import RunEvidence, StudyView
from assay.types import Ring

TODAY = dt.date(2026, 5, 20)
FROZEN_AT = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
AMENDED_AT = dt.datetime(2026, 5, 8, 14, 0, tzinfo=dt.UTC)
DECIDED_AT = dt.datetime(2026, 5, 19, 16, 0, tzinfo=dt.UTC)
FAST_TIMER = TimerSettings(warmup_time=0.0, sample_time=0.0, trial_time=0.002, min_samples=3)
DEMO_POINTS = (256, 1024)

ORIGINAL = Registration.build(
    hypothesis="Tiled attention cuts peak memory by more than half at 1k tokens "
    "and is at least 20% faster, with outputs that still match the reference.",
    success=["effect(peak_heap) <= -50%", "effect(time) <= -20%"],
    kill=["verdict(matches_reference) != worse"],
    soft_kill=["effect(time) <= 50%"],
    requirements=["works with our float32 inference path"],
    timebox_end=dt.date(2026, 5, 29),
)
AMENDED = Registration.build(
    hypothesis=ORIGINAL.hypothesis,
    success=["effect(peak_heap) <= -50%", "effect(time) <= -10%"],
    kill=["verdict(matches_reference) != worse"],
    soft_kill=["effect(time) <= 50%"],
    requirements=ORIGINAL.requirements,
    timebox_end=ORIGINAL.timebox_end,
)


def _options(trials: int = 3) -> BenchOptions:
    return BenchOptions(
        trials=trials, isolation=Isolation.IN_PROCESS, plan_seed=20260504, timer=FAST_TIMER
    )


def run_demo() -> BenchmarkResult:
    """The demo study (tiled against naive attention), run by the real engine."""
    spec = load_module("assay.demo_study.attention")
    workload = dataclasses.replace(spec.workload, grid=(("n", DEMO_POINTS),))
    return run_benchmark(dataclasses.replace(spec, workload=workload), _options())


BENCH_FILE = """
import assay.bench as assay

@assay.workload(params={"n": [64, 256, 1024]})
def numbers(seed, n):
    return [(seed * 7919 + i * 104729) % 1000003 for i in range(n)]

@assay.baseline
def builtin(xs):
    return sorted(xs)

@assay.candidate(components=("copy", "check"))
def careful(xs, copy=True, check=True):
    ys = sorted(list(xs) if copy else xs)
    if check:
        assert all(a <= b for a, b in zip(ys, ys[1:]))
    return ys

@assay.metric(higher_is_better=True)
def in_order(output):
    return float(all(a <= b for a, b in zip(output, output[1:])))
"""


def run_sorting(directory: Path) -> BenchmarkResult:
    """A small benchmark file with a sweep and a two-component ablation."""
    path = directory / "bench_sorting.py"
    path.write_text(textwrap.dedent(BENCH_FILE))
    return run_benchmark(load_benchmark(path), _options())


def evidence_from(result: BenchmarkResult, candidate: str, point: Params) -> InMemoryEvidence:
    """The effects and verdicts of ``candidate`` at ``point``, as the criteria read them."""
    effects, verdicts = {}, {}
    for row in result.comparisons:
        if row.candidate != candidate or row.params != point:
            continue
        n = min(row.n_baseline, row.n_candidate)
        if row.effect is not None and row.ci is not None:
            relative = MetricEstimate(row.effect, row.ci[0], row.ci[1], None, 0.95, n)
            effects[row.metric] = EffectEstimate(relative, row.lower_is_better)
        if row.verdict is not None:
            verdicts[row.metric] = VerdictEstimate(row.verdict, row.needed_trials, n)
    return InMemoryEvidence(effects=effects, verdicts=verdicts)


def technique(name: str = "FlashAttention") -> Technique:
    return Technique(
        name=name,
        area="inference",
        ring=Ring.ASSESS,
        owner="Priya",
        summary="IO-aware exact attention: tiles Q/K/V with an online softmax.",
    )


def build_view(
    result: BenchmarkResult,
    *,
    name: str = "FlashAttention",
    hypothesis: str | None = None,
    decided: bool = True,
    registration: Registration = AMENDED,
) -> StudyView:
    """The whole record of the tiled-attention prototype on ``result``: ``name`` and
    ``hypothesis`` replace user text, ``registration`` the amended criteria."""
    if hypothesis is not None:
        registration = dataclasses.replace(registration, hypothesis=hypothesis)
    prototype = Prototype(
        name="tiled-attention",
        technique=name,
        registration=registration,
        stage=Stage.DISCOVERY,
        strategy=Strategy.FROM_SCRATCH,
        timebox=TimeBox(dt.date(2026, 5, 4), dt.date(2026, 5, 29)),
        evidence=("assay.demo_study.attention",),
    )
    point: Params = (("n", max(DEMO_POINTS)),)
    evidence = evidence_from(result, "tiled", point)
    recommendation = review(prototype, evidence, today=TODAY, facts=StageFacts())
    decisions = ()
    if decided:
        answer = Answer.YES if recommendation.answer is not Answer.YES else Answer.NO
        decisions = (
            decide(
                recommendation,
                answer,
                user="Marco",
                role=Role.APPROVER,
                why="the memory saving alone justifies a validation prototype",
                at=DECIDED_AT,
                override=True,
                conditions="re-run against a fused library kernel",
                advocates=(("Priya", "yes"), ("Sam", "not yet")),
                revisit_when="the fused-kernel baseline is measured",
            ),
        )
    time_effect = evidence.effect("time")
    memory_effect = evidence.effect("peak_heap")
    cost = cost_benefit(
        CostInputs(
            engineer_weeks=3,
            cost_per_engineer_week=4000,
            maintenance_per_month=300,
            price_per_compute_hour=2.5,
            compute_hours_per_month=2000,
            memory_gib=64,
            price_per_gib_month=3,
        ),
        MeasuredEffects(
            time_per_request=time_effect.relative if time_effect else None,
            memory=memory_effect.relative if memory_effect else None,
        ),
    )
    return StudyView(
        technique=technique(name),
        prototype=prototype,
        recommendation=recommendation,
        decisions=decisions,
        frozen=freeze(ORIGINAL, at=FROZEN_AT),
        amendments=(
            amend(
                ORIGINAL,
                registration,
                by="Priya",
                reason="20% was the paper's figure on a GPU; 10% is what matters on our CPUs",
                at=AMENDED_AT,
            ),
        ),
        registered_at=FROZEN_AT - dt.timedelta(days=1),
        runs=(RunEvidence("20260504-a1b2c3", result),),
        candidate="tiled",
        point=point,
        cost=cost,
        cost_inputs=CostInputs(engineer_weeks=3, cost_per_engineer_week=4000),
        as_of=TODAY,
    )

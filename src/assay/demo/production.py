"""The demo's production step (issue 14): after the gate, evidence keeps arriving.

"Speculative decoding" has sat in TRIAL for three months. :func:`production_step`
carries it through its Integration gate and into production, and then shows a
decision that stops being true:

1. the nightly decode benchmark (a pyperf file the team's CI writes each night,
   imported here) says the draft-and-verify decoder is about a quarter faster;
2. a production A/B test at 5% of chat traffic (a per-user CSV written here with
   known effects: +4% task completion, latency flat) is analysed with
   ``assay ab analyze``: the split is checked, latency is a guardrail with a 5%
   non-inferiority margin, CUPED uses last week's latency;
3. the Integration gate judges the pre-registered criteria on both, the approver
   says YES with revisit-when conditions, the technique moves to ADOPT;
4. the rollout ramps 5% → 25% behind a feature flag, each step carrying its A/B
   evidence, the step up allowed because the 5% guardrails held;
5. a driver upgrade slows the decoder: the nightly series shows a change point on
   the metric that justified the decision, which reopens it: the radar marks the
   technique, the review agenda lists it with the evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from assay.demo.context import DemoContext
from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Prototype
from assay.stats.ab_options import ABOptions
from assay.types import Ring
from assay.workspace import Workspace

__all__ = ["PRODUCTION_PROTOTYPE", "PRODUCTION_TECHNIQUE", "production_step"]

PRODUCTION_TECHNIQUE = "Speculative decoding"
PRODUCTION_PROTOTYPE = "speculative-decoding-chat"
FLAG = "chat.speculative_decoding"

_BASELINE_S = 0.0420  # one decode step of the large model alone, seconds
_SPECULATIVE_S = 0.0315  # with the draft model proposing: 25% faster
_REGRESSED_S = 0.0399  # after the driver upgrade: the gain mostly gone

_PROTOTYPE = {
    "name": PRODUCTION_PROTOTYPE,
    "technique": PRODUCTION_TECHNIQUE,
    "hypothesis": (
        "Draft-and-verify decoding makes a decode step at least 15% faster on our chat "
        "model and, in production, raises task completion by at least 1% without "
        "slowing answers"
    ),
    "stage": "integration",
    "timebox": "4w",
    "success": [
        "effect(latency) <= -15%",
        "effect(completed) >= +1%",
    ],
    "kill": {"hard": ["not_worse(latency_ms, margin=5%)"]},
    "requirements": ["outputs identical to the large model's greedy decoding"],
}


def production_step(ws: Workspace, ctx: DemoContext) -> None:
    """Integration gate on benchmark and A/B evidence, rollout, and a reopened decision."""
    ws.user = "Aiko"
    nightly = _Nightly(ws, ctx.root / "nightly" / "decode.json")
    _register(ws, ctx)
    runs = [nightly.night(_SPECULATIVE_S) for _ in range(12 if ctx.quick else 16)]
    for run_id in runs:
        ws.prototypes.link_run(PRODUCTION_PROTOTYPE, run_id)
    ctx.log.append(
        f"nightly decode benchmark: {len(runs)} pyperf files imported (large model alone "
        "vs draft-and-verify), linked as evidence"
    )
    first = _ab(ws, ctx, "ab-chat-5pct.csv", seed=5, latency_change=-0.01)
    _decide(ws, ctx)
    _ramp(ws, ctx, first)
    _regress(ws, ctx, nightly)


class _Nightly:
    """The nightly CI job's pyperf file, imported once per night (one series)."""

    def __init__(self, ws: Workspace, path: Path) -> None:
        self.ws, self.path = ws, path
        self.rng = np.random.default_rng(20261206)
        path.parent.mkdir(parents=True, exist_ok=True)

    def night(self, speculative: float) -> str:
        """Write tonight's file (1% noise) and import it; its run id."""
        benchmarks = [
            self._bench("large-model", _BASELINE_S),
            self._bench("speculative", speculative),
        ]
        self.path.write_text(
            json.dumps({"version": "1.0", "metadata": {}, "benchmarks": benchmarks}),
            encoding="utf-8",
        )
        return self.ws.runs.import_file(self.path, baseline="large-model").run_id

    def _bench(self, name: str, level: float) -> dict[str, Any]:
        runs = [
            {
                "metadata": {},
                "values": [float(v) for v in level * (1 + 0.01 * self.rng.standard_normal(5))],
            }
            for _ in range(5)
        ]
        return {"metadata": {"name": name, "unit": "second"}, "runs": runs}


def _register(ws: Workspace, ctx: DemoContext) -> None:
    """The Integration prototype, registered ten days ago, with its rollout plan."""
    prototype = Prototype.from_dict(_PROTOTYPE, today=ctx.days_ago(10).date())
    ws.prototypes.new(prototype, portfolio="core", candidate="speculative", at=ctx.days_ago(10))
    ws.prototypes.set_facts(
        PRODUCTION_PROTOTYPE,
        rollout_plan=f"flag {FLAG}: 5% → 25% → 100% of chat traffic, a week per step, "
        "each step with its A/B test; latency is the guardrail",
    )
    ctx.log.append(
        f"prototype {PRODUCTION_PROTOTYPE} (integration): benchmark and production A/B "
        "criteria pre-registered, rollout plan attached"
    )


def _ab_file(path: Path, *, seed: int, latency_change: float, users: int = 200_000) -> None:
    """Per-user rows of a chat A/B test with known effects: completion 30% → 31.2%
    in treatment (+4% relative), mean latency changed by ``latency_change``; last
    week's latency as the CUPED covariate (correlation about 0.7)."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, users)
    completed = rng.random(users) < np.where(arm == 1, 0.312, 0.300)
    usual = rng.lognormal(np.log(180.0), 0.25, users)
    pre = usual * rng.lognormal(0.0, 0.12, users)
    now = usual * rng.lognormal(0.0, 0.12, users) * np.where(arm == 1, 1 + latency_change, 1.0)
    lines = ["user,arm,completed,latency_ms,pre_latency_ms"]
    names = np.where(arm == 1, "speculative", "control")
    lines += [
        f"u{i},{names[i]},{int(completed[i])},{now[i]:.2f},{pre[i]:.2f}" for i in range(users)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _ab(ws: Workspace, ctx: DemoContext, name: str, *, seed: int, latency_change: float) -> str:
    """Write and analyse one A/B file, linked to the prototype; the run id."""
    path = ctx.root / name
    _ab_file(path, seed=seed, latency_change=latency_change)
    options = ABOptions(
        arm="arm",
        metrics=("completed",),
        control="control",
        unit="user",
        covariates={"latency_ms": "pre_latency_ms"},
        guardrails={"latency_ms": 0.05},
        lower_is_better=frozenset({"latency_ms"}),
    )
    run = ws.ab.analyze(
        path, options, name=name.removesuffix(".csv"), prototype=PRODUCTION_PROTOTYPE
    )
    summary = run.summary()
    verdicts = ", ".join(f"{m} {v}" for m, v in summary.verdicts.items())
    held = "held" if summary.guardrails_hold else "FAILED"
    ctx.log.append(f"A/B {name}: run {run.run_id}: {verdicts}; guardrails {held}")
    return run.run_id


def _decide(ws: Workspace, ctx: DemoContext) -> None:
    """The Integration gate: review, YES with revisit-when conditions, ADOPT."""
    review = ws.prototypes.review(PRODUCTION_PROTOTYPE, today=ctx.today)
    answer = review.recommendation.answer
    ctx.log.append(
        f"gate review (integration): recommended {answer.label}; "
        + "; ".join(review.recommendation.reasons)
    )
    ws.user = "Sam"
    ws.prototypes.decide(
        PRODUCTION_PROTOTYPE,
        answer,
        why="faster decode steps on the nightly benchmark and more completed tasks in "
        "production, with latency inside its 5% guardrail",
        conditions=f"ramp behind {FLAG}, a week per step, each step with its A/B test",
        revisit_when=["change(latency)", "effect(latency_ms) > +5%"],
        today=ctx.today,
    )
    ctx.log.append(
        f"decision: Sam answered {answer.label} at the integration gate; revisit when "
        "the decode latency changes or the latency guardrail stops holding"
    )
    if answer is Answer.YES:
        _hand_over(ws)
        ws.radar.move(PRODUCTION_TECHNIQUE, Ring.ADOPT, why="integration gate passed")
        ctx.log.append(
            f"radar: {PRODUCTION_TECHNIQUE} TRIAL → ADOPT, backed by that YES and the "
            "knowledge-transfer documents (implementation, decision record, runbook)"
        )


def _hand_over(ws: Workspace) -> None:
    """What ADOPT asks for: the implementation, the decision record, the runbook."""
    ws.radar.attach_text(
        PRODUCTION_TECHNIQUE,
        "implementation",
        "implementation.md",
        "# Speculative decoding in the chat server\n\nDraft model: the 1B distilled "
        "chat model, k = 4 proposed tokens per step; verification in one batched "
        "forward pass of the large model. Behind the flag " + FLAG + ".\n",
    )
    ws.radar.attach_text(
        PRODUCTION_TECHNIQUE,
        "decision-record",
        f"{PRODUCTION_PROTOTYPE}.madr.md",
        ws.prototypes.madr(PRODUCTION_PROTOTYPE),
    )
    ws.radar.attach_text(
        PRODUCTION_TECHNIQUE,
        "runbook",
        "runbook.md",
        "# Runbook: speculative decoding\n\n- Turn it off: set " + FLAG + " to 0%.\n"
        "- Watch: acceptance rate below 0.5 means the draft model drifted from the large "
        "one; latency P99 above its guardrail means verification batches are too big.\n",
    )


def _ramp(ws: Workspace, ctx: DemoContext, first: str) -> None:
    """5% with the gate's A/B test, then 25% with its own."""
    ws.user = "Aiko"
    ws.rollouts.start(PRODUCTION_TECHNIQUE, flag=FLAG, percent=5, ab=[first], today=ctx.today)
    second = _ab(ws, ctx, "ab-chat-25pct.csv", seed=25, latency_change=0.0)
    rollout = ws.rollouts.step(PRODUCTION_TECHNIQUE, percent=25, ab=[second], today=ctx.today)
    ctx.log.append(
        f"rollout: {PRODUCTION_TECHNIQUE} behind {FLAG} at 5%, then "
        f"{rollout.percent:g}% (allowed: the 5% step's guardrails held)"
    )


def _regress(ws: Workspace, ctx: DemoContext, nightly: _Nightly) -> None:
    """A driver upgrade: the nightly decode benchmark slows; the change point on the
    metric that justified the decision reopens it."""
    nights = [nightly.night(_REGRESSED_S) for _ in range(8)]
    for run_id in nights:
        ws.prototypes.link_run(PRODUCTION_PROTOTYPE, run_id)
    reopened = [
        found
        for found in ws.watch.reopened(today=ctx.today)
        if found.prototype == PRODUCTION_PROTOTYPE
    ]
    ctx.log.append(f"nightly decode benchmark after the driver upgrade: {len(nights)} more nights")
    for found in reopened:
        ctx.log.append(f"watch: {found.line()}")
    if not reopened:
        ctx.log.append("watch: no change point found; the decision stands")

"""The demo's decision step: the tiled-attention study carried through a gate.

:func:`decisions_step` runs after the radar and the benchmark steps of
:mod:`assay.demo.build`: the team's users and roles; the technique
"FlashAttention-style tiling" on the radar; a prototype registered two weeks
earlier with its hypothesis, success and kill criteria and time-box; the
benchmark run that judges it (the demo's own, or a small one run here when there
is none), which freezes the criteria; the gate's review; a decision by the demo's
approver; the radar move the YES allows; and the decision exported as a MADR
record, attached to the technique.
"""

from __future__ import annotations

from assay.bench import load_module
from assay.demo.context import DemoContext
from assay.demo_study import demo_options
from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Prototype
from assay.types import Ring
from assay.workspace import Workspace

__all__ = ["DEMO_PROTOTYPE", "DEMO_TECHNIQUE", "decisions_step"]

DEMO_TECHNIQUE = "FlashAttention-style tiling"
DEMO_PROTOTYPE = "tiled-attention-memory"
MODULE = "assay.demo_study.attention"

_USERS = (
    ("Priya", "admin"),
    ("Sam", "approver"),
    ("Marco", "contributor"),
    ("Aiko", "contributor"),
)

_PROTOTYPE = {
    "name": DEMO_PROTOTYPE,
    "technique": DEMO_TECHNIQUE,
    "hypothesis": (
        "Computing attention tile by tile with an online softmax cuts peak memory by more "
        "than half at 4096 tokens, with outputs equal to exact attention"
    ),
    "stage": "discovery",
    "strategy": "from-scratch",
    "timebox": "3w",
    "success": [
        "effect(memory.peak_heap) <= -50%",
        "candidate.max_abs_error < 0.0001",
    ],
    "kill": {
        "hard": ["not_worse(memory.peak_rss, margin=10%)"],
        "soft": ["verdict(matches_reference) != worse"],
    },
    "requirements": ["exact attention: no approximation of the softmax"],
    "evidence": [MODULE],
}


def _users(ws: Workspace, ctx: DemoContext) -> None:
    """The team, each with a demo password for the web app (``assay serve``)."""
    ctx.passwords = {name: f"demo-{name.lower()}-2026" for name, _ in _USERS}
    if ws.users.list():
        return
    ws.user = _USERS[0][0]
    for name, role in _USERS:
        ws.users.add(name, role)
    for name, password in ctx.passwords.items():
        ws.accounts.set_password(name, password)
    ctx.log.append(
        "Gave each demo user a demo password for assay serve (demo only: never use such passwords)"
    )
    owners = {"inference": "Marco", "training": "Aiko"}
    for area in ws.areas.list():
        owner = owners.get(area.area.casefold())
        if owner is not None:
            ws.areas.set_owner(area.area, owner)
    ctx.log.append("areas: Marco owns inference, Aiko owns training (radar, inbox routing)")


def _run_id(ws: Workspace, ctx: DemoContext) -> str:
    """The demo's attention run, or a small one run now."""
    known = ctx.runs.get("attention")
    if known is not None:
        return known
    for info in ws.runs.list():
        if info.name == MODULE or info.source == MODULE:
            return info.run_id
    ws.user = "Marco"
    run_id, _ = ws.runs.start(
        None, demo_options(trials=3, plan_seed=20261126), spec=load_module(MODULE)
    )
    ctx.runs["attention"] = run_id
    return run_id


def decisions_step(ws: Workspace, ctx: DemoContext) -> None:
    """Prototype, pre-registration, evaluation, gate, decision, radar move, MADR record."""
    _users(ws, ctx)
    recommended = _register_and_review(ws, ctx)
    _decide(ws, ctx, recommended)


def _register_and_review(ws: Workspace, ctx: DemoContext) -> Answer:
    """The technique and its prototype, registered two weeks ago; the run that judges
    it; the gate's review. The recommended answer."""
    registered = ctx.days_ago(14)
    ws.user = "Marco"
    ws.radar.add(
        DEMO_TECHNIQUE,
        area="inference",
        owner="Marco",
        summary="Exact attention computed tile by tile with an online softmax, never holding "
        "the n x n score matrix.",
        why="FlashAttention's IO-aware tiling, tried on our CPU path",
        at=ctx.days_ago(21),
    )
    prototype = Prototype.from_dict(_PROTOTYPE, today=registered.date())
    ws.prototypes.new(
        prototype,
        portfolio="core",
        candidate="tiled",
        point={"n": 4096},
        cost_inputs={
            "engineer_weeks": 2,
            "cost_per_engineer_week": 4000,
            "requests_per_month": 30_000_000,
            "price_per_compute_hour": 2.5,
        },
        at=registered,
    )
    run_id = _run_id(ws, ctx)
    record = ws.prototypes.link_run(DEMO_PROTOTYPE, run_id)
    ws.prototypes.set_facts(
        DEMO_PROTOTYPE, declared_scale=4096, scale_unit="tokens", scale_param="n"
    )
    review = ws.prototypes.review(DEMO_PROTOTYPE, today=ctx.today)
    recommended = review.recommendation.answer
    freeze = record.freeze
    ctx.log.append(
        f"prototype {DEMO_PROTOTYPE}: {len(prototype.success)} success and "
        f"{len(prototype.kill)} kill criteria registered 14 days ago, frozen at the start of "
        f"run {run_id} (hash {freeze.content_hash[:12] if freeze else '—'})"
    )
    ctx.log.append(
        f"gate review ({review.stage.value}): recommended {recommended.label}; "
        + "; ".join(review.recommendation.reasons)
    )
    return recommended


def _decide(ws: Workspace, ctx: DemoContext, recommended: Answer) -> None:
    """The approver's decision, the radar move a YES allows, the MADR record."""
    ws.user = "Sam"
    why = {
        Answer.YES: "every pre-registered criterion passes: peak memory at 4096 tokens falls "
        "far more than half with exact outputs; time is not part of this gate",
        Answer.NO: "the evidence says the hypothesis does not hold",
        Answer.NOT_YET: "the evidence does not settle the criteria yet",
    }[recommended]
    decision = ws.prototypes.decide(
        DEMO_PROTOTYPE,
        recommended,
        why=why,
        conditions="validate against a fused library kernel, the honest baseline",
        advocates=[
            ("Marco", "yes: memory is what limits our long-context batches"),
            ("Aiko", "not yet: the time effect at 4096 tokens is still inconclusive"),
        ],
        revisit_when="a fused attention kernel is available on our CPU path",
        today=ctx.today,
        dissents=[("Aiko", "adopting on memory alone while the time effect is inconclusive")],
    )
    ctx.log.append(
        f"decision: Sam (approver) answered {decision.answer.label} at the "
        f"{decision.decision.stage.value} gate of {DEMO_PROTOTYPE}; Aiko's dissent is on "
        "the record, so the decision is revisited in 90 days"
    )
    ws.user = "Marco"
    ws.learnings.add(
        DEMO_PROTOTYPE,
        learned="chunked attention cuts peak memory by far more than half at 4096 tokens "
        "with exact outputs; its time cost depends on the chunk size",
        surprises="the paper's speed-up came from a fused kernel we do not have on CPU",
        implicit="peak memory must be measured in a fresh process per trial, or the "
        "allocator's cache hides the saving",
        advice="compare against a fused library kernel before claiming time; keep "
        "chunk size a sweep parameter",
        outcome="kept",
    )
    ctx.log.append(f"learnings: Marco wrote what {DEMO_PROTOTYPE} taught the team")
    ws.user = "Sam"
    if decision.answer is Answer.YES:
        ws.radar.move(DEMO_TECHNIQUE, Ring.TRIAL)
        ctx.log.append(f"radar: {DEMO_TECHNIQUE} ASSESS → TRIAL, backed by that YES")
    path = ctx.root / f"{DEMO_PROTOTYPE}.madr.md"
    path.write_text(ws.prototypes.madr(DEMO_PROTOTYPE), encoding="utf-8")
    ws.radar.attach(DEMO_TECHNIQUE, "decision-record", path)
    ctx.log.append(f"decision record: {path.name} (MADR 4), attached to {DEMO_TECHNIQUE}")

"""The demo's radar: a dozen techniques with the ring history the team kept before
assay, brought in as an import."""

from __future__ import annotations

import dataclasses
import datetime as dt

from assay.demo.context import DemoContext
from assay.pipeline.radar import RingMove, Technique
from assay.types import Ring
from assay.workspace import Workspace

__all__ = ["RADAR", "TEAM", "radar_step"]


@dataclasses.dataclass(frozen=True)
class _Entry:
    name: str
    area: str
    owner: str
    summary: str
    # (days ago, ring, who, why), oldest first; the first is the initial placement.
    moves: tuple[tuple[int, Ring, str, str], ...]
    next_action: tuple[str, int] | None = None  # (text, due in days; negative = overdue)


TEAM = ("Priya", "Marco", "Aiko", "Sam")

RADAR: tuple[_Entry, ...] = (
    _Entry(
        "FlashAttention",
        "inference",
        "Priya",
        "IO-aware exact attention: tiles Q/K/V through on-chip memory with an online softmax.",
        (
            (
                240,
                Ring.ASSESS,
                "Priya",
                "paper read: 2-4x faster attention, exact, no approximation",
            ),
            (150, Ring.TRIAL, "Marco", "prototype matched outputs to 1e-3 and cut memory 8x at 8k"),
            (60, Ring.ADOPT, "Marco", "validated on production traffic; runbook written"),
        ),
        ("re-check against the new serving kernels after the driver upgrade", 30),
    ),
    _Entry(
        "Speculative decoding",
        "inference",
        "Aiko",
        "A small draft model proposes tokens the large model verifies in one pass.",
        (
            (180, Ring.ASSESS, "Aiko", "claims 2-3x decode speed-up with identical outputs"),
            (90, Ring.TRIAL, "Aiko", "1.8x on our chat traffic at acceptance rate 0.62"),
        ),
        ("measure P99 under production batch sizes", -9),
    ),
    _Entry(
        "PagedAttention",
        "serving",
        "Marco",
        "KV cache in fixed-size pages, so batches share memory without fragmentation.",
        (
            (200, Ring.ASSESS, "Marco", "vLLM reports 2-4x throughput from less KV waste"),
            (120, Ring.TRIAL, "Sam", "throughput +2.1x at equal P99 in the shadow cluster"),
            (40, Ring.ADOPT, "Sam", "rolled out behind a flag to all chat replicas"),
        ),
    ),
    _Entry(
        "Continuous batching",
        "serving",
        "Sam",
        "Admit and retire requests every decoding step instead of per batch.",
        (
            (210, Ring.ASSESS, "Sam", "standard in modern servers"),
            (100, Ring.ADOPT, "Sam", "no-brainer: +40% goodput, shipped with PagedAttention"),
        ),
    ),
    _Entry(
        "LoRA",
        "training",
        "Priya",
        "Low-rank adapters: fine-tune a few million parameters instead of all of them.",
        (
            (300, Ring.ASSESS, "Priya", "cheap per-customer fine-tunes"),
            (200, Ring.TRIAL, "Priya", "within 0.3 points of full fine-tuning on our eval"),
            (110, Ring.ADOPT, "Priya", "all customer fine-tunes now use rank-16 adapters"),
        ),
    ),
    _Entry(
        "QLoRA",
        "training",
        "Aiko",
        "LoRA on a 4-bit quantised base model.",
        ((70, Ring.ASSESS, "Aiko", "could fit 70B fine-tunes on one GPU"),),
        ("reproduce the 4-bit NormalFloat accuracy claim on our eval set", 14),
    ),
    _Entry(
        "Mixture-of-experts routing",
        "architecture",
        "Marco",
        "Route each token to a few expert MLPs out of many.",
        (
            (160, Ring.ASSESS, "Marco", "quality per FLOP looks strong in the papers"),
            (
                45,
                Ring.HOLD,
                "Marco",
                "load imbalance and all-to-all cost on our 8-GPU nodes; "
                "revisit when expert-parallel kernels mature",
            ),
        ),
    ),
    _Entry(
        "Linformer-style efficient attention",
        "architecture",
        "Aiko",
        "Project keys and values to a fixed length k, making attention linear in n.",
        (
            (260, Ring.ASSESS, "Aiko", "paper claims linear-time attention at small quality cost"),
            (190, Ring.TRIAL, "Aiko", "3-10x faster than our naive attention at every length"),
            (
                130,
                Ring.SKIP,
                "Priya",
                "the speed-up vanished against FlashAttention, our real baseline: "
                "slower below 8k tokens, and quality dropped 1.2 points on long-context QA",
            ),
        ),
    ),
    _Entry(
        "INT8 weight-only quantisation",
        "inference",
        "Sam",
        "Store weights in 8 bits, compute in 16.",
        (
            (95, Ring.ASSESS, "Sam", "halves weight memory; accuracy cost unknown on our models"),
            (30, Ring.TRIAL, "Sam", "accuracy within 0.2 points; latency gains at batch 1 only"),
        ),
        ("decide on the validation gate after the batch-size sweep", 7),
    ),
    _Entry(
        "KV-cache quantisation",
        "serving",
        "Marco",
        "Keep the KV cache in 8 or 4 bits to fit longer contexts.",
        ((25, Ring.ASSESS, "Marco", "could double the context per GPU"),),
        ("read the two competing papers (pass 1)", -2),
    ),
    _Entry(
        "Ring attention",
        "architecture",
        "Priya",
        "Shard very long sequences across devices, passing KV blocks around a ring.",
        ((20, Ring.ASSESS, "Priya", "only matters past 128k tokens; watch"),),
    ),
    _Entry(
        "Gradient checkpointing",
        "training",
        "Sam",
        "Recompute activations in the backward pass to save memory.",
        ((400, Ring.ADOPT, "Sam", "standard practice; on by default in our trainer"),),
    ),
)


def _technique(entry: _Entry, ctx: DemoContext) -> Technique:
    moves: list[RingMove] = []
    previous: Ring | None = None
    for days, ring, by, why in entry.moves:
        moves.append(RingMove(previous, ring, ctx.days_ago(days), by, why))
        previous = ring
    action, due = (None, None)
    if entry.next_action is not None:
        action = entry.next_action[0]
        due = ctx.today + dt.timedelta(days=entry.next_action[1])
    return Technique(
        name=entry.name,
        area=entry.area,
        ring=moves[-1].to_ring,
        owner=entry.owner,
        summary=entry.summary,
        next_action=action,
        due=due,
        history=tuple(moves),
    )


def radar_step(ws: Workspace, ctx: DemoContext) -> None:
    """The team's radar as it stood before assay: a dozen techniques with their history."""
    ws.radar.import_techniques([_technique(entry, ctx) for entry in RADAR])
    ctx.log.append(
        f"radar: {len(RADAR)} techniques across {len({e.area for e in RADAR})} areas, "
        "with the ring history the team kept before assay"
    )

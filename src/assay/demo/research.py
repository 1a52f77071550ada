"""The demo's research record: the FlashAttention paper read in three passes, with its
note, red flags, checklist, viability and claims; papers screened out early; the
team's predictions with a calibration table; and the post-mortem of the SKIPped
Linformer-style efficient attention. The memory claim is linked to the benchmark
step's run (``ctx.runs["attention"]``), which reproduces it.

:func:`research_step` runs after the radar step (it links papers to the radar's
techniques) and uses only the workspace's public services.
"""

from __future__ import annotations

import datetime as dt

from assay.demo.context import DemoContext
from assay.formats.bibtex import bibtex_papers, parse_bibtex
from assay.pipeline.postmortem import (
    ActionItem,
    FailureCategory,
    FailurePattern,
    PostMortem,
    Problem,
    WhyChain,
)
from assay.pipeline.predictions import Outcome
from assay.pipeline.reading import Decision, Level, RedFlagKind, Severity, ViabilityDimension
from assay.store.reproductions import FromRun
from assay.workspace import Workspace

__all__ = ["research_step"]

_BIB = r"""
@inproceedings{dao2022flashattention,
  title     = {Flash{A}ttention: Fast and Memory-Efficient Exact Attention with {IO}-Awareness},
  author    = {Dao, Tri and Fu, Daniel Y. and Ermon, Stefano and Rudra, Atri
               and R{\'e}, Christopher},
  booktitle = {Advances in Neural Information Processing Systems},
  year      = 2022,
  eprint    = {2205.14135},
  archivePrefix = {arXiv},
  url       = {https://github.com/Dao-AILab/flash-attention},
}
@article{wang2020linformer,
  title   = {Linformer: Self-Attention with Linear Complexity},
  author  = {Wang, Sinong and Li, Belinda Z. and Khabsa, Madian and Fang, Han and Ma, Hao},
  journal = {CoRR},
  year    = 2020,
  eprint  = {2006.04768},
  archivePrefix = {arXiv},
}
@inproceedings{kitaev2020reformer,
  title     = {Reformer: The Efficient Transformer},
  author    = {Kitaev, Nikita and Kaiser, {\L}ukasz and Levskaya, Anselm},
  booktitle = {International Conference on Learning Representations},
  year      = 2020,
  eprint    = {2001.04451},
  archivePrefix = {arXiv},
}
@article{choromanski2020performer,
  title   = {Rethinking Attention with {P}erformers},
  author  = {Choromanski, Krzysztof and Likhosherstov, Valerii and others},
  journal = {CoRR},
  year    = 2020,
  eprint  = {2009.14794},
  archivePrefix = {arXiv},
}
"""

_FLASH = "dao2022flashattention"
_LINFORMER = "Linformer-style efficient attention"


def _papers(ws: Workspace, ctx: DemoContext) -> None:
    papers = ws.papers
    ws.user = "Priya"
    papers.add(bibtex_papers(parse_bibtex(_BIB, source="demo.bib")))
    papers.link(_FLASH, "FlashAttention")
    papers.link("wang2020linformer", _LINFORMER)
    day = ctx.today
    screened = (
        ("kitaev2020reformer", "Aiko", "LSH attention shares keys and queries; "
         "our gains would come from serving, not from 64k-token training"),
        ("choromanski2020performer", "Marco", "approximate attention; our long-context QA "
         "cannot afford the quality loss the paper's Table 2 shows"),
    )  # fmt: skip
    for key, who, why in screened:
        ws.user = who
        papers.read(key, [(1, {"relevance": why}, Decision.STOP, "not our problem", day)])
    ws.user = "Aiko"
    papers.read(
        "wang2020linformer",
        [
            (1, {"claim": "attention in O(n) time and memory via low-rank projection of K, V",
                 "relevance": "long-context serving is our bottleneck"},
             Decision.CONTINUE, "promising for long contexts", day - dt.timedelta(days=262)),
            (2, {"key_results": "speed-ups against standard attention only",
                 "limitations_missing": "no comparison with fused exact kernels"},
             Decision.CONTINUE, "prototype it", day - dt.timedelta(days=261)),
        ],
    )  # fmt: skip


def _flash_reading(ws: Workspace, ctx: DemoContext) -> None:
    papers = ws.papers
    ws.user = "Priya"
    start = ctx.today - dt.timedelta(days=241)
    papers.read(
        _FLASH,
        [
            (1, {"claim": "exact attention 2-4x faster with memory linear in sequence length",
                 "problem": "attention is bound by HBM reads and writes, not FLOPs",
                 "relevance": "our P99 latency is attention-bound at 4k-8k tokens",
                 "plausibility": "high: tiling and recomputation are well understood"},
             Decision.CONTINUE, "directly relevant to serving", start),
            (2, {"technique": "tile Q, K, V through SRAM with an online softmax; recompute "
                              "attention in the backward pass instead of storing it",
                 "key_results": "3x on GPT-2 (seq 1K), 15% on BERT-large end to end",
                 "limitations_stated": "needs a custom CUDA kernel per GPU architecture",
                 "limitations_missing": "baselines are PyTorch eager, not a fused kernel",
                 "can_implement": "yes: the authors' kernel is open source"},
             Decision.CONTINUE, "worth a prototype", start + dt.timedelta(days=1)),
            (3, {"can_reimplement": "the forward pass, yes; the backward needs care",
                 "hidden_assumptions": "head dimension at most 128; fp16/bf16 only",
                 "what_breaks_it": "fp32 inputs fall back to the slow path",
                 "ablations": "block size matters; none isolates recomputation's cost"},
             Decision.CONTINUE, "prototype on our serving shapes", start + dt.timedelta(days=3)),
        ],
        note={
            "date_read": start + dt.timedelta(days=3),
            "relevance": 5,
            "summary": "IO-aware exact attention: tiling and an online softmax avoid "
                       "materialising the n×n score matrix.",
            "key_insight": "count memory traffic, not FLOPs",
            "results_vs_baselines": "2-4x over PyTorch eager attention; no fused baseline",
            "limitations": "CUDA only; head dim ≤ 128",
            "production_viability": "high: drop-in through the serving framework's kernel",
            "implementation_effort": "a week to integrate and validate, no retraining",
        },
    )  # fmt: skip


def _flash_judgement(ws: Workspace) -> None:
    """Priya's red flags, code checklist and viability scores for FlashAttention."""
    papers = ws.papers
    papers.flag(_FLASH, RedFlagKind.WEAK_BASELINES, severity=Severity.LOW,
                evidence=["Table 2: baselines are PyTorch eager attention, not a fused kernel"],
                note="the speed-up against our fused baseline will be smaller")  # fmt: skip
    papers.flag(_FLASH, RedFlagKind.MISSING_ABLATIONS, severity=Severity.LOW,
                evidence=["§4: no ablation separates tiling from recomputation"])  # fmt: skip
    papers.checklist(_FLASH, {"dependencies": True, "training_code": True,
                              "evaluation_code": True, "pretrained_models": False,
                              "results_table": True})  # fmt: skip
    d = ViabilityDimension
    papers.viability(
        _FLASH,
        scores={d.COMPUTATIONAL_EFFICIENCY: 5, d.INTEGRATION_COMPLEXITY: 4, d.ROBUSTNESS: 4,
                d.MAINTAINABILITY: 4},
        notes={d.COMPUTATIONAL_EFFICIENCY: "less memory traffic at every length we serve",
               d.INTEGRATION_COMPLEXITY: "a kernel swap behind the attention interface"},
        red={d.MAINTAINABILITY: ["custom CUDA per GPU generation"]},
        green={d.MAINTAINABILITY: ["maintained upstream in the serving framework"],
               d.INTEGRATION_COMPLEXITY: ["a flag can turn it off"]},
        factors={"reversibility": Level.HIGH, "expected_gain": Level.HIGH,
                 "maturity": Level.MEDIUM, "criticality": Level.MEDIUM, "shadow_mode": True},
    )  # fmt: skip


def _claims(ws: Workspace, ctx: DemoContext) -> int:
    """The paper's claims, one reproduced by the demo's benchmark run; returns how many."""
    claims = ws.claims
    ws.user = "Marco"
    memory = claims.add(
        _FLASH, metric="memory saving", value=10.0, unit="x",
        setting="attention memory against standard attention, seq len 2K (Fig. 3)",
    )  # fmt: skip
    run = ctx.runs.get("attention")
    if run is not None:  # the benchmark step ran: tiled against naive attention, n = 2048
        claims.link_run(
            memory.id, run,
            from_run=FromRun("peak_heap", "tiled", "naive", "times-smaller", {"n": "2048"}),
        )  # fmt: skip
    speed = claims.add(
        _FLASH, metric="speed-up", value=3.0, unit="x",
        setting="GPT-2 attention, seq len 1K, A100, against PyTorch eager",
    )  # fmt: skip
    claims.link_run(speed.id, "proto-2026-04-flash", [2.1, 2.3, 2.2, 2.0, 2.25])
    claims.add_finding(speed.id, "against our fused baseline kernel, not eager PyTorch, the gain "
                  "is 2.2x; fp32 inputs silently take the slow path: use bf16")  # fmt: skip
    end_to_end = claims.add(
        _FLASH, metric="end-to-end speed-up", value=1.15, unit="x",
        setting="BERT-large training, seq len 512",
    )  # fmt: skip
    claims.link_run(end_to_end.id, "proto-2026-05-bert", [1.12, 1.16, 1.14, 1.13])
    return 3


# (question, tags, [(who, p)], resolve-by in days from today, outcome or None, created days ago)
_PREDICTIONS: tuple[
    tuple[str, tuple[str, ...], tuple[tuple[str, float], ...], int, Outcome | None, int], ...
] = (
    ("FlashAttention is in our serving stack within two quarters", ("inference",),
     (("Priya", 0.8), ("Marco", 0.7)), -70, Outcome.YES, 230),
    ("Linformer-style attention beats our baseline on long-context QA latency", ("architecture",),
     (("Aiko", 0.7), ("Priya", 0.4)), -140, Outcome.NO, 250),
    ("PagedAttention doubles chat throughput at equal P99", ("serving",),
     (("Marco", 0.6), ("Sam", 0.7)), -110, Outcome.YES, 195),
    ("LoRA stays within 0.5 points of full fine-tuning on our eval", ("training",),
     (("Priya", 0.9),), -190, Outcome.YES, 290),
    ("MoE routing reaches production this year", ("architecture",),
     (("Marco", 0.6), ("Aiko", 0.3)), -40, Outcome.NO, 150),
    ("Speculative decoding gives at least 2x decode speed on chat traffic", ("inference",),
     (("Aiko", 0.6), ("Sam", 0.3)), -80, Outcome.NO, 170),
    ("INT8 weight-only quantisation costs under 0.3 points of accuracy", ("inference",),
     (("Sam", 0.7),), -20, Outcome.YES, 90),
    ("Continuous batching raises goodput by at least 30%", ("serving",),
     (("Sam", 0.9), ("Marco", 0.8)), -95, Outcome.YES, 205),
    ("KV-cache quantisation to 4 bits keeps long-context QA within 1 point", ("serving",),
     (("Marco", 0.5),), -3, None, 25),
    ("FlashAttention-3 is in our serving stack by next summer", ("inference",),
     (("Priya", 0.7), ("Marco", 0.55)), 200, None, 10),
)  # fmt: skip


def _predictions(ws: Workspace, ctx: DemoContext) -> int:
    """The team's forecasts; returns the id of the Linformer prediction that went wrong."""
    predictions = ws.predictions
    wrong = 0
    for question, tags, forecasts, by_days, outcome, created in _PREDICTIONS:
        (first, p), *others = forecasts
        ws.user = first
        made = predictions.add(
            question, p, ctx.today + dt.timedelta(days=by_days), tags=tags,
            at=ctx.days_ago(created),
        )  # fmt: skip
        assert made.id is not None
        for i, (who, q) in enumerate(others, 1):
            ws.user = who
            predictions.forecast(int(made.id), q, at=ctx.days_ago(created - i))
        if outcome is not None:
            ws.user = first
            predictions.resolve(int(made.id), outcome, at=ctx.days_ago(max(-by_days - 2, 1)))
        if question.startswith("Linformer"):
            wrong = int(made.id)
    return wrong


def _postmortem(ws: Workspace, ctx: DemoContext, wrong_prediction: int) -> None:
    ws.user = "Priya"
    pm = PostMortem(
        subject=_LINFORMER,
        timeline=(),  # taken from the technique's ring history
        problems=(
            Problem(FailureCategory.PAPER_EVALUATION,
                    "the paper's speed-ups are against standard attention, not a fused kernel"),
            Problem(FailureCategory.PROTOTYPE,
                    "the prototype was benchmarked against our naive attention, not production's"),
            Problem(FailureCategory.PROCESS,
                    "the trial went ahead without a quality check on long-context QA"),
        ),
        why_chains=(
            WhyChain("the 3-10x speed-up vanished against FlashAttention",
                     ("the prototype's baseline was naive attention",
                      "the benchmark reused the paper's setup",
                      "triage never asks what production actually runs"),
                     FailurePattern.BENCHMARK_PRODUCTION_GAP),
            WhyChain("quality dropped 1.2 points on long-context QA",
                     ("the projection length k was tuned on short inputs",
                      "no long-context evaluation existed before the trial"),
                     FailurePattern.SCALE_SURPRISE),
        ),
        lessons=(
            "Benchmark a candidate against what production runs, never a naive baseline.",
            "Evaluate quality at the lengths we serve before a trial, not after.",
        ),
        actions=(
            ActionItem("add 'which baseline does production run?' to paper triage", "Priya",
                       ctx.today - dt.timedelta(days=60), ctx.today - dt.timedelta(days=75)),
            ActionItem("build a long-context QA evaluation set", "Aiko",
                       ctx.today - dt.timedelta(days=12)),
            ActionItem("re-test projection attention beyond 32k tokens", "Aiko",
                       ctx.today + dt.timedelta(days=45),
                       question="Does projection attention pay off beyond 32k tokens, "
                                "against FlashAttention?"),
        ),
        wrong_predictions=(str(wrong_prediction),),
        missed_red_flags=(RedFlagKind.WEAK_BASELINES, RedFlagKind.TOY_DATASETS),
    )  # fmt: skip
    ws.postmortems.add(
        pm, open_on_radar={2: ("Projection attention beyond 32k tokens", "architecture")}
    )


def research_step(ws: Workspace, ctx: DemoContext) -> None:
    """Papers, reading notes, flags, viability, claims, predictions and a post-mortem."""
    _papers(ws, ctx)
    _flash_reading(ws, ctx)
    _flash_judgement(ws)
    claims = _claims(ws, ctx)
    wrong = _predictions(ws, ctx)
    _postmortem(ws, ctx, wrong)
    report = ws.predictions.score(ctx.today)
    brier = report.overall.brier
    scored = "no scores yet" if brier is None else f"Brier {brier:.3f}"
    ctx.log.append(
        f"research record: {len(ws.papers.list())} papers (FlashAttention read in 3 passes, "
        f"two screened out at pass 1), {claims} claims, {len(_PREDICTIONS)} predictions "
        f"({scored} over {report.overall.count} scored forecasts), "
        f"1 post-mortem ({_LINFORMER})"
    )

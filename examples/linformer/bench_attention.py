"""Linformer against exact attention, with naive attention as the weak baseline.

An ordinary assay benchmark file (``assay bench run examples/linformer/bench_attention.py``).
Three ways to attend over ``n`` tokens:

- **exact** (the baseline): :func:`torch.nn.functional.scaled_dot_product_attention`,
  PyTorch's fused kernel (FlashAttention or memory-efficient attention on a GPU,
  a fused flash-style loop on the CPU). This is the honest baseline: what a
  production model would call.
- **linformer** (the candidate): the Linformer projection (Wang et al. 2020):
  keys and values are projected along the sequence by ``E`` and ``F``
  (``k × n`` matrices, ``k`` = 256 by default) before attention, so the score
  matrix is ``n × k`` instead of ``n × n``: linear in ``n``, but approximate, and
  not free: two extra matrix products whose cost only pays off for long
  sequences.
- **naive**: ``softmax(Q Kᵀ / √d) V`` with the whole score matrix materialised,
  three separate kernels. Many papers measure against this; assay flags it as a
  **weak baseline** when exact attention beats it at every sweep point with no
  gain on anything else.

What to expect: below some ``n`` Linformer's projections cost more than the
attention they save, above it Linformer wins. The run reports that crossover
with its interval ("linformer is faster than exact above n ≈ …"), and the
naive method's weak-baseline warning with the factor by which a comparison
against it would flatter any technique. The error metric shows what the speed
costs: Linformer's outputs differ from exact attention (random ``E``/``F`` here,
not trained ones), the other two agree to rounding.

Settings, from the environment so that the same file serves a laptop and a GPU:

- ``LINFORMER_DEVICE``: ``cuda`` or ``cpu``; default ``cuda`` where an NVIDIA
  driver is installed (``nvidia-smi`` on the PATH), else ``cpu``. Decided without
  initialising CUDA, which must happen in the trial processes, not before they
  fork.
- ``LINFORMER_SWEEP``: ``full`` (n = 256 … 16384), ``cpu`` (256 … 2048) or a
  comma-separated list of lengths; default ``full`` on CUDA and ``cpu`` on the CPU.
- ``LINFORMER_K``: projected length ``k`` (default 256; clipped to ``n``).
- ``LINFORMER_HEADS``: attention heads (default 8 on CUDA, 1 on the CPU).
"""

from __future__ import annotations

import math
import os
import shutil
from typing import Any

import torch
import torch.nn.functional as F

import assay.bench as assay

FULL_SWEEP = [256, 512, 1024, 2048, 4096, 8192, 16384]
CPU_SWEEP = [256, 512, 1024, 2048]
HEAD_DIM = 64


def _device() -> str:
    chosen = os.environ.get("LINFORMER_DEVICE") or ("cuda" if shutil.which("nvidia-smi") else "cpu")
    if chosen not in ("cuda", "cpu"):
        raise ValueError(f"LINFORMER_DEVICE={chosen!r}: expected 'cuda' or 'cpu'")
    return chosen


def _sweep(device: str) -> list[int]:
    text = os.environ.get("LINFORMER_SWEEP") or ("full" if device == "cuda" else "cpu")
    if text == "full":
        return FULL_SWEEP
    if text == "cpu":
        return CPU_SWEEP
    try:
        lengths = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(
            f"LINFORMER_SWEEP={text!r}: expected 'full', 'cpu' or lengths like 256,1024"
        ) from None
    if not lengths or min(lengths) < 1:
        raise ValueError(f"LINFORMER_SWEEP={text!r}: lengths must be positive")
    return lengths


DEVICE = _device()
LENGTHS = _sweep(DEVICE)
K = int(os.environ.get("LINFORMER_K", "256"))
HEADS = int(os.environ.get("LINFORMER_HEADS", "8" if DEVICE == "cuda" else "1"))
DTYPE = torch.float16 if DEVICE == "cuda" else torch.float32
TOLERANCE = 1e-2 if DEVICE == "cuda" else 1e-4
"""Errors below this are rounding (float16 on CUDA, float32 on the CPU)."""

Inputs = dict[str, Any]


@assay.workload(params={"n": LENGTHS}, items=lambda x: x["q"].shape[-2])
def tokens(seed: int, n: int) -> Inputs:
    """Queries, keys and values ``(1, HEADS, n, HEAD_DIM)`` and Linformer's ``E``, ``F``."""
    if DEVICE == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("LINFORMER_DEVICE=cuda but torch sees no CUDA device")
    generator = torch.Generator(device=DEVICE).manual_seed(seed)

    def randn(*shape: int, scale: float = 1.0) -> torch.Tensor:
        x = torch.randn(*shape, generator=generator, device=DEVICE, dtype=torch.float32)
        return (x * scale).to(DTYPE)

    k = min(K, n)
    return {
        "q": randn(1, HEADS, n, HEAD_DIM),
        "k": randn(1, HEADS, n, HEAD_DIM),
        "v": randn(1, HEADS, n, HEAD_DIM),
        # the projections, scaled so that E·K keeps K's magnitude
        "E": randn(k, n, scale=1 / math.sqrt(n)),
        "F": randn(k, n, scale=1 / math.sqrt(n)),
    }


@assay.baseline
def exact(x: Inputs) -> torch.Tensor:
    """PyTorch's fused attention kernel."""
    return F.scaled_dot_product_attention(x["q"], x["k"], x["v"])


@assay.candidate
def linformer(x: Inputs) -> torch.Tensor:
    """Keys and values projected to ``k`` rows along the sequence, then attention."""
    keys = x["E"] @ x["k"]  # (k, n) @ (1, H, n, d) → (1, H, k, d)
    values = x["F"] @ x["v"]
    return F.scaled_dot_product_attention(x["q"], keys, values)


@assay.candidate
def naive(x: Inputs) -> torch.Tensor:
    """softmax(Q Kᵀ / √d) V, the ``n × n`` score matrix in memory."""
    scores = (x["q"] @ x["k"].transpose(-2, -1)) * (1.0 / math.sqrt(HEAD_DIM))
    out: torch.Tensor = torch.softmax(scores, dim=-1) @ x["v"]
    return out


@assay.metric(higher_is_better=False)
def max_abs_error(output: torch.Tensor, x: Inputs) -> float:
    """Largest absolute difference from attention computed in float64, head by head.

    Floored at ``TOLERANCE``, the rounding level of the inputs' precision: two
    exact methods differ from each other below it by the order of their float
    operations, which is not a difference in quality (and would otherwise make
    one of them "better" at random)."""
    worst = 0.0
    for h in range(HEADS):
        q, k, v = (x[name][:, h].double() for name in ("q", "k", "v"))
        reference = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(HEAD_DIM), dim=-1) @ v
        worst = max(worst, float((output[:, h].double() - reference).abs().max()))
    return max(worst, TOLERANCE)

"""Demo study: FlashAttention-style tiled attention against naive attention, in NumPy.

An ordinary assay benchmark file. The **baseline** materialises the full
``n × n`` score matrix, softmaxes it and multiplies by the values. The
**candidate** never holds more than one ``BLOCK × BLOCK`` tile of scores: for each
block of queries it walks the key blocks keeping a running maximum, a running
sum of exponentials and a rescaled output accumulator — the online softmax of
FlashAttention (Dao et al. 2022, after Milakov & Gimelshein 2018) — and divides
once at the end. Both compute exact attention; the quality metrics check the
outputs against a float64 reference.

What to expect: the tiled version's peak heap grows linearly in ``n`` where the
naive one grows quadratically; its time pays a Python loop per tile, so it
loses on short sequences and may win on long ones once the naive score matrix
no longer fits in cache. Note the baseline: naive attention is a weak one. A
fused library kernel would be the honest baseline for a production decision —
the choice of baseline decides the headline.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import assay.bench as assay

D = 64
"""Head dimension."""
BLOCK = 256
"""Rows of queries and keys per tile."""
LENGTHS = [256, 512, 1024, 2048, 4096]
"""The sweep of sequence lengths."""
TOLERANCE = 1e-4
"""Largest absolute difference from the float64 reference counted as equal."""

QKV = tuple[np.ndarray, np.ndarray, np.ndarray]


@assay.workload(params={"n": LENGTHS}, items=lambda qkv: qkv[0].shape[0])
def tokens(seed: int, n: int) -> QKV:
    """Queries, keys and values for ``n`` tokens, float32, from the trial's seed."""
    rng = np.random.default_rng(seed)
    q, k, v = (rng.standard_normal((n, D), dtype=np.float32) for _ in range(3))
    return q, k, v


@assay.baseline
def naive(qkv: QKV) -> np.ndarray:
    """softmax(Q Kᵀ / √d) V with the whole score matrix in memory."""
    q, k, v = qkv
    scores = (q @ k.T) * np.float32(1.0 / np.sqrt(D))
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    out: np.ndarray = scores @ v
    return out


def _query_block(qi: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Attention of one block of (pre-scaled) queries, by online softmax over key blocks."""
    rows = qi.shape[0]
    running_max = np.full(rows, -np.inf, dtype=np.float32)
    running_sum = np.zeros(rows, dtype=np.float32)
    acc = np.zeros((rows, v.shape[1]), dtype=np.float32)
    for j in range(0, k.shape[0], BLOCK):
        scores = qi @ k[j : j + BLOCK].T
        new_max = np.maximum(running_max, scores.max(axis=1))
        probs = np.exp(scores - new_max[:, None])
        rescale = np.exp(running_max - new_max)
        running_sum = running_sum * rescale + probs.sum(axis=1)
        acc = acc * rescale[:, None] + probs @ v[j : j + BLOCK]
        running_max = new_max
    out: np.ndarray = acc / running_sum[:, None]
    return out


@assay.candidate
def tiled(qkv: QKV) -> np.ndarray:
    """The same attention, one BLOCK × BLOCK tile of scores at a time."""
    q, k, v = qkv
    scale = np.float32(1.0 / np.sqrt(D))
    out = np.empty_like(q)
    for i in range(0, q.shape[0], BLOCK):
        out[i : i + BLOCK] = _query_block(q[i : i + BLOCK] * scale, k, v)
    return out


def _reference(qkv: QKV) -> np.ndarray:
    q, k, v = (x.astype(np.float64) for x in qkv)
    scores = q @ k.T / np.sqrt(D)
    scores -= scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=1, keepdims=True)
    out: np.ndarray = weights @ v
    return out


@assay.metric(higher_is_better=False)
def max_abs_error(output: np.ndarray, qkv: QKV) -> float:
    """Largest absolute difference from exact attention computed in float64."""
    return float(np.max(np.abs(output.astype(np.float64) - _reference(qkv))))


@assay.metric(higher_is_better=True)
def matches_reference(output: np.ndarray, qkv: QKV) -> float:
    """1 when every output is within TOLERANCE of the float64 reference, else 0."""
    return float(max_abs_error(output, qkv) <= TOLERANCE)


def describe() -> dict[str, Any]:
    """The study's fixed settings, for reports."""
    return {"head_dim": D, "block": BLOCK, "lengths": LENGTHS, "tolerance": TOLERANCE}

"""Reproducing a paper's implementation: layer-by-layer diffs of two implementations.

``compare_layers`` and ``diff_numpy`` work on NumPy arrays; ``diff_torch`` hooks
the named modules of two PyTorch models (torch is imported only when it runs).
"""

from __future__ import annotations

from assay.repro.diff import (
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    DiffReport,
    LayerDiff,
    compare_layers,
    diff_numpy,
    load_target,
)
from assay.repro.torch_diff import capture_torch, diff_torch

__all__ = [
    "DEFAULT_ATOL",
    "DEFAULT_RTOL",
    "DiffReport",
    "LayerDiff",
    "capture_torch",
    "compare_layers",
    "diff_numpy",
    "diff_torch",
    "load_target",
]

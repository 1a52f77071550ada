"""The demo study behind ``make demo``: tiled against naive attention in NumPy.

``MODULE`` names the benchmark module (load it with
:func:`assay.bench.load_module`); :func:`demo_options` are settings that keep the
whole sweep to tens of seconds on two cores.
"""

from __future__ import annotations

from assay.bench.options import BenchOptions
from assay.measure.timer import TimerSettings

__all__ = ["MODULE", "demo_options"]

MODULE = "assay.demo_study.attention"


def demo_options(*, trials: int = 5, plan_seed: int | None = None) -> BenchOptions:
    """Short trials (20 ms of samples, at least 3), one BLAS thread, ``trials`` rounds."""
    timer = TimerSettings(warmup_time=0.005, trial_time=0.02, min_samples=3)
    return BenchOptions(trials=trials, timer=timer, plan_seed=plan_seed, timeout=120.0, threads=1)

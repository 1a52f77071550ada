"""A benchmark that uses CUDA, run in forked trials: device times, CUDA peaks."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assay.bench import load_benchmark, run_benchmark

from .conftest import fast_options


def _cuda() -> bool:
    # Look for a driver before importing torch, which takes seconds.
    if importlib.util.find_spec("torch") is None or shutil.which("nvidia-smi") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _cuda(), reason="needs torch with CUDA")]

SOURCE = """
    import torch

    import assay.bench as assay

    @assay.workload(params={"n": [1024, 2048]})
    def matrices(seed, n):
        generator = torch.Generator(device="cuda").manual_seed(seed)
        return torch.randn(n, n, device="cuda", generator=generator, dtype=torch.float16)

    @assay.baseline
    def matmul(a):
        return a @ a

    @assay.candidate
    def matmul_twice(a):
        return (a @ a) @ a
"""


@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_cuda_methods_get_device_times(write_bench: Callable[..., Path], cache: str) -> None:
    spec = load_benchmark(write_bench(SOURCE))
    result = run_benchmark(spec, fast_options(trials=3, gpu_cache=cache))
    assert result.failed == 0, result.failures()
    for trial in result.trials:
        timer = trial.details["timer"]
        assert trial.details["cuda"] is True
        assert timer["label"] == "device"
        assert timer["cache"] == cache
        assert trial.values["peak_cuda"] > 0
    row = result.comparison("matmul_twice", "time", (("n", 2048),))
    assert row.verdict == "worse"

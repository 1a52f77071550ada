"""CUDA-event timing; the real paths need torch with CUDA and are marked gpu."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from assay.errors import InputError, MissingDependencyError
from assay.measure.gpu import CudaTimer, launch_only_suspect
from assay.measure.timer import TimerSettings


def _cuda() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def test_launch_only_suspect() -> None:
    assert launch_only_suspect(17.5e-6, 180e-6)
    assert not launch_only_suspect(180e-6, 185e-6)
    assert not launch_only_suspect(1e-6, 0.0)


def test_without_torch_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes ``import torch`` fail
    with pytest.raises(MissingDependencyError, match=r"assay\[torch\]"):
        CudaTimer()


def test_unknown_cache_mode() -> None:
    with pytest.raises(InputError, match="cache mode"):
        CudaTimer(cache="lukewarm")


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda(), reason="needs torch with CUDA")
@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_matmul_device_time(cache: str) -> None:
    import torch

    a = torch.randn(2048, 2048, device="cuda", dtype=torch.float16)
    timer = CudaTimer(TimerSettings(warmup_time=0.02, trial_time=0.05), cache=cache)
    timing = timer.time(lambda x: x @ x, a)
    assert timing.label == "device"
    assert timing.clock == "cuda-events"
    details = timing.details()
    assert details["cache"] == cache
    # 2·2048³ flops: well over a microsecond on any GPU, so not a launch-only figure
    assert timing.median > 1e-6
    assert details["end_to_end_s"] >= timing.median * 0.5

"""CUDA-event timing; the real paths need torch with CUDA and are marked gpu."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest

from assay.errors import InputError, MissingDependencyError
from assay.measure.gpu import CudaTimer, launch_only_suspect
from assay.measure.timer import TimerSettings


def _cuda() -> bool:
    # Look for a driver before importing torch, which takes seconds.
    if importlib.util.find_spec("torch") is None or shutil.which("nvidia-smi") is None:
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


class FakeCuda:
    """Enough of ``torch.cuda`` to drive CudaTimer without a GPU: a device clock in ms
    that kernels advance, and events that read it when recorded."""

    def __init__(self) -> None:
        self.device_ms = 0.0
        self.flushes = 0
        fake = self

        class Event:
            def __init__(self, enable_timing: bool) -> None:
                assert enable_timing
                self.at = 0.0

            def record(self) -> None:
                self.at = fake.device_ms

            def synchronize(self) -> None:
                pass

            def elapsed_time(self, other: Event) -> float:
                return other.at - self.at

        class Props:
            L2_cache_size = 50 * 2**20

        self.Event = Event
        self.props = Props()

    def synchronize(self) -> None:
        pass

    def current_device(self) -> int:
        return 0

    def get_device_properties(self, device: int) -> object:
        return self.props


class FakeTorch:
    int32 = "int32"

    def __init__(self) -> None:
        self.cuda = FakeCuda()

    def empty(self, size: int, dtype: object, device: str) -> object:
        cuda = self.cuda

        class Buffer:
            def zero_(self) -> None:
                cuda.flushes += 1
                cuda.device_ms += 5.0  # a slow flush kernel, which must not be timed

        assert size * 4 >= 2 * cuda.props.L2_cache_size
        return Buffer()


def fake_timer(cache: str) -> tuple[CudaTimer, FakeTorch]:
    timer = CudaTimer.__new__(CudaTimer)
    timer.settings = TimerSettings(warmup_time=0.0, sample_time=0.001, trial_time=0.0)
    timer.cache = cache
    timer._flush_buffer = None
    timer.torch = FakeTorch()
    return timer, timer.torch


def kernel(torch: FakeTorch, ms: float):
    def fn(arg: object) -> None:
        torch.cuda.device_ms += ms

    return fn


def test_warm_mode_calibrates_and_reports_device_time() -> None:
    timer, torch = fake_timer("warm")
    timing = timer.time(kernel(torch, 0.01), None)  # 10 µs kernels
    assert timing.label == "device"
    assert timing.clock == "cuda-events"
    assert timing.loops >= 100  # 1 ms per sample needs about 100 kernels
    assert timing.median == pytest.approx(10e-6)
    assert torch.cuda.flushes == 0
    details = timing.details()
    assert details["cache"] == "warm"
    assert details["launch_only_suspect"] is True  # launching is instant here


def test_cold_mode_flushes_before_every_sample_and_excludes_the_flush() -> None:
    timer, torch = fake_timer("cold")
    timing = timer.time(kernel(torch, 0.2), None)
    assert timing.loops == 1
    assert timing.median == pytest.approx(0.2e-3)  # the 5 ms flushes are not in it
    assert torch.cuda.flushes == len(timing.per_call) + timing.warmup_samples

"""CUDA-event timing; the real paths need torch with CUDA and are marked gpu."""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator

import pytest

from assay.errors import InputError, MissingDependencyError
from assay.measure.gpu import (
    GRAPH_WARMUP_CALLS,
    CudaTimer,
    GraphCaptureError,
    launch_only_suspect,
)
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


def test_graph_mode_takes_a_bool() -> None:
    with pytest.raises(InputError, match=r"graph='yes' must be True or False"):
        CudaTimer(graph="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("graph", [False, True])
def test_without_a_cuda_device_the_timer_refuses(
    graph: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch = pytest.importorskip("torch")  # CI installs the CPU wheel, so this runs there
    # what torch says on a machine without a device (this one, and CI), even on a GPU machine
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    mode = "CUDA-graph mode" if graph else "CUDA-event timing"
    with pytest.raises(InputError, match=f"{mode} needs a CUDA device.*is_available"):
        CudaTimer(graph=graph)


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


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda(), reason="needs torch with CUDA")
def test_graph_mode_on_a_launch_bound_method() -> None:
    import torch

    x = torch.randn(64, device="cuda")

    def many_small_kernels(t: object) -> object:
        for _ in range(50):
            t = t * 1.0001  # type: ignore[operator]
        return t

    settings = TimerSettings(warmup_time=0.02, trial_time=0.05)
    plain = CudaTimer(settings).time(many_small_kernels, x)
    graphed = CudaTimer(settings, graph=True).time(many_small_kernels, x)
    assert graphed.details()["graph"] is True
    assert graphed.median < plain.median  # 50 launches become one replay


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda(), reason="needs torch with CUDA")
def test_graph_mode_refuses_a_method_that_synchronises() -> None:
    import torch

    x = torch.randn(64, device="cuda")
    with pytest.raises(GraphCaptureError, match="could not be captured"):
        CudaTimer(graph=True).time(lambda t: float(t.sum()), x)


class FakeCuda:
    """Enough of ``torch.cuda`` to drive CudaTimer without a GPU: a device clock in ms
    that kernels advance, and events that read it when recorded."""

    def __init__(self) -> None:
        self.device_ms = 0.0
        self.flushes = 0
        self.calls = 0
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

        class Stream:
            def wait_stream(self, other: Stream) -> None:
                pass

        class CUDAGraph:
            """Records the kernels launched while capturing; a replay runs them all."""

            def __init__(self) -> None:
                self.kernels: list[float] = []

            def replay(self) -> None:
                fake.replays += 1
                fake.device_ms += sum(self.kernels)

        self.Event = Event
        self.Stream = Stream
        self.CUDAGraph = CUDAGraph
        self.props = Props()
        self.capturing: CUDAGraph | None = None
        self.replays = 0
        self.side_stream_calls = 0
        self.on_side_stream = False
        self.fail_capture: str | None = None

    def is_available(self) -> bool:
        return True

    def current_stream(self) -> object:
        return self.Stream()

    @contextlib.contextmanager
    def stream(self, stream: object) -> Iterator[None]:
        self.on_side_stream = True
        try:
            yield
        finally:
            self.on_side_stream = False

    @contextlib.contextmanager
    def graph(self, graph: object) -> Iterator[None]:
        self.capturing = graph  # type: ignore[assignment]
        try:
            yield
        finally:
            self.capturing = None

    def launch(self, ms: float) -> None:
        """A kernel: recorded while capturing, else run (the device clock advances)."""
        if self.capturing is not None:
            if self.fail_capture:
                raise RuntimeError(self.fail_capture)
            self.capturing.kernels.append(ms)
            return
        if self.on_side_stream:
            self.side_stream_calls += 1
        self.device_ms += ms

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


def fake_timer(cache: str, graph: bool = False) -> tuple[CudaTimer, FakeTorch]:
    timer = CudaTimer.__new__(CudaTimer)
    timer.settings = TimerSettings(warmup_time=0.0, sample_time=0.001, trial_time=0.0)
    timer.cache = cache
    timer.graph = graph
    timer._flush_buffer = None
    timer.torch = FakeTorch()
    return timer, timer.torch


def kernel(torch: FakeTorch, ms: float, count: int = 1) -> Callable[[object], None]:
    def fn(arg: object) -> None:
        torch.cuda.calls += 1
        for _ in range(count):
            torch.cuda.launch(ms)

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


def test_graph_mode_captures_once_and_times_replays() -> None:
    timer, torch = fake_timer("warm", graph=True)
    timing = timer.time(kernel(torch, 0.01, count=3), None)  # three 10 µs kernels a call
    # the method ran only to warm up (on a side stream) and to be captured
    assert torch.cuda.calls == GRAPH_WARMUP_CALLS + 1
    assert torch.cuda.side_stream_calls == 3 * GRAPH_WARMUP_CALLS
    assert torch.cuda.replays >= timing.loops * len(timing.per_call)
    assert timing.median == pytest.approx(30e-6)
    details = timing.details()
    assert details["graph"] is True
    assert "CUDA-graph replays" in details["reports"]


def test_graph_mode_with_a_cold_cache_flushes_before_every_replay() -> None:
    timer, torch = fake_timer("cold", graph=True)
    timing = timer.time(kernel(torch, 0.2), None)
    assert timing.loops == 1
    assert timing.median == pytest.approx(0.2e-3)
    assert torch.cuda.flushes == torch.cuda.replays


def test_plain_mode_never_captures() -> None:
    timer, torch = fake_timer("warm")
    timing = timer.time(kernel(torch, 0.01), None)
    assert torch.cuda.replays == 0
    assert timing.details()["graph"] is False


def test_a_method_that_cannot_be_captured_is_refused_with_the_reason() -> None:
    timer, torch = fake_timer("warm", graph=True)
    torch.cuda.fail_capture = "operation not permitted when stream is capturing\nmore"
    with pytest.raises(GraphCaptureError) as raised:
        timer.time(kernel(torch, 0.01), None)
    message = str(raised.value)
    assert "could not be captured in a CUDA graph (RuntimeError: operation not permitted" in message
    assert "drop --gpu-graph" in message
    assert "\n" not in message

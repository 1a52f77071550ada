"""GPU timing with CUDA events, synchronised, in warm and cold-cache modes.

A CPU timer around asynchronous CUDA work measures the kernel *launches* unless
it synchronises: on an H100 a 4096³ bf16 matmul shows 17.5 µs without a sync and
175-198 µs with one. :class:`CudaTimer` therefore

- records a CUDA event before and after the calls of each sample on the current
  stream and waits for the second; the per-call **device time** is the elapsed
  time between the events divided by the loop count;
- in **cold** mode flushes the L2 cache before every call by writing a buffer
  twice the L2 size, *before* the start event, so the flush is not timed, and
  runs one call per sample; in **warm** mode it calibrates an inner loop like
  the CPU timer;
- also reads, for every sample, the CPU time taken to *launch* the calls (no
  sync) and the **end-to-end** time (launch through sync). When the launch time
  is under half the device time, a CPU timer without sync would have reported
  launch time only; the details say so (``launch_only_suspect``), and a timing
  whose label is not ``"device"`` for a method that uses CUDA is flagged by the
  trial worker.

**CUDA-graph mode** (``graph=True``, ``bench run --gpu-graph``) captures one
call of the method in a :class:`torch.cuda.CUDAGraph` (after three warm-up
calls on a side stream, as PyTorch requires) and times *replays* of the graph
with the same events. A replay launches the whole call at once, so a method
made of many small kernels is timed without its per-kernel launch cost: the
figure a serving stack that uses graphs would see. The capture runs once per
trial, untimed; a method that cannot be captured (it synchronises, copies to
the host, or changes shapes) is refused with the capture's own error. Both
cache modes apply to the replays.

Every timing carries ``label="device"`` and ``clock="cuda-events"``. torch is
imported lazily: nothing here runs without it. The fork server never imports
this module; only trial processes do, after they have initialised CUDA.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay.errors import InputError, MissingDependencyError
from assay.measure.timer import TimerSettings, Timing

__all__ = ["CacheMode", "CudaTimer", "GraphCaptureError", "launch_only_suspect"]

CacheMode = str
_MODES = ("warm", "cold")


def launch_only_suspect(launch_seconds: float, device_seconds: float) -> bool:
    """True when a CPU time without sync would show launch time only (under half)."""
    return device_seconds > 0 and launch_seconds < 0.5 * device_seconds


GRAPH_WARMUP_CALLS = 3
"""Calls on a side stream before capture: PyTorch's allocator and lazily
initialised libraries (cuBLAS workspaces) must settle before a graph records."""


class GraphCaptureError(InputError):
    """The method could not be captured in a CUDA graph; the message says why."""


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch", "torch") from None
    return torch


@dataclass
class _Sample:
    device: float
    launch: float
    end_to_end: float


class CudaTimer:
    """Times a callable's CUDA work with events; see the module docstring."""

    def __init__(
        self,
        settings: TimerSettings | None = None,
        *,
        cache: CacheMode = "warm",
        graph: bool = False,
    ):
        if cache not in _MODES:
            raise InputError(f"cache={cache!r} is not a cache mode; expected 'warm' or 'cold'")
        if not isinstance(graph, bool):
            raise InputError(f"graph={graph!r} must be True or False (CUDA-graph mode)")
        self.settings = settings or TimerSettings()
        self.cache = cache
        self.graph = graph
        self.torch = _torch()
        if not self.torch.cuda.is_available():
            mode = "CUDA-graph mode" if graph else "CUDA-event timing"
            raise InputError(
                f"{mode} needs a CUDA device, and torch sees none here "
                "(torch.cuda.is_available() is False); time the method on the CPU instead"
            )
        self._flush_buffer: Any = None

    def capture(self, fn: Callable[[Any], object], arg: Any) -> Callable[[Any], object]:
        """``fn(arg)`` captured once in a CUDA graph; the returned callable replays it.

        The warm-up calls run on a side stream, as :func:`torch.cuda.graph` asks,
        and the capture itself is not timed. The graph holds ``arg``'s and the
        output's memory for as long as the replay callable lives.
        """
        torch = self.torch
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(GRAPH_WARMUP_CALLS):
                fn(arg)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph):
                fn(arg)
        except Exception as exc:  # torch raises RuntimeError subclasses, unnamed
            raise GraphCaptureError(
                f"the method could not be captured in a CUDA graph ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else 'no message'}); CUDA-graph mode "
                "needs a method made of CUDA work only, with fixed shapes and no "
                "synchronisation or copy to the host (drop --gpu-graph)"
            ) from exc
        torch.cuda.synchronize()

        def replay(_: Any) -> None:
            graph.replay()

        return replay

    def _flush(self) -> None:
        torch = self.torch
        if self._flush_buffer is None:
            props = torch.cuda.get_device_properties(torch.cuda.current_device())
            l2 = int(getattr(props, "L2_cache_size", 0) or 0)
            nbytes = max(2 * l2, 64 * 1024 * 1024)
            self._flush_buffer = torch.empty(nbytes // 4, dtype=torch.int32, device="cuda")
        self._flush_buffer.zero_()

    def _sample(self, fn: Callable[[Any], object], arg: Any, loops: int) -> _Sample:
        torch = self.torch
        if self.cache == "cold":
            self._flush()
            torch.cuda.synchronize()  # the flush finishes before the clock starts
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        t0 = time.perf_counter()
        start.record()
        for _ in range(loops):
            fn(arg)
        end.record()
        t1 = time.perf_counter()
        end.synchronize()
        t2 = time.perf_counter()
        device = start.elapsed_time(end) / 1000.0
        return _Sample(device / loops, (t1 - t0) / loops, (t2 - t0) / loops)

    def _calibrate(self, fn: Callable[[Any], object], arg: Any) -> tuple[int, int]:
        settings = self.settings
        self.torch.cuda.synchronize()
        start = time.perf_counter()
        loops, runs = 1, 0
        while True:
            sample = self._sample(fn, arg, loops)
            runs += 1
            elapsed = sample.device * loops
            if self.cache == "cold" or elapsed >= settings.sample_time:
                break
            wanted = math.ceil(settings.sample_time / max(sample.device, 1e-9) * 1.1)
            loops = min(max(wanted, loops * 2), loops * 100, settings.max_loops)
        while time.perf_counter() - start < settings.warmup_time:
            self._sample(fn, arg, loops)
            runs += 1
        return loops, runs

    def time(self, fn: Callable[[Any], object], arg: Any) -> Timing:
        """Warm up, calibrate (warm mode) and sample; per-call device seconds.

        In graph mode the samples time replays of ``fn(arg)`` captured once.
        """
        settings = self.settings
        if self.graph:
            fn = self.capture(fn, arg)
        loops, warmup = self._calibrate(fn, arg)
        samples: list[_Sample] = []
        deadline = time.perf_counter() + settings.trial_time
        while len(samples) < settings.max_samples:
            samples.append(self._sample(fn, arg, loops))
            if len(samples) >= settings.min_samples and time.perf_counter() >= deadline:
                break
        device = np.array([s.device for s in samples])
        launch = float(np.median([s.launch for s in samples]))
        end_to_end = float(np.median([s.end_to_end for s in samples]))
        suspect = launch_only_suspect(launch, float(np.median(device)))
        return Timing(
            device,
            loops,
            warmup,
            0.0,
            0.0,
            clock="cuda-events",
            label="device",
            extra={
                "reports": (
                    f"device time, {self.cache} L2 cache, "
                    + ("CUDA-graph replays, " if self.graph else "")
                    + "CUDA events with synchronisation"
                ),
                "launch_inclusive_s": launch,
                "end_to_end_s": end_to_end,
                "cache": self.cache,
                "graph": self.graph,
                "launch_only_suspect": suspect,
            },
        )

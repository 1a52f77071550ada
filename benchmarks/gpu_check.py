"""Device checks for assay's CUDA timing, ready for a machine with an NVIDIA GPU.

``python benchmarks/gpu_check.py [--quick] [--linformer]`` writes
``benchmarks/results/gpu_check.json`` and exits 0 when every check passed
(1 when one failed). On a machine without a CUDA device it writes
``{"skipped": "no CUDA device"}``, says so, and exits 0: the CPU path is
covered by the test suite, and these checks only mean something on hardware.

The checks (each records its figures and ``passed``):

1. ``matmul_vs_do_bench``: assay's CUDA-event timer on large matrix products
   (8192³ bf16, and 4096³) against ``triton.testing.do_bench`` in the same
   process, median against median. do_bench flushes the L2 cache before every
   call, so assay's ``cold`` mode is the like-for-like figure; it must be within
   5%. The ``warm`` figure is recorded beside it (for a kernel this large the
   cache hardly matters, so it should be close too).
2. ``l2_cold_vs_warm``: a small kernel whose data fits in L2 (a sum over 4 MiB)
   timed in both cache modes: cold must be measurably slower (≥ 1.1×), and the
   flush must not be in the figure (cold stays far under the flush's own time).
3. ``graph_vs_plain``: a launch-bound method (100 element-wise kernels on 1,024
   numbers) timed plainly and in CUDA-graph mode: the graph's replay must take
   under half the plain time (one launch instead of a hundred).
4. ``forgot_to_synchronise``: a method that returns without synchronising
   (``a @ a``), timed as a CPU timer would (``perf_counter`` around the calls,
   no sync) and by assay: the CPU figure is launch time only, so assay's
   ``launch_only_suspect`` must be true, and assay's device time must be at least
   twice the unsynchronised figure. The same method then runs through
   ``run_benchmark`` in forked trials: every trial must report ``cuda``, the
   ``device`` label and the suspect flag.
5. ``--linformer`` (optional, a few minutes): the bundled example over the full
   sweep, n = 256 … 16384, through ``assay bench run``; records its crossover
   with the interval and the weak-baseline warning.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "gpu_check.json"
ROOT = Path(__file__).resolve().parents[1]
DO_BENCH_TOLERANCE = 0.05


def _cuda() -> Any:
    """torch when it sees a CUDA device, else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def _settings(quick: bool) -> Any:
    from assay.measure.timer import TimerSettings

    if quick:
        return TimerSettings(warmup_time=0.05, trial_time=0.3, min_samples=10)
    return TimerSettings(warmup_time=0.2, trial_time=1.5, min_samples=20)


def _assay_time(fn: Callable[[Any], object], arg: Any, quick: bool, **mode: Any) -> Any:
    from assay.measure.gpu import CudaTimer

    return CudaTimer(_settings(quick), **mode).time(fn, arg)


def _do_bench(fn: Callable[[], object], quick: bool) -> float:
    """triton's median in seconds."""
    from triton.testing import do_bench  # type: ignore[import-not-found]

    rep = 200 if quick else 1000
    try:
        ms = do_bench(fn, warmup=50, rep=rep, return_mode="median")
    except TypeError:  # older triton: no return_mode
        ms = do_bench(fn, warmup=50, rep=rep, quantiles=[0.5])
    return float(ms) / 1000.0


def check_matmul(torch: Any, quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"tolerance": DO_BENCH_TOLERANCE, "sizes": {}}
    passed = True
    for n in (8192, 4096):
        a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
        product = functools.partial(torch.matmul, other=b)  # product(a) is a @ b
        triton_s = _do_bench(functools.partial(product, a), quick)
        cold = _assay_time(product, a, quick, cache="cold").median
        warm = _assay_time(product, a, quick, cache="warm").median
        ratio = cold / triton_s
        ok = abs(ratio - 1) <= DO_BENCH_TOLERANCE
        passed = passed and ok
        out["sizes"][str(n)] = {
            "do_bench_s": triton_s,
            "assay_cold_s": cold,
            "assay_warm_s": warm,
            "cold_over_do_bench": ratio,
            "warm_over_do_bench": warm / triton_s,
            "tflops_cold": 2 * n**3 / cold / 1e12,
            "within_tolerance": ok,
        }
        del a, b
    out["passed"] = passed
    return out


def check_l2(torch: Any, quick: bool) -> dict[str, Any]:
    x = torch.randn(1 << 20, device="cuda", dtype=torch.float32)  # 4 MiB: fits in L2
    warm = _assay_time(torch.sum, x, quick, cache="warm")
    cold = _assay_time(torch.sum, x, quick, cache="cold")
    props = torch.cuda.get_device_properties(torch.cuda.current_device())
    ratio = cold.median / warm.median
    return {
        "bytes": x.numel() * 4,
        "l2_bytes": int(getattr(props, "L2_cache_size", 0) or 0),
        "warm_s": warm.median,
        "cold_s": cold.median,
        "cold_over_warm": ratio,
        "passed": ratio >= 1.1,
    }


def check_graph(torch: Any, quick: bool) -> dict[str, Any]:
    x = torch.randn(1024, device="cuda")

    def launch_bound(t: Any) -> Any:
        for _ in range(100):
            t = t * 1.0001
        return t

    plain = _assay_time(launch_bound, x, quick)
    graph = _assay_time(launch_bound, x, quick, graph=True)
    ratio = graph.median / plain.median
    return {
        "kernels_per_call": 100,
        "plain_s": plain.median,
        "graph_s": graph.median,
        "graph_over_plain": ratio,
        "graph_details": graph.details(),
        "passed": ratio < 0.5 and graph.details()["graph"] is True,
    }


SYNC_BENCH = """
import torch
import assay.bench as assay

@assay.workload(params={"n": [4096]})
def matrices(seed, n):
    g = torch.Generator(device="cuda").manual_seed(seed)
    return torch.randn(n, n, device="cuda", generator=g, dtype=torch.bfloat16)

@assay.baseline
def matmul(a):
    return a @ a  # returns at once: the product is still running on the device

@assay.candidate
def matmul_twice(a):
    return (a @ a) @ a
"""


def check_sync(torch: Any, quick: bool) -> dict[str, Any]:
    a = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ a
    torch.cuda.synchronize()
    loops = 50
    t0 = time.perf_counter()
    for _ in range(loops):
        a @ a  # what a CPU timer without a sync measures
    unsynced = (time.perf_counter() - t0) / loops
    torch.cuda.synchronize()
    timing = _assay_time(lambda x: x @ x, a, quick)
    details = timing.details()
    direct_ok = bool(details["launch_only_suspect"]) and timing.median >= 2 * unsynced

    from assay.bench import BenchOptions, load_benchmark, run_benchmark

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "forgets_sync.py"
        path.write_text(SYNC_BENCH)
        result = run_benchmark(load_benchmark(path), BenchOptions(trials=3, timer=_settings(True)))
    trials = [t.details for t in result.trials]
    run_ok = result.failed == 0 and all(
        d["cuda"] and d["timer"]["label"] == "device" and d["timer"]["launch_only_suspect"]
        for d in trials
    )
    return {
        "unsynchronised_cpu_s": unsynced,
        "assay_device_s": timing.median,
        "device_over_unsynchronised": timing.median / unsynced,
        "launch_only_suspect": details["launch_only_suspect"],
        "run_trials": len(trials),
        "run_failed": result.failed,
        "run_all_flagged": run_ok,
        "passed": direct_ok and run_ok,
    }


def check_linformer(quick: bool) -> dict[str, Any]:
    example = ROOT / "examples" / "linformer" / "bench_attention.py"
    with tempfile.TemporaryDirectory() as tmp:
        assay = [sys.executable, "-m", "assay"]
        env = {**os.environ, "LINFORMER_DEVICE": "cuda", "LINFORMER_SWEEP": "full"}
        env.pop("ASSAY_DATABASE_URL", None)
        subprocess.run([*assay, "init"], cwd=tmp, env=env, check=True, capture_output=True)
        trials = "4" if quick else "6"
        started = time.perf_counter()
        done = subprocess.run(
            [*assay, "bench", "run", str(example), "--trials", trials, "--json"],
            cwd=tmp, env=env, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"passed": False, "stderr": done.stderr[-2000:]}
    report = json.loads(done.stdout)
    times = {
        f"{row['candidate']}@{row['params']['n']}": {
            "verdict": row["verdict"],
            "ratio": row["effect"].get("ratio"),
        }
        for row in report["comparisons"]
        if row["metric"] == "time"
    }
    weak = [w for w in report["warnings"] if w.startswith("WEAK BASELINE")]
    crossovers = [c for c in report["crossovers"] if c["candidate"] == "linformer"]
    return {
        "seconds": seconds,
        "time_comparisons": times,
        "crossovers": crossovers,
        "weak_baseline": weak,
        "passed": bool(crossovers) and bool(weak),
    }


def _environment(torch: Any) -> dict[str, Any]:
    props = torch.cuda.get_device_properties(torch.cuda.current_device())
    try:
        import triton  # type: ignore[import-not-found]

        triton_version = triton.__version__
    except ImportError:
        triton_version = None
    return {
        "device": props.name,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "triton": triton_version,
        "driver": shutil.which("nvidia-smi") and subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True, text=True,
        ).stdout.strip(),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timings")
    parser.add_argument("--linformer", action="store_true", help="also run the example")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args()
    out_path: Path = args.out
    out_path.parent.mkdir(parents=True, exist_ok=True)
    torch = _cuda()
    if torch is None:
        out_path.write_text(json.dumps({"skipped": "no CUDA device"}, indent=2) + "\n")
        print(f"gpu_check: skipped, no CUDA device here (wrote {out_path})")
        return 0
    out: dict[str, Any] = {"environment": _environment(torch), "checks": {}}
    checks: dict[str, Callable[[], dict[str, Any]]] = {
        "matmul_vs_do_bench": lambda: check_matmul(torch, args.quick),
        "l2_cold_vs_warm": lambda: check_l2(torch, args.quick),
        "graph_vs_plain": lambda: check_graph(torch, args.quick),
        "forgot_to_synchronise": lambda: check_sync(torch, args.quick),
    }
    if args.linformer:
        checks["linformer"] = lambda: check_linformer(args.quick)
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            out["checks"][name] = check()
        except Exception as exc:  # one broken check must not hide the others' figures
            out["checks"][name] = {"passed": False, "error": f"{type(exc).__name__}: {exc}"}
        out["checks"][name]["check_seconds"] = time.perf_counter() - started
        print(f"{name}: {'passed' if out['checks'][name]['passed'] else 'FAILED'}", flush=True)
        out_path.write_text(json.dumps(out, indent=2, default=str) + "\n")  # partial figures
    out["passed"] = all(c["passed"] for c in out["checks"].values())
    out_path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    verdict = "all passed" if out["passed"] else "FAILED"
    print(f"gpu_check: {verdict}; wrote {out_path}")
    return 0 if out["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

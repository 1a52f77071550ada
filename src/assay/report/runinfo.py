"""How a run was made and where it ran, as label/value rows for the engineering report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assay.report import phrasing as say
from assay.report.view import RunEvidence

__all__ = ["environment_rows", "method_rows"]

_PACKAGES = ("numpy", "scipy", "torch", "jax", "triton", "assay")


def _margin(value: Any) -> str:
    return "none" if value is None else say.percent(float(value))


def method_rows(run: RunEvidence) -> list[list[str]]:
    """Benchmark, arms, sweep, trials, stopping, statistics and timer settings."""
    result, spec, options = run.result, run.result.header.spec, run.result.header.options
    grid = spec.get("workload", {}).get("params", {})
    sweep = "; ".join(f"{name} = {', '.join(map(str, values))}" for name, values in grid.items())
    source = spec.get("source", {})
    tests = sorted({row.test for row in result.comparisons if row.test})
    paired = any(row.paired for row in result.comparisons)
    timer = options.get("timer") or {}
    planned = "until decided" if result.planned is None else str(result.planned)
    rows = [
        ["run id", run.run_id],
        ["benchmark", f"{run.name} ({source.get('kind', '?')}: {source.get('ref', '?')})"],
        ["fingerprint", str(spec.get("fingerprint", "-"))[:16]],
        ["baseline", run.baseline],
        ["candidates", ", ".join(run.candidates) or "-"],
        ["workload", f"{spec.get('workload', {}).get('name', '-')}; {sweep or 'no sweep'}"],
        ["trials", f"{result.completed} completed, {result.failed} failed, {planned} planned"],
        ["stopped", result.stopped or "as planned"],
        ["isolation", str(options.get("isolation", "-"))],
        ["plan seed", str(options.get("plan_seed", "-"))],
        ["confidence", say.percent(float(options.get("confidence", 0.95)))],
        [
            "practical margins",
            f"time {_margin(options.get('time_margin'))}, memory "
            f"{_margin(options.get('memory_margin'))}",
        ],
        [
            "statistics",
            ("trials paired by seed where both succeeded; " if paired else "unpaired arms; ")
            + f"tests: {', '.join(tests) or '-'}; p-values adjusted across the run "
            "(Benjamini-Hochberg), a verdict that does not survive becomes inconclusive",
        ],
        [
            "timer",
            ", ".join(f"{k} {v}" for k, v in timer.items() if k != "max_loops") or "-",
        ],
    ]
    if run.started_at is not None:
        rows.insert(1, ["started", say.date(run.started_at)])
    return rows + _run_notes(run)


def _run_notes(run: RunEvidence) -> list[list[str]]:
    rows = []
    if run.result.header.options.get("threads") is not None:
        rows.append(["threads", str(run.result.header.options["threads"])])
    if run.online_ab:
        rows.append(["kind", "online A/B comparison imported as evidence"])
    if run.before_amendment:
        rows.append(
            [
                "pre-registration",
                "began before the newest amendment: the amended criteria were written "
                "with this run's data available",
            ]
        )
    return rows


def _gib(value: Any) -> str:
    return f"{float(value) / 2**30:.1f} GiB" if isinstance(value, int | float) else "-"


def environment_rows(env: Mapping[str, Any]) -> list[list[str]]:
    """CPU, memory, OS, Python, packages, threads, git and GPUs, as recorded."""
    if not env:
        return [["environment", "not recorded"]]
    cpu = env.get("cpu") or {}
    python = env.get("python") or {}
    load = env.get("load_average")
    packages = env.get("packages") or {}
    listed = [f"{name} {packages[name]}" for name in _PACKAGES if name in packages]
    git = env.get("git")
    gpus = env.get("gpus") or []
    threads = {k: v for k, v in (env.get("threads") or {}).items() if v is not None}
    rows = [
        ["collected", str(env.get("collected_at", "-"))],
        ["host", str(env.get("hostname", "-"))],
        ["platform", str(env.get("platform", "-"))],
        [
            "CPU",
            f"{cpu.get('model') or '?'}; {cpu.get('usable', '?')} of {cpu.get('count', '?')} "
            f"cores usable; governor {cpu.get('governor') or 'unknown'}",
        ],
        ["load average", ", ".join(f"{x:.2f}" for x in load) if load else "-"],
        ["memory", _gib(env.get("memory_total"))],
        [
            "Python",
            f"{python.get('implementation', '')} {python.get('version', '?')} "
            f"({python.get('real_executable') or python.get('executable') or '?'})".strip(),
        ],
        ["packages", ", ".join(listed) or "-"],
        ["threads", ", ".join(f"{k}={v}" for k, v in threads.items()) or "library defaults"],
        [
            "git",
            "-"
            if not git
            else f"{git.get('commit', '?')[:12]}"
            + (" with uncommitted changes" if git.get("dirty") else ""),
        ],
    ]
    for gpu in gpus:
        rows.append(
            [
                "GPU",
                f"{gpu.get('model', '?')}, driver {gpu.get('driver', '?')}, "
                f"{gpu.get('memory_mib', '?')} MiB",
            ]
        )
    return rows

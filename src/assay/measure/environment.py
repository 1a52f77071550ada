"""The environment a run measured in, recorded with every run.

:func:`collect_environment` returns a JSON-able dict: CPU model and counts, load
average, memory, OS, Python (version, the real interpreter path), versions of
the packages loaded, thread-count settings, the git commit of the benchmark's
directory, ASLR, isolated CPUs and the clock's resolution, and GPU model,
driver and clocks when ``nvidia-smi`` is present (it never initialises CUDA in
this process). :func:`environment_warnings` turns the
conditions that make numbers noisy into sentences with next steps.

:func:`describe_executable` resolves a command name the way the shell would and
reports when it is a wrapper script rather than a program: ``python3`` behind a
pyenv shim is a bash script that costs 187 ms per start against 62 ms for the
real binary, which a process timing must not silently include.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ExecutableInfo",
    "collect_environment",
    "describe_executable",
    "environment_warnings",
    "git_state",
]

_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def _run(argv: list[str], cwd: Path | None = None) -> str | None:
    try:
        done = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _cpu() -> dict[str, Any]:
    model = platform.processor() or None
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    governor = None
    with contextlib.suppress(OSError):
        governor = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").read_text().strip()
    return {"model": model, "count": os.cpu_count(), "usable": usable, "governor": governor}


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def _system() -> dict[str, Any]:
    """Kernel settings that move timings: ASLR, isolated CPUs, the clock's resolution."""
    clock = time.get_clock_info("perf_counter")
    return {
        "aslr": _read("/proc/sys/kernel/randomize_va_space"),
        "isolated_cpus": _read("/sys/devices/system/cpu/isolated") or None,
        "perf_counter": {"implementation": clock.implementation, "resolution": clock.resolution},
    }


def _memory_total() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _python() -> dict[str, Any]:
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "real_executable": os.path.realpath(sys.executable),
        "compiler": platform.python_compiler(),
        "hash_seed": os.environ.get("PYTHONHASHSEED"),
    }


def _packages() -> dict[str, str]:
    """Versions of the distributions whose top-level modules are loaded."""
    try:
        owners = importlib.metadata.packages_distributions()
    except Exception:  # a broken distribution's metadata must not stop a run
        return {}
    loaded = {name.split(".", 1)[0] for name in list(sys.modules)}
    versions: dict[str, str] = {}
    for module in sorted(loaded & set(owners)):
        for dist in owners[module]:
            try:
                versions[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
    return dict(sorted(versions.items()))


def _threads() -> dict[str, Any]:
    out: dict[str, Any] = {var: os.environ.get(var) for var in _THREAD_VARS}
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch_num_threads"] = int(torch.get_num_threads())
    return out


def git_state(directory: Path) -> dict[str, Any] | None:
    """The commit checked out in ``directory`` and whether tracked files changed."""
    commit = _run(["git", "rev-parse", "HEAD"], cwd=directory)
    if commit is None:
        return None
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=directory)
    return {"commit": commit, "dirty": bool(status)}


def _gpus() -> list[dict[str, Any]]:
    if shutil.which("nvidia-smi") is None:
        return []
    fields = "name,driver_version,memory.total,clocks.sm,clocks.mem,clocks.max.sm,temperature.gpu"
    text = _run(["nvidia-smi", f"--query-gpu={fields}", "--format=csv,noheader,nounits"])
    if not text:
        return []
    keys = (
        "model",
        "driver",
        "memory_mib",
        "sm_clock_mhz",
        "mem_clock_mhz",
        "max_sm_mhz",
        "temp_c",
    )
    return [
        dict(zip(keys, (part.strip() for part in line.split(",")), strict=False))
        for line in text.splitlines()
    ]


def collect_environment(directory: Path | None = None) -> dict[str, Any]:
    """Everything about this machine and process that can move a measurement."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    env: dict[str, Any] = {
        "collected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu": _cpu(),
        "load_average": list(load) if load else None,
        "memory_total": _memory_total(),
        "system": _system(),
        "python": _python(),
        "packages": _packages(),
        "threads": _threads(),
        "git": git_state(directory) if directory is not None else None,
        "gpus": _gpus(),
    }
    return env


def environment_warnings(env: dict[str, Any]) -> list[str]:
    """Sentences about conditions that make the numbers noisy, with what to do."""
    warnings = []
    cores = (env.get("cpu") or {}).get("usable") or 1
    load = env.get("load_average")
    if load and load[0] > cores:
        warnings.append(
            f"the load average is {load[0]:.2f}, above the {cores} usable CPU cores: other work "
            "is competing for the CPU and the numbers will be noisy; run on a quieter machine "
            "or expect wider intervals and more trials"
        )
    governor = (env.get("cpu") or {}).get("governor")
    if governor not in (None, "performance"):
        warnings.append(
            f"the CPU frequency governor is {governor!r}: clock speed changes with load; "
            "set it to 'performance' for steadier timings"
        )
    git = env.get("git")
    if git and git.get("dirty"):
        warnings.append(
            "the benchmark's git checkout has uncommitted changes, so its commit "
            "does not identify the code that ran"
        )
    return warnings


@dataclass(frozen=True)
class ExecutableInfo:
    """Where a command name leads, and whether it is a script wrapping another program."""

    name: str
    path: str | None
    real_path: str | None
    wrapper: str | None
    """The interpreter of a wrapper script (its ``#!`` line), or None for a program."""
    target: str | None
    """For a pyenv shim, the program it would run."""

    def warning(self) -> str | None:
        """A sentence for a timed command that is a wrapper script, else None."""
        if self.wrapper is None:
            return None
        hint = f"; use the real program {self.target} instead" if self.target else ""
        return (
            f"{self.name!r} is a script run by {self.wrapper}, not a program: its start-up "
            f"cost is part of every timing{hint}"
        )


def _shebang(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    return head[2:].split(b"\n", 1)[0].decode(errors="replace").strip()


def describe_executable(name: str) -> ExecutableInfo:
    """Resolve ``name`` on PATH (or as a path) and detect wrapper scripts."""
    path = shutil.which(name)
    if path is None:
        return ExecutableInfo(name, None, None, None, None)
    real = os.path.realpath(path)
    wrapper = _shebang(real)
    target = None
    if wrapper is not None and f"{os.sep}shims{os.sep}" in path:
        target = _run(["pyenv", "which", os.path.basename(path)])
    return ExecutableInfo(name, path, real, wrapper, target)

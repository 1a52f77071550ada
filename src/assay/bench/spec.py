"""A benchmark's specification, and loading one from a file or a module.

:func:`load_benchmark` imports a benchmark file as a module of its own (a name
derived from its path, so two files never collide and nothing is left in the
user's namespace), then reads what its decorators registered into a
:class:`BenchmarkSpec`. Whatever is wrong is an :class:`~assay.errors.InputError`
with a clear message: no workload, no baseline, two baselines, no candidate, two
methods with one name, an unknown command placeholder, or an import failure,
whose traceback is trimmed to the user's own code (the importer's frames and
assay's are dropped).

Trial processes re-create the same spec from :attr:`BenchmarkSpec.source`: a
file path or an importable module name. A spec built from objects in a notebook
(``source.kind == "inline"``) can only run in-process.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from assay.bench.registry import (
    Command,
    Method,
    Metric,
    Registry,
    Role,
    Workload,
    forget,
    registry_for,
)
from assay.errors import InputError

__all__ = [
    "BUILTIN_METRICS",
    "BenchmarkSpec",
    "SpecSource",
    "load_benchmark",
    "load_module",
    "load_source",
    "spec_from_registry",
]

BUILTIN_METRICS = ("time", "throughput", "peak_rss", "peak_heap", "peak_cuda", "cost")
"""Metrics every trial may report; user metrics cannot take these names."""


@dataclass(frozen=True)
class SpecSource:
    """Where a spec came from: ``kind`` is "file", "module" or "inline"."""

    kind: str
    ref: str

    def to_dict(self) -> dict[str, str]:
        """JSON-able form."""
        return {"kind": self.kind, "ref": self.ref}


@dataclass(frozen=True)
class BenchmarkSpec:
    """Everything a run needs to know about a benchmark file."""

    name: str
    source: SpecSource
    workload: Workload
    baseline: Method
    candidates: tuple[Method, ...]
    metrics: tuple[Metric, ...]
    fingerprint: str

    @property
    def methods(self) -> tuple[Method, ...]:
        """The baseline, then the candidates in declaration order."""
        return (self.baseline, *self.candidates)

    def method(self, name: str) -> Method:
        """The method called ``name``."""
        for method in self.methods:
            if method.name == name:
                return method
        raise InputError(f"no method is named {name!r}; methods: {[m.name for m in self.methods]}")

    def directory(self) -> Path | None:
        """The directory of the benchmark file, for git and relative commands."""
        if self.source.kind == "file":
            return Path(self.source.ref).parent
        module = sys.modules.get(self.source.ref)
        file = getattr(module, "__file__", None)
        return Path(file).parent if file else None

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary, stored with a run (``setups`` only when a method has one,
        ``devices`` only when a method declares one other than the CPU)."""
        setups = {
            m.name: str(getattr(m.setup, "__name__", None) or repr(m.setup))
            for m in self.methods
            if m.setup is not None
        }
        devices = {m.name: m.device for m in self.methods if m.device != "cpu"}
        return {
            **({"setups": setups} if setups else {}),
            **({"devices": devices} if devices else {}),
            "name": self.name,
            "source": self.source.to_dict(),
            "fingerprint": self.fingerprint,
            "workload": {
                "name": self.workload.name,
                "params": {name: list(values) for name, values in self.workload.grid},
            },
            "baseline": self.baseline.name,
            "candidates": [m.name for m in self.candidates],
            "commands": {
                m.name: m.target.template for m in self.methods if isinstance(m.target, Command)
            },
            "variants": {
                m.name: {"family": m.family, "toggles": dict(m.toggles)}
                for m in self.methods
                if m.family is not None
            },
            "metrics": [
                {
                    "name": m.name,
                    "higher_is_better": m.higher_is_better,
                    "margin": m.margin,
                    "primary": m.primary,
                }
                for m in self.metrics
            ],
        }


def _names(methods: list[Method]) -> str:
    return ", ".join(repr(m.name) for m in methods)


def _check_methods(where: str, registry: Registry) -> tuple[Method, list[Method]]:
    baselines = [m for m in registry.methods if m.role is Role.BASELINE]
    candidates = [m for m in registry.methods if m.role is Role.CANDIDATE]
    if not baselines:
        raise InputError(
            f"{where} declares no baseline; decorate the method to compare against "
            "with @assay.baseline"
        )
    if len(baselines) > 1:
        raise InputError(
            f"{where} declares {len(baselines)} baselines ({_names(baselines)}); "
            "exactly one method can be @assay.baseline, make the others @assay.candidate"
        )
    if not candidates:
        raise InputError(
            f"{where} declares no candidate; decorate the method to evaluate with @assay.candidate"
        )
    seen: set[str] = set()
    for method in registry.methods:
        if method.name in seen:
            raise InputError(
                f"{where} has two methods named {method.name!r}; give one another name "
                "with name=..."
            )
        seen.add(method.name)
    return baselines[0], candidates


def _check_metrics(where: str, metrics: list[Metric]) -> None:
    seen: set[str] = set()
    for metric in metrics:
        if metric.name in BUILTIN_METRICS:
            raise InputError(
                f"{where}: metric name {metric.name!r} is taken by a built-in metric "
                f"({', '.join(BUILTIN_METRICS)}); pass name=... to rename it"
            )
        if metric.name in seen:
            raise InputError(f"{where} has two metrics named {metric.name!r}")
        seen.add(metric.name)


def _check_commands(where: str, workload: Workload, methods: list[Method]) -> None:
    known = {"seed", *(name for name, _ in workload.grid)}
    for method in methods:
        if not isinstance(method.target, Command):
            continue
        unknown = method.target.placeholders() - known
        if unknown:
            raise InputError(
                f"{where}: command {method.name!r} uses {{{sorted(unknown)[0]}}}, which is "
                f"neither seed nor a workload parameter ({', '.join(sorted(known))})"
            )


def spec_from_registry(registry: Registry, source: SpecSource, name: str) -> BenchmarkSpec:
    """Validate what a module declared and build its spec."""
    where = name
    if not registry.workloads:
        raise InputError(
            f"{where} declares no workload; add a function decorated with @assay.workload "
            "that makes one input from a seed"
        )
    if len(registry.workloads) > 1:
        names = ", ".join(repr(w.name) for w in registry.workloads)
        raise InputError(f"{where} declares {len(registry.workloads)} workloads ({names}); use one")
    workload = registry.workloads[0]
    baseline, candidates = _check_methods(where, registry)
    _check_metrics(where, registry.metrics)
    _check_commands(where, workload, registry.methods)
    return BenchmarkSpec(
        name=name,
        source=source,
        workload=workload,
        baseline=baseline,
        candidates=tuple(candidates),
        metrics=tuple(registry.metrics),
        fingerprint=_fingerprint(source),
    )


def _fingerprint(source: SpecSource) -> str:
    path: str | None = source.ref if source.kind == "file" else None
    if source.kind == "module":
        path = getattr(sys.modules.get(source.ref), "__file__", None)
    if path is None:
        return ""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def _module_name(path: Path) -> str:
    stem = re.sub(r"\W", "_", path.stem)
    digest = hashlib.sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:10]
    return f"_assay_bench_{stem}_{digest}"


def _trimmed_traceback(exc: BaseException, user_file: Path) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    start = next((i for i, f in enumerate(frames) if Path(f.filename) == user_file), len(frames))
    kept = [f for f in frames[start:] if not f.filename.startswith("<frozen importlib")]
    lines = ["Traceback (most recent call last):\n"] if kept else []
    lines += traceback.format_list(kept)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def _import_failure(exc: BaseException, path: Path) -> InputError:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    where = f" (line {frames[-1].lineno})" if frames else ""
    summary = traceback.format_exception_only(type(exc), exc)[-1].strip()
    if isinstance(exc, InputError):
        summary = str(exc).splitlines()[0]
    message = f"{path.name} failed to import{where}: {summary}"
    if isinstance(exc, InputError) and _raised_by_assay(exc):
        # A mistake in how the file uses assay (@assay.workload(params=...), a
        # signature): the one line says it all; assay's own frames would only confuse.
        return InputError(message)
    return InputError(f"{message}\n{_trimmed_traceback(exc, path)}")


_ASSAY_PACKAGE = Path(__file__).resolve().parents[1]


def _raised_by_assay(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc`` is in assay's own package."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return False
    return Path(frames[-1].filename).resolve().is_relative_to(_ASSAY_PACKAGE)


def load_benchmark(path: str | os.PathLike[str]) -> BenchmarkSpec:
    """Import the benchmark file at ``path`` in isolation and return its spec.

    The file's directory is put first on ``sys.path`` so it can import its
    neighbours. An import failure becomes an :class:`InputError` whose first line
    names the file, the line and the exception, followed by the traceback trimmed
    to the user's code.
    """
    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise InputError(f"benchmark file {str(path)!r} does not exist")
    if file.suffix != ".py":
        raise InputError(f"benchmark file {str(path)!r} is not a Python file (.py)")
    name = _module_name(file)
    forget(name)
    sys.modules.pop(name, None)
    directory = str(file.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_spec = importlib.util.spec_from_file_location(name, file)
    if module_spec is None or module_spec.loader is None:
        raise InputError(f"benchmark file {str(path)!r} cannot be imported")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _import_failure(exc, file) from None
    return spec_from_registry(registry_for(name), SpecSource("file", str(file)), file.name)


def load_module(name: str) -> BenchmarkSpec:
    """The spec declared by the importable module ``name`` (e.g. the demo study)."""
    try:
        module: ModuleType = importlib.import_module(name)
    except ImportError as exc:
        raise InputError(f"benchmark module {name!r} cannot be imported: {exc}") from None
    return spec_from_registry(registry_for(module.__name__), SpecSource("module", name), name)


def load_source(source: SpecSource) -> BenchmarkSpec:
    """Re-create a spec from its source (what trial processes do)."""
    if source.kind == "file":
        return load_benchmark(source.ref)
    if source.kind == "module":
        return load_module(source.ref)
    raise InputError(
        "this benchmark was built in memory, not loaded from a file or module, so it can "
        "only run in-process; load it with assay.bench.load_benchmark(path) to isolate trials"
    )

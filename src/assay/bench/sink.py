"""Where a run's trials go: the :class:`RunSink` protocol and two implementations.

The runner never touches a database; it hands every finished trial to a sink,
which must make it **durable before returning** (the next trial starts right
after, and a ``kill -9`` may come at any moment). A run calls, in order:

1. ``begin(header)`` once at the start of a run *and again on every resume*
   with the same plan (the options carry the plan seed).
2. ``completed()``: the trials this run already holds (empty for a new run).
   The runner regenerates the plan from the seed and runs only the keys that
   are missing, so no key is measured twice.
3. ``record(result)`` after every trial, failed ones included.
4. ``finish(result)`` once, with the analysed :class:`~assay.bench.result.BenchmarkResult`.

:class:`MemorySink` keeps everything in lists (tests, notebooks).
:class:`JsonLinesSink` appends one JSON object per line to a file and fsyncs it:
a small, real, resumable store, and a model for the store-backed sink.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from assay import encoding
from assay.bench.header import RunHeader
from assay.bench.result import BenchmarkResult
from assay.bench.trial import TrialResult
from assay.errors import InputError

__all__ = ["JsonLinesSink", "MemorySink", "RunHeader", "RunSink"]


class RunSink(Protocol):
    """Durable storage for one run's trials; see the module docstring."""

    def begin(self, header: RunHeader) -> None:
        """Start (or resume) the run described by ``header``."""

    def completed(self) -> list[TrialResult]:
        """The trials already recorded for this run, in any order."""

    def record(self, result: TrialResult) -> None:
        """Store one finished trial durably before returning."""

    def finish(self, result: BenchmarkResult) -> None:
        """The run is over; ``result`` holds its comparisons and summaries."""


class MemorySink:
    """A sink that keeps everything in memory."""

    def __init__(self, trials: list[TrialResult] | None = None) -> None:
        self.header: RunHeader | None = None
        self.trials: list[TrialResult] = list(trials or [])
        self.result: BenchmarkResult | None = None
        self.begun = 0

    def begin(self, header: RunHeader) -> None:
        self.header = header
        self.begun += 1

    def completed(self) -> list[TrialResult]:
        return list(self.trials)

    def record(self, result: TrialResult) -> None:
        self.trials.append(result)

    def finish(self, result: BenchmarkResult) -> None:
        self.result = result


class JsonLinesSink:
    """A sink appending JSON lines to ``path``: a header, trials, and the finish.

    Each line is written, flushed and fsynced before :meth:`record` returns. A
    line cut short by a kill is ignored when the file is read back.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _append(self, entry: dict[str, Any]) -> None:
        line = encoding.dumps(entry) + "\n"
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def entries(self) -> list[dict[str, Any]]:
        """Every complete line of the file, parsed."""
        if not self.path.exists():
            return []
        out = []
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break  # cut short by a kill: never recorded
                out.append(json.loads(line))
        return out

    def header(self) -> RunHeader | None:
        """The run's header, or None before :meth:`begin`."""
        for entry in self.entries():
            if entry.get("kind") == "header":
                return RunHeader.from_dict(entry["header"])
        return None

    def begin(self, header: RunHeader) -> None:
        existing = self.header()
        if existing is None:
            self._truncate_partial()
            self._append({"kind": "header", "header": header.to_dict()})
            return
        if existing.options.get("plan_seed") != header.options.get("plan_seed"):
            raise InputError(
                f"{self.path} holds a run with plan seed {existing.options.get('plan_seed')}; "
                f"resuming needs the same seed, not {header.options.get('plan_seed')}"
            )
        self._truncate_partial()

    def _truncate_partial(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data[: data.rfind(b"\n") + 1]
            with open(self.path, "wb") as handle:
                handle.write(keep)
                handle.flush()
                os.fsync(handle.fileno())

    def completed(self) -> list[TrialResult]:
        return [
            TrialResult.from_dict(entry["trial"])
            for entry in self.entries()
            if entry.get("kind") == "trial"
        ]

    def record(self, result: TrialResult) -> None:
        self._append({"kind": "trial", "trial": result.to_dict()})

    def finish(self, result: BenchmarkResult) -> None:
        self._append({"kind": "finish", "result": result.to_dict()})

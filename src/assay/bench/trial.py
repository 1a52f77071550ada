"""The result of one trial: the unit of evidence.

A trial yields **one value per metric** (``values``): the median per-call time,
throughput, peak memories, cost and each quality metric. Those are what
comparisons use; the raw per-call samples (``samples["time"]``) and per-example
metric values are kept beside them for percentiles and pairing by example, but
are never treated as independent observations.

A failed trial keeps its reason: the exception and the tail of its traceback,
the exit code or signal, the timeout or the memory limit it ran past.

Stores persist a trial as :meth:`TrialResult.summary_columns` (flat numbers for
queries) plus one compressed array per entry of ``samples``;
:meth:`~TrialResult.to_dict` / :meth:`~TrialResult.from_dict` give a JSON-able
round trip (the JSON-lines sink uses it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.bench.plan import TrialKey

__all__ = ["FORMAT_VERSION", "TrialResult", "TrialStatus", "sample_summary"]

FORMAT_VERSION = 1
"""Version of :meth:`TrialResult.to_dict`'s layout; bumped on incompatible change."""

_QUANTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99, "p99_9": 0.999}


class TrialStatus(StrEnum):
    """How a trial ended."""

    OK = "ok"
    ERROR = "error"
    """The workload, the method or a metric raised an exception."""
    CRASH = "crash"
    """The trial process exited or died by a signal (segfault, abort, kill)."""
    TIMEOUT = "timeout"
    MEMORY = "memory"
    """The trial went past the memory limit (killed, or MemoryError under it)."""


def sample_summary(samples: npt.NDArray[np.float64]) -> dict[str, float]:
    """n, mean, std, min, max and P50/P90/P99/P99.9 of raw samples."""
    if samples.size == 0:
        return {"n": 0.0}
    out = {
        "n": float(samples.size),
        "mean": float(np.mean(samples)),
        "std": float(np.std(samples, ddof=1)) if samples.size > 1 else 0.0,
        "min": float(np.min(samples)),
        "max": float(np.max(samples)),
    }
    for name, q in _QUANTILES.items():
        out[name] = float(np.quantile(samples, q))
    return out


@dataclass(frozen=True)
class TrialResult:
    """One trial of one method on one sweep point and seed; see the module docstring."""

    key: TrialKey
    status: TrialStatus
    block: int
    position: int
    values: dict[str, float] = field(default_factory=dict)
    samples: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    reason: str | None = None
    wall_time: float = 0.0
    started_at: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the trial completed and its values can be used."""
        return self.status is TrialStatus.OK

    def summary_columns(self) -> dict[str, float]:
        """Flat numbers for a store's summary columns: ``time``, ``time.p99``..."""
        columns = dict(self.values)
        for metric, samples in self.samples.items():
            for stat, value in sample_summary(samples).items():
                columns[f"{metric}.{stat}"] = value
        return columns

    def to_dict(self, *, samples: bool = True) -> dict[str, Any]:
        """JSON-able form; ``samples=False`` leaves the raw arrays out."""
        data: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "key": self.key.to_dict(),
            "status": self.status.value,
            "block": self.block,
            "position": self.position,
            "values": dict(self.values),
            "reason": self.reason,
            "wall_time": self.wall_time,
            "started_at": self.started_at,
            "details": self.details,
        }
        if samples:
            data["samples"] = {name: arr.tolist() for name, arr in self.samples.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialResult:
        """Inverse of :meth:`to_dict`."""
        version = data.get("format", 1)
        if version > FORMAT_VERSION:
            raise ValueError(f"trial record format {version} is newer than this assay reads")
        return cls(
            key=TrialKey.from_dict(data["key"]),
            status=TrialStatus(data["status"]),
            block=int(data["block"]),
            position=int(data["position"]),
            # assay.encoding writes NaN and infinities as null: read them back as NaN
            values={k: float("nan" if v is None else v) for k, v in data.get("values", {}).items()},
            samples={
                k: np.asarray(v, dtype=np.float64) for k, v in data.get("samples", {}).items()
            },
            reason=data.get("reason"),
            wall_time=float(data.get("wall_time", 0.0)),
            started_at=float(data.get("started_at", 0.0)),
            details=dict(data.get("details", {})),
        )

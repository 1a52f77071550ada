"""What a run is: :class:`RunHeader`, written when a run starts and read by every later step.

It sits below :mod:`assay.bench.result` and :mod:`assay.bench.sink`, which both
use it (a result carries its run's header; a sink stores it), so that neither
imports the other to get it. :mod:`assay.bench.sink` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["RunHeader"]


@dataclass(frozen=True)
class RunHeader:
    """What a run is: enough to resume it and to read its results later."""

    spec: dict[str, Any]
    options: dict[str, Any]
    environment: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    planned: int | None = None
    """Trials a fixed run plans; None for ``until_decided`` (it stops when decided)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "spec": self.spec,
            "options": self.options,
            "environment": self.environment,
            "warnings": list(self.warnings),
            "planned": self.planned,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunHeader:
        """Inverse of :meth:`to_dict`."""
        return cls(
            spec=dict(data["spec"]),
            options=dict(data["options"]),
            environment=dict(data.get("environment", {})),
            warnings=list(data.get("warnings", [])),
            planned=data.get("planned"),
        )

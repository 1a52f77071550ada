"""What the demo's steps share: where the demo lives, today's date, a log of what ran."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from assay.workspace import Workspace

__all__ = ["DemoContext", "DemoStep"]


@dataclasses.dataclass
class DemoContext:
    """What the steps share: where the demo lives, today's date, and a log of what ran."""

    root: Path
    today: dt.date
    log: list[str] = dataclasses.field(default_factory=list)
    runs: dict[str, str] = dataclasses.field(default_factory=dict)
    """Run ids by role, e.g. ``runs["attention"]``, for later steps to point at."""
    quick: bool = False
    """Fewer trials, for tests."""
    passwords: dict[str, str] = dataclasses.field(default_factory=dict)
    """Each demo user's password for the web app, to print (they are demo passwords)."""

    def days_ago(self, days: int) -> dt.datetime:
        start = dt.datetime.combine(self.today, dt.time(9, 30), tzinfo=dt.UTC)
        return start - dt.timedelta(days=days)


DemoStep = Callable[[Workspace, DemoContext], None]

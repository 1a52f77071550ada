"""Benchmark files as a prototype's criteria froze them (issue 10).

For each benchmark file (or module) whose runs judge a prototype, the content hash
and git commit the first judging run of it recorded at its start. The workspace
(:mod:`assay.workspace.pinning`) works out what is missing and stores it with the
criteria's freeze; a later run whose file hash differs is marked as having run a
changed file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.store.decision_models import FileFreezeRow

__all__ = ["FileFreeze", "add", "of"]


@dataclasses.dataclass(frozen=True)
class FileFreeze:
    """A benchmark file (or module) as frozen: its content hash (``""`` when the run
    that froze it could not read it), its git commit and whether the work tree had
    uncommitted changes (``None`` outside git), the run whose start froze it, when."""

    source: str
    sha256: str
    git_commit: str | None
    git_dirty: bool | None
    run_id: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {**dataclasses.asdict(self), "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileFreeze:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**data, "at": dt.datetime.fromisoformat(data["at"])})


def of(session: Session, prototype_id: int) -> dict[str, FileFreeze]:
    """The stored file freezes of a prototype, by source."""
    rows = session.scalars(select(FileFreezeRow).where(FileFreezeRow.prototype_id == prototype_id))
    return {
        row.source: FileFreeze(
            row.source, row.sha256, row.git_commit, row.git_dirty, row.run_id, row.at
        )
        for row in rows
    }


def add(session: Session, prototype_id: int, freezes: Iterable[FileFreeze]) -> None:
    """Store these file freezes of a prototype (sources not stored yet only)."""
    known = set(of(session, prototype_id))
    session.add_all(
        FileFreezeRow(
            prototype_id=prototype_id,
            source=f.source,
            sha256=f.sha256,
            git_commit=f.git_commit,
            git_dirty=f.git_dirty,
            run_id=f.run_id,
            at=f.at,
        )
        for f in freezes
        if f.source not in known
    )
    session.flush()

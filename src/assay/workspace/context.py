"""What every service of a workspace shares: the store, the settings, who acts.

A service (radar, papers, prototypes and gates, runs...) is built on one
:class:`Context` and opens its own unit of work for each public method:
``with self.ctx.write() as uow:`` for a write, ``with self.ctx.read() as uow:`` for
a read. Everything a decision reads happens inside the transaction that decides;
no public method of a service takes or returns a database session.

Services never hold the :class:`~assay.workspace.Workspace`: a service that needs
another one receives it in its constructor, so the import graph stays acyclic.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from assay.store import Database
from assay.workspace.settings import Settings

__all__ = ["Context"]


@dataclasses.dataclass(frozen=True)
class Context:
    """The store, the workspace's settings and the acting user's name."""

    db: Database
    settings: Settings
    user: str
    root: Path | None = None

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work that writes: committed when the block ends, rolled back on error."""
        with self.db.write() as session:
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """One unit of work that only reads: nothing done in it is committed."""
        with self.db.read() as session:
            yield session

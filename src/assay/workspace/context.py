"""What every service of a workspace shares: the store, the settings, who acts.

A service (radar, papers, prototypes and gates, runs...) is built on one
:class:`Context` and opens its own unit of work for each public method:
``with self.ctx.write() as session:`` for a write, ``with self.ctx.read() as
session:`` for a read. Everything a decision reads happens inside the transaction
that decides; no public method of a service takes or returns a database session.

Units of work nest: a service method called while another unit of work of the same
context is open (a service calling the :class:`~assay.workspace.users.Users`
service to check a role, the radar adding a technique for a post-mortem) joins it,
so its reads and writes belong to the enclosing transaction and commit or roll back
with it. A write inside a read-only unit of work is a bug and raises.

Services never hold the :class:`~assay.workspace.Workspace`: a service that needs
another one receives it in its constructor, so the import graph stays acyclic.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from assay.store import Database
from assay.workspace.settings import Settings

__all__ = ["Context", "now"]


def now() -> dt.datetime:
    """The current time, aware, in UTC: when a change is recorded."""
    return dt.datetime.now(dt.UTC)


def _no_unit() -> contextvars.ContextVar[tuple[Session, bool] | None]:
    return contextvars.ContextVar("assay_unit_of_work", default=None)


@dataclasses.dataclass(eq=False)
class Context:
    """The store, the workspace's settings and the acting user's name.

    ``user`` may be reassigned (``ws.user = "sam"``): every service built on this
    context acts as that user from then on.
    """

    db: Database
    settings: Settings
    user: str
    root: Path | None = None
    _unit: contextvars.ContextVar[tuple[Session, bool] | None] = dataclasses.field(
        default_factory=_no_unit, repr=False
    )

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work that writes: committed when the block ends, rolled back on
        error. Inside another write of this context, it joins that one."""
        current = self._unit.get()
        if current is not None:
            session, writable = current
            if not writable:
                raise RuntimeError("a write was started inside a read-only unit of work")
            yield session
            return
        with self.db.write() as session:
            token = self._unit.set((session, True))
            try:
                yield session
            finally:
                self._unit.reset(token)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """One unit of work that only reads: nothing done in it is committed. Inside
        another unit of work of this context, it reads in that one."""
        current = self._unit.get()
        if current is not None:
            yield current[0]
            return
        with self.db.read() as session:
            token = self._unit.set((session, False))
            try:
                yield session
            finally:
                self._unit.reset(token)

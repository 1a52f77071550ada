"""Storage: the database behind a workspace, its migrations and its repositories.

SQLite (a file in ``.assay/``) by default; PostgreSQL when a URL names one. The
repositories (:mod:`assay.store.techniques`, ...) take a session from
:meth:`Database.read` / :meth:`Database.write` and return pipeline value objects;
the hot ones take an :class:`assay.store.sql.Sql` instead (see that module).

The names below are loaded on first use (a documented lazy import): importing a
repository that reads over plain SQL must not import SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.store.database import Database, SchemaStatus
    from assay.store.url import describe, parse_url, sqlite_url

__all__ = ["Database", "SchemaStatus", "describe", "parse_url", "sqlite_url"]

_HOMES = {
    "Database": "assay.store.database",
    "SchemaStatus": "assay.store.database",
    "describe": "assay.store.url",
    "parse_url": "assay.store.url",
    "sqlite_url": "assay.store.url",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assay.store' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)

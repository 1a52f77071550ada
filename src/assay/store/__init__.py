"""Storage: the database behind a workspace, its migrations and its repositories.

SQLite (a file in ``.assay/``) by default; PostgreSQL when a URL names one. The
repositories (:mod:`assay.store.techniques`, ...) take a session from
:meth:`Database.read` / :meth:`Database.write` and return pipeline value objects.
"""

from assay.store.database import Database, SchemaStatus
from assay.store.url import describe, parse_url, sqlite_url

__all__ = ["Database", "SchemaStatus", "describe", "parse_url", "sqlite_url"]

"""Database URLs: where a workspace's records live.

A URL is SQLAlchemy's form (``sqlite:///path/assay.db``,
``postgresql+psycopg://user@host:5432/db``). A plain ``postgresql://`` URL is
given the psycopg 3 driver; a bare path means a SQLite file.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from assay.errors import DatabaseURLError

__all__ = ["describe", "parse_url", "sqlite_url"]

_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def sqlite_url(path: Path) -> URL:
    """The URL of a SQLite database file."""
    return URL.create("sqlite", database=str(path))


def parse_url(text: str) -> URL:
    """Parse and normalise a database URL, or raise :class:`DatabaseURLError`."""
    raw = text.strip()
    if not raw:
        raise DatabaseURLError("the database URL is empty; expected e.g. sqlite:///team.db")
    if "://" not in raw:
        return sqlite_url(Path(raw).expanduser().resolve())
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise DatabaseURLError(
            f"cannot parse the database URL {_redact(raw)!r}; expected "
            "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DBNAME"
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise DatabaseURLError(
            f"unsupported database {url.drivername!r} in {describe(url)!r}; "
            "assay works with sqlite and postgresql (postgresql+psycopg)"
        )
    url = url.set(drivername=driver)
    if driver == "sqlite" and not url.database:
        raise DatabaseURLError(
            "in-memory SQLite would lose every record; give a file: sqlite:///PATH/assay.db"
        )
    if driver.startswith("postgresql") and not url.database:
        raise DatabaseURLError(
            f"the URL {describe(url)!r} names no database; "
            "expected postgresql+psycopg://USER@HOST:PORT/DBNAME"
        )
    return url


def describe(url: URL) -> str:
    """The URL with any password hidden, fit for messages."""
    return url.render_as_string(hide_password=True)


def _redact(text: str) -> str:
    # Hide a password in a URL that could not be parsed: scheme://user:SECRET@host
    head, sep, tail = text.partition("://")
    if sep and "@" in tail:
        creds, _, rest = tail.rpartition("@")
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        return f"{head}://{creds}@{rest}"
    return text

"""Alembic migrations that own the schema (``versions/``, one file per revision).

:data:`HEAD` names the newest revision, so that opening an up-to-date database
compares it with ``alembic_version`` and parses no migration script at all. A new
migration changes it too; a test checks it against Alembic's own view of the head.
"""

__all__ = ["HEAD"]

HEAD = "0015"

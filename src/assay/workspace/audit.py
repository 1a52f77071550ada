"""The audit trail of a workspace (``ws.audit``): read it, verify it.

Every write appends its entries itself, in its own transaction (see
:mod:`assay.store.audit` and :mod:`assay.store.audit_capture`); this service reads
the log (:meth:`Audit.log`) and checks that nothing was changed behind assay's back
(:meth:`Audit.verify`): the chain of hashes is whole, every record matches its last
audited image, and every prototype's criteria match the hash they were frozen with
(:func:`criteria_problem`, which ``gate review`` and ``prototype show`` ask too).

Reads go over plain SQL; nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
from collections.abc import Sequence

from assay.errors import InputError
from assay.store import audit as audit_rows
from assay.store import audit_verify, prototype_reads
from assay.store.audit import Entry
from assay.store.audit_verify import Problem, Verification
from assay.store.prototype_reads import PrototypeRecord
from assay.store.sql import Sql
from assay.workspace.context import Context

__all__ = ["Audit", "criteria_problem", "parse_record"]


def criteria_problem(record: PrototypeRecord) -> str | None:
    """Why the stored criteria of a frozen prototype cannot be trusted, or ``None``.

    The frozen text must still hash to the frozen hash, and the stored registration
    must hash to the frozen hash, or to the newest amendment's, each amendment
    starting from the hash the one before it ended with. A criterion edited in the
    database, or an amendment deleted, breaks one of these.
    """
    frozen = record.freeze
    if frozen is None:
        return None
    name = record.name
    text_hash = hashlib.sha256(frozen.canonical_text.encode("utf-8")).hexdigest()
    if text_hash != frozen.content_hash:
        return (
            f"the frozen criteria of {name} were edited in the store: they no longer match "
            f"their frozen hash {frozen.content_hash[:16]}"
        )
    expected = frozen.content_hash
    for amendment in record.amendments:
        if amendment.old_hash != expected:
            return (
                f"the amendments of {name} do not follow each other (the one of "
                f"{amendment.at:%Y-%m-%d} starts from {amendment.old_hash[:16]}, not "
                f"{expected[:16]}): an amendment was deleted or edited in the store"
            )
        expected = amendment.new_hash
    current = record.registration.content_hash()
    if current != expected:
        return (
            f"the stored criteria of {name} no longer match their frozen hash "
            f"{expected[:16]} (they hash to {current[:16]}) and no amendment records the "
            "change: they were edited in the store, or an amendment was deleted; run: "
            "assay audit verify"
        )
    return None


def parse_record(text: str) -> tuple[str | None, builtins.list[str]]:
    """``--record``: ``TABLE:KEY`` (a table of the record) or a name, as the table (or
    ``None``) and the keys that name a record."""
    table, sep, key = text.partition(":")
    if sep and table in audit_rows.TABLES:
        if not key.strip():
            raise InputError(f"--record {text!r} names no key; give TABLE:KEY, e.g. techniques:rag")
        return table, sorted({key.strip(), key.strip().casefold()})
    if sep and table.strip() and " " not in table:
        tables = ", ".join(audit_rows.TABLES)
        raise InputError(f"--record {text!r}: {table!r} is not a table of the record ({tables})")
    name = text.strip()
    if not name:
        raise InputError("--record needs TABLE:KEY or a name")
    return None, sorted({name, name.casefold()})


class Audit:
    """Reached as ``workspace.audit``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def log(
        self,
        *,
        since: dt.datetime | None = None,
        who: str | None = None,
        record: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[Entry]:
        """Entries newest first: since a time, by (or for) a user, of one record."""
        if limit is not None and limit < 1:
            raise InputError(f"--limit {limit} must be at least 1")
        if any("\x00" in text for text in (who or "", record or "")):
            raise InputError("--user and --record cannot hold a NUL character")
        table, keys = parse_record(record) if record is not None else (None, [])
        with self.ctx.sql_read() as sql:
            return audit_rows.entries(
                sql, since=since, who=who, table=table, keys=keys, limit=limit
            )

    def version(self) -> int:
        """The newest entry's number (0 for an empty trail): every audited write
        moves it, so the web app keys its page cache on it (one query, one row)."""
        with self.ctx.sql_read() as sql:
            return int(sql.scalar("SELECT entry_id FROM audit_head WHERE id = 1") or 0)

    def verify(self) -> Verification:
        """Check the chain, every record against its last audited image, and the
        prototypes' frozen criteria (see the module docstring)."""
        with self.ctx.sql_read() as sql:
            if sql.dialect == "postgresql":
                # One snapshot for the chain and the records: a write committed while
                # they are read must not look like a record changed behind assay's back.
                sql.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return audit_verify.verify(sql, extra=_criteria_problems(sql))


def _criteria_problems(sql: Sql) -> Sequence[Problem]:
    problems = []
    stored: dict[str, str] = dict(sql.rows("SELECT name, content_hash FROM prototypes"))
    for record in prototype_reads.all_records(sql):
        found = criteria_problem(record)
        current = record.registration.content_hash()
        if found is None and stored.get(record.name) != current:
            found = (
                f"the stored criteria of {record.name} no longer match their recorded hash "
                f"{str(stored.get(record.name))[:16]}: they were edited in the store"
            )
        if found is not None:
            problems.append(Problem("criteria", found, record=f"prototypes:{record.name}"))
    return problems

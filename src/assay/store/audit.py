"""The audit trail: every change to the record, hash-chained, and its verification.

Each write appends one entry per changed record (:func:`append`) in the write's own
transaction: who acted and for whom, when, through which command or endpoint, the
record's table and key, and the record's *image* before and after. An image is the
row as canonical JSON (sorted keys, ISO times, JSON columns decoded), read back from
the database itself (:func:`image`), so that :func:`verify` can later compare every
record with its last audited image. A few columns are left out of an image (a run's
heartbeat) and a few are kept as a digest (a run's result, an artifact's content):
:data:`TABLES` says which, and ``docs/audit.md`` explains why.

Every entry's ``hash`` is the SHA-256 of the canonical JSON of its own fields and the
previous entry's hash (``prev_hash``; ``""`` for the first). The one-row
``audit_head`` holds the newest entry's id and hash and the count: an append reads
and updates it (locked with ``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writes are
serial already), never the chain, so appending costs the same however long the log.

A workspace made before the audit trail existed gets a *genesis*
(:func:`genesis`): one ``insert`` entry per record it holds, so that verification
covers them too. :mod:`assay.store.audit_verify` checks the chain and the records.

This module imports only the standard library and :mod:`assay.store.sql`: the hot
write paths (``technique next``) append over a bare SQLite connection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from assay.store.sql import Sql

__all__ = [
    "DERIVED",
    "GENESIS_VIA",
    "PK",
    "TABLES",
    "Change",
    "Entry",
    "Spec",
    "Who",
    "append",
    "canonical",
    "chain",
    "changes_since",
    "columns",
    "entries",
    "entry_hash",
    "genesis",
    "image",
    "images",
    "pk_of",
]

GENESIS_VIA = "genesis"
"""The ``via`` of the entries that take a workspace's existing records on record."""


@dataclasses.dataclass(frozen=True)
class Spec:
    """How one table of the record is audited: its primary key, the natural key that
    names a record in the log (the primary key when empty), the columns left out of
    its image and those kept only as a SHA-256 digest."""

    pk: tuple[str, ...] = ("id",)
    natural: tuple[str, ...] = ()
    skip: frozenset[str] = frozenset()
    digest: frozenset[str] = frozenset()

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The columns whose values make the record's key in the log."""
        return self.natural or self.pk


_PLAIN = Spec()

TABLES: dict[str, Spec] = {
    "users": Spec(natural=("key",), skip=frozenset({"password_hash"})),
    "api_tokens": Spec(skip=frozenset({"last_used_at"})),
    "web_sessions": Spec(skip=frozenset({"secret_hash", "csrf", "last_seen_at"})),
    "techniques": Spec(natural=("key",)),
    "ring_moves": _PLAIN,
    "ring_move_evidence": _PLAIN,
    "radar_meta": Spec(pk=("key",)),
    "technique_artifacts": Spec(digest=frozenset({"content"})),
    "papers": Spec(natural=("key",)),
    "paper_techniques": Spec(pk=("paper_id", "technique_id")),
    "reading_passes": _PLAIN,
    "paper_notes": Spec(pk=("paper_id",)),
    "viability_scores": Spec(pk=("paper_id", "dimension")),
    "adoption_factors": Spec(pk=("paper_id",)),
    "claims": _PLAIN,
    "claim_runs": _PLAIN,
    "claim_findings": _PLAIN,
    "red_flags": _PLAIN,
    "predictions": _PLAIN,
    "forecasts": _PLAIN,
    "postmortems": _PLAIN,
    "postmortem_actions": _PLAIN,
    "prototypes": Spec(natural=("key",)),
    "prototype_amendments": _PLAIN,
    "prototype_runs": _PLAIN,
    "prototype_file_freezes": _PLAIN,
    "gate_decisions": _PLAIN,
    "decision_runs": Spec(pk=("decision_pk", "run_pk")),
    "review_meetings": _PLAIN,
    "rollout_steps": _PLAIN,
    "rollout_evidence": _PLAIN,
    "inbox_sources": Spec(natural=("key",)),
    "inbox_items": _PLAIN,
    "area_owners": Spec(pk=("key",)),
    "learnings": _PLAIN,
    "decision_watches": _PLAIN,
    "watch_reopenings": _PLAIN,
    "self_ratings": _PLAIN,
    "growth_areas": _PLAIN,
    "runs": Spec(
        natural=("run_id",),
        skip=frozenset({"updated_at", "pid", "host"}),
        digest=frozenset({"header", "result"}),
    ),
}
"""Every table of the record, in the order a genesis takes them (parents first)."""

DERIVED: dict[str, str] = {
    "trials": "bulk measurements; the run's result digest covers what they gave",
    "samples": "bulk measurements; the run's result digest covers what they gave",
    "prototype_evidence": "a cache, recomputed from the record",
    "watch_points": "measurements: each run's result gives them",
    "watch_changes": "a cache, recomputed from watch_points",
    "audit_entries": "the audit trail itself",
    "login_attempts": "the login rate limit's counts, pruned after a day",
    "audit_head": "the head of the audit trail",
    "alembic_version": "the schema's revision",
}
"""Tables that are not the record, and why (kept beside :data:`TABLES`; a test checks
that together they name every table)."""


@dataclasses.dataclass(frozen=True)
class Who:
    """Who acts in a write: the user, the user an admin acts for, and the command or
    endpoint (``"assay radar move"``)."""

    actor: str
    on_behalf_of: str | None = None
    via: str = ""

    @classmethod
    def of(cls, ctx: Any) -> Who:
        """The acting user of a workspace context (anything with ``user``, ``via`` and
        ``on_behalf_of``)."""
        return cls(str(ctx.user), getattr(ctx, "on_behalf_of", None), str(getattr(ctx, "via", "")))


PK = tuple[Any, ...]


@dataclasses.dataclass(frozen=True)
class Change:
    """One record's change within a write: images as canonical JSON, ``None`` where
    the record did not exist."""

    table: str
    key: str
    before: str | None
    after: str | None

    @property
    def action(self) -> str:
        """``insert``, ``update`` or ``delete``."""
        if self.before is None:
            return "insert"
        return "delete" if self.after is None else "update"


# -- canonical images -----------------------------------------------------------------


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, non-ASCII kept, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


_KINDS = {"json": "json", "jsonb": "json", "boolean": "bool", "blob": "blob", "bytea": "blob"}
_COLUMNS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}


def _kind(declared: str) -> str:
    name = declared.lower()
    if name.startswith(("datetime", "timestamp")):
        return "time"
    if name == "date":
        return "date"
    return _KINDS.get(name.split("(")[0], "")


def columns(sql: Sql, table: str) -> tuple[tuple[str, str], ...]:
    """The table's columns as (name, kind) in table order; kind is ``time``,
    ``date``, ``json``, ``bool``, ``blob`` or ``""`` (cached: the schema is fixed)."""
    cached = _COLUMNS.get((sql.dialect, table))
    if cached is not None:
        return cached
    if sql.dialect == "sqlite":
        rows = sql.rows(f"SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid")
    else:
        rows = sql.rows(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = :t AND table_schema = current_schema() ORDER BY ordinal_position",
            {"t": table},
        )
    found = tuple((str(name), _kind(str(declared))) for name, declared in rows)
    if found:
        _COLUMNS[(sql.dialect, table)] = found
    return found


def _value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "time" or isinstance(value, dt.datetime):
        moment = Sql.datetime(value)
        return None if moment is None else moment.isoformat()
    if kind == "date" or isinstance(value, dt.date):
        return str(value) if isinstance(value, str) else value.isoformat()
    if kind == "json":
        return Sql.json(value)
    if kind == "bool":
        return bool(value)
    if kind == "blob" or isinstance(value, bytes | memoryview):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if type(value).__name__ == "Decimal":  # PostgreSQL NUMERIC; decimal is not imported
        return float(value)
    return value


def _digest(value: Any) -> Any:
    if value is None:
        return None
    text = value if isinstance(value, str) else canonical(value)
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def _image(spec: Spec, names: Sequence[tuple[str, str]], row: Sequence[Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for (name, kind), raw in zip(names, row, strict=True):
        if name in spec.skip:
            continue
        value = _value(kind, raw)
        data[name] = _digest(value) if name in spec.digest else value
    return data


def _key_of(spec: Spec, data: Mapping[str, Any]) -> str:
    return "/".join(str(data.get(column)) for column in spec.key_columns)


def pk_of(spec: Spec, data: Mapping[str, Any]) -> PK:
    """A record's primary key, from its image."""
    return tuple(data.get(column) for column in spec.pk)


def images(sql: Sql, table: str, pks: Iterable[PK] | None = None) -> dict[PK, tuple[str, str]]:
    """The records of ``table`` (or those whose primary keys are ``pks``) as
    ``{pk: (key, image)}``, the image being canonical JSON."""
    spec = TABLES[table]
    names = columns(sql, table)
    if not names:  # not created yet: a migration's genesis runs before later tables
        return {}
    select = f"SELECT {', '.join(_quoted(name) for name, _ in names)} FROM {table}"
    found: dict[PK, tuple[str, str]] = {}
    if pks is None:
        chunks: list[list[PK]] = [[]]
    else:
        wanted = list(pks)
        chunks = [wanted[i : i + 200] for i in range(0, len(wanted), 200)]
        if not wanted:
            return found
    for chunk in chunks:
        query, params = select, dict[str, Any]()
        if pks is not None:
            query, params = _where(select, spec.pk, chunk)
        for row in sql.rows(query, params):
            data = _image(spec, names, row)
            found[pk_of(spec, data)] = (_key_of(spec, data), canonical(data))
    return found


def _quoted(name: str) -> str:
    return f'"{name}"'


def _where(select: str, pk: tuple[str, ...], chunk: Sequence[PK]) -> tuple[str, dict[str, Any]]:
    if len(pk) == 1:
        return f"{select} WHERE {_quoted(pk[0])} IN (:pks)", {"pks": [p[0] for p in chunk]}
    clauses, params = [], {}
    for i, values in enumerate(chunk):
        parts = []
        for j, (column, value) in enumerate(zip(pk, values, strict=True)):
            parts.append(f"{_quoted(column)} = :p{i}_{j}")
            params[f"p{i}_{j}"] = value
        clauses.append("(" + " AND ".join(parts) + ")")
    return f"{select} WHERE {' OR '.join(clauses)}", params


def image(sql: Sql, table: str, pk: PK) -> tuple[str, str] | None:
    """One record's ``(key, image)``, or ``None`` when there is no such row."""
    return images(sql, table, [pk]).get(pk)


def changes_since(
    sql: Sql, table: str, before: Mapping[PK, tuple[str, str] | None]
) -> list[Change]:
    """The changes to the records ``before`` names (their images then, ``None`` for a
    record that did not exist): each read again now and kept where it differs."""
    now = images(sql, table, before)
    found = []
    for pk, then in before.items():
        after = now.get(pk)
        if (then and then[1]) == (after and after[1]):
            continue
        key = (after or then or ("?", ""))[0]
        found.append(Change(table, key, then[1] if then else None, after[1] if after else None))
    return found


# -- the chain ------------------------------------------------------------------------

_FIELDS = (
    "id",
    "txn",
    "at",
    "actor",
    "on_behalf_of",
    "via",
    "action",
    "record_table",
    "record_key",
    "before",
    "after",
    "prev_hash",
)


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of an entry's fields (:data:`_FIELDS`, the
    previous entry's hash among them), in hexadecimal."""
    data = {name: fields[name] for name in _FIELDS}
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def _head(sql: Sql) -> tuple[int, str, int]:
    lock = " FOR UPDATE" if sql.dialect == "postgresql" else ""
    row = sql.one(f"SELECT entry_id, hash, count FROM audit_head WHERE id = 1{lock}")
    if row is None:  # deleted behind assay's back: rebuilt from the newest entry
        newest = sql.one("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1")
        row = (*(newest or (None, "")), sql.scalar("SELECT count(*) FROM audit_entries"))
        sql.execute(
            "INSERT INTO audit_head (id, entry_id, hash, count) VALUES (1, :id, :hash, :count)",
            {"id": row[0], "hash": row[1], "count": row[2]},
        )
    return int(row[0] or 0), str(row[1] or ""), int(row[2] or 0)


_INSERT = (
    "INSERT INTO audit_entries (id, txn, at, actor, on_behalf_of, via, action, "
    "record_table, record_key, before, after, prev_hash, hash) VALUES (:id, :txn, :at, "
    ":actor, :on_behalf_of, :via, :action, :record_table, :record_key, :before, :after, "
    ":prev_hash, :hash)"
)


def append(sql: Sql, who: Who, changes: Sequence[Change], at: dt.datetime) -> int:
    """Append one entry per change, chained, in ``sql``'s transaction; the number
    appended. Locks the chain's head (``audit_head``) and moves it."""
    if not changes:
        return 0
    import uuid  # here: it costs start-up time, and the hot reads never append

    last_id, prev, count = _head(sql)
    txn = str(uuid.uuid4())
    moment = at.astimezone(dt.UTC)
    for change in changes:
        last_id += 1
        fields: dict[str, Any] = {
            "id": last_id,
            "txn": txn,
            "at": moment.isoformat(),
            "actor": who.actor,
            "on_behalf_of": who.on_behalf_of,
            "via": who.via[:300],
            "action": change.action,
            "record_table": change.table,
            "record_key": change.key[:300],
            "before": change.before,
            "after": change.after,
            "prev_hash": prev,
        }
        fields["hash"] = prev = entry_hash(fields)
        sql.execute(_INSERT, {**fields, "at": sql.bind_datetime(moment)})
    sql.execute(
        "UPDATE audit_head SET entry_id = :id, hash = :hash, count = :count WHERE id = 1",
        {"id": last_id, "hash": prev, "count": count + len(changes)},
    )
    return len(changes)


def genesis(sql: Sql, at: dt.datetime) -> int:
    """Take every record of a store with no audit entries on record: one ``insert``
    entry each (``via`` ``"genesis"``); the number appended (0 when the log is not
    empty or there is nothing to take)."""
    if sql.scalar("SELECT count(*) FROM audit_entries"):
        return 0
    _COLUMNS.clear()  # run by a migration: the schema may have just changed
    found: list[Change] = []
    for table in TABLES:
        ordered = sorted(images(sql, table).values())
        found += [Change(table, key, None, data) for key, data in ordered]
    return append(sql, Who("assay", None, GENESIS_VIA), found, at)


# -- reading the log ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entry:
    """One audit entry as stored."""

    id: int
    txn: str
    at: dt.datetime
    actor: str
    on_behalf_of: str | None
    via: str
    action: str
    record_table: str
    record_key: str
    before: str | None
    after: str | None
    prev_hash: str
    hash: str

    def fields(self) -> dict[str, Any]:
        """The hashed fields (times as ISO text)."""
        data = dataclasses.asdict(self)
        data["at"] = self.at.isoformat()
        return data

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``: the fields, with the images decoded."""
        data = self.fields()
        data["before"] = None if self.before is None else json.loads(self.before)
        data["after"] = None if self.after is None else json.loads(self.after)
        return data


_SELECT = f"SELECT {', '.join(_FIELDS)}, hash FROM audit_entries"


def _entry(row: Sequence[Any]) -> Entry:
    values = list(row)
    values[2] = Sql.datetime(values[2])
    return Entry(*values)


def entries(
    sql: Sql,
    *,
    since: dt.datetime | None = None,
    who: str | None = None,
    table: str | None = None,
    keys: Sequence[str] = (),
    limit: int | None = None,
) -> list[Entry]:
    """Entries newest first, filtered by time, actor (or the user acted for), table
    and record keys; at most ``limit``."""
    clauses, params = [], {}
    if since is not None:
        clauses.append("at >= :since")
        params["since"] = sql.bind_datetime(since)
    if who:
        clauses.append("(lower(actor) = :who OR lower(on_behalf_of) = :who)")
        params["who"] = who.casefold()
    if table:
        clauses.append("record_table = :table")
        params["table"] = table
    if keys:
        clauses.append("record_key IN (:keys)")
        params["keys"] = list(keys)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    rows = sql.rows(f"{_SELECT}{where} ORDER BY id DESC{tail}", params)
    return [_entry(row) for row in rows]


def chain(sql: Sql) -> Iterator[Entry]:
    """Every entry, oldest first."""
    for row in sql.rows(f"{_SELECT} ORDER BY id"):
        yield _entry(row)

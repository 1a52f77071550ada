"""Verifying the audit trail: nothing changed behind assay's back.

:func:`verify` checks that the chain is whole (each entry's hash matches its content
and follows the previous entry's), that its head (``audit_head``) agrees with its
newest entry and count, and that every record of :data:`assay.store.audit.TABLES`
matches its last audited image: a record edited, deleted or inserted without an
entry is named. The caller adds what it checks beyond the store (the prototypes'
frozen criteria).

Standard library and :mod:`assay.store.sql` only, like :mod:`assay.store.audit`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from typing import Any

from assay.store import audit
from assay.store.audit import PK, TABLES, Entry, entry_hash, images, pk_of
from assay.store.sql import Sql

__all__ = ["Problem", "Verification", "verify"]


@dataclasses.dataclass(frozen=True)
class Problem:
    """One sign of tampering: what is wrong and where (an entry id, or a record)."""

    kind: str  # entry, head, record, criteria
    message: str
    entry: int | None = None
    record: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: the entries checked, the head's hash and count, and
    every problem (the chain's first, then the records', then the criteria's)."""

    entries: int
    records: int
    head_hash: str
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Whether the chain is whole and every record matches its last image."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "records": self.records,
            "head_hash": self.head_hash,
            "problems": [p.to_dict() for p in self.problems],
        }


def _check_chain(sql: Sql) -> tuple[list[Entry], Problem | None]:
    chain, prev, broken = [], "", None
    for entry in audit.chain(sql):
        chain.append(entry)
        if broken is not None:
            continue
        if entry.prev_hash != prev:
            broken = Problem(
                "entry",
                f"audit entry #{entry.id} does not follow the entry before it (its previous "
                "hash differs): an entry before it was deleted, inserted or edited",
                entry=entry.id,
            )
        elif entry_hash(entry.fields()) != entry.hash:
            broken = Problem(
                "entry",
                f"audit entry #{entry.id} ({entry.action} {entry.record_table}:"
                f"{entry.record_key}) was edited: its hash does not match its content",
                entry=entry.id,
            )
        prev = entry.hash
    return chain, broken


def _check_head(sql: Sql, chain: Sequence[Entry]) -> Problem | None:
    row = sql.one("SELECT entry_id, hash, count FROM audit_head WHERE id = 1")
    last = chain[-1] if chain else None
    stored = (None, "", 0) if row is None else (row[0], row[1] or "", int(row[2] or 0))
    expected = (last.id if last else None, last.hash if last else "", len(chain))
    if stored == expected:
        return None
    return Problem(
        "head",
        f"the audit log holds {expected[2]} entries up to #{expected[0]}, but its head says "
        f"{stored[2]} up to #{stored[0]}: entries were deleted or added behind assay's back",
        entry=stored[0],
    )


def _check_records(sql: Sql, chain: Sequence[Entry]) -> tuple[int, list[Problem]]:
    audited: dict[tuple[str, PK], tuple[int, str, str | None]] = {}
    for entry in chain:
        spec = TABLES.get(entry.record_table)
        if spec is None:
            continue
        data = json.loads(entry.after or entry.before or "{}")
        audited[(entry.record_table, pk_of(spec, data))] = (
            entry.id,
            entry.record_key,
            entry.after,
        )
    problems, count = [], 0
    for table in TABLES:
        current = images(sql, table)
        count += len(current)
        for pk, (key, data) in current.items():
            last = audited.pop((table, pk), None)
            if last is None or last[2] is None:
                problems.append(
                    Problem(
                        "record",
                        f"{table}:{key} has no audit entry: it was inserted behind assay's back",
                        record=f"{table}:{key}",
                    )
                )
            elif not _same(last[2], data):
                problems.append(
                    Problem(
                        "record",
                        f"{table}:{key} differs from its last audited image (entry #{last[0]})"
                        f": it was edited behind assay's back ({_diff(last[2], data)})",
                        entry=last[0],
                        record=f"{table}:{key}",
                    )
                )
    for (table, _), (entry_id, key, after) in audited.items():
        if after is not None:
            problems.append(
                Problem(
                    "record",
                    f"{table}:{key} is missing (last audited in entry #{entry_id}): it was "
                    "deleted behind assay's back",
                    entry=entry_id,
                    record=f"{table}:{key}",
                )
            )
    return count, problems


def _same(audited: str, current: str) -> bool:
    """A record matches its audited image; a column the image lacks (added by a later
    migration) is compared from the record's next write on."""
    if audited == current:
        return True
    then, now = json.loads(audited), json.loads(current)
    return all(now.get(name) == value for name, value in then.items()) and set(then) <= set(now)


def _diff(audited: str, current: str) -> str:
    then, now = json.loads(audited), json.loads(current)
    changed = sorted(name for name in set(then) | set(now) if then.get(name) != now.get(name))
    return "changed: " + ", ".join(changed[:5]) + ("..." if len(changed) > 5 else "")


def verify(sql: Sql, *, extra: Iterable[Problem] = ()) -> Verification:
    """Check the chain (each entry's hash and link), its head, and every record of
    :data:`TABLES` against its last audited image; ``extra`` problems found by the
    caller (the prototypes' frozen criteria) are added last."""
    chain, broken = _check_chain(sql)
    problems = [broken] if broken else []
    head = _check_head(sql, chain)
    if head is not None:
        problems.append(head)
    count, record_problems = _check_records(sql, chain)
    problems += record_problems
    problems += list(extra)
    return Verification(
        entries=len(chain),
        records=count,
        head_hash=chain[-1].hash if chain else "",
        problems=tuple(problems),
    )

"""Retrying a write that the database refused for a moment, with a bound.

Several processes write into one store at once: four ``bench run`` writers into one
run, a web server beside a CLI. On SQLite only one transaction writes at a time; a
writer that finds the lock taken waits (SQLite's busy timeout, a slice per try) and,
past that slice, gets "database is locked". On PostgreSQL a transaction may be
chosen as a deadlock victim or fail to serialise. None of these means the write was
wrong, and each guarantees that nothing of it was committed, so the unit of work
(:meth:`assay.store.database.Database.write`, :class:`assay.store.sql.SqliteUnit`)
tries again after an exponentially growing, jittered pause (the jitter keeps the
waiting writers from waking in lock-step), and only after :attr:`RetryPolicy.attempts`
tries gives up with :class:`~assay.errors.StoreBusyError`: one clear line, never a
driver's traceback.

This module imports only the standard library (:mod:`assay.store.sql` uses it on
the fast path, without SQLAlchemy).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from assay.errors import StoreBusyError

__all__ = ["BUSY_TIMEOUT_MS", "RetryPolicy", "is_transient", "retrying"]

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5_000
"""How long one try on SQLite waits for another writer before the policy takes over."""

_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (extended codes keep them in the low byte)
_PG_TRANSIENT = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available
    "53300",  # too_many_connections
}
_MESSAGES = ("database is locked", "database table is locked", "database is busy",
             "too many clients already")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a refused write is tried again.

    Try ``n`` (from 0) waits ``min(cap_s, base_s * 2**n)`` seconds, half of it fixed
    and half drawn at random ("equal jitter"). The defaults give 10 tries over about
    7 s of pauses, on top of SQLite's busy timeout in each try.
    """

    attempts: int = 10
    base_s: float = 0.02
    cap_s: float = 2.0

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """One try: the first refusal reaches the caller (what a test injects)."""
        return cls(attempts=1)

    def pauses(self, rng: random.Random | None = None) -> Iterator[float]:
        """The pauses between tries: ``attempts - 1`` of them."""
        draw = (rng or random).random
        for n in range(self.attempts - 1):
            step = min(self.cap_s, self.base_s * 2**n)
            yield step / 2 + draw() * step / 2


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (a driver's error, or SQLAlchemy's wrapping of one) is a refusal
    that leaves nothing committed and may succeed if tried again."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_BUSY:
        return True
    if getattr(orig, "sqlstate", None) in _PG_TRANSIENT:
        return True
    message = str(orig).lower()
    return any(marker in message for marker in _MESSAGES)


def retrying(
    policy: RetryPolicy,
    attempt: Callable[[], T],
    *,
    where: str,
    on_retry: Callable[[BaseException], None] | None = None,
) -> T:
    """``attempt()``, tried again on a transient refusal as ``policy`` says; past the
    bound, :class:`StoreBusyError` naming ``where`` (the database) and the last refusal.
    Any other error passes through at once, and so does every error when the policy is
    :meth:`RetryPolicy.disabled` (what a test injects to see the driver's own error)."""
    if policy.attempts <= 1:
        return attempt()
    started = time.monotonic()
    pauses = policy.pauses()
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except Exception as exc:
            if not is_transient(exc):
                raise
            pause = next(pauses, None)
            if pause is None:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise StoreBusyError(
                    f"{where} stayed busy with other writers through {tries} "
                    f"{'try' if tries == 1 else 'tries'} over {time.monotonic() - started:.1f} s "
                    f"(last: {reason}); nothing of this change was written: run it again"
                ) from None
            if on_retry is not None:
                on_retry(exc)
            time.sleep(pause)

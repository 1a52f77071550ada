"""The pure parts of :mod:`assay.workspace.accounts` (issue 12): the password rule, the
hasher's parameters, the retry-after arithmetic, when a session ends, what a session
shows, and argon2 imported only when a password is hashed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import pytest

from assay.errors import InputError, PermissionDeniedError, RateLimitedError
from assay.store.sessions import IDLE, LIFETIME, StoredSession
from assay.workspace import accounts
from assay.workspace.accounts import WebSession, check_password

T0 = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("", "0 characters long; use at least 12"),
        ("eleven char", "11 characters long"),
        ("x" * 1025, "longer than 1024"),
        ("new\nline in it", "control characters"),
        ("nul\x00 in the middle", "control characters"),
    ],
)
def test_bad_passwords_are_refused(password: str, words: str) -> None:
    with pytest.raises(InputError, match=words) as refused:
        check_password(password)
    assert password not in str(refused.value) or not password


@pytest.mark.parametrize(
    "password", ["twelve chars", "a" * 1024, "ünïcödé pässwörd", " spaces  ok "]
)
def test_good_passwords_pass_unchanged(password: str) -> None:
    assert check_password(password) == password


def test_the_hasher_is_argon2id_with_the_libraries_defaults() -> None:
    from argon2 import PasswordHasher, Type

    hasher = accounts._hasher()
    default = PasswordHasher()
    assert hasher.type is Type.ID
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        default.time_cost,
        default.memory_cost,
        default.parallelism,
    )
    assert hasher.hash("twelve chars").startswith("$argon2id$")


def test_a_rate_limited_error_is_a_refusal_with_a_wait() -> None:
    error = RateLimitedError("too many", retry_after_s=42)
    assert isinstance(error, PermissionDeniedError)
    assert error.retry_after_s == 42


def _failures(*minutes: float) -> list[tuple[dt.datetime, str]]:
    return [(T0 + dt.timedelta(minutes=m), "c") for m in minutes]


def test_retry_after_counts_until_the_limit_is_no_longer_reached() -> None:
    at = T0 + dt.timedelta(minutes=10)
    assert accounts._retry_after(_failures(0, 1, 2, 3), 5, at) == 0
    assert accounts._retry_after(_failures(0, 1, 2, 3, 4), 5, at) == 5 * 60
    # Six failures: the lock lasts until the second oldest leaves the window.
    assert accounts._retry_after(_failures(0, 1, 2, 3, 4, 5), 5, at) == 6 * 60
    # Never 0 while limited, however close the end.
    almost = T0 + dt.timedelta(minutes=15) - dt.timedelta(milliseconds=1)
    assert accounts._retry_after(_failures(0, 1, 2, 3, 4), 5, almost) == 1


def _stored(**changes: object) -> StoredSession:
    base = StoredSession(
        id=1,
        user="vic",
        role="viewer",
        user_retired_at=None,
        csrf="c",
        created_at=T0,
        expires_at=T0 + LIFETIME,
        last_seen_at=T0,
        revoked_at=None,
        client="",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_session_ends_idle_or_at_its_lifetime() -> None:
    fresh = _stored()
    assert fresh.ends_at() == T0 + IDLE
    assert fresh.live(T0 + IDLE - dt.timedelta(seconds=1))
    assert not fresh.live(T0 + IDLE)
    busy = _stored(last_seen_at=T0 + LIFETIME - dt.timedelta(hours=1))
    assert busy.ends_at() == T0 + LIFETIME
    assert not busy.live(T0 + LIFETIME)
    assert not _stored(revoked_at=T0).live(T0)
    assert not _stored(user_retired_at=T0).live(T0)


def test_a_web_session_shows_no_secret() -> None:
    shown = WebSession("s3cret", "vic", "viewer", "csrf-token", T0, T0 + IDLE).to_dict()
    assert shown == {
        "user": "vic",
        "role": "viewer",
        "created_at": T0.isoformat(),
        "expires_at": (T0 + IDLE).isoformat(),
    }


def test_argon2_is_imported_only_when_a_password_is_hashed() -> None:
    """The CLI's fast paths import the users service (and the user group) without it."""
    code = (
        "import sys\n"
        "import assay.workspace.accounts, assay.workspace.users, assay.cli.user_password\n"
        "assert 'argon2' not in sys.modules, 'argon2 imported'\n"
        "assay.workspace.accounts._hasher()\n"
        "assert 'argon2' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

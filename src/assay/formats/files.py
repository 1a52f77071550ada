"""Reading the files users name: one clear :class:`~assay.errors.InputError` for each
way a path can be wrong, and a cap on how much is read.

Every reader in assay that takes a path from a user (bibliographies, radar and
Fatebook CSV, post-mortem and prototype TOML, evidence, settings, samples) reads it
through :func:`read_text` or :func:`read_bytes`, so that a folder, ``/dev/zero``, a
binary file, a path too long for the system or a file under something that is not a
folder ends in one line naming the file and what was expected, never a traceback,
and never reads more than :data:`MAX_BYTES`.
"""

from __future__ import annotations

import errno
from pathlib import Path

from assay.errors import InputError

__all__ = ["MAX_BYTES", "read_bytes", "read_text", "shown"]

MAX_BYTES = 64 * 1024 * 1024
"""The most bytes assay reads from one file a user names (64 MiB)."""

_SHOWN = 120


def shown(path: str | Path) -> str:
    """A path as an error message shows it: control characters escaped, and clipped
    in the middle when longer than a line."""
    text = str(path)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if len(text) <= _SHOWN:
        return text
    half = _SHOWN // 2 - 1
    return f"{text[:half]}…{text[-half:]} ({len(str(path))} characters)"


def _os_error(file: Path, exc: OSError, expected: str) -> InputError:
    name = shown(file)
    reasons = {
        errno.ENOENT: "no such file",
        errno.EISDIR: "is a folder",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.ENAMETOOLONG: "the path is too long for this system",
        errno.EACCES: "permission denied",
        errno.ELOOP: "too many symbolic links",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return InputError(f"{name}: {reason}; expected {expected}")


def read_bytes(path: str | Path, expected: str, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the file at ``path``, at most ``limit`` of them.

    Raises :class:`InputError` naming the file and what was ``expected`` ("a RIS
    export") when the path is missing, a folder, unreadable, too long, or the file is
    larger than ``limit``.
    """
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise _os_error(file, exc, expected) from None
    except ValueError as exc:  # a NUL character in the path
        raise InputError(f"{shown(file)}: not a usable path ({exc}); expected {expected}") from None
    if len(data) > limit:
        raise InputError(
            f"{shown(file)}: larger than {limit // (1024 * 1024) or limit} "
            f"{'MiB' if limit >= 1024 * 1024 else 'bytes'}; expected {expected}"
        )
    return data


def read_text(
    path: str | Path, expected: str, *, encoding: str = "utf-8-sig", limit: int = MAX_BYTES
) -> str:
    """The text of the file at ``path`` (UTF-8, a byte-order mark accepted).

    As :func:`read_bytes`, and a binary file (bytes that are not UTF-8, or a NUL
    byte) is refused with the byte where it stops being text.
    """
    data = read_bytes(path, expected, limit=limit)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{shown(path)}: byte {exc.start} is not UTF-8; save it as UTF-8 (expected {expected})"
        ) from None
    if "\x00" in text:
        raise InputError(
            f"{shown(path)}: a binary file (a NUL byte at character {text.index(chr(0))}); "
            f"expected {expected}"
        )
    return text

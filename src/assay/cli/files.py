"""Writing the files users ask for with ``-o/--output``: never the workspace's own, never
over an existing file unless ``--force``, and never half-written.

Every command that writes a file (``radar export``, ``predict export``, ``paper
export``, ``gate export``, ``report``, ``predict score --plot``) checks its target
with :func:`check_output` before doing any work and writes through
:func:`write_text` (or :func:`atomic_path` for writers that take a path): the text
goes to a temporary file beside the target, which then replaces it in one step
(``os.replace``), so a failure leaves the old file as it was.

Refused, whatever ``--force`` says: anything inside a ``.assay/`` folder (the
workspace's database, its ``-wal``/``-shm``/``-journal`` files and ``assay.toml``)
and the SQLite database that ``--db``/``ASSAY_DATABASE_URL`` names. Refused without
``--force``: a file that exists. Refused always: a folder, or a folder that does
not exist. Each refusal is one line and exit code 2, with nothing written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from assay.errors import InputError

__all__ = ["ForceOption", "atomic_path", "check_output", "check_sources", "write_text"]

ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Overwrite the output file if it exists (never the workspace's own files).",
    ),
]

_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def _shown(path: Path | str) -> str:
    from assay.formats.files import shown  # deferred: keeps `assay --help` light

    return shown(path)


def _database_files(db: str | None) -> set[Path]:
    """The files of the SQLite database ``db`` (or ``ASSAY_DATABASE_URL``) names."""
    url = db or os.environ.get("ASSAY_DATABASE_URL") or ""
    if not url.startswith("sqlite:///"):
        return set()
    base = url.removeprefix("sqlite:///").split("?", 1)[0]
    if not base or base == ":memory:":
        return set()
    try:
        resolved = Path(base).resolve()
    except (OSError, ValueError):
        return set()
    return {resolved.with_name(resolved.name + side) for side in _SQLITE_SIDE_FILES}


def check_output(out: Path, *, force: bool, db: str | None = None, option: str = "-o") -> Path:
    """``out``, when assay may write it; else an :class:`InputError` saying why.

    Call it before any work, so a refused target costs nothing and changes nothing.
    """
    name = _shown(out)
    try:
        resolved = out.resolve()
        exists, is_dir = out.exists(), out.is_dir()
        parent_ok = resolved.parent.is_dir()
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"{option} {name}: not a usable path ({reason})") from None
    if ".assay" in resolved.parts or resolved in _database_files(db):
        raise InputError(
            f"{option} {name}: that is one of the workspace's own files (its database or "
            "settings); write somewhere outside .assay/"
        )
    if is_dir:
        raise InputError(f"{option} {name}: is a folder; give a file name inside it")
    if exists and not out.is_file():  # a device, a pipe, a socket: never replaced
        raise InputError(
            f"{option} {name}: not a regular file; give a file name (or leave out {option} "
            "where the command can print to stdout)"
        )
    if not parent_ok:
        raise InputError(f"{option} {name}: the folder {_shown(out.parent)} does not exist")
    if exists and not force:
        raise InputError(f"{option} {name}: the file exists; add --force to overwrite it")
    return out


def _mode(out: Path) -> int:
    """The permissions the written file gets: the old file's, or the umask's default."""
    try:
        return out.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out`` to write; it replaces ``out`` when the block
    ends without an error, and is removed when it raises."""
    try:
        handle, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name[:60]}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{_shown(out)}: cannot write it ({exc.strerror})") from None
    os.close(handle)
    path = Path(temp)
    try:
        yield path
        os.chmod(path, _mode(out))
        os.replace(path, out)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise InputError(f"{_shown(out)}: cannot write it ({exc.strerror})") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def write_text(out: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` atomically; check it first with :func:`check_output`."""
    with atomic_path(out) as temp:
        temp.write_text(text, encoding="utf-8")


def check_sources(values: list[str], option: str) -> None:
    """Refuse a benchmark file named on the command line (``--evidence``, ``--file``)
    that does not exist or is not a file: a typo would otherwise be registered, and
    frozen with the criteria. Module names (``pkg.bench``) pass; a ``prototype.toml``
    may still declare a benchmark that is not written yet."""
    for value in values:
        text = value.strip()
        if not (text.endswith(".py") or "/" in text or "\\" in text):
            continue
        path = Path(text).expanduser()
        try:
            is_file = path.is_file()
        except (OSError, ValueError):
            is_file = False
        if not is_file:
            reason = "is a folder" if _is_dir(path) else "no such file"
            raise InputError(
                f"{option} {_shown(value)}: {reason}; give an existing benchmark file (.py) "
                "or a module name"
            )


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False

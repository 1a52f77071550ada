"""Reading notes from a TOML file: the passes of a paper and its structured note.

What ``assay paper read --from notes.toml`` reads. The file's shape::

    [pass1]                        # pass2, pass3: the same, with their questions
    claim = "40% lower latency at equal accuracy"
    decision = "continue"          # or "stop"
    reason = "relevant to our serving stack"
    on = 2026-11-02                # optional: when it was read

    [note]                         # optional: the structured note's fields
    summary = "..."

Each pass table holds the answers to that pass's questions
(:data:`assay.pipeline.reading.PASS_QUESTIONS`), a decision and a reason. A file that
cannot be read raises :class:`~assay.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.formats import files
from assay.pipeline.reading import PASS_QUESTIONS, Decision

__all__ = ["ReadEntry", "load_notes", "parse_decision"]

ReadEntry = tuple[int, dict[str, str], Decision, str, dt.date | None]
"""One pass read from a notes file: number, answers, decision, reason, date."""


def parse_decision(text: str, where: str) -> Decision:
    """``continue`` or ``stop``, in any case; ``where`` names the key in the error."""
    try:
        return Decision(text.strip().lower())
    except ValueError:
        raise InputError(
            f"{where}: decision {text!r} is not one; expected continue or stop"
        ) from None


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(files.read_text(path, "a TOML file", encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{files.shown(path)}: {exc}; expected TOML") from None


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: is {type(value).__name__}; expected text in quotes")
    return value


def _pass_table(path: Path, number: int, table: Any) -> ReadEntry:
    where = f"{path}: pass{number}"
    if not isinstance(table, dict):
        raise InputError(f"{where}: expected a table of answers")
    known = set(PASS_QUESTIONS[number]) | {"decision", "reason", "on"}
    for name in table:
        if name not in known:
            raise InputError(
                f"{where}.{name}: unknown key; expected {', '.join(PASS_QUESTIONS[number])}, "
                "decision, reason, on"
            )
    for name in ("decision", "reason"):
        if name not in table:
            raise InputError(f"{where}: missing {name}")
    on = table.get("on")
    if on is not None and not isinstance(on, dt.date):
        raise InputError(f"{where}.on: expected a date such as 2026-11-02")
    answers = {k: _text(v, f"{where}.{k}") for k, v in table.items() if k in PASS_QUESTIONS[number]}
    decision = parse_decision(_text(table["decision"], f"{where}.decision"), f"{where}.decision")
    return number, answers, decision, _text(table["reason"], f"{where}.reason"), on


def load_notes(path: Path, only: int | None) -> tuple[list[ReadEntry], dict[str, Any] | None]:
    """Passes (``[pass1]`` .. ``[pass3]``) and the note (``[note]``) from a TOML file."""
    data = _toml(path)
    for name in data:
        if name not in {"pass1", "pass2", "pass3", "note"}:
            raise InputError(f"{path}: {name}: unknown table; expected pass1, pass2, pass3, note")
    numbers = [n for n in (1, 2, 3) if f"pass{n}" in data and (only is None or n == only)]
    if only is not None and not numbers:
        raise InputError(f"{path}: no pass{only} table")
    entries = [_pass_table(path, n, data[f"pass{n}"]) for n in numbers]
    note = data.get("note") if only is None else None
    if note is not None and not isinstance(note, dict):
        raise InputError(f"{path}: note: expected a table")
    return entries, note

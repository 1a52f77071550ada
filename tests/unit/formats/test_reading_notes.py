"""Reading notes in TOML: passes and the note; errors name the file and the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.formats.reading_notes import load_notes, parse_decision
from assay.pipeline.reading import Decision

NOTES = """
[pass1]
claim = "40% lower latency"
problem = "attention is slow"
decision = "Continue"
reason = "ours"
on = 2026-11-02

[pass2]
technique = "tiling"
decision = "stop"
reason = "needs sm90"

[note]
summary = "tiled attention"
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "notes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_passes_and_the_note(tmp_path: Path) -> None:
    entries, note = load_notes(_file(tmp_path, NOTES), None)
    assert entries == [
        (1, {"claim": "40% lower latency", "problem": "attention is slow"}, Decision.CONTINUE,
         "ours", dt.date(2026, 11, 2)),
        (2, {"technique": "tiling"}, Decision.STOP, "needs sm90", None),
    ]  # fmt: skip
    assert note == {"summary": "tiled attention"}


def test_one_pass_only_leaves_the_note_out(tmp_path: Path) -> None:
    entries, note = load_notes(_file(tmp_path, NOTES), 2)
    assert [e[0] for e in entries] == [2] and note is None


BAD = [
    ("[pass4]\n", "pass4: unknown table"),
    ("[pass1]\nclaim = 'x'\nreason = 'y'\n", "pass1: missing decision"),
    ("[pass1]\nclaim = 'x'\ndecision = 'maybe'\nreason = 'y'\n",
     "pass1.decision: decision 'maybe' is not one; expected continue or stop"),
    ("[pass1]\nclam = 'x'\ndecision = 'stop'\nreason = 'y'\n", "pass1.clam: unknown key"),
    ("[pass1]\nclaim = 3\ndecision = 'stop'\nreason = 'y'\n", "pass1.claim: is int"),
    ("[pass1]\ndecision = 'stop'\nreason = 'y'\non = 'May'\n", "pass1.on: expected a date"),
    ("note = 'x'\n", "note: expected a table"),
    ("[pass1\n", "expected TOML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_file_names_itself_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_notes(path, None)
    assert str(caught.value).startswith(f"{path}")
    assert message in str(caught.value)


def test_a_missing_pass_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no pass3 table"):
        load_notes(_file(tmp_path, NOTES), 3)
    with pytest.raises(InputError, match="no such file"):
        load_notes(tmp_path / "nope.toml", None)
    assert parse_decision(" STOP ", "x") is Decision.STOP

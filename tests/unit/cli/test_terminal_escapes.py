"""Terminal escapes in user text are shown, never obeyed (issue 11): in a table, in a
plain line, in an error, at a terminal or not."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from assay.cli import output
from assay.display import safe_text
from support import new_team, run_main

HOSTILE = [
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07",  # OSC 8 hyperlink
    "\x1b]0;new title\x07",  # OSC: the window title
    "\x9b31m",  # C1 CSI
    "back\x08\x08space",
    "carriage\rreturn",
    "del\x7f",
]
RAW = ["\x1b[2J", "\x1b]", "\x07", "\x9b", "\x08", "\r", "\x7f"]


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_text_leaves_no_control_character(text: str) -> None:
    shown = safe_text(text)
    assert all(ch.isprintable() for ch in shown), shown
    assert "\\x" in shown or "\\r" in shown


def test_safe_text_keeps_newlines_tabs_and_unicode() -> None:
    text = "line one\n\tline two — 80 °C, naïve 🎉"
    assert safe_text(text) is text


def _terminal(console_type: type[Console]) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return console_type(
        file=buffer, force_terminal=True, width=100, soft_wrap=True, highlight=False
    ), buffer


def _raw(text: str) -> list[str]:
    """The raw control sequences of HOSTILE found in ``text`` (Rich's own SGR styles,
    ``ESC [ ... m``, are allowed: they are not in RAW)."""
    return [seq for seq in RAW if seq in text]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_table_and_a_line_at_a_terminal_show_escapes(text: str) -> None:
    console, buffer = _terminal(output.SafeConsole)
    sheet = output.table("Name", "Owner", title="Techniques")
    sheet.add_row("evil", text)
    console.print(sheet)
    console.print(f"Owner: {text}", markup=False)
    console.print(output.Text(f"why: {text}"))  # Rich drops BEL, BS and CR from a Text
    printed = buffer.getvalue()
    assert _raw(printed) == [], repr(printed)
    assert f"Owner: {safe_text(text)}" in printed


def test_the_check_can_fail_rich_alone_obeys_them() -> None:
    console, buffer = _terminal(Console)
    console.print(f"Owner: {HOSTILE[0]}", markup=False)
    assert _raw(buffer.getvalue())


def test_through_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    new_team(tmp_path, monkeypatch, user="tester")
    summary = "\x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07"
    code, _, err = run_main(
        ["technique", "add", "evil", "--area", "Tools", "--summary", summary,
         "--owner", "\x1b[2J"], capsys,
    )  # fmt: skip
    assert code == 0, err
    for argv in (["technique", "show", "evil"], ["technique", "list"], ["radar"]):
        code, out, err = run_main(argv, capsys)
        assert code == 0, err
        assert "\x1b" not in out and "\x07" not in out, (argv, out)
        assert "\\x1b[2J" in out, (argv, out)
    code, _, err = run_main(["technique", "show", "\x1b[2Jnope"], capsys)
    assert code == 2 and "\x1b" not in err and "\\x1b" in err, err

"""``output.table``: the one way the CLI builds a table. Atoms (numbers, dates,
identifiers, labels) are never split; text wraps between words and shares the width
left by the atoms."""

from __future__ import annotations

import re

import pytest
from rich.console import Console
from rich.table import Table

from assay.cli import output
from assay.cli.output import Column, Kind

DATE, KEY = "2026-12-06", "dao2022flashattention"
PROSE = "benchmark against our draft model on the production traffic replay " * 2


def _render(renderable: object, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None, soft_wrap=True)
    console.print(renderable)
    return console.export_text().splitlines()


def _sheet(**kwargs: object) -> output.Sheet:
    sheet = output.table(
        Column("Key", Kind.ID),
        Column("Notes", ratio=2),
        Column("Due", Kind.DATE),
        Column("Baseline", Kind.LABEL),
        Column("Flags", Kind.NUMBER, justify="right"),
        **kwargs,  # type: ignore[arg-type]
    )
    sheet.add_row(KEY, PROSE, DATE, "baseline", "12")
    sheet.add_row("x", "short", "—", "candidate", "3")
    return sheet


@pytest.mark.parametrize("width", [72, 80, 120])
def test_atoms_stay_whole_and_the_table_fits(width: int) -> None:
    lines = _render(_sheet(), width)
    assert max(map(len, lines)) <= width
    text = "\n".join(lines)
    for atom in (KEY, DATE, "baseline", "candidate", "12"):
        assert atom in text
    assert "production" in text  # the text column wrapped, whole words kept


def test_a_plain_rich_table_splits_them_the_check_sees_it() -> None:
    """What the rule prevents, shown with Rich's own table at the same width."""
    table = Table()
    for header in ("Key", "Notes", "Due", "Baseline", "Flags"):
        table.add_column(header, overflow="fold")
    table.add_row(KEY, PROSE, DATE, "baseline", "12")
    text = "\n".join(_render(table, 60))
    assert DATE not in text or KEY not in text or "baseline" not in text


def test_text_shares_what_the_atoms_leave_by_ratio_and_expands() -> None:
    sheet = output.table(Column("A", ratio=1), Column("B", ratio=3), Column("N", Kind.NUMBER))
    sheet.add_row("word " * 40, "word " * 40, "123456")
    widths = sheet.widths(Console(), 80)
    assert widths[2] == 6
    assert sum(widths) + 3 * 3 + 1 == 80
    assert widths[1] >= 3 * widths[0] - 3
    narrow = output.table(Column("A"), Column("B", ratio=3), expand=True)
    narrow.add_row("a", "b")
    a, b = narrow.widths(Console(), 80)
    assert a == 1 and a + b + 7 == 80  # what nobody needs goes to the largest ratio


def test_names_keep_every_word_whole_text_folds_long_words() -> None:
    long = "tiled-attention-p99-latency-with-a-very-long-name"
    sheet = output.table(Column("Ref", Kind.NAMES), Column("Match", ratio=4))
    sheet.add_row(long, f"{long} {long}")
    text = "\n".join(_render(sheet, 80))
    assert long in text  # the NAMES column
    assert text.count(long) == 1  # the text column folded it


def test_when_atoms_alone_are_too_wide_the_rows_become_records() -> None:
    """An identifier is never cut to make room. A table wider than the terminal would
    be cropped by the console (its last columns gone, identifiers cut: the user's
    "n=10000" for n=100000), so the rows print one below the other, a line a column."""
    lines = _render(_sheet(), 40)
    assert max(map(len, lines)) <= 40
    words = " ".join(lines).split()
    for atom in (KEY, DATE, "baseline", "candidate", "12"):
        assert atom in words
    heads = [line.split()[0] for line in lines if line and not line[0].isspace()]
    assert heads == ["Key", "Notes", "Due", "Baseline", "Flags"] * 2


def test_a_console_crops_an_overflowing_rich_table_the_check_sees_it() -> None:
    plain = Table()
    for header in ("Key", "Other", "Due"):
        plain.add_column(header, no_wrap=True)
    plain.add_row(KEY * 2, "y" * 30, DATE)
    lines = _render(plain, 40)
    assert DATE not in " ".join(lines)  # cropped away: what records prevent


def test_stacked_atoms_are_measured_a_line_each() -> None:
    sheet = output.table(Column("When, gate", Kind.DATE), Column("Why"))
    sheet.add_row(f"{DATE}\ndiscovery", "because")
    assert sheet.widths(Console(), 80)[0] == len(DATE)


def test_markup_cells_are_measured_as_printed_and_rows_must_match_columns() -> None:
    sheet = output.table(Column("State", Kind.LABEL), Column("Note"))
    sheet.add_row("[red]missing[/]", "x")
    assert sheet.widths(Console(), 80)[0] == len("missing")
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        output.table("a", "b", "c").add_row("x", "y")


def test_title_and_caption_wrap_at_the_width() -> None:
    sheet = _sheet(title="Methods " * 12, caption="A caption that says a lot. " * 8)
    lines = _render(sheet, 80)
    assert max(map(len, lines)) <= 80
    assert re.search(r"A caption", lines[-4] + lines[-3] + lines[-2] + lines[-1])


def test_prose_wraps_between_words_with_a_hanging_bullet(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(output, "console", Console(width=40, soft_wrap=True))
    output.prose(f"due {DATE}: {PROSE}", bullet="  - ")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 2 and max(map(len, lines)) <= 40
    assert lines[0].startswith("  - due 2026-12-06")
    assert all(line.startswith("    ") for line in lines[1:])

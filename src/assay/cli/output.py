"""The command line's output layer: the only place assay writes to the terminal.

People get Rich tables and panels on stdout; machines get plain JSON (no colour
codes when stdout is not a terminal). Errors are one red line on stderr.

User text is shown, never obeyed: both consoles are :class:`SafeConsole`, which
passes every string it prints (before layout, so tables keep their widths) and every
segment it renders (a last net for ``Text`` built from user values) through
:func:`assay.display.safe_text`, so a terminal escape stored in an owner, a summary,
a why, a hypothesis or a title is printed as ``\x1b[31m``. Names are also checked
when they are given; free text is not refused at input, because an old record or a
record written by another surface must be just as safe to print.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, JustifyMethod, RenderableType, RenderResult
from rich.markup import escape
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

from assay import encoding
from assay.display import safe_text


class SafeConsole(Console):
    """A Rich console that shows control characters in what it prints as escapes.

    Its width is read when it prints (the terminal's, or ``COLUMNS``), never frozen
    when the module is imported: Rich fixes a ``COLUMNS`` set at construction for
    good, so whoever imported this module first would decide every later width."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kwargs.get("width") is None:
            self._width = None

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """As Rich's, the text made safe first (so widths are measured on what shows)."""
        return super().render_str(safe_text(text), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterator[Segment]:
        """As Rich's, each text segment made safe (control segments, Rich's own cursor
        moves, pass as they are)."""
        for segment in super().render(renderable, options):
            text = segment.text
            if segment.control is None and not text.isprintable():
                safe = safe_text(text)
                if safe is not text:
                    segment = Segment(safe, segment.style)
            yield segment


console = SafeConsole(soft_wrap=True)
err_console = SafeConsole(stderr=True, soft_wrap=True)


def emit_json(data: Any) -> None:
    """Write ``data`` to stdout as JSON, followed by a newline.

    Through :func:`assay.encoding.dumps`, the one encoder: NaN and infinities are
    ``null``, datetimes ISO 8601 with their UTC offset, enums their values.
    Indented for a person at a terminal; one line for a pipe or a file, which the
    C encoder writes about ten times faster (a 10,000-technique radar: 0.1 s, not 1 s).
    """
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(encoding.dumps(data, indent=indent) + "\n")
    sys.stdout.flush()


def emit_text(text: str) -> None:
    """Write a document (Markdown, HTML, CSV...) to stdout exactly as given; at a
    terminal, its control characters are shown as escapes (see :func:`safe_text`)."""
    if sys.stdout.isatty():
        text = safe_text(text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """One line on stderr: what was wrong and what was expected.

    A message may carry detail after its first line (the user's own traceback, trimmed
    to their code, when their benchmark file fails to import); it follows, dimmed.
    """
    first, _, detail = str(message).partition("\n")
    text = " ".join(first.split())
    err_console.print(f"[bold red]error:[/] {escape(text)}", markup=True, highlight=False)
    if detail.strip():
        err_console.print(detail.rstrip(), style="dim", markup=False, highlight=False)


def prose(markup: str | Text, *, bullet: str = "", highlight: bool = False) -> None:
    """A sentence for people (Rich markup, or a ``Text``), wrapped at the terminal's
    width between words (the console itself leaves long lines to the terminal, which
    cuts anywhere); with a ``bullet`` (such as ``"  - "``) the lines after the first
    align under the text."""
    if not bullet:
        console.print(markup, soft_wrap=False, highlight=highlight)
        return
    from rich.table import Table  # loaded on first use: `assay --version` stays light

    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(bullet), Text.from_markup(markup) if isinstance(markup, str) else markup)
    console.print(grid, soft_wrap=False, highlight=highlight)


def warn(message: str) -> None:
    """A warning on stderr, in yellow; it never changes the exit code."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}", markup=True, highlight=False)


class Kind(StrEnum):
    """What a table column holds, declared once per column; it decides how the column
    behaves when the terminal is narrow.

    ``TEXT`` wraps at spaces (a word longer than the column is folded). ``NAMES``
    wraps at spaces too, but between words only: identifiers and names listed in a
    cell, each kept whole. Every other kind is an atom: a number, a date, an
    identifier or a short label is never split across lines; its column is as wide
    as its longest value, and the text columns share what is left of the width.
    """

    TEXT = "text"
    NAMES = "names"
    NUMBER = "number"
    DATE = "date"
    ID = "id"
    LABEL = "label"


@dataclass(frozen=True)
class Column:
    """A column of a :class:`Sheet`: its header, :class:`Kind` and, for text, its share
    (``ratio``) of the width left by the atoms."""

    header: str
    kind: Kind = Kind.TEXT
    ratio: int = 1
    justify: JustifyMethod = "left"
    style: str = ""


Cell = RenderableType
_WRAPS = (Kind.TEXT, Kind.NAMES)


class Sheet:
    """A table whose atoms never split: the one way the CLI builds a table.

    Rows are added as with Rich's ``Table`` (:meth:`add_row`, :meth:`add_section`);
    column widths are chosen when it is printed, for the width it is given: atom
    columns (every kind but ``TEXT``) get their longest value, text columns share the
    rest by ``ratio`` and wrap. Only when even text at its narrowest cannot fit is
    the table wider than the terminal: an identifier is never cut to make room.
    """

    _WORD = 12  # a text column keeps words up to this long whole, if the width allows

    def __init__(
        self,
        *columns: Column | str,
        title: str | None = None,
        caption: str | None = None,
        expand: bool = False,
        show_header: bool = True,
    ) -> None:
        self.columns = [c if isinstance(c, Column) else Column(c) for c in columns]
        self.title, self.caption, self.expand = title, caption, expand
        self.show_header = show_header
        self.rows: list[tuple[Cell, ...]] = []
        self._sections: set[int] = set()

    def add_row(self, *cells: Cell | None) -> None:
        """One row; a ``str`` cell is Rich markup, as in Rich's ``Table``."""
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(tuple("" if c is None else c for c in cells))

    def add_section(self) -> None:
        """A rule under the last row added."""
        self._sections.add(len(self.rows) - 1)

    def widths(self, console: Console, max_width: int) -> list[int]:
        """Each column's content width (padding and borders excluded) for a table
        at most ``max_width`` wide, where the atoms allow it."""
        needs = [self._need(console, i) for i in range(len(self.columns))]
        room = max_width - 3 * len(self.columns) - 1  # one space each side, n + 1 rules
        text = [i for i, c in enumerate(self.columns) if c.kind in _WRAPS]
        widths = [max(least, most) for least, most in needs]
        left = room - sum(widths[i] for i in range(len(widths)) if i not in text)
        if not text:
            return widths
        if sum(widths[i] for i in text) > left or self.expand:
            least = self._least(text, needs, left)
            needs = [(least[i], most) if i in text else (word, most)
                     for i, (word, most) in enumerate(needs)]  # fmt: skip
            for i, share in zip(text, self._shares(text, needs, left), strict=True):
                widths[i] = share
        return widths

    def _least(self, text: list[int], needs: list[tuple[int, int]], left: int) -> dict[int, int]:
        """The narrowest each text column may be: its longest word (``_WORD`` at most)
        while the room allows; when it does not, the column with the largest ratio
        (prose, most likely) gives way first, a column at a time, down to its header."""
        least = {i: max(self._header(i), self._word(i, needs[i][0])) for i in text}
        while sum(least.values()) > left:
            shrinkable = [i for i in text if least[i] > self._header(i)]
            shrinkable = [i for i in shrinkable if self.columns[i].kind is Kind.TEXT]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: (self.columns[i].ratio, least[i]))
            least[widest] -= 1
        return least

    def _word(self, index: int, longest: int) -> int:
        """The longest word a column keeps whole: every one for ``NAMES``."""
        return longest if self.columns[index].kind is Kind.NAMES else min(longest, self._WORD)

    def _header(self, index: int) -> int:
        """The width of the longest word of a column's header: the least it may get."""
        return max((len(w) for w in self.columns[index].header.split()), default=1)

    def _shares(self, text: list[int], needs: list[tuple[int, int]], left: int) -> list[int]:
        """``left`` columns shared by the text columns in proportion to their ratios:
        one whose share is below its least gets its least, one that needs less than
        its share keeps only what it needs, and the others share the rest (the
        remainder of the division to the first); what nobody needs goes to the column
        with the largest ratio when the sheet expands."""
        shares: dict[int, int] = {}
        open_ = list(text)
        while open_:
            spare = left - sum(shares.values())
            total = sum(self.columns[i].ratio for i in open_)
            fair = {i: max(spare, 0) * self.columns[i].ratio // total for i in open_}
            pinned = {i: needs[i][0] for i in open_ if fair[i] < needs[i][0]}
            pinned = pinned or {i: needs[i][1] for i in open_ if needs[i][1] <= fair[i]}
            if not pinned:
                fair[open_[0]] += spare - sum(fair.values())
                shares.update(fair)
                break
            shares.update(pinned)
            open_ = [i for i in open_ if i not in pinned]
        spare = left - sum(shares.values())
        if self.expand and spare > 0:
            shares[max(text, key=lambda i: self.columns[i].ratio)] += spare
        return [shares[i] for i in text]

    def _need(self, console: Console, index: int) -> tuple[int, int]:
        """(least, most): the narrowest a column may be and the width of its widest line.

        An atom column's least is its widest value. A text column's is its longest
        word; :meth:`widths` keeps words whole up to the longest length the room
        allows (``_WORD`` at most; a longer word is folded), and never gives a text
        column less than the longest word of its header.
        """
        column = self.columns[index]
        header = self._header(index)
        widths = [_widths(console, row[index]) for row in self.rows]
        widest = max((line for line, _ in widths), default=0)
        if column.kind not in _WRAPS:
            return max(header, widest), widest
        word = max((w for _, w in widths), default=0)
        return word, max(widest, len(column.header))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table  # loaded on first use: `assay --version` stays light

        widths = self.widths(console, options.max_width)
        if sum(widths) + 3 * len(widths) + 1 > options.max_width:
            yield from self._records(options)  # the console would crop what overflows
            return
        table = Table(
            title=self.title,
            caption=self.caption,
            title_justify="left",
            caption_justify="left",
            show_header=self.show_header,
        )
        for column, width in zip(self.columns, widths, strict=True):
            table.add_column(
                column.header,
                width=width,
                justify=column.justify,
                style=column.style or None,
                overflow="fold",
            )
        for index, row in enumerate(self.rows):
            table.add_row(*row, end_section=index in self._sections)
        total = sum(widths) + 3 * len(widths) + 1
        width = max(total, options.max_width)
        wrapped = options.update(width=width, no_wrap=False, overflow="fold")
        yield from console.render(table, wrapped)  # the title and caption wrap, too

    def _records(self, options: ConsoleOptions) -> RenderResult:
        """The rows one below the other, a ``header  value`` line per column: when the
        atoms alone are wider than the terminal. A table wider than the terminal is
        cropped by the console, so the last columns would vanish and identifiers be
        cut; as records every value is whole (only a single value longer than a line
        folds)."""
        from rich.table import Table  # loaded on first use: `assay --version` stays light

        if self.title:
            yield Text(self.title, style="bold")
        for index, row in enumerate(self.rows):
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", max_width=max(options.max_width // 3, 8))
            grid.add_column(overflow="fold")
            for column, cell in zip(self.columns, row, strict=True):
                grid.add_row(column.header, cell)
            if index:
                yield Text("")
            yield grid
        if self.caption:
            yield Text(self.caption, style="dim")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = self.widths(console, options.max_width)
        total = sum(widths) + 3 * len(widths) + 1
        if total > options.max_width:
            return Measurement(options.max_width, options.max_width)
        return Measurement(total, total)


def _widths(console: Console, cell: Cell) -> tuple[int, int]:
    """A cell's widest line and longest word, as Rich will print it."""
    if isinstance(cell, str):
        cell = Text.from_markup(cell)
    if isinstance(cell, Text):
        lines = safe_text(cell.plain).split("\n")  # measured as it will show
        words = [w for line in lines for w in line.split()]
        return max(map(cell_len, lines), default=0), max(map(cell_len, words), default=0)
    most = Measurement.get(console, console.options, cell).maximum
    return most, most


def table(
    *columns: Column | str,
    title: str | None = None,
    caption: str | None = None,
    expand: bool = False,
) -> Sheet:
    """A :class:`Sheet`: the columns, each a :class:`Column` or a header (text)."""
    return Sheet(*columns, title=title, caption=caption, expand=expand)

"""Short reprs, notebook tables and DataFrames for the results users hold in Python.

A result class mixes in :class:`Displayable` and says, in two or three class
attributes, which fields of its ``to_dict()`` (the same JSON ``--json`` prints)
make its headline and which list holds its rows::

    @dataclass(repr=False)  # keep the mixin's short repr
    class BenchmarkResult(Displayable):
        _display_facts = ("benchmark", "trials", "stopped")
        _display_rows = "comparisons"
        _display_columns = ("candidate", "params", "metric", "verdict", "effect.relative")

and gets:

- ``repr(result)``: a headline and one line per row (the first five display
  columns), never more than :data:`REPR_LIMIT` characters however large the result;
- ``result._repr_html_()``: an HTML table of the rows (the display columns, all
  text escaped), which Jupyter shows when the result ends a cell;
- ``result.to_pandas()``: a :class:`pandas.DataFrame` with one row per record and
  every field as a column (nested objects flattened to ``effect.relative``),
  or :class:`~assay.errors.MissingDependencyError` naming
  ``pip install 'assay[pandas]'`` when pandas is not installed.

Every string a person sees passes :func:`safe_text` on its way to the screen (the
command line's consoles apply it to all they print; :func:`_cell` here applies the
stricter :func:`_printable`): terminal escapes (ESC, CSI, OSC, the C0 and C1 control
characters other than newline and tab) in a name, an owner, a summary or a why are
shown as ``\x1b``, never obeyed, whenever they were stored and whoever typed them.

Without ``_display_rows`` the object itself is the one row. For a plain list of
results (the radar's techniques, a list of predictions) :func:`table` wraps it in
a :class:`Table` that renders the same way. Values go through
:func:`assay.encoding.to_jsonable` first, so NaN shows as empty, dates as ISO text.
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from assay.encoding import JSONValue, to_jsonable
from assay.errors import MissingDependencyError

__all__ = [
    "REPR_LIMIT",
    "Displayable",
    "Table",
    "View",
    "cell_value",
    "flatten",
    "safe_text",
    "table",
]

REPR_LIMIT = 1000
"""The most characters a result's ``repr`` holds, whatever its size."""

_LINE_LIMIT = 160
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""The characters a terminal obeys rather than shows: C0 but newline and tab, DEL, C1."""
_CELL_LIMIT = 120
_HTML_ROWS = 200
_REPR_COLUMNS = 5


@dataclass(frozen=True)
class View:
    """What a result shows: a name, headline facts, rows and the columns to show."""

    name: str
    facts: Mapping[str, JSONValue]
    rows: Sequence[Mapping[str, JSONValue]]
    columns: tuple[str, ...]
    noun: str = "rows"
    single: bool = False
    """The object is itself the one row: its repr is one line of its first columns."""

    def shown_columns(self) -> tuple[str, ...]:
        """The declared columns, or every column the rows have, in first-seen order."""
        return self.columns or all_columns(self.rows)


class Displayable:
    """Mixin: a short ``__repr__``, ``_repr_html_`` and ``to_pandas()`` from ``to_dict()``.

    Subclasses set ``_display_facts`` (``to_dict()`` keys for the headline),
    ``_display_rows`` (the key of the list of rows, or several keys whose rows
    follow one another, each a list of records, a mapping of records or one
    record; ``None``: the object is one row) and ``_display_columns``
    (flattened column names to show), or override :meth:`_display_view`.
    A dataclass needs ``repr=False`` to keep this repr.
    """

    __slots__ = ()
    _display_facts: ClassVar[tuple[str, ...]] = ()
    _display_rows: ClassVar[str | tuple[str, ...] | None] = None
    _display_columns: ClassVar[tuple[str, ...]] = ()

    def _display_view(self) -> View:
        """The view of this object, built from its JSON form."""
        data = to_jsonable(self)
        if not isinstance(data, dict):
            data = {"value": data}
        facts = {key: data.get(key) for key in self._display_facts if key in data}
        keys = self._display_rows
        if keys is None:
            rows = [flatten(data)]
        else:
            rows = [row for key in _keys(keys) for row in _rows(data.get(key))]
        noun = keys if isinstance(keys, str) else "rows"
        return View(type(self).__name__, facts, rows, self._display_columns, noun, keys is None)

    def __repr__(self) -> str:
        try:
            view = self._display_view()
        except Exception as error:  # a repr that raises hides the object being debugged
            return f"<{type(self).__name__} (no summary: {type(error).__name__}: {error})>"
        return render_repr(view)

    def _repr_html_(self) -> str:
        """An HTML table for Jupyter; every value escaped."""
        return render_html(self._display_view())

    def to_pandas(self) -> Any:
        """A :class:`pandas.DataFrame`, one row per record, every field a column.

        Raises :class:`~assay.errors.MissingDependencyError` when pandas is not
        installed (``pip install 'assay[pandas]'``).
        """
        view = self._display_view()
        pandas = _pandas()
        columns = _ordered_columns(view.columns, view.rows)
        return pandas.DataFrame([dict(row) for row in view.rows], columns=list(columns))


class Table(Displayable):
    """A list of results (techniques, predictions, runs...) that renders as a table.

    It is a read-only sequence of the objects it was given; ``to_pandas()`` and
    the HTML table have one row per object.
    """

    __slots__ = ("_columns", "_items", "_name")

    def __init__(
        self, items: Iterable[Any], *, name: str | None = None, columns: Sequence[str] = ()
    ) -> None:
        self._items = tuple(items)
        first = self._items[0] if self._items else None
        self._name = name or (f"{type(first).__name__} table" if self._items else "Table")
        declared = getattr(type(first), "_display_columns", ())
        self._columns = tuple(columns) or tuple(declared)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __getitem__(self, index: int) -> Any:
        return self._items[index]

    def to_dict(self) -> dict[str, Any]:
        """``{"rows": [...]}``, each object in its JSON form."""
        return {"rows": [to_jsonable(item) for item in self._items]}

    def _display_view(self) -> View:
        rows = [_row(to_jsonable(item)) for item in self._items]
        return View(self._name, {}, rows, self._columns)


def table(records: Iterable[Any], *, name: str | None = None, columns: Sequence[str] = ()) -> Table:
    """Wrap a list of results so it renders as a table in a notebook.

    ``records`` may hold any objects :func:`assay.encoding.to_jsonable` takes
    (results with ``to_dict()``, dataclasses, dicts); ``columns`` picks the
    columns the repr and the HTML show (default: the records' declared display
    columns, or all of them).
    """
    return Table(records, name=name, columns=columns)


def flatten(data: Mapping[str, JSONValue], prefix: str = "") -> dict[str, JSONValue]:
    """Nested objects as dotted columns: ``{"effect": {"ci": x}}`` → ``{"effect.ci": x}``.

    Empty objects and ``params``-like mappings of scalars stay as one cell when
    they are empty; lists stay as they are.
    """
    out: dict[str, JSONValue] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def all_columns(rows: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Every key of ``rows``, in the order they first appear."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return tuple(seen)


def render_repr(view: View) -> str:
    """A headline and one line per row, at most :data:`REPR_LIMIT` characters."""
    if view.single and view.rows:
        shown = view.columns or all_columns(view.rows)
        facts = {c: cell_value(view.rows[0], c) for c in shown[: _REPR_COLUMNS + 1]}
        return _clip(f"{view.name}({_facts_text(facts)})", REPR_LIMIT)
    headline = f"{view.name}({_facts_text(view.facts)}{', ' if view.facts else ''}"
    lines = [_clip(f"{headline}{len(view.rows)} {view.noun})", _LINE_LIMIT)]
    columns = view.shown_columns()[:_REPR_COLUMNS]
    used = len(lines[0])
    for index, row in enumerate(view.rows):
        line = _clip("  " + _row_text(row, columns), _LINE_LIMIT)
        if used + len(line) + 1 > REPR_LIMIT - _LINE_LIMIT:
            lines.append(f"  … and {len(view.rows) - index} more {view.noun} (see to_pandas())")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def render_html(view: View) -> str:
    """The view as an HTML ``<table>`` with a caption; every value escaped."""
    columns = view.shown_columns()
    caption = html.escape(view.name)
    if view.facts:
        caption += ": " + html.escape(_facts_text(view.facts, quote=False))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_cell(cell_value(row, c)))}</td>" for c in columns)
        + "</tr>"
        for row in view.rows[:_HTML_ROWS]
    )
    more = len(view.rows) - _HTML_ROWS
    note = f"<p><small>… and {more} more {html.escape(view.noun)}</small></p>" if more > 0 else ""
    return (
        "<div class='assay-result'><table>"
        f"<caption style='text-align:left'>{caption}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div>"
    )


def _row(item: JSONValue) -> dict[str, JSONValue]:
    return flatten(item) if isinstance(item, dict) else {"value": item}


def _keys(keys: str | tuple[str, ...]) -> tuple[str, ...]:
    return (keys,) if isinstance(keys, str) else keys


def _rows(value: JSONValue) -> list[dict[str, JSONValue]]:
    """Rows from a list of records, a mapping of records (all values objects), or one record."""
    if isinstance(value, list):
        return [_row(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(item, dict) for item in value.values()):
            return [_row(item) for item in value.values()]
        return [_row(value)]
    return []


def _ordered_columns(declared: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every column, the declared ones first (a declared ``params`` brings ``params.n``...)."""
    every = all_columns(rows)
    first = [c for d in declared for c in every if c == d or c.startswith(f"{d}.")]
    return list(dict.fromkeys(first)) + [c for c in every if c not in first]


def cell_value(row: Mapping[str, JSONValue], column: str) -> JSONValue:
    """``row[column]``, or the flattened ``column.*`` entries gathered back into an object."""
    if column in row:
        return row[column]
    prefix = f"{column}."
    inner = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
    return inner or None


def _row_text(row: Mapping[str, JSONValue], columns: Sequence[str]) -> str:
    """``fast  n=100  time  worse  effect=0.5``: text bare, numbers named, empty cells left out."""
    parts = []
    for column in columns:
        value = cell_value(row, column)
        if value is None or value == {}:
            continue
        text = _cell(value)
        named = isinstance(value, int | float) and not isinstance(value, bool)
        parts.append(f"{column.split('.')[0]}={text}" if named else text)
    return "  ".join(parts)


def _pandas() -> Any:
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise MissingDependencyError("pandas", "pandas") from None


def _facts_text(facts: Mapping[str, JSONValue], *, quote: bool = True) -> str:
    parts = []
    for key, value in facts.items():
        if value is None or value == "":
            continue
        if isinstance(value, str):
            text = repr(value) if quote else _printable(value)  # repr escapes control characters
        else:
            text = f"({_cell(value)})" if isinstance(value, dict) else _cell(value)
        parts.append(f"{key}={text}")
    return ", ".join(parts)


def _cell(value: JSONValue) -> str:
    """One value as short, printable text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        text = ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    elif isinstance(value, list):
        scalars = all(not isinstance(v, dict | list) for v in value)
        text = ", ".join(_cell(v) for v in value) if scalars else f"[{len(value)} items]"
        text = f"[{text}]" if scalars else text
    else:
        text = str(value)
    return _clip(_printable(text), _CELL_LIMIT)


def safe_text(text: str) -> str:
    """``text`` as a terminal shows it without obeying it: every control character but
    newline and tab (ESC, and so CSI and OSC sequences; BEL, backspace, CR; DEL; the C1
    range, U+0080 to U+009F) written as its escape (``\\x1b``, ``\\r``, ``\\x9b``).

    Text without one is returned as it is, so the common case costs one regex search.
    """
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda found: repr(found.group())[1:-1], text)


def _printable(text: str) -> str:
    """Control characters (newlines, terminal escapes) shown as escapes, not obeyed."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

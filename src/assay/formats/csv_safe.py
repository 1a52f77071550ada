"""CSV cells that a spreadsheet shows as text, never runs as a formula.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel, LibreOffice and Google Sheets as a formula (CSV injection:
``=HYPERLINK(...)``, ``@SUM(...)``). Following the OWASP rule, every CSV writer in
assay passes its cells through :func:`cell`, which puts a single quote before such
text; numbers (``-0.5``, ``+3``, ``-1e-3``) stay numbers. :func:`uncell` undoes it
when assay reads its own files back, so a round trip loses nothing: text that
already starts with quotes before one of those characters gets one more quote on
the way out and loses exactly one on the way in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["FORMULA_STARTS", "cell", "row", "uncell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula."""

_ESCAPED = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in {"inf", "infinity", "nan"}


def cell(value: object) -> object:
    """``value`` safe for a CSV cell: text that would run as a formula gets a leading ``'``.

    Non-text values and text that is a plain number (``-0.5``) pass unchanged.
    """
    if not isinstance(value, str) or not _ESCAPED.match(value) or _is_number(value):
        return value
    return "'" + value


def row(values: Iterable[object]) -> list[object]:
    """Every value of a CSV row through :func:`cell`."""
    return [cell(value) for value in values]


def uncell(text: str) -> str:
    """The text :func:`cell` was given: one leading ``'`` before a formula start removed."""
    return text[1:] if _QUOTED.match(text) else text

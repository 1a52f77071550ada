"""The command line's output layer: the only place assay writes to the terminal.

People get Rich tables and panels on stdout; machines get plain JSON (no colour
codes when stdout is not a terminal). Errors are one red line on stderr.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def emit_json(data: Any) -> None:
    """Write ``data`` to stdout as indented JSON, followed by a newline."""
    sys.stdout.write(json.dumps(data, indent=2, default=_default, allow_nan=False) + "\n")
    sys.stdout.flush()


def emit_text(text: str) -> None:
    """Write a document (Markdown, HTML, CSV...) to stdout exactly as given."""
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


def warn(message: str) -> None:
    """A warning on stderr, in yellow; it never changes the exit code."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}", markup=True, highlight=False)

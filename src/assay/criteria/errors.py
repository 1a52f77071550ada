"""Errors of the criteria language.

    InputError (assay.errors)
    └── CriteriaSyntaxError          the text is not a valid criterion
        └── CriteriaUnitError        it compares quantities of different dimensions

Both carry the expression, the position and what was expected. ``str()`` is one
line (for logs and the CLI's one-line error); :meth:`caret_message` is the
multi-line form with a caret under the offending column, for
``assay criteria check``.
"""

from __future__ import annotations

from typing import Self

from assay.errors import InputError

__all__ = ["CriteriaSyntaxError", "CriteriaUnitError"]


class CriteriaSyntaxError(InputError):
    """An expression that is not a valid criterion.

    Attributes:
        expression: the text as given.
        position: 0-based offset of the offending character in ``expression``.
        line, column: 1-based line and column of that character.
        expected: what the parser expected there, in words.
        found: what it found instead (a short description), or ``""``.
        field: where the expression came from (``success[1]``), or ``""``.
    """

    def __init__(
        self, expression: str, position: int, expected: str, found: str = "", *, field: str = ""
    ) -> None:
        position = max(0, min(position, len(expression)))
        self.field = field
        self.expression = expression
        self.position = position
        self.expected = expected
        self.found = found
        before = expression[:position]
        self.line = before.count("\n") + 1
        self.column = position - (before.rfind("\n") + 1) + 1
        super().__init__(self._one_line())

    def _where(self) -> str:
        multi = "\n" in self.expression
        return f"line {self.line}, column {self.column}" if multi else f"column {self.column}"

    def _one_line(self) -> str:
        shown = self.expression.replace("\r", " ").replace("\n", " ")
        found = f", found {self.found}" if self.found else ""
        where = f"{self.field}: " if self.field else ""
        at = self._where()
        return f"{where}invalid criterion {shown!r}: expected {self.expected} at {at}{found}"

    def in_field(self, field: str) -> Self:
        """The same error, said of a named field (``success[1]``) of a file or form."""
        return type(self)(self.expression, self.position, self.expected, self.found, field=field)

    def caret_message(self) -> str:
        """The error on several lines: the message, the expression, a caret under the column.

        For a multi-line expression only the offending line is shown. Tabs before
        the column are kept so that the caret lines up in a terminal.
        """
        text_line = self.expression.split("\n")[self.line - 1].rstrip("\r")
        pad = "".join("\t" if ch == "\t" else " " for ch in text_line[: self.column - 1])
        found = f", found {self.found}" if self.found else ""
        where = f"{self.field}: " if self.field else ""
        head = f"{where}invalid criterion: expected {self.expected} at {self._where()}{found}"
        return f"{head}\n  {text_line}\n  {pad}^"


class CriteriaUnitError(CriteriaSyntaxError):
    """A criterion that compares or combines quantities of different dimensions,
    such as a latency against ``200MiB``, or a relative effect against ``20ms``."""

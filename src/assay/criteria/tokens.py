"""The tokenizer of the criteria language.

It never fails: a character it does not know becomes an ``ERROR`` token, and the
parser, which knows what it expected at that point, reports it.
"""

from __future__ import annotations

import dataclasses
import enum
import re

__all__ = ["Kind", "Token", "tokenize"]


class Kind(enum.Enum):
    """The kinds of token."""

    NUMBER = "number"
    NAME = "name"
    OP = "comparison operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    SIGN = "sign"
    PERCENT = "%"
    ASSIGN = "="
    ERROR = "unexpected character"
    END = "end of the expression"


@dataclasses.dataclass(frozen=True)
class Token:
    """One token: its kind, its text and where it starts in the expression."""

    kind: Kind
    text: str
    position: int

    def describe(self) -> str:
        """How an error message names this token."""
        if self.kind is Kind.END:
            return "the end of the expression"
        return repr(self.text)


_SCANNER = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_µμ][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<op><=|>=|==|!=|<|>)
  | (?P<assign>=)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<sign>[-+])
  | (?P<percent>%)
    """,
    re.VERBOSE,
)

_KINDS = {
    "number": Kind.NUMBER,
    "name": Kind.NAME,
    "op": Kind.OP,
    "assign": Kind.ASSIGN,
    "lparen": Kind.LPAREN,
    "rparen": Kind.RPAREN,
    "comma": Kind.COMMA,
    "sign": Kind.SIGN,
    "percent": Kind.PERCENT,
}


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``END`` token.

    Whitespace separates tokens and is otherwise ignored. Names may be dotted
    (``candidate.latency.p99``, and ``latency.p99.9`` for the 99.9th percentile).
    """
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _SCANNER.match(text, position)
        if match is None:
            tokens.append(Token(Kind.ERROR, text[position], position))
            position += 1
            continue
        group = match.lastgroup
        if group != "space" and group is not None:
            tokens.append(Token(_KINDS[group], match.group(), position))
        position = match.end()
    tokens.append(Token(Kind.END, "", len(text)))
    return tokens

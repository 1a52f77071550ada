"""A recursive-descent parser for the criteria language. Nothing is ever ``eval``-ed.

Grammar (keywords, arms and verdict names in any case; metric names as written)::

    criterion  := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | primary
    primary    := "(" or_expr ")"
                | ("not_worse" | "equivalent") "(" METRIC "," "margin" "=" quantity ")"
                | operand OP operand
    operand    := quantity
                | ("candidate" | "baseline") "." METRIC
                | ("effect" | "verdict") "(" METRIC ")"
                | "better" | "worse" | "equivalent" | "inconclusive"
    quantity   := ["-" | "+"] NUMBER [UNIT | "%"]
    OP         := "<" | "<=" | ">" | ">=" | "==" | "!="

``and`` binds tighter than ``or``, ``not`` tighter than both; comparisons do not
chain. Nesting is limited to :data:`MAX_DEPTH` levels so that no input, however
hostile, escapes as anything but a :class:`CriteriaSyntaxError`.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

from assay.criteria.errors import CriteriaSyntaxError
from assay.criteria.nodes import (
    ARMS,
    VERDICTS,
    And,
    Arm,
    ArmMetric,
    Comparison,
    EffectOf,
    Equivalent,
    Not,
    NotWorse,
    Operand,
    Or,
    Predicate,
    Quantity,
    VerdictName,
    VerdictOf,
)
from assay.criteria.tokens import Kind, Token, tokenize
from assay.criteria.units import canonical_unit, unit_names

__all__ = ["MAX_DEPTH", "parse_predicate"]

MAX_DEPTH = 64
_MAX_EXPONENT = 300  # decimal exponents beyond this are not numbers anyone means

_PREDICATE = (
    "a criterion: a comparison such as effect(latency.p99) <= -20%, "
    "not_worse(...), equivalent(...), not or ("
)
_OPERAND = (
    "candidate.METRIC, baseline.METRIC, effect(METRIC), verdict(METRIC) or a number with its unit"
)
_AFTER_PREDICATE = "and, or, ) or the end of the expression"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    # -- token helpers ------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.token
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def keyword(self, *words: str) -> bool:
        return self.token.kind is Kind.NAME and self.token.text.lower() in words

    def fail(self, expected: str, token: Token | None = None) -> CriteriaSyntaxError:
        token = token or self.token
        return CriteriaSyntaxError(self.text, token.position, expected, token.describe())

    def expect(self, kind: Kind, expected: str) -> Token:
        if self.token.kind is not kind:
            raise self.fail(expected)
        return self.advance()

    def end_of(self, token: Token) -> int:
        return token.position + len(token.text)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"at most {MAX_DEPTH} levels of nesting")

    # -- predicates ---------------------------------------------------------------

    def criterion(self) -> Predicate:
        if self.token.kind is Kind.END:
            raise self.fail(_PREDICATE)
        node = self.or_expr()
        rest = self.tokens[self.index]
        if rest.kind is not Kind.END:
            raise self.fail(_AFTER_PREDICATE)
        return node

    def or_expr(self) -> Predicate:
        node = self.and_expr()
        while self.keyword("or"):
            self.advance()
            right = self.and_expr()
            node = Or(node, right, span=(node.span[0], right.span[1]))
        return node

    def and_expr(self) -> Predicate:
        node = self.not_expr()
        while self.keyword("and"):
            self.advance()
            right = self.not_expr()
            node = And(node, right, span=(node.span[0], right.span[1]))
        return node

    def not_expr(self) -> Predicate:
        if not self.keyword("not"):
            return self.primary()
        start = self.advance().position
        self.enter()
        operand = self.not_expr()
        self.depth -= 1
        return Not(operand, span=(start, operand.span[1]))

    def primary(self) -> Predicate:
        token = self.token
        if token.kind is Kind.LPAREN:
            self.advance()
            self.enter()
            node = self.or_expr()
            self.depth -= 1
            self.expect(Kind.RPAREN, "and, or or )")
            return node
        if self.keyword("not_worse", "equivalent") and self.peek().kind is Kind.LPAREN:
            return self.margin_call()
        if token.kind in (Kind.END, Kind.RPAREN, Kind.OP, Kind.COMMA, Kind.ASSIGN) or (
            token.kind is Kind.NAME and token.text.lower() in ("and", "or")
        ):
            raise self.fail(_PREDICATE)
        return self.comparison()

    def margin_call(self) -> Predicate:
        name = self.advance()
        self.advance()  # the "(" checked by the caller
        metric = self.metric_name(name.text.lower())
        self.expect(
            Kind.COMMA, f"a comma and margin=..., as in {name.text.lower()}({metric}, margin=2%)"
        )
        if not self.keyword("margin"):
            raise self.fail("margin=, for example margin=2% or margin=1pt")
        self.advance()
        self.expect(Kind.ASSIGN, "= after margin")
        margin = self.quantity()
        end = self.expect(Kind.RPAREN, ") after the margin")
        span = (name.position, self.end_of(end))
        if name.text.lower() == "not_worse":
            return NotWorse(metric, margin, span=span)
        return Equivalent(metric, margin, span=span)

    def comparison(self) -> Predicate:
        left = self.operand()
        if self.token.kind is Kind.ASSIGN:
            raise self.fail("a comparison operator (== compares; a single = does not)")
        if self.token.kind is not Kind.OP:
            raise self.fail("a comparison operator (<, <=, >, >=, ==, !=)")
        op = self.advance().text
        right = self.operand()
        if self.token.kind is Kind.OP:
            raise self.fail(f"{_AFTER_PREDICATE}; comparisons do not chain, join them with and")
        return Comparison(left, op, right, span=(left.span[0], right.span[1]))

    # -- operands -----------------------------------------------------------------

    def operand(self) -> Operand:
        token = self.token
        if token.kind in (Kind.NUMBER, Kind.SIGN):
            return self.quantity()
        if token.kind is not Kind.NAME:
            raise self.fail(_OPERAND)
        word = token.text.lower()
        if word in ("effect", "verdict") and self.peek().kind is Kind.LPAREN:
            self.advance()
            self.advance()
            metric = self.metric_name(word)
            end = self.expect(Kind.RPAREN, f") after {word}({metric}")
            span = (token.position, self.end_of(end))
            return EffectOf(metric, span=span) if word == "effect" else VerdictOf(metric, span=span)
        if word in VERDICTS:
            self.advance()
            return VerdictName(word, span=(token.position, self.end_of(token)))
        head, _, metric = token.text.partition(".")
        if head.lower() in ARMS:
            if not metric:
                raise self.fail(
                    f"a metric after {head.lower()}., such as {head.lower()}.latency.p99"
                )
            self.advance()
            arm: Arm = "candidate" if head.lower() == "candidate" else "baseline"
            return ArmMetric(arm, metric, span=(token.position, self.end_of(token)))
        hint = f"; for a metric write candidate.{token.text} or effect({token.text})"
        raise self.fail(_OPERAND + hint)

    def metric_name(self, function: str) -> str:
        token = self.token
        if token.kind is not Kind.NAME:
            raise self.fail(f"a metric name such as latency.p99 in {function}(...)")
        head = token.text.partition(".")[0].lower()
        if head in ARMS:
            rest = token.text.partition(".")[2] or "latency.p99"
            raise self.fail(
                f"a metric name without the arm in {function}(...), such as {function}({rest})"
            )
        self.advance()
        return token.text

    def quantity(self) -> Quantity:
        start = self.token
        negative = False
        if start.kind is Kind.SIGN:
            negative = self.advance().text == "-"
        number = self.expect(Kind.NUMBER, "a number, such as -20% or 200ms")
        try:
            value = Decimal(number.text)
        except decimal.DecimalException:  # an exponent beyond what Decimal can hold
            raise self.fail("a number within the range of a float", number) from None
        if not value:
            value = Decimal(0)  # 0e-99999999 is zero, not a hundred million zeros
        elif not -_MAX_EXPONENT <= value.adjusted() <= _MAX_EXPONENT:
            raise self.fail("a number within the range of a float", number)
        if negative:
            value = value.copy_negate()
        unit, end = self.unit(number)
        quantity = Quantity(value, unit, span=(start.position, end))
        if not math.isfinite(quantity.base):
            raise self.fail("a number within the range of a float", number)
        return quantity

    def unit(self, number: Token) -> tuple[str | None, int]:
        token = self.token
        adjacent = token.position == self.end_of(number)
        if token.kind is Kind.PERCENT:
            self.advance()
            return "%", self.end_of(token)
        if token.kind is Kind.NAME:
            unit = canonical_unit(token.text)
            if unit is not None:
                self.advance()
                return unit, self.end_of(token)
            if adjacent:
                raise self.fail(f"a unit ({unit_names()})")
        if adjacent and token.kind in (Kind.NUMBER, Kind.ERROR):
            raise self.fail(f"a unit ({unit_names()}) or a space")
        return None, self.end_of(number)


def parse_predicate(text: str) -> Predicate:
    """The syntax tree of ``text``; a :class:`CriteriaSyntaxError` when it is not one.

    Only the syntax is checked here; see :mod:`assay.criteria.check` for units.
    """
    if not isinstance(text, str):
        raise TypeError(f"a criterion is text, not {type(text).__name__}")
    return _Parser(text).criterion()

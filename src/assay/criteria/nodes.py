"""The syntax tree of a criterion, and its canonical text.

Two kinds of node: *operands* (things with a value: a quantity, a statistic of
one arm, a relative effect, a verdict) and *predicates* (things that are PASS,
FAIL or UNDETERMINED: comparisons, ``not_worse``, ``equivalent``, and the
logical ``and``/``or``/``not`` of predicates).

Nodes are frozen dataclasses. Each remembers where it came from (``span``, the
start and end offsets in the source text) for error messages, but the span takes
no part in equality: ``parse("a<1ms") == parse("a < 1ms")`` node for node.

:func:`render` writes the canonical text: one space around operators, lower-case
keywords, numbers without trailing zeros, canonical unit spellings, and only the
parentheses the structure needs. Parsing the canonical text gives back an equal
tree.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Literal, TypeAlias

from assay.criteria.units import Dimension, dimension_of_unit, to_base

__all__ = [
    "ARMS",
    "OPERATORS",
    "VERDICTS",
    "And",
    "Arm",
    "ArmMetric",
    "Comparison",
    "EffectOf",
    "Equivalent",
    "Not",
    "NotWorse",
    "Operand",
    "Or",
    "Predicate",
    "Quantity",
    "VerdictName",
    "VerdictOf",
    "format_number",
    "render",
]

Arm = Literal["candidate", "baseline"]
ARMS: tuple[Arm, ...] = ("candidate", "baseline")
OPERATORS = ("<", "<=", ">", ">=", "==", "!=")
VERDICTS = ("better", "worse", "equivalent", "inconclusive")

_SPAN = dataclasses.field(default=(0, 0), compare=False, repr=False)


def format_number(value: Decimal) -> str:
    """``value`` in plain positional notation without trailing zeros (``20.50`` is ``20.5``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "+0"):
        text = "0"
    return text


@dataclasses.dataclass(frozen=True)
class Quantity:
    """A number with an optional unit, such as ``-20%``, ``200ms`` or ``1.5x``."""

    value: Decimal
    unit: str | None = None
    span: tuple[int, int] = _SPAN

    @property
    def dimension(self) -> Dimension:
        """The dimension of the unit (a plain number is a fraction)."""
        return dimension_of_unit(self.unit)

    @property
    def base(self) -> float:
        """The value in the base unit of its dimension (seconds, bytes, fractions...)."""
        return to_base(self.value, self.unit)

    def __str__(self) -> str:
        return format_number(self.value) + (self.unit or "")


@dataclasses.dataclass(frozen=True)
class ArmMetric:
    """A statistic of one arm: ``candidate.latency.p99``, ``baseline.accuracy.mean``."""

    arm: Arm
    metric: str
    span: tuple[int, int] = _SPAN

    def __str__(self) -> str:
        return f"{self.arm}.{self.metric}"


@dataclasses.dataclass(frozen=True)
class EffectOf:
    """``effect(METRIC)``: the relative change candidate / baseline - 1 of a metric."""

    metric: str
    span: tuple[int, int] = _SPAN

    def __str__(self) -> str:
        return f"effect({self.metric})"


@dataclasses.dataclass(frozen=True)
class VerdictOf:
    """``verdict(METRIC)``: the verdict of the statistics engine on a metric."""

    metric: str
    span: tuple[int, int] = _SPAN

    def __str__(self) -> str:
        return f"verdict({self.metric})"


@dataclasses.dataclass(frozen=True)
class VerdictName:
    """One of ``better``, ``worse``, ``equivalent``, ``inconclusive``."""

    name: str
    span: tuple[int, int] = _SPAN

    def __str__(self) -> str:
        return self.name


Operand: TypeAlias = Quantity | ArmMetric | EffectOf | VerdictOf | VerdictName


@dataclasses.dataclass(frozen=True)
class Comparison:
    """``LEFT OP RIGHT`` with OP one of ``< <= > >= == !=``."""

    left: Operand
    op: str
    right: Operand
    span: tuple[int, int] = _SPAN


@dataclasses.dataclass(frozen=True)
class NotWorse:
    """``not_worse(METRIC, margin=M)``: the candidate is worse by no more than M."""

    metric: str
    margin: Quantity
    span: tuple[int, int] = _SPAN


@dataclasses.dataclass(frozen=True)
class Equivalent:
    """``equivalent(METRIC, margin=M)``: the candidate differs by no more than M either way."""

    metric: str
    margin: Quantity
    span: tuple[int, int] = _SPAN


@dataclasses.dataclass(frozen=True)
class Not:
    """``not P``."""

    operand: Predicate
    span: tuple[int, int] = _SPAN


@dataclasses.dataclass(frozen=True)
class And:
    """``P and Q``."""

    left: Predicate
    right: Predicate
    span: tuple[int, int] = _SPAN


@dataclasses.dataclass(frozen=True)
class Or:
    """``P or Q``."""

    left: Predicate
    right: Predicate
    span: tuple[int, int] = _SPAN


Predicate: TypeAlias = Comparison | NotWorse | Equivalent | Not | And | Or

_OR, _AND, _NOT, _ATOM = 1, 2, 3, 4


def _precedence(node: Predicate) -> int:
    if isinstance(node, Or):
        return _OR
    if isinstance(node, And):
        return _AND
    if isinstance(node, Not):
        return _NOT
    return _ATOM


def _wrap(node: Predicate, minimum: int) -> str:
    text = render(node)
    return f"({text})" if _precedence(node) < minimum else text


def render(node: Predicate) -> str:
    """The canonical text of ``node``; ``parse(render(node))`` gives back an equal tree."""
    if isinstance(node, Or):
        return f"{_wrap(node.left, _OR)} or {_wrap(node.right, _AND)}"
    if isinstance(node, And):
        return f"{_wrap(node.left, _AND)} and {_wrap(node.right, _NOT)}"
    if isinstance(node, Not):
        return f"not {_wrap(node.operand, _NOT)}"
    if isinstance(node, NotWorse):
        return f"not_worse({node.metric}, margin={node.margin})"
    if isinstance(node, Equivalent):
        return f"equivalent({node.metric}, margin={node.margin})"
    return f"{node.left} {node.op} {node.right}"

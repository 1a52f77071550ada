"""A parsed, checked criterion, and the pre-registration helpers.

:func:`parse` is the entry point: text in, :class:`Criterion` out, or a
:class:`CriteriaSyntaxError` (:class:`CriteriaUnitError` for ill-matched units)
that points at the column. A criterion compares equal to another when their
trees are equal, whatever the whitespace, and its :attr:`~Criterion.canonical`
text is what pre-registration hashes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable

from assay.criteria.check import check_predicate
from assay.criteria.evaluation import evaluate_predicate
from assay.criteria.evidence import Evidence
from assay.criteria.nodes import (
    And,
    ArmMetric,
    Comparison,
    EffectOf,
    Not,
    Or,
    Predicate,
    VerdictOf,
    render,
)
from assay.criteria.outcome import Evaluation
from assay.criteria.parser import parse_predicate

__all__ = ["Criterion", "canonical_text", "content_hash", "parse"]


@dataclasses.dataclass(frozen=True)
class Criterion:
    """A criterion ready to evaluate.

    Attributes:
        node: the syntax tree (see :mod:`assay.criteria.nodes`).
        source: the text it was parsed from, as written (not part of equality).
    """

    node: Predicate
    source: str = dataclasses.field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> Criterion:
        """The same as :func:`parse`: parse and check ``text``."""
        return parse(text)

    @property
    def canonical(self) -> str:
        """The canonical text: what is stored, shown and hashed."""
        return render(self.node)

    @property
    def metrics(self) -> frozenset[str]:
        """The metric names the criterion refers to (``latency.p99``, ``accuracy``)."""
        found: set[str] = set()
        stack: list[Predicate] = [self.node]
        while stack:
            node = stack.pop()
            if isinstance(node, And | Or):
                stack.extend((node.left, node.right))
            elif isinstance(node, Not):
                stack.append(node.operand)
            elif isinstance(node, Comparison):
                for side in (node.left, node.right):
                    if isinstance(side, ArmMetric | EffectOf | VerdictOf):
                        found.add(side.metric)
            else:
                found.add(node.metric)
        return frozenset(found)

    def evaluate(self, evidence: Evidence) -> Evaluation:
        """PASS, FAIL or UNDETERMINED against ``evidence``, with the reasons.

        See :mod:`assay.criteria.evaluation` for the rules.
        """
        return evaluate_predicate(self.node, evidence, source=self.source or self.canonical)

    def __str__(self) -> str:
        return self.canonical


def parse(text: str) -> Criterion:
    """Parse and check ``text``: a :class:`Criterion`, or a :class:`CriteriaSyntaxError`.

    >>> str(parse("effect( latency.p99 )<=-20.0%  AND not_worse(accuracy, margin=1pt)"))
    'effect(latency.p99) <= -20% and not_worse(accuracy, margin=1pt)'
    """
    node = parse_predicate(text)
    check_predicate(text, node)
    return Criterion(node, text)


def _as_criterion(item: Criterion | str) -> Criterion:
    return item if isinstance(item, Criterion) else parse(item)


def canonical_text(criteria: Iterable[Criterion | str]) -> str:
    """The canonical form of a set of criteria: one canonical criterion per line,
    sorted, without duplicates, each line ending in a newline.

    Order and formatting do not matter; any change to what a criterion says does.
    Text items are parsed first (so a malformed one raises).
    """
    lines = sorted({_as_criterion(item).canonical for item in criteria})
    return "".join(f"{line}\n" for line in lines)


def content_hash(criteria: Iterable[Criterion | str]) -> str:
    """The SHA-256 of :func:`canonical_text` (UTF-8), as 64 hexadecimal digits.

    Reformatting whitespace, reordering, or writing ``20.0%`` for ``20%`` keeps the
    hash; changing a number, a unit, an operator or a metric changes it.
    """
    return hashlib.sha256(canonical_text(criteria).encode("utf-8")).hexdigest()

"""The criteria language: success and kill criteria written before the data exists.

>>> from assay.criteria import InMemoryEvidence, parse
>>> criterion = parse("effect(latency.p99) <= -20% and not_worse(accuracy, margin=1pt)")

A criterion is text with its own small grammar (see ``docs/criteria.md``), parsed
by a recursive-descent parser into a tree -- never ``eval``-ed -- and checked for
units before any data exists. Evaluated against :class:`Evidence`, it is PASS
only when the whole confidence interval satisfies it, FAIL when the whole
interval violates it, and UNDETERMINED otherwise, with the trials likely needed
to settle it. Every :class:`Evaluation` explains itself.

Pre-registration hashes the canonical text of a set of criteria
(:func:`canonical_text`, :func:`content_hash`).

This package sits in the statistics layer: it imports only ``assay.errors``,
``assay.types`` and ``assay.stats``.
"""

from __future__ import annotations

from assay.criteria.criterion import Criterion, canonical_text, content_hash, parse
from assay.criteria.errors import CriteriaSyntaxError, CriteriaUnitError
from assay.criteria.evaluation import interval_outcome
from assay.criteria.evidence import (
    ComparisonLike,
    EffectEstimate,
    Evidence,
    InMemoryEvidence,
    MetricEstimate,
    VerdictEstimate,
)
from assay.criteria.outcome import Evaluation, Outcome
from assay.criteria.trials import trials_to_settle
from assay.criteria.units import Dimension

__all__ = [
    "ComparisonLike",
    "CriteriaSyntaxError",
    "CriteriaUnitError",
    "Criterion",
    "Dimension",
    "EffectEstimate",
    "Evaluation",
    "Evidence",
    "InMemoryEvidence",
    "MetricEstimate",
    "Outcome",
    "VerdictEstimate",
    "canonical_text",
    "content_hash",
    "interval_outcome",
    "parse",
    "trials_to_settle",
]

"""PASS, FAIL, UNDETERMINED, and the result of an evaluation that explains itself."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from assay.criteria.evidence import MetricEstimate
from assay.stats.magnitude import ratio_fields

__all__ = ["Evaluation", "Outcome"]


def _estimate(label: str, estimate: MetricEstimate) -> dict[str, Any]:
    """An estimate's JSON; a relative effect also carries its ratio (candidate /
    baseline: ``ratio``, ``ratio_low``, ``ratio_high``)."""
    data = {"of": label, **estimate.to_dict()}
    if label.startswith("effect("):
        scale = 0.01 if estimate.unit == "%" else 1.0
        ends = (estimate.low * scale, estimate.high * scale)
        data.update(ratio_fields(estimate.value * scale, ends))
    return data


class Outcome(enum.StrEnum):
    """The value of a criterion against evidence.

    ``and``, ``or`` and ``not`` follow Kleene's strong three-valued logic:
    UNDETERMINED means "could still go either way", so ``FAIL & UNDETERMINED``
    is FAIL, ``PASS | UNDETERMINED`` is PASS and ``~UNDETERMINED`` is UNDETERMINED.
    """

    PASS = "PASS"
    FAIL = "FAIL"
    UNDETERMINED = "UNDETERMINED"

    def __invert__(self) -> Outcome:
        if self is Outcome.PASS:
            return Outcome.FAIL
        if self is Outcome.FAIL:
            return Outcome.PASS
        return Outcome.UNDETERMINED

    def __and__(self, other: Outcome) -> Outcome:
        if Outcome.FAIL in (self, other):
            return Outcome.FAIL
        if self is other is Outcome.PASS:
            return Outcome.PASS
        return Outcome.UNDETERMINED

    def __or__(self, other: Outcome) -> Outcome:
        return ~(~self & ~other)

    @classmethod
    def of(cls, holds: bool) -> Outcome:
        """PASS when ``holds``, else FAIL."""
        return cls.PASS if holds else cls.FAIL


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """The outcome of one criterion, or one part of it, and the evidence behind it.

    Attributes:
        outcome: PASS, FAIL or UNDETERMINED.
        expression: the canonical text of the (sub-)criterion evaluated.
        reason: why, in one sentence: the estimate, its interval and how it sits
            against the threshold; for ``and``/``or``, which parts decided.
        estimates: the estimates used, each with the expression it stands for
            (``("candidate.latency.p99", MetricEstimate(...))``), as the evidence gave them.
        threshold: the threshold or margin as written, when there is one.
        trials: trials per arm behind the estimates, when known.
        trials_needed: when UNDETERMINED, trials per arm (in total, not more) likely
            to settle it; ``None`` when that cannot be said.
        leaning: when UNDETERMINED, the outcome the point estimates point to
            (what it becomes if they hold), or ``None``.
        children: the evaluations of the parts of ``and``, ``or`` and ``not``.
    """

    outcome: Outcome
    expression: str
    reason: str
    estimates: tuple[tuple[str, MetricEstimate], ...] = ()
    threshold: str | None = None
    trials: int | None = None
    trials_needed: int | None = None
    leaning: Outcome | None = None
    children: tuple[Evaluation, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether the outcome is PASS."""
        return self.outcome is Outcome.PASS

    @property
    def failed(self) -> bool:
        """Whether the outcome is FAIL."""
        return self.outcome is Outcome.FAIL

    @property
    def more_trials(self) -> int | None:
        """Trials per arm to add to those already run, when both figures are known."""
        if self.trials_needed is None or self.trials is None:
            return None
        return max(0, self.trials_needed - self.trials)

    def summary(self) -> str:
        """One line: the outcome, the expression and the reason."""
        text = f"{self.outcome.value}  {self.expression}: {self.reason}"
        if self.outcome is Outcome.UNDETERMINED:
            if self.leaning is not None:
                text += f"; leaning {self.leaning.value}"
            if self.trials_needed is not None:
                text += f"; about {self.trials_needed} trials per arm would likely settle it"
                if self.more_trials is not None:
                    text += f" ({self.more_trials} more)"
        return text

    def explain(self) -> str:
        """The evaluation as an indented tree, one line per part."""
        lines: list[str] = []

        def walk(node: Evaluation, depth: int) -> None:
            lines.append("  " * depth + node.summary())
            for child in node.children:
                walk(child, depth + 1)

        walk(self, 0)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explain()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary, children included."""
        return {
            "outcome": self.outcome.value,
            "expression": self.expression,
            "reason": self.reason,
            "estimates": [_estimate(label, e) for label, e in self.estimates],
            "threshold": self.threshold,
            "trials": self.trials,
            "trials_needed": self.trials_needed,
            "leaning": None if self.leaning is None else self.leaning.value,
            "children": [child.to_dict() for child in self.children],
        }

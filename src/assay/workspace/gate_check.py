"""What ``assay gate check`` fails on (issue 10).

Without ``--strict`` a check fails only when a kill criterion fires. With it, it
also fails on every success criterion that FAILs (on the criteria as registered, or
as amended), on every technique in TRIAL or ADOPT whose evidence is stale or
contradicted, and on every amendment written after a judging run had begun; each
problem is one line (:func:`strict_lines`), so that CI shows them all at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assay.pipeline.gates import CriterionReview, Recommendation
from assay.pipeline.prototype import Amendment, Stage

if TYPE_CHECKING:
    from assay.workspace.staleness import Staleness

__all__ = ["KillCheck", "StrictCheck", "amended_after_data", "failing_success", "strict_lines"]


@dataclasses.dataclass(frozen=True)
class KillCheck:
    """A prototype's criteria against its evidence, for ``assay gate check``.

    ``fired``: the kill criteria that fire; ``failing``: the success criteria that
    FAIL (as registered, then as amended); ``amended_after_data``: a sentence for each
    amendment written after a judging run had begun.
    """

    prototype: str
    technique: str
    stage: Stage
    fired: tuple[CriterionReview, ...]
    timebox_expired: bool
    runs: tuple[str, ...]
    failing: tuple[CriterionReview, ...] = ()
    amended_after_data: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "prototype": self.prototype,
            "technique": self.technique,
            "stage": self.stage.value,
            "fired": [review.to_dict() for review in self.fired],
            "timebox_expired": self.timebox_expired,
            "runs": list(self.runs),
            "failing": [review.to_dict() for review in self.failing],
            "amended_after_data": list(self.amended_after_data),
        }


def failing_success(
    registered: Recommendation, amended: Recommendation | None
) -> tuple[CriterionReview, ...]:
    """The success criteria that FAIL, as registered and then as amended, each once."""
    out: dict[str, CriterionReview] = {}
    for rec in (registered, amended):
        for review in rec.criteria if rec is not None else ():
            if review.kind == "success" and review.evaluation.failed:
                out.setdefault(review.criterion.canonical, review)
    return tuple(out.values())


def amended_after_data(
    amendments: Sequence[Amendment], started: Sequence[tuple[str, Any]]
) -> tuple[str, ...]:
    """A sentence for each amendment written after one of the judging runs
    ``started`` (run id, start time) had begun."""
    out = []
    for amendment in amendments:
        earlier = [run_id for run_id, at in started if at < amendment.at]
        if earlier:
            changes = "; ".join(amendment.changes)
            out.append(
                f"criteria amended on {amendment.at:%Y-%m-%d} by {amendment.by} after run(s) "
                f"{', '.join(earlier)} had begun ({amendment.reason}): {changes}"
            )
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class StrictCheck:
    """``assay gate check --strict``: the prototypes' checks, the stale techniques in
    TRIAL or ADOPT, and one line per problem (``failed`` when there is any)."""

    checks: tuple[KillCheck, ...]
    stale: tuple[Staleness, ...]
    lines: tuple[str, ...]

    @property
    def failed(self) -> bool:
        """Whether anything fails the strict check."""
        return bool(self.lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "failed": self.failed,
            "problems": list(self.lines),
            "prototypes": [check.to_dict() for check in self.checks],
            "stale": [item.to_dict() for item in self.stale],
        }


def strict_lines(checks: Sequence[KillCheck], stale: Sequence[Staleness]) -> list[str]:
    """One line per problem the strict check fails on (see the module docstring)."""
    lines = []
    for check in checks:
        for review in check.fired:
            lines.append(
                f"KILL {check.prototype}: {review.kind} criterion fires: "
                f"{review.criterion.canonical}: {review.evaluation.reason}"
            )
        for review in check.failing:
            lines.append(
                f"FAIL {check.prototype}: success criterion fails: "
                f"{review.criterion.canonical}: {review.evaluation.reason}"
            )
        lines += [f"AMENDED {check.prototype}: {text}" for text in check.amended_after_data]
    for item in stale:
        lines += [f"STALE {item.technique} ({item.ring.value}): {why}" for why in item.reasons]
    return lines

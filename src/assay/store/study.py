"""Everything the record says about one prototype, in one value: a :class:`Study`.

``workspace.prototypes.study(name)`` gathers it; the reports for executives,
product managers and engineers are built from it alone. It lives in the storage
layer (beside the records it gathers) so that ``assay.report`` may import it.

* :class:`GateReview` -- the gate's recommendation with every criterion's
  evaluation, the evidence behind each (estimates, and which run gave them), the
  stage checks and warnings;
* :class:`EvidenceRun` -- one run that judges the prototype, with its analysed
  :class:`~assay.bench.BenchmarkResult`;
* :class:`CostReport` -- the cost-benefit, its inputs and where each came from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from assay.criteria import Evaluation
from assay.display import Displayable
from assay.pipeline.cost import CostBenefit, CostInputs, MeasuredEffects
from assay.pipeline.gates import (
    CriterionReview,
    Decision,
    DecisionPin,
    Recommendation,
    StageFacts,
)
from assay.pipeline.prototype import Amendment, Freeze, Prototype, Registration, Stage
from assay.pipeline.radar import Technique
from assay.store.gate_reads import DecisionRecord
from assay.store.prototype_reads import EvidenceLink, PrototypeRecord

if TYPE_CHECKING:  # annotations only: reading a study's values needs no engine, no ORM
    from assay.bench.result import BenchmarkResult
    from assay.store.runs import RunInfo

__all__ = ["CostReport", "EvidenceRun", "GateReview", "Study"]


@dataclasses.dataclass(frozen=True)
class EvidenceRun:
    """A run that judges a prototype.

    ``link`` is how it was linked (``None`` when it counts because it ran the
    prototype's declared benchmark file or module); ``after_amendment`` is True
    when it began before the newest amendment, so the amended criteria were
    written with its data available.
    """

    info: RunInfo
    result: BenchmarkResult
    link: EvidenceLink | None
    after_amendment: bool = False
    file_changed: bool = False
    """It ran its benchmark file with content changed after the criteria froze."""

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.info.run_id

    @property
    def started_at(self) -> dt.datetime:
        """When the run began."""
        return self.info.created_at

    @property
    def online_ab(self) -> bool:
        """Whether it is an online A/B comparison: marked so, or imported
        (``assay bench import``) rather than run by assay."""
        return (self.link is not None and self.link.online_ab) or self.info.kind != "bench"

    def to_dict(self, *, result: bool = True) -> dict[str, Any]:
        """A JSON-able dictionary; ``result=False`` leaves the analysed result out."""
        data: dict[str, Any] = {
            **self.info.to_dict(),
            "linked": None if self.link is None else self.link.to_dict(),
            "online_ab": self.online_ab,
            "began_before_amendment": self.after_amendment,
            "file_changed_after_freeze": self.file_changed,
        }
        if result:
            data["result"] = self.result.to_dict()
        return data


@dataclasses.dataclass(frozen=True, repr=False)  # repr, _repr_html_, to_pandas(): Displayable
class GateReview(Displayable):
    """A gate's review: the recommendation and the evidence behind every criterion.

    Attributes:
        prototype, technique: names.
        recommendation: answer, reasons, every criterion's evaluation, stage checks.
        evidence: the estimates the criteria asked for, in the JSON form of
            :class:`assay.criteria.InMemoryEvidence` (what was not measured is absent).
        sources: for each estimate (``"effect latency.p99"``,
            ``"candidate latency.p99"``, ``"verdict time"``), where it came from:
            ``"run 20261126-ab12cd: tiled against naive at n=4096"``.
        runs: the ids of the runs that judge the prototype, newest first.
        facts: what the stage checks looked at.
        frozen: whether the criteria are frozen.
        warnings: what the reader must know (no evidence yet, criteria amended
            after runs began, a chosen sweep point missing...).
        as_of: the day the time-box was judged against.
    """

    prototype: str
    technique: str
    recommendation: Recommendation
    evidence: dict[str, Any]
    sources: dict[str, str]
    runs: tuple[str, ...]
    facts: StageFacts
    frozen: bool
    warnings: tuple[str, ...]
    as_of: dt.date
    amended: Recommendation | None = None
    """The same gate judged on the amended criteria, when amendments changed the
    registration (``recommendation`` is always judged on the registration)."""
    decided: DecisionPin | None = None
    """The newest decision with the runs it was decided on, and the evidence since."""
    frozen_files: tuple[dict[str, Any], ...] = ()
    """Each benchmark file as the criteria froze it (hash, git commit, run)."""
    changed_files: tuple[str, ...] = ()
    """The judging runs that ran a benchmark file changed after the freeze."""

    _display_facts = ("prototype", "technique", "stage", "answer", "as_of")
    _display_rows = "criteria"
    _display_columns = ("kind", "criterion", "outcome", "evaluation.reason", "evaluation.trials")

    @property
    def stage(self) -> Stage:
        """The stage whose gate this is."""
        return self.recommendation.stage

    @property
    def criteria(self) -> tuple[CriterionReview, ...]:
        """Every criterion with its evaluation, success first, then kill criteria."""
        return self.recommendation.criteria

    def evaluation(self, criterion: str) -> Evaluation | None:
        """The evaluation of the criterion whose canonical text is ``criterion``."""
        for review in self.criteria:
            if review.criterion.canonical == criterion:
                return review.evaluation
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "prototype": self.prototype,
            "technique": self.technique,
            "as_of": self.as_of.isoformat(),
            **self.recommendation.to_dict(),
            "evidence": self.evidence,
            "sources": self.sources,
            "runs": list(self.runs),
            "facts": dataclasses.asdict(self.facts),
            "frozen": self.frozen,
            "warnings": list(self.warnings),
            "amended": None if self.amended is None else self.amended.to_dict(),
            "decided": None if self.decided is None else self.decided.to_dict(),
            "frozen_files": list(self.frozen_files),
            "runs_with_changed_file": list(self.changed_files),
        }


@dataclasses.dataclass(frozen=True)
class CostReport:
    """A cost-benefit with what went into it.

    ``sources`` says where each input came from (``prototype``, ``flag``,
    ``settings`` or ``measured``) and each effect (``run ... at n=4096``).
    """

    prototype: str
    inputs: CostInputs
    effects: MeasuredEffects
    result: CostBenefit
    sources: dict[str, str]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        effects = {
            name: None if (e := getattr(self.effects, name)) is None else e.to_dict()
            for name in ("time_per_request", "throughput", "memory")
        }
        return {
            "prototype": self.prototype,
            "inputs": dataclasses.asdict(self.inputs),
            "effects": effects,
            **self.result.to_dict(),
            "sources": self.sources,
            "notes": [*self.result.notes, *self.notes],
        }


@dataclasses.dataclass(frozen=True)
class Study:
    """Everything the record holds about one prototype (see the module docstring).

    Fields:
        technique: the technique on the radar, with its ring history.
        record: the stored prototype with its registration, freeze, amendments,
            stage facts, cost inputs and linked runs.
        review: the gate's review as of ``as_of``: the recommendation, every
            criterion's evaluation and the evidence behind it.
        decision_records: the stored gate decisions, oldest first, each with the
            snapshot of the recommendation it answered.
        runs: the runs that judge it, oldest first (the newest last), each with
            its analysed :class:`~assay.bench.BenchmarkResult`.
        cost_report: the cost-benefit with its inputs and their sources, when cost
            inputs are stored on the prototype.
        as_of: the day the study was gathered for.

    The properties carry the field names of ``assay.report.StudyView`` (whose
    ``from_record(study)`` reads them): ``prototype``, ``evaluations``,
    ``recommendation``, ``decisions``, ``frozen``, ``amendments``,
    ``registered_at``, ``candidate``, ``point``, ``cost``, ``cost_inputs``,
    ``facts``.
    """

    technique: Technique
    record: PrototypeRecord
    review: GateReview
    decision_records: tuple[DecisionRecord, ...]
    runs: tuple[EvidenceRun, ...]
    cost_report: CostReport | None
    as_of: dt.date

    @property
    def name(self) -> str:
        """The prototype's name."""
        return self.record.name

    @property
    def prototype(self) -> Prototype:
        """The prototype: hypothesis, criteria, time-box, stage, strategy, evidence."""
        return self.record.prototype

    @property
    def registration(self) -> Registration:
        """The pre-registered content as it stands."""
        return self.record.registration

    @property
    def frozen(self) -> Freeze | None:
        """When and as what the criteria were frozen."""
        return self.record.freeze

    @property
    def amendments(self) -> tuple[Amendment, ...]:
        """Changes to the frozen criteria, oldest first: show every one."""
        return self.record.amendments

    @property
    def registered_at(self) -> dt.datetime:
        """When the pre-registered content was written."""
        return self.record.registered_at

    @property
    def recommendation(self) -> Recommendation:
        """The gate's recommended answer, with the reasons."""
        return self.review.recommendation

    @property
    def evaluations(self) -> tuple[CriterionReview, ...]:
        """Every criterion with the part it plays and its evaluation."""
        return self.review.criteria

    @property
    def decisions(self) -> tuple[Decision, ...]:
        """The gate decisions, oldest first."""
        return tuple(record.decision for record in self.decision_records)

    @property
    def latest_decision(self) -> DecisionRecord | None:
        """The newest stored decision, if any."""
        return self.decision_records[-1] if self.decision_records else None

    @property
    def candidate(self) -> str | None:
        """The candidate method the criteria judge, when the prototype names one."""
        return self.record.candidate

    @property
    def point(self) -> dict[str, Any] | None:
        """The sweep point the criteria judge, when the prototype names one."""
        return self.record.point

    @property
    def facts(self) -> StageFacts:
        """What the stage checks looked at."""
        return self.review.facts

    @property
    def cost(self) -> CostBenefit | None:
        """The cost-benefit figures, when there are cost inputs."""
        return None if self.cost_report is None else self.cost_report.result

    @property
    def cost_inputs(self) -> CostInputs | None:
        """The cost inputs used (stored, from settings, or measured)."""
        return None if self.cost_report is None else self.cost_report.inputs

    @property
    def results(self) -> tuple[BenchmarkResult, ...]:
        """The runs' analysed results, oldest first."""
        return tuple(run.result for run in self.runs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary of the whole study."""
        return {
            "as_of": self.as_of.isoformat(),
            "technique": self.technique.to_dict(),
            "prototype": self.record.to_dict(),
            "review": self.review.to_dict(),
            "decisions": [d.to_dict() for d in self.decision_records],
            "runs": [run.to_dict() for run in self.runs],
            "cost": None if self.cost_report is None else self.cost_report.to_dict(),
        }

"""What a report is built from: :class:`StudyView`, one prototype's whole record.

The reports layer sits below the workspace and may not import it, so it takes
its own input, made only of lower-layer value types: the technique
(:class:`~assay.pipeline.radar.Technique`), the prototype with its
pre-registration (:class:`~assay.pipeline.prototype.Prototype`,
:class:`~assay.pipeline.prototype.Freeze`,
:class:`~assay.pipeline.prototype.Amendment`), every criterion with its
evaluation (:class:`~assay.pipeline.gates.CriterionReview`), the gate's
:class:`~assay.pipeline.gates.Recommendation` and
:class:`~assay.pipeline.gates.Decision`\\ s, the runs
(:class:`RunEvidence`: a run id and its :class:`~assay.bench.BenchmarkResult`)
and the :class:`~assay.pipeline.cost.CostBenefit`.

The store's :class:`~assay.store.study.Study` (what ``ws.prototypes.study(name)``
returns) converts with :meth:`StudyView.from_study`; any object carrying the same
field names converts with :meth:`StudyView.from_record`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assay.bench.registry import ParamValue
from assay.bench.result import BenchmarkResult
from assay.errors import InputError
from assay.pipeline.cost import CostBenefit, CostInputs
from assay.pipeline.gates import CriterionReview, Decision, Recommendation, StageFacts
from assay.pipeline.prototype import Amendment, Freeze, Prototype
from assay.pipeline.radar import Technique

if TYPE_CHECKING:  # the store (SQLAlchemy) is not imported to build a report
    from assay.store.placements import Placement
    from assay.store.study import Study

__all__ = ["RunEvidence", "StudyView"]

Point = tuple[tuple[str, ParamValue], ...]


@dataclasses.dataclass(frozen=True)
class RunEvidence:
    """One benchmark run behind a prototype.

    Attributes:
        run_id: the run's id in the store (``assay bench show RUN_ID``).
        result: the analysed result.
        environment: where it ran; defaults to the one recorded in the run's header.
        started_at: when it started, when known.
        online_ab: the run is an online A/B comparison imported as evidence.
        before_amendment: the run began before the newest amendment, so the
            amended criteria were written with its data available.
    """

    run_id: str
    result: BenchmarkResult
    environment: Mapping[str, Any] | None = None
    started_at: dt.datetime | None = None
    online_ab: bool = False
    before_amendment: bool = False

    def __post_init__(self) -> None:
        if not str(self.run_id).strip():
            raise InputError("a run in a report needs its run id")
        if self.environment is None:
            object.__setattr__(self, "environment", dict(self.result.header.environment))

    @property
    def env(self) -> Mapping[str, Any]:
        """The environment, never ``None``."""
        return self.environment or {}

    @property
    def name(self) -> str:
        """The benchmark's name."""
        return str(self.result.header.spec.get("name") or self.run_id)

    @property
    def baseline(self) -> str:
        """The baseline method's name."""
        return str(self.result.header.spec.get("baseline", "baseline"))

    @property
    def candidates(self) -> tuple[str, ...]:
        """The candidate methods' names."""
        return tuple(str(c) for c in self.result.header.spec.get("candidates", ()))

    @classmethod
    def from_record(cls, run: object) -> RunEvidence:
        """A :class:`RunEvidence` from an object with a ``result`` and a run id
        (``run.run_id`` or ``run.info.run_id``): the store's ``EvidenceRun`` (whose
        ``after_amendment`` means it began before the newest amendment), the
        workspace's ``RunReport``."""
        if isinstance(run, RunEvidence):
            return run
        result = getattr(run, "result", None)
        info = getattr(run, "info", None)
        run_id = getattr(run, "run_id", None) or getattr(info, "run_id", None)
        if not isinstance(result, BenchmarkResult) or not run_id:
            raise InputError(
                f"cannot read a run from {type(run).__name__}: expected a run_id "
                "(or info.run_id) and a BenchmarkResult as result"
            )
        started = getattr(run, "started_at", None) or getattr(info, "created_at", None)
        environment = getattr(run, "environment", None)
        return cls(
            run_id=str(run_id),
            result=result,
            environment=environment if isinstance(environment, Mapping) else None,
            started_at=started if isinstance(started, dt.datetime) else None,
            online_ab=bool(getattr(run, "online_ab", False)),
            before_amendment=bool(
                getattr(run, "before_amendment", getattr(run, "after_amendment", False))
            ),
        )


@dataclasses.dataclass(frozen=True)
class StudyView:
    """Everything about one prototype that a report may say.

    Attributes:
        technique: the technique on the radar the prototype tests.
        prototype: the prototype: hypothesis, criteria, time-box, stage, strategy.
        evaluations: every criterion with the part it plays and its evaluation;
            defaults to the recommendation's.
        recommendation: the gate's recommended answer, when the gate was reviewed.
        decisions: the gate decisions taken, oldest first.
        frozen: the pre-registration freeze (hash, canonical text, time), once frozen.
        amendments: changes made to the frozen criteria, oldest first.
        registered_at: when the prototype was registered.
        runs: the runs that provide its evidence.
        candidate: the candidate method the criteria judge (default: the first).
        point: the sweep point the criteria judge (default: the largest).
        cost: the cost-benefit, when its inputs were given.
        cost_inputs: those inputs (engineer-weeks and the like).
        facts: what the stage checks looked at.
        warnings: what the gate review says the reader must know (no evidence yet,
            criteria amended after runs began, a chosen sweep point missing...).
        sources: where each estimate the criteria read came from
            (``"effect time"`` -> ``"run 20261126-ab12cd: tiled against naive at n=4096"``).
        as_of: the day the report speaks from (time-box days left); default today.
        pinned_runs: the runs a final decision (the prototype stopped or complete)
            rested on: the headline reads the newest of them, not a later run.
        placement: the technique's ring when it rests on an override or an imported
            radar with no YES gate since (``ws.radar.placements()``); every report
            says so.
        rollout: where the technique's production rollout stands, as a sentence
            (:meth:`assay.pipeline.rollout.Rollout.sentence`); the executive and
            product reports say it (issue 14).
        track_record: the team's track record and the owner's calibration, as a
            sentence (:func:`assay.workspace.credibility.track_record`); the
            executive report says it (issue 16).
    """

    technique: Technique
    prototype: Prototype
    evaluations: tuple[CriterionReview, ...] = ()
    recommendation: Recommendation | None = None
    decisions: tuple[Decision, ...] = ()
    frozen: Freeze | None = None
    amendments: tuple[Amendment, ...] = ()
    registered_at: dt.datetime | None = None
    runs: tuple[RunEvidence, ...] = ()
    candidate: str | None = None
    point: Point | None = None
    cost: CostBenefit | None = None
    cost_inputs: CostInputs | None = None
    facts: StageFacts | None = None
    warnings: tuple[str, ...] = ()
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)
    as_of: dt.date | None = None
    pinned_runs: tuple[str, ...] = ()
    placement: Placement | None = None
    rollout: str | None = None
    track_record: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "evaluations", tuple(self.evaluations))
        set_(self, "warnings", tuple(self.warnings))
        set_(self, "decisions", tuple(self.decisions))
        set_(self, "amendments", tuple(self.amendments))
        set_(self, "runs", tuple(RunEvidence.from_record(run) for run in self.runs))
        if not self.evaluations and self.recommendation is not None:
            set_(self, "evaluations", self.recommendation.criteria)
        if isinstance(self.point, Mapping):
            set_(self, "point", tuple(self.point.items()))
        elif self.point is not None:
            set_(self, "point", tuple(tuple(pair) for pair in self.point))
        if self.as_of is None:
            set_(self, "as_of", dt.date.today())

    @property
    def today(self) -> dt.date:
        """The day the report speaks from."""
        return self.as_of or dt.date.today()

    @property
    def main_run(self) -> RunEvidence | None:
        """The newest run (the last one given), which the headline figures come from;
        after a final decision, the newest run it rested on (issue 10)."""
        pinned = [run for run in self.runs if run.run_id in self.pinned_runs]
        if pinned:
            return pinned[-1]
        return self.runs[-1] if self.runs else None

    @property
    def chosen_candidate(self) -> str | None:
        """The candidate the study is about."""
        if self.candidate:
            return self.candidate
        run = self.main_run
        return run.candidates[0] if run and run.candidates else None

    @property
    def chosen_point(self) -> Point:
        """The sweep point the headline reads: the given one (in the run's parameter
        order), else the largest measured."""
        run = self.main_run
        points = {row.params for row in run.result.comparisons} if run else set()
        if self.point is not None:
            wanted = dict(self.point)
            return next((p for p in points if dict(p) == wanted), self.point)
        return max(points, key=_point_order) if points else ()

    @property
    def decision(self) -> Decision | None:
        """The latest gate decision, if any."""
        return self.decisions[-1] if self.decisions else None

    @classmethod
    def from_study(cls, study: Study, **overrides: Any) -> StudyView:
        """The view of the store's :class:`~assay.store.study.Study` (what
        ``ws.prototypes.study(name)`` returns), with the review's warnings and the
        sources of its estimates; ``overrides`` replace fields."""
        values: dict[str, Any] = {
            "technique": study.technique,
            "prototype": study.prototype,
            "evaluations": _decided_evaluations(study) or study.evaluations,
            "recommendation": study.recommendation,
            "decisions": study.decisions,
            "frozen": study.frozen,
            "amendments": study.amendments,
            "registered_at": study.registered_at,
            "runs": study.runs,
            "candidate": study.candidate,
            "point": study.point,
            "cost": study.cost,
            "cost_inputs": study.cost_inputs,
            "facts": study.facts,
            "warnings": (*study.review.warnings, *_since_decision(study)),
            "pinned_runs": _pinned_runs(study),
            "sources": dict(study.review.sources),
            "as_of": study.as_of,
        }
        values.update(overrides)
        return cls(**values)

    @classmethod
    def from_record(cls, study: object, **overrides: Any) -> StudyView:
        """A view of any object carrying this class's field names as attributes (the
        workspace's ``Study``); ``overrides`` replace or add fields.

        Runs may be :class:`RunEvidence` or anything :meth:`RunEvidence.from_record`
        reads. A missing ``technique`` or ``prototype`` is an :class:`InputError`.
        """
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if hasattr(study, field.name):
                values[field.name] = getattr(study, field.name)
        values.update(overrides)
        missing = [name for name in ("technique", "prototype") if values.get(name) is None]
        if missing:
            raise InputError(
                f"a report needs the study's {' and '.join(missing)}; "
                f"{type(study).__name__} has none"
            )
        return cls(**values)


def _point_order(point: Point) -> tuple[float, ...]:
    """Sort key of a sweep point: its numeric values (others count as 0)."""
    numbers = []
    for _, value in point:
        if isinstance(value, int | float) and not isinstance(value, bool):
            numbers.append(float(value) if math.isfinite(value) else 0.0)
        else:
            numbers.append(0.0)
    return tuple(numbers)


def _since_decision(study: Study) -> list[str]:
    """The line on the evidence that arrived since the newest decision, if any."""
    pin = study.review.decided
    line = pin.since_line() if pin is not None else None
    return [line] if line else []


def _pinned_runs(study: Study) -> tuple[str, ...]:
    """The runs of a final decision: the prototype is stopped or complete."""
    pin = study.review.decided
    return pin.runs if pin is not None and study.record.status != "active" else ()


def _decided_evaluations(study: Study) -> tuple[CriterionReview, ...]:
    """After a final decision, the criteria judged on the runs it rested on alone."""
    pin = study.review.decided
    if not _pinned_runs(study) or pin is None or pin.decided is None:
        return ()
    return pin.decided.criteria

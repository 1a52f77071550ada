"""Production A/B analyses in a workspace (``ws.ab``): analyse a file, store it as a run.

An A/B analysis is stored as a finished **run of kind "ab"**, so that everything
that reads runs reads it unchanged: ``assay bench list`` and ``report``, linking it
to a prototype (``prototype evidence`` or ``ab analyze --prototype``), the
Integration gate's "online A/B comparison" fact, and criteria such as
``effect(conversion) >= +1%`` or ``not_worse(p99_latency, margin=5%)``.

Where each part lives in the run:

- the stored ``result`` is a :class:`~assay.bench.BenchmarkResult` whose
  ``comparisons`` are one row per metric: the control arm is the baseline, the
  treatment arm the (only) candidate, ``effect`` the relative lift ``B / A − 1``
  with its interval, the verdict the A/B verdict (no verdict, "not compared",
  when the sample-ratio check fails), ``p_value`` and ``p_adjusted`` the test of
  no difference (the guardrails' Benjamini-Hochberg p-values test non-inferiority
  and are in the document); ``summaries`` hold each arm's units and values;
- the run's header ``spec`` holds ``kind: "ab"``, the arms as ``baseline`` and
  ``candidates``, each metric's direction and margin (``metrics``), and the whole
  A/B document under ``ab`` (:meth:`assay.stats.ab_analysis.ABAnalysis.to_dict`:
  the file's SHA-256 and rows, the options, the SRM check, every metric's effect,
  interval, lift, verdict, CUPED variance reduction, the rules-out sentence,
  guardrails and the always-valid look). The header travels with the result's
  JSON (``spec``) and is read back by :meth:`BenchmarkResult.from_dict`.

The absolute difference of each metric (for margins such as ``margin=0.5pt``) is
read from the document by :mod:`assay.workspace.ab_evidence`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.errors import NotFoundError
from assay.workspace.context import Context
from assay.workspace.users import authorize

if TYPE_CHECKING:
    from assay.bench.result import BenchmarkResult
    from assay.stats.ab_analysis import ABAnalysis, MetricResult
    from assay.stats.ab_options import ABOptions
    from assay.store.runs import RunInfo
    from assay.workspace.prototypes import Prototypes

__all__ = ["ABBook", "ABRun", "ABSummary", "ab_result"]

KIND = "ab"
"""The kind of the runs that hold an A/B analysis."""


@dataclasses.dataclass(frozen=True)
class ABSummary:
    """What a rollout step needs to know of an A/B analysis.

    ``valid``: the sample-ratio check passed. ``verdicts``: each metric's verdict
    word in capitals (BETTER, WORSE, EQUIVALENT, INCONCLUSIVE, INVALID).
    ``guardrails_hold``: ``None`` when the analysis had no guardrails, ``False`` when
    the split failed or any guardrail failed.
    """

    run_id: str
    name: str
    valid: bool
    verdicts: dict[str, str]
    guardrails_hold: bool | None
    analysed_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**dataclasses.asdict(self), "analysed_at": self.analysed_at.isoformat()}


@dataclasses.dataclass(frozen=True)
class ABRun:
    """A stored A/B analysis: the run and its A/B document."""

    run_id: str
    name: str
    source: str
    by: str
    created_at: dt.datetime
    document: Mapping[str, Any]
    linked_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the run's identity, then the A/B document."""
        return {
            "run_id": self.run_id,
            "name": self.name,
            "kind": KIND,
            "source": self.source,
            "by": self.by,
            "created_at": self.created_at.isoformat(),
            "linked_to": self.linked_to,
            **self.document,
        }

    def summary(self) -> ABSummary:
        """The :class:`ABSummary` of this analysis."""
        doc = self.document
        valid = bool(doc.get("valid"))
        verdicts = {str(m["metric"]): str(m["verdict"]).upper() for m in doc.get("metrics", ())}
        rails = doc.get("guardrails")
        hold = None if rails is None else bool(valid and rails.get("all_hold"))
        return ABSummary(self.run_id, self.name, valid, verdicts, hold, self.created_at)


def _row_verdict(found: MetricResult) -> Any:
    from assay.stats.verdict import Verdict

    if found.sequential is not None:
        return found.sequential.verdict
    word = found.result.verdict.value
    return None if word == "invalid" else Verdict(word)


def _comparison(found: MetricResult, treatment: str) -> Any:
    from assay.bench.result import ComparisonRow

    effect = found.effect
    if effect is None:
        return ComparisonRow(
            *(treatment, found.metric, (), None, None, None, None, None),
            *(found.result.lower_is_better, False, 0, 0),
            warnings=("sample-ratio mismatch: the split differs from the plan, so no effect "
                      "is reported (INVALID)",),
        )  # fmt: skip
    p_value = found.sequential.p_value if found.sequential is not None else effect.p_value
    relative = effect.relative
    return ComparisonRow(
        candidate=treatment,
        metric=found.metric,
        params=(),
        verdict=_row_verdict(found),
        effect=relative if relative == relative else None,  # NaN: undefined lift
        ci=found.relative_ci(),
        p_value=p_value,
        p_adjusted=p_value,  # the guardrails' BH p-values are the document's (non-inferiority)
        lower_is_better=found.result.lower_is_better,
        paired=False,
        n_baseline=effect.n_baseline,
        n_candidate=effect.n_candidate,
        test=(found.sequential.method if found.sequential is not None else effect.method),
        warnings=effect.warnings,
    )


def ab_result(analysis: ABAnalysis, name: str) -> BenchmarkResult:
    """The run result that holds ``analysis`` (see the module docstring)."""
    from assay.bench.header import RunHeader
    from assay.bench.result import BenchmarkResult, MethodSummary

    options = analysis.options
    spec = {
        "name": name,
        "kind": KIND,
        "baseline": analysis.control,
        "candidates": [analysis.treatment],
        "metrics": [
            {
                "name": m.metric,
                "higher_is_better": not m.result.lower_is_better,
                "margin": m.result.margin,
            }
            for m in analysis.metrics
        ],
        "ab": analysis.to_dict(),
    }
    header = RunHeader(spec, {"confidence": options.confidence, "alpha": options.alpha}, {})
    summaries = [
        MethodSummary(arm, role, (), units, 0, _arm_values(analysis, index))
        for index, (arm, role, units) in enumerate(
            [
                (analysis.control, "baseline", analysis.srm.counts[0]),
                (analysis.treatment, "candidate", analysis.srm.counts[1]),
            ]
        )
    ]
    rows = [_comparison(m, analysis.treatment) for m in analysis.metrics]
    warnings = [] if analysis.valid else ["sample-ratio mismatch: the analysis is INVALID"]
    return BenchmarkResult(header, [], rows, summaries, warnings=warnings)


def _arm_values(analysis: ABAnalysis, index: int) -> dict[str, dict[str, float]]:
    values: dict[str, dict[str, float]] = {}
    for found in analysis.metrics:
        effect = found.effect
        if effect is None:
            continue
        value = effect.baseline if index == 0 else effect.candidate
        n = effect.n_baseline if index == 0 else effect.n_candidate
        values[found.metric] = {"n": float(n), "mean": value, "compared": value}
    return values


class ABBook:
    """Reached as ``workspace.ab``."""

    def __init__(self, ctx: Context, prototypes: Callable[[], Prototypes]) -> None:
        self.ctx = ctx
        self._prototypes = prototypes

    def analyze(
        self,
        path: Path,
        options: ABOptions,
        *,
        name: str | None = None,
        prototype: str | None = None,
    ) -> ABRun:
        """Read and analyse the A/B file at ``path`` and store the analysis as a finished
        run of kind "ab", linked to ``prototype`` as online A/B evidence in the same
        write. The file is read and analysed before anything is written."""
        from assay.formats.ab_table import read_ab_table, read_header
        from assay.stats.ab_analysis import analyse_table
        from assay.stats.ab_options import needed_columns

        aggregate, columns = needed_columns(read_header(path), options)
        table = read_ab_table(
            path, arm=options.arm, numeric=columns, unit=options.unit, aggregate=aggregate
        )
        analysis = analyse_table(table, options)
        title = (name or path.stem).strip()[:200] or "ab"
        result = ab_result(analysis, title)
        return self._store(result, str(path.resolve()), title, prototype)

    def _store(
        self, result: BenchmarkResult, source: str, name: str, prototype: str | None
    ) -> ABRun:
        from assay.store import runs as run_rows
        from assay.workspace.runs import store_finished

        now = dt.datetime.now(dt.UTC)
        with self.ctx.write() as session:
            authorize(self.ctx, "run.import")
            run_id = store_finished(
                session,
                name=name,
                source=source,
                kind=KIND,
                header=result.header,
                result=result,
                by=self.ctx.user,
                at=now,
            )
            if prototype is not None:
                self._prototypes().link_run(prototype, run_id, online_ab=True, at=now)
            info = run_rows.get_run(session, run_id)
        return _ab_run(info, linked_to=prototype)

    def show(self, run_id: str) -> ABRun:
        """The stored A/B analysis ``run_id``; :class:`NotFoundError` for an unknown run
        or a run that is not an A/B analysis."""
        from assay.store import runs as run_rows

        with self.ctx.read() as session:
            info = run_rows.get_run(session, run_id)
        return _ab_run(info)

    def summary(self, run_id: str) -> ABSummary:
        """What a rollout step needs of the A/B analysis ``run_id`` (see :class:`ABSummary`)."""
        return self.show(run_id).summary()


def _ab_run(info: RunInfo, *, linked_to: str | None = None) -> ABRun:
    document = info.header.get("spec", {}).get("ab")
    if info.kind != KIND or not isinstance(document, Mapping):
        raise NotFoundError(
            f"run {info.run_id} is not an A/B analysis (its kind is {info.kind!r}); "
            "see it with: assay bench show " + info.run_id
        )
    return ABRun(
        run_id=info.run_id,
        name=info.name,
        source=info.source,
        by=info.by,
        created_at=info.created_at,
        document=document,
        linked_to=linked_to,
    )

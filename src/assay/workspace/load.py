"""Load runs in a workspace (``ws.load``): a load result stored as a run of kind "load".

``assay load run ... --store`` (and ``assay load slo ... --store``) keeps what a load run
found the way an A/B analysis is kept (:mod:`assay.workspace.ab`): a finished run, so
``assay bench list``/``show``/``report``, prototype evidence and criteria read it
unchanged. The measurement happens before anything is written; the write stores the
result as it was measured and never recomputes it.

Where each part lives in the run:

- ``summaries``: one per endpoint (per rate, for a curve, with ``rate`` as its
  parameter): ``latency_p50_ms`` … ``latency_max_ms``, ``achieved_rate``,
  ``error_rate`` and, for streaming endpoints, ``ttft_p50_ms``, ``ttft_p99_ms`` and
  ``tpot_p50_ms``, each as ``{"n": requests, "mean": value, "compared": value}``;
- ``comparisons``: for an A/B (``--vs``), the paired-window comparisons of P50 and
  P90 (``latency_p50_ms``, ``latency_p90_ms``): the first URL is the baseline, the
  ``--vs`` URL the candidate, the effect B/A − 1 with its interval and verdict;
- the header ``spec``: ``kind: "load"``, ``baseline``/``candidates`` (the URLs) and
  the whole load document under ``load`` (settings, schedule, every figure, the
  client's health and warnings, the SLO search's probes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from assay.errors import NotFoundError
from assay.workspace.context import Context
from assay.workspace.users import authorize

if TYPE_CHECKING:
    from assay.bench.result import BenchmarkResult, ComparisonRow, MethodSummary
    from assay.workspace.prototypes import Prototypes

__all__ = ["KIND", "LoadBook", "load_result"]

KIND = "load"
"""The kind of the runs that hold a load result."""

_LATENCY = ("p50", "p90", "p99", "p99_9", "max")


def _metrics(arm: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    latency = arm.get("latency", {})
    n = float(latency.get("count", 0))
    answered = arm.get("ok", 0) + arm.get("error_count", 0)
    values: dict[str, float] = {}
    for name in _LATENCY:
        if f"{name}_ms" in latency:
            values[f"latency_{name}_ms"] = float(latency[f"{name}_ms"])
    values["achieved_rate"] = float(arm.get("achieved_rate", 0.0))
    values["error_rate"] = arm.get("error_count", 0) / answered if answered else 0.0
    stream = arm.get("streaming")
    if stream:
        for key, part, pct in (
            ("ttft_p50_ms", "ttft", "p50_ms"),
            ("ttft_p99_ms", "ttft", "p99_ms"),
            ("tpot_p50_ms", "tpot", "p50_ms"),
        ):
            if pct in stream[part]:
                values[key] = float(stream[part][pct])
        values["goodput"] = float(stream["goodput"])
    return {k: {"n": n, "mean": v, "compared": v} for k, v in values.items()}


def _summaries(doc: Mapping[str, Any]) -> list[MethodSummary]:
    from assay.bench.result import MethodSummary

    out = []
    if doc["kind"] == "curve":
        for point in doc["points"]:
            arm = point["arms"][0]
            params = (("rate", float(point["settings"]["rate"])),)
            out.append(MethodSummary(arm["url"], "baseline", params, 1, 0, _metrics(arm)))
        return out
    for index, arm in enumerate(doc.get("arms", ())):
        role = "baseline" if index == 0 else "candidate"
        out.append(MethodSummary(arm["url"], role, (), 1, 0, _metrics(arm)))
    return out


def _rows(doc: Mapping[str, Any]) -> list[ComparisonRow]:
    from assay.bench.result import ComparisonRow
    from assay.stats.verdict import Verdict

    comparison = doc.get("comparison") or {}
    rows = []
    for stat in ("p50", "p90"):
        found = comparison.get(stat)
        if not found:
            continue
        effect = found["effect"]
        low, high = effect["ci"]
        rows.append(
            ComparisonRow(
                candidate=doc["arms"][1]["url"],
                metric=f"latency_{stat}_ms",
                params=(),
                verdict=Verdict(found["verdict"]),
                effect=effect["relative"],
                ci=(low, high) if low is not None and high is not None else None,
                p_value=found["test"]["p_value"],
                p_adjusted=found["test"]["p_value"],
                lower_is_better=True,
                paired=True,
                n_baseline=int(found["n_baseline"]),
                n_candidate=int(found["n_candidate"]),
                test=found["test"]["name"],
                warnings=tuple(found.get("warnings", ())),
            )
        )
    return rows


def load_result(doc: Mapping[str, Any], name: str) -> BenchmarkResult:
    """The run result that holds the load document ``doc`` (see the module docstring)."""
    from assay.bench.header import RunHeader
    from assay.bench.result import BenchmarkResult

    urls = (
        [doc["points"][0]["arms"][0]["url"]]
        if doc["kind"] == "curve"
        else [a["url"] for a in doc.get("arms", ())] or [doc["settings"]["url"]]
    )
    spec = {
        "name": name,
        "kind": KIND,
        "baseline": urls[0],
        "candidates": urls[1:],
        "metrics": [{"name": f"latency_{n}_ms", "higher_is_better": False} for n in _LATENCY],
        "load": dict(doc),
    }
    header = RunHeader(spec, {"load_kind": doc["kind"]}, {})
    warnings = list(doc.get("warnings", ()))
    for point in doc.get("points", ()):
        warnings += [f"at {point['settings']['rate']:g}/s: {w}" for w in point["warnings"]]
    return BenchmarkResult(header, [], _rows(doc), _summaries(doc), warnings=warnings)


class LoadBook:
    """Reached as ``workspace.load``."""

    def __init__(self, ctx: Context, prototypes: Callable[[], Prototypes]) -> None:
        self.ctx = ctx
        self._prototypes = prototypes

    def check(self, prototype: str | None = None) -> None:
        """Refuse, before minutes of load are spent, what :meth:`record` would refuse
        after: a user who may not add runs, or a prototype that does not exist."""
        authorize(self.ctx, "run.import")
        if prototype is not None:
            self._prototypes().get(prototype)

    def record(
        self, document: Mapping[str, Any], *, name: str | None = None, prototype: str | None = None
    ) -> str:
        """Store the measured load ``document`` as a finished run of kind "load" (linked
        to ``prototype`` as evidence in the same write); the run's id."""
        from assay.workspace.runs import store_finished

        settings = document.get("settings", {})
        title = (name or f"load {settings.get('url', '')}").strip()[:200] or "load"
        result = load_result(document, title)
        now = dt.datetime.now(dt.UTC)
        with self.ctx.write() as session:
            authorize(self.ctx, "run.import")
            run_id = store_finished(
                session,
                name=title,
                source=str(settings.get("url", "")),
                kind=KIND,
                header=result.header,
                result=result,
                by=self.ctx.user,
                at=now,
            )
            if prototype is not None:
                self._prototypes().link_run(prototype, run_id, at=now)
        return run_id

    def show(self, run_id: str) -> dict[str, Any]:
        """The stored load document of run ``run_id``, with the run's identity."""
        from assay.store import runs as run_rows

        with self.ctx.read() as session:
            info = run_rows.get_run(session, run_id)
        document = info.header.get("spec", {}).get("load")
        if info.kind != KIND or not isinstance(document, Mapping):
            raise NotFoundError(
                f"run {info.run_id} is not a load run (its kind is {info.kind!r}); "
                "see it with: assay bench show " + info.run_id
            )
        return {
            "run_id": info.run_id,
            "name": info.name,
            "by": info.by,
            "created_at": info.created_at.isoformat(),
            **document,
        }

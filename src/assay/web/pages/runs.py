"""The runs pages: the list, one run's evidence, and its raw trials as CSV and JSON.

``GET /runs`` lists runs newest first (``?include_retired=true`` adds the retired
ones, marked); ``GET /runs/{run_id}`` shows one run: per-method summaries, every
comparison, the figures (distributions, the effect forest plot, sweep curves with
their crossovers, ablation bars), scaling exponents, failures with their reasons,
how it was run and where. ``trials.csv`` and ``trials.json`` download its trials.

The figures are images of their own (``/runs/{run_id}/figures/{name}.svg``), not
SVG inlined in the page: matplotlib styles its drawing with ``style`` attributes,
which the app's Content-Security-Policy (``style-src 'self'``) forbids inside a page
but not inside an image. A finished run's analysis never changes (it is stored when
the run finishes and never recomputed), so its figures are drawn once per process
and kept in :data:`FIGURES`, keyed by the store, the run and its finish time (a run
that has not finished: by its trial counts, as its figures change when trials
arrive). Matplotlib's style settings are global, so figures are drawn one at a time
(:data:`_DRAWING`).
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import io
import math
import re
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assay.errors import NotFoundError
from assay.web.deps import RequestState, server_of, viewer
from assay.web.render import json_response, respond, responses

if TYPE_CHECKING:
    from assay.bench.result import BenchmarkResult
    from assay.workspace import Workspace

__all__ = [
    "FIGURES",
    "Drawn",
    "LruCache",
    "RunFigure",
    "draw",
    "router",
    "run_figures",
    "trials_csv",
]

router = APIRouter(tags=["runs"])

_RUNS = {"type": "object", "required": ["runs"]}
_RUN = {
    "type": "object",
    "required": ["run_id", "state", "trials", "summaries", "comparisons", "retired"],
}
_TRIALS = {"type": "object", "required": ["run_id", "trials"]}

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """The ``size`` values used last, by key (like :func:`functools.lru_cache`, whose
    key would have to carry the loader). A missing value is built once however many
    requests ask for it at the same time, and building it holds up no other key.
    ``hits`` and ``misses`` count lookups."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: collections.OrderedDict[K, V] = collections.OrderedDict()
        self._building: dict[K, threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _hit(self, key: K) -> V:
        """The value kept under ``key``, counted; call under ``_lock``."""
        self._values.move_to_end(key)
        self.hits += 1
        return self._values[key]

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The value kept under ``key``, else ``build()``, kept."""
        with self._lock:
            if key in self._values:
                return self._hit(key)
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one build per key; other keys go on meanwhile
            with self._lock:
                if key in self._values:
                    return self._hit(key)
                self.misses += 1
            try:
                made = build()
            except BaseException:
                with self._lock:
                    self._building.pop(key, None)
                raise
            with self._lock:
                self._values[key] = made
                self._building.pop(key, None)
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return made

    def clear(self) -> None:
        """Forget every value (tests measure a first render with it)."""
        with self._lock:
            self._values.clear()
            self.hits = self.misses = 0


@dataclasses.dataclass(frozen=True)
class RunFigure:
    """One figure of a run: its name (in its URL), caption and SVG text."""

    name: str
    caption: str
    svg: str


@dataclasses.dataclass(frozen=True)
class Drawn:
    """What a run's page draws from its analysed result: the figures and the rows
    saying how the run was made, and how long drawing them took (seconds)."""

    figures: tuple[RunFigure, ...]
    method_rows: tuple[tuple[str, str], ...]
    seconds: float


FIGURES: LruCache[tuple[str, str, str], Drawn] = LruCache(32)
"""Runs' figures, by (store, run id, finish time or state and trial counts)."""

_DRAWING = threading.Lock()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _sweep_parameters(result: BenchmarkResult) -> list[str]:
    """The workload's numeric, positive parameters with two values or more."""
    grid = result.header.spec.get("workload", {}).get("params", {})
    return [
        name
        for name, values in grid.items()
        if len(set(values)) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in values)
    ]


def _figures(result: BenchmarkResult, baseline: str) -> list[tuple[str, str, str | None]]:
    """(name, caption, SVG or None) of every figure the engineering report draws."""
    from assay.report import plots

    found = [
        (
            "distributions",
            "Every trial's value per method and sweep point; bars mark the medians.",
            plots.distributions(result),
        ),
        (
            "forest",
            f"Effects with their intervals, as ratios to the baseline {baseline} (log scale).",
            plots.forest(result.comparisons, baseline=baseline),
        ),
    ]
    for parameter in _sweep_parameters(result):
        marked = [c.sentence for c in result.crossovers if c.parameter == parameter]
        caption = f"Median time along {parameter}, whiskers from the lowest to the highest trial"
        caption += f"; crossover marked: {'; '.join(marked)}." if marked else "; no crossover."
        found.append((f"sweep-{_slug(parameter)}", caption, plots.sweep(result, parameter)))
    found.append(
        (
            "ablation",
            "What each component contributes, with its interval.",
            plots.ablation(result.ablation),
        )
    )
    return found


def draw(ws: Workspace, run_id: str) -> Drawn:
    """Draw a run's figures from its stored analysis and trials (never re-analysed
    when finished), with the rows saying how it was made."""
    from assay.report.runinfo import method_rows
    from assay.report.view import RunEvidence

    report = ws.runs.report(run_id, trials=True)
    run = RunEvidence.from_record(report)
    with _DRAWING:
        started = time.perf_counter()
        figures = tuple(
            RunFigure(name, caption, svg)
            for name, caption, svg in _figures(run.result, run.baseline)
            if svg
        )
        rows = tuple((str(label), str(value)) for label, value in method_rows(run))
        return Drawn(figures, rows, time.perf_counter() - started)


def run_figures(ws: Workspace, run_id: str, info: Any = None) -> Drawn:
    """The run's figures, kept per process: a finished run's by its finish time (its
    analysis never changes); an unfinished run's by its state and trial counts (its
    trials are only ever added, so the same counts mean the same trials). ``info``
    is the run as listed, when the caller has read it."""
    info = info or ws.runs.info(run_id)  # the store's RunInfo (the web names no store type)
    if info.state == "finished" and info.finished_at is not None:
        version = info.finished_at.isoformat()
    else:
        version = f"{info.state}: {info.completed} completed, {info.failed} failed"
    key = (str(ws.db.url), info.run_id, version)
    return FIGURES.get(key, lambda: draw(ws, info.run_id))


def _environment_rows(environment: dict[str, Any]) -> list[list[str]]:
    from assay.report.runinfo import environment_rows

    return environment_rows(environment or {})


@router.get(
    "/runs",
    summary="Runs, newest first",
    responses=responses("The runs (`assay bench list --json`), or their page.", schema=_RUNS),
)
def runs_page(
    request: Request, include_retired: bool = False, state: RequestState = viewer
) -> Response:
    """Every run with its state and trial counts (``assay bench list --json``)."""
    from assay.workspace import documents

    document = documents.runs(state.ws, include_retired=include_retired)
    return respond(request, state, "runs.html", document, include_retired=include_retired)


@router.get(
    "/runs/{run_id}",
    summary="One run: its evidence, figures and environment",
    responses=responses(
        "The run (`assay bench show RUN --json`), or its page.",
        schema=_RUN,
        statuses=(303, 401, 403, 404, 422),
    ),
)
def run_page(request: Request, run_id: str, state: RequestState = viewer) -> Response:
    """The run with its stored analysis (``assay bench show RUN --json``); the page
    adds its figures, how it was made and where it ran. A finished run's page is kept
    while the record does not change; one still running is read afresh (its trials
    arrive outside the audit trail the page cache watches)."""
    from assay.workspace import documents

    info = state.ws.runs.info(run_id)

    def build() -> Response:
        document = documents.run(state.ws, run_id)
        if state.wants_json:
            return json_response(document)
        return respond(
            request,
            state,
            "run.html",
            document,
            drawn=run_figures(state.ws, run_id, info),
            summaries=summary_rows(document),
            comparisons=comparison_rows(document),
            warnings=warnings_of(document),
            environment_rows=_environment_rows(document.get("environment", {})),
            failed_methods=_failed_methods(document),
        )

    if info.state != "finished":
        return build()
    return server_of(request).cache.cached(request, state, build)


@router.get(
    "/runs/{run_id}/figures/{name}.svg",
    response_class=Response,
    summary="One figure of a run (SVG)",
    responses={
        **responses("", statuses=(303, 401, 403, 404, 422), html=False),
        200: {"description": "The figure (SVG).", "content": {"image/svg+xml": {}}},
    },
)
def run_figure(run_id: str, name: str, state: RequestState = viewer) -> Response:
    """A figure of the run's page: ``distributions``, ``forest``, ``sweep-PARAM`` or
    ``ablation`` (those the run has)."""
    drawn = run_figures(state.ws, run_id)
    for figure in drawn.figures:
        if figure.name == name:
            return Response(
                figure.svg,
                media_type="image/svg+xml",
                headers={"cache-control": "private, max-age=3600"},
            )
    known = ", ".join(f.name for f in drawn.figures) or "none"
    raise NotFoundError(f"run {run_id} has no figure {name!r}; it has: {known}")


def _time(seconds: Any) -> str:
    if not isinstance(seconds, int | float) or not math.isfinite(seconds):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _bytes(value: Any) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "—"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.0f} B"


def _point(params: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (params or {}).items())


def _point_order(params: dict[str, Any] | None) -> tuple[tuple[int, float, str], ...]:
    """Sweep points in numeric order (``n=256`` before ``n=1024``), text after numbers."""
    return tuple(
        (0, float(v), "")
        if isinstance(v, int | float) and not isinstance(v, bool)
        else (1, 0.0, str(v))
        for v in (params or {}).values()
    )


def summary_rows(document: dict[str, Any]) -> list[dict[str, str]]:
    """Per method and sweep point: trials (failed), the compared time, per-call P50
    and P99, and peak RSS, baseline first."""
    rows = []
    for s in sorted(
        document.get("summaries", []),
        key=lambda s: (s["role"] != "baseline", s["method"], _point_order(s.get("params"))),
    ):
        time_ = s["metrics"].get("time", {})
        rss = s["metrics"].get("peak_rss", {})
        rows.append(
            {
                "method": s["method"],
                "role": s["role"],
                "point": _point(s.get("params")),
                "trials": f"{s['trials']}" + (f" ({s['failed']} failed)" if s["failed"] else ""),
                "compared": _time(time_.get("compared", time_.get("median"))),
                "p50": _time(time_.get("per_call_p50")),
                "p99": _time(time_.get("per_call_p99")),
                "rss": _bytes(rss.get("median")),
            }
        )
    return rows


def _interval(effect: float, ci: list[float | None] | None, metric: str) -> str:
    from assay.stats.magnitude import interval_short

    if not ci:
        return "—"
    low = -math.inf if ci[0] is None else ci[0]
    high = math.inf if ci[1] is None else ci[1]
    return interval_short(effect, low, high, metric)


def comparison_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each comparison: candidate, point, metric, verdict, the effect and its interval
    by the one rule of :mod:`assay.stats.magnitude`, the adjusted p, the arms' sizes."""
    from assay.stats.magnitude import effect_short

    rows = []
    for row in sorted(
        document.get("comparisons", []),
        key=lambda r: (r["candidate"], r["metric"], _point_order(r.get("params"))),
    ):
        effect = row["effect"]["relative"]
        p = row.get("p_adjusted") if row.get("p_adjusted") is not None else row.get("p_value")
        rows.append(
            {
                "candidate": row["candidate"],
                "point": _point(row.get("params")),
                "metric": row["metric"],
                "verdict": row["verdict"],
                "effect": "—" if effect is None else effect_short(effect, row["metric"]),
                "interval": "—"
                if effect is None
                else _interval(effect, row["effect"].get("ci"), row["metric"]),
                "p": "—" if p is None else ("<0.0001" if p < 1e-4 else f"{p:.2g}"),
                "n": f"{row.get('n_baseline', '?')} / {row.get('n_candidate', '?')}",
                "needed": "—" if row.get("needed_trials") is None else str(row["needed_trials"]),
            }
        )
    return rows


def warnings_of(document: dict[str, Any]) -> list[str]:
    """The run's warnings, then each comparison warning once with how often it came."""
    counts: dict[str, int] = {}
    for row in document.get("comparisons", []):
        for warning in row.get("warnings", []):
            counts[warning] = counts.get(warning, 0) + 1
    said = [str(w) for w in document.get("warnings", [])]
    return said + [w + (f" ({n} comparisons)" if n > 1 else "") for w, n in counts.items()]


def _failed_methods(document: dict[str, Any]) -> list[tuple[str, float, list[dict[str, Any]]]]:
    """(method, failure rate, failed trials) of each method that failed a trial."""
    rates = document.get("failure_rates", {})
    failures = document.get("failures", {})
    return [
        (method, rate, failures.get(method, []))
        for method, rate in sorted(rates.items())
        if rate > 0
    ]


_TRIAL_COLUMNS = ("method", "block", "position", "seed", "status", "error", "wall_time")


def trials_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The trials as CSV, every cell through :mod:`assay.formats.csv_safe` (a method
    or a reason starting with ``=`` is shown as text by a spreadsheet, never run)."""
    from assay.formats import csv_safe

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    headers = list(rows[0]) if rows else list(_TRIAL_COLUMNS)
    writer.writerow(csv_safe.row(headers))
    for row in rows:
        writer.writerow(csv_safe.row("" if row.get(h) is None else row.get(h) for h in headers))
    return buffer.getvalue()


def _attachment(run_id: str, suffix: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{_slug(run_id)}-trials.{suffix}"'}


@router.get(
    "/runs/{run_id}/trials.csv",
    response_class=Response,
    summary="A run's trials as CSV",
    responses={
        **responses("", statuses=(303, 401, 403, 404, 422), html=False),
        200: {"description": "One row per trial (a download).", "content": {"text/csv": {}}},
    },
)
def trials_csv_download(run_id: str, state: RequestState = viewer) -> Response:
    """One row per trial: method, block, position, seed, status, error, wall time,
    each sweep parameter and each metric's value."""
    from assay.workspace import documents

    rows = documents.run_trials(state.ws, run_id)
    return Response(
        trials_csv(rows), media_type="text/csv; charset=utf-8", headers=_attachment(run_id, "csv")
    )


@router.get(
    "/runs/{run_id}/trials.json",
    summary="A run's trials as JSON",
    responses=responses(
        "The run's trials, one flat row each (a download).",
        schema=_TRIALS,
        statuses=(303, 401, 403, 404, 422),
        html=False,
    ),
)
def trials_json_download(run_id: str, state: RequestState = viewer) -> Response:
    """``{"run_id": ..., "trials": [...]}``, the rows of ``trials.csv`` as JSON."""
    from assay.workspace import documents

    rows = documents.run_trials(state.ws, run_id)
    response = json_response({"run_id": run_id, "trials": rows})
    response.headers.update(_attachment(run_id, "json"))
    return response

"""The runs pages: the list, one run's evidence, and its raw trials as CSV and JSON.

``GET /runs`` lists runs newest first (``?include_retired=true`` adds the retired
ones, marked); ``GET /runs/{run_id}`` shows one run: per-method summaries, every
comparison, the figures (distributions, the effect forest plot, sweep curves with
their crossovers, ablation bars), scaling exponents, failures with their reasons,
how it was run and where. ``trials.csv`` and ``trials.json`` download its trials.
A run of kind "load" (``assay load ... --store``) or "ab" (``assay ab analyze``) is
shown as ``assay load show`` and ``assay ab show`` show it (:func:`load_view`,
:func:`ab_view`): its stored document formatted, not a benchmark's layout; the JSON
of every run is ``assay bench show RUN --json`` alike.

The figures are images of their own (``/runs/{run_id}/figures/{name}.svg``), not
SVG inlined in the page: matplotlib styles its drawing with ``style`` attributes,
which the app's Content-Security-Policy (``style-src 'self'``) forbids inside a page
but not inside an image. The page names the figures the stored analysis has data for
(:func:`planned_figures`) without drawing them, so it answers at once even for a run
never drawn before; each figure is drawn when a browser first asks for it and kept in
:data:`FIGURES`, keyed by the store, the run, its finish time and the figure's name:
a finished run's analysis never changes (it is stored when the run finishes and never
recomputed). A run that has not finished is keyed by its trial counts instead, as its
figures change when trials arrive. Matplotlib's style settings are global, so
figures are drawn one at a time (:data:`_DRAWING`).
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
from assay.load import text
from assay.web.deps import RequestState, server_of, viewer
from assay.web.render import json_response, respond, responses

if TYPE_CHECKING:
    from assay.bench.result import BenchmarkResult
    from assay.workspace import Workspace

__all__ = [
    "FACTS",
    "FIGURES",
    "Drawn",
    "LruCache",
    "RunFigure",
    "ab_view",
    "draw",
    "load_view",
    "planned_figures",
    "router",
    "run_facts",
    "run_figure_svg",
    "stored_kind",
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
    """One figure a run's page shows: its name (in its URL) and caption."""

    name: str
    caption: str


@dataclasses.dataclass(frozen=True)
class Drawn:
    """A figure as drawn: its SVG (``None`` when there was nothing to draw) and how
    long drawing it took (seconds)."""

    svg: str | None
    seconds: float


FIGURES: LruCache[tuple[str, str, str, str], Drawn] = LruCache(128)
"""Runs' figures, by (store, run id, finish time or state and trial counts, name)."""

FACTS: LruCache[tuple[str, str, str], tuple[tuple[str, str], ...]] = LruCache(128)
"""How each run was made (the engineering report's method rows), by the same key."""

_DRAWING = threading.Lock()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _positive_numbers(values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in values)


def _sweep_parameters(spec: dict[str, Any]) -> list[str]:
    """The workload's numeric, positive parameters with two values or more."""
    grid = spec.get("workload", {}).get("params", {})
    return [name for name, vs in grid.items() if len(set(vs)) >= 2 and _positive_numbers(vs)]


def _swept(document: dict[str, Any], parameter: str) -> bool:
    """Whether a method has a positive time at two values of ``parameter`` with the
    other parameters fixed: a curve to draw."""
    seen: dict[tuple[str, str], set[float]] = {}
    for s in document.get("summaries", []):
        params = s.get("params") or {}
        x = params.get(parameter)
        median = s["metrics"].get("time", {}).get("median")
        if isinstance(x, int | float) and _positive_numbers([x, median]):
            fixed = _point({k: v for k, v in params.items() if k != parameter})
            seen.setdefault((s["method"], fixed), set()).add(float(x))
    return any(len(xs) >= 2 for xs in seen.values())


def planned_figures(document: dict[str, Any]) -> list[RunFigure]:
    """The figures of the engineering report that the run's stored analysis has
    something for, named and captioned, without drawing any of them."""
    found = []
    if any(s["trials"] > s["failed"] and s.get("metrics") for s in document.get("summaries", [])):
        caption = "Every trial's value per method and sweep point; bars mark the medians."
        found.append(RunFigure("distributions", caption))
    if any(r["effect"]["relative"] is not None and r["effect"].get("ci") for r in
           document.get("comparisons", [])):  # fmt: skip
        baseline = document.get("spec", {}).get("baseline", "baseline")
        caption = f"Effects with their intervals, as ratios to the baseline {baseline} (log scale)."
        found.append(RunFigure("forest", caption))
    for parameter in _sweep_parameters(document.get("spec", {})):
        if _swept(document, parameter):
            marked = [c["sentence"] for c in document.get("crossovers", [])
                      if c.get("parameter") == parameter]  # fmt: skip
            caption = f"Median time along {parameter}, whiskers from the lowest to the highest"
            caption += f" trial; crossover marked: {'; '.join(marked)}." if marked else (
                " trial; no crossover.")  # fmt: skip
            found.append(RunFigure(f"sweep-{_slug(parameter)}", caption))
    if any(a.get("contribution") is not None for a in document.get("ablation", [])):
        found.append(RunFigure("ablation", "What each component contributes, with its interval."))
    return found


def _plot(result: BenchmarkResult, name: str) -> str | None:
    """Draw the figure ``name`` of ``result`` (an unknown name draws nothing)."""
    from assay.report import plots

    if name == "distributions":
        return plots.distributions(result)
    if name == "forest":
        baseline = str(result.header.spec.get("baseline", "baseline"))
        return plots.forest(result.comparisons, baseline=baseline)
    if name == "ablation":
        return plots.ablation(result.ablation)
    for parameter in _sweep_parameters(result.header.spec):
        if name == f"sweep-{_slug(parameter)}":
            return plots.sweep(result, parameter)
    return None


_NEEDS_TRIALS = ("distributions", "sweep-")


def draw(ws: Workspace, run_id: str, name: str) -> Drawn:
    """Draw one figure of a run from its stored analysis (never re-analysed when
    finished), loading its trials only for a figure that shows them."""
    trials = name.startswith(_NEEDS_TRIALS)
    result = ws.runs.report(run_id, trials=trials).result
    with _DRAWING:  # matplotlib's style settings are global
        started = time.perf_counter()
        svg = _plot(result, name)
        return Drawn(svg, time.perf_counter() - started)


def _version(info: Any) -> str:
    """What a run's figures depend on: a finished run's finish time (its analysis
    never changes); an unfinished run's state and trial counts (its trials are only
    ever added, so the same counts mean the same trials)."""
    if info.state == "finished" and info.finished_at is not None:
        return str(info.finished_at.isoformat())
    return f"{info.state}: {info.completed} completed, {info.failed} failed"


def run_figure_svg(ws: Workspace, run_id: str, name: str) -> Drawn:
    """The figure ``name`` of the run, drawn once per process and version of the run;
    a name no run of its kind can have is a :class:`NotFoundError` (and kept nowhere)."""
    info = ws.runs.info(run_id)  # the store's RunInfo (the web names no store type)
    sweeps = _sweep_parameters(info.header.get("spec", {}))
    if name not in ("distributions", "forest", "ablation", *(f"sweep-{_slug(p)}" for p in sweeps)):
        raise NotFoundError(f"run {run_id} has no figure {name[:40]!r}")
    key = (str(ws.db.url), info.run_id, _version(info), name)
    return FIGURES.get(key, lambda: draw(ws, info.run_id, name))


def run_facts(ws: Workspace, info: Any) -> tuple[tuple[str, str], ...]:
    """How the run was made (the engineering report's method rows), kept per version."""
    from assay.report.runinfo import method_rows
    from assay.report.view import RunEvidence

    def build() -> tuple[tuple[str, str], ...]:
        run = RunEvidence.from_record(ws.runs.report(info.run_id))
        return tuple((str(label), str(value)) for label, value in method_rows(run))

    return FACTS.get((str(ws.db.url), info.run_id, _version(info)), build)


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
    adds its figures, how it was made and where it ran (a load run or an A/B analysis:
    its stored document, as ``load show`` / ``ab show`` print it). A finished run's
    page is kept while the record does not change; one still running is read afresh
    (its trials arrive outside the audit trail the page cache watches)."""
    from assay.workspace import documents

    finished = state.ws.runs.stored_state(run_id) == "finished"  # one query; 404 if unknown

    def build() -> Response:
        info = state.ws.runs.info(run_id)
        document = documents.run(state.ws, run_id)
        if state.wants_json:
            return json_response(document)
        if info.kind in ("load", "ab"):  # as `assay load show` / `assay ab show` show it
            return respond(request, state, "run.html", document, **stored_kind(state.ws, info))
        return respond(
            request,
            state,
            "run.html",
            document,
            figures=planned_figures(document),
            method_rows=run_facts(state.ws, info),
            summaries=summary_rows(document),
            comparisons=comparison_rows(document),
            warnings=warnings_of(document),
            environment_rows=_environment_rows(document.get("environment", {})),
            failed_methods=_failed_methods(document),
        )

    if not finished:
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
    ``ablation`` (those the run has), drawn when first asked for."""
    drawn = run_figure_svg(state.ws, run_id, name)
    if drawn.svg is None:
        raise NotFoundError(
            f"run {run_id} has no figure {name[:40]!r}; its page links the figures it has"
        )
    headers = {"cache-control": "private, max-age=3600"}
    return Response(drawn.svg, media_type="image/svg+xml", headers=headers)


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


# -- a load run and an A/B analysis: shown as `assay load show` / `assay ab show` show
# them (see assay.cli.load and assay.cli.ab), from the stored document, nothing recomputed.


def stored_kind(ws: Workspace, info: Any) -> dict[str, Any]:
    """The page's parts for a run of kind "load" or "ab": ``kind``, the formatted
    ``load`` document or ``ab`` analysis, and ``evidence_for``, the prototypes the run
    is linked to as evidence."""
    evidence_for = [
        p.name for p in ws.prototypes.list() if any(link.run_id == info.run_id for link in p.links)
    ]
    if info.kind == "load":
        return {"kind": "load", "load": load_view(ws.load.show(info.run_id)),
                "evidence_for": evidence_for}  # fmt: skip
    run = ws.ab.show(info.run_id)
    if run.linked_to and run.linked_to not in evidence_for:
        evidence_for.append(run.linked_to)
    return {"kind": "ab", "ab": ab_view(run.document), "evidence_for": evidence_for}


_MEASURED = {
    "open": "open loop",
    "ab": "open loop, two endpoints (A/B)",
    "closed": "closed loop",
    "curve": "latency against load (open loop at each rate)",
}


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _load_row(label: str, arm: dict[str, Any]) -> list[str]:
    """One endpoint's (or rate's) row: the label, then :func:`assay.load.text.arm_cells`."""
    return [label, *text.arm_cells(arm, dash="—")]


def _slo_view(doc: dict[str, Any]) -> dict[str, Any]:
    """An SLO search: the rate found (or none) and every probe."""
    p99, alpha = float(doc["p99_ms"]), float(doc.get("alpha", 0.05))
    probes = doc.get("probes", [])
    tail = float(probes[0].get("tail", 0.01)) if probes else 0.01
    if doc.get("rate") is None:
        found = f"no rate tried kept P99 <= {p99:g} ms"
    else:
        confirms = [p for p in probes if p["phase"] == "confirm" and p["verdict"] == "pass"]
        found = f"highest rate with P99 <= {p99:g} ms: {doc['rate']:,.0f}/s"
        found += f", confirmed by a {confirms[-1]['duration_s']:g}-s run" if confirms else ""
        found += " (at --max-rate: the limit may be higher)" if doc.get("capped") else ""
    return {
        "found": found,
        "caption": f"Probes: 'Slower' took over {p99:g} ms (or failed); a probe passes when "
        f"the {1 - alpha:.0%} upper bound on their share is below {tail:.0%}",
        "probes": [
            [
                str(p["phase"]),
                f"{p['rate']:,.0f}",
                f"{p['duration_s']:g}",
                f"{p['above']:,}",
                f"{p['total']:,}",
                f"{p['upper']:.2%}",
                str(p["verdict"]).upper(),
            ]
            for p in probes
        ],
    }


def load_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored load document as ``assay load show`` shows it: what was measured, the
    table (one row per endpoint, or per rate for a curve), the client's health,
    streaming metrics, the A/B's paired-window comparisons and the warnings; for an
    SLO search the rate found and its probes."""
    kind = str(doc.get("kind"))
    if kind == "slo":
        measured = f"SLO search: the highest rate with P99 <= {float(doc['p99_ms']):g} ms"
        return {"measured": measured, "slo": _slo_view(doc), "table": None, "warnings": []}
    view: dict[str, Any] = {"measured": _MEASURED.get(kind, kind), "slo": None}
    warnings = [str(w) for w in doc.get("warnings", ())]
    if kind == "curve":
        points = doc.get("points", [])
        view["table"] = {
            "caption": "Latency against load (from intended send times)",
            "first": "Rate",
            "rows": [_load_row(f"{p['settings']['rate']:,g}/s", p["arms"][0]) for p in points],
        }
        for p in points:
            warnings += [f"at {p['settings']['rate']:,g}/s: {w}" for w in p.get("warnings", ())]
        return view | {"warnings": warnings, "client": None, "streaming": [], "comparison": []}
    arms = doc.get("arms", [])
    caption = (
        "Closed loop: one connection, latency from the actual send"
        if kind == "closed"
        else "Open loop: latency from each request's intended send time"
    )
    rows = [
        _load_row(arm["url"] if len(arms) == 1 else f"{label} {arm['url']}", arm)
        for label, arm in zip(("A", "B"), arms, strict=False)
    ]
    view["table"] = {"caption": caption, "first": "Endpoint", "rows": rows}
    view["client"] = (
        _capital(text.client_sentence(doc["client"], dash="—")) if doc.get("client") else None
    )
    view["streaming"] = [
        _capital(line) for arm in arms if (line := text.streaming_sentence(arm, dash="—"))
    ]
    lines = [
        {"text": line, "verdict": verdict and verdict.lower(), "note": note}
        for line, verdict, note in text.window_sentences(doc.get("comparison") or {}, dash="—")
    ]
    return view | {"comparison": lines, "warnings": warnings}


def ab_view(doc: Any) -> dict[str, Any]:
    """A stored A/B analysis as ``assay ab show`` shows it (:mod:`assay.stats.ab_text`):
    the source file, the sample-ratio check, and when it passed, each metric, the notes
    and the guardrails."""
    from assay.stats import ab_text

    valid = bool(doc.get("valid"))
    view: dict[str, Any] = {
        "source": ab_text.source_sentence(doc["source"]),
        "valid": valid,
        "srm": ab_text.srm_sentence(doc),
        "alpha": f"{doc['srm']['alpha']:g}",
        "metrics": None,
        "notes": [],
        "guardrails": None,
    }
    if not valid:
        return view
    view["metrics"] = {
        "caption": ab_text.metrics_caption(doc),
        "rows": [ab_text.metric_cells(found) for found in doc.get("metrics", ())],
    }
    view["notes"] = ab_text.notes(doc)
    rails = doc.get("guardrails")
    if rails:
        view["guardrails"] = {
            "caption": ab_text.guardrails_caption(rails),
            "rows": [
                {"cells": ab_text.guardrail_cells(rail), "holds": bool(rail["holds"])}
                for rail in rails["guardrails"]
            ],
        }
    return view


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

"""One JSON document per read, shared by the CLI's ``--json`` and the web app's JSON.

Each function takes an open :class:`~assay.workspace.Workspace` and returns a
dictionary that :func:`assay.encoding.dumps` writes as standard JSON (almost every
value is already a JSON type; dates are ISO 8601 strings). The command line prints
it as it is and the web app serves the same dictionary, so the two never drift:

=================================  ================================================
function                           printed by
=================================  ================================================
:func:`technique`                  ``assay technique show NAME --json``
:func:`run`                        ``assay bench show RUN --json``
:func:`run_trials`                 (the web's ``trials.csv`` and ``trials.json``)
:func:`runs`                       ``assay bench list --json``
:func:`gate_inbox`                 (the web's gate inbox)
:func:`gate_review`                ``assay gate review NAME --json``
:func:`predictions`                ``assay predict list --json``
:func:`calibration`                ``assay predict score --json`` (less ``plot``)
:func:`postmortems`                ``assay postmortem list --json``
:func:`review_agenda`              ``assay review agenda --json``
:func:`search`                     ``assay search TEXT --json``
:func:`status`                     ``assay status --json``
=================================  ================================================

They only read, through the workspace's services: a finished run is never
replayed and a gate's evaluation is its stored evidence snapshot. User text is
kept verbatim (a document is data; escaping is the page's job). The module
imports nothing heavy, so ``status`` and ``gate review`` stay on their fast path.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.workspace.core import Workspace
    from assay.workspace.evidence_runs import Judge

__all__ = [
    "calibration",
    "gate_inbox",
    "gate_review",
    "postmortems",
    "predictions",
    "review_agenda",
    "run",
    "run_trials",
    "runs",
    "search",
    "status",
    "technique",
]

Document = dict[str, Any]


def technique(ws: Workspace, name: str, *, today: dt.date | None = None) -> Document:
    """Everything about a technique (any case; a retired one too, marked so), for its
    page and ``technique show --json``.

    The technique (``Technique.to_dict``, with its ring ``history``), then
    ``overrides`` (ring moves made without a YES gate), ``decisions`` (the newest
    decision on each prototype with the runs it was decided on), ``override`` and
    ``imported`` (what its ring rests on when no YES gate backs it), ``retired``;
    ``papers`` linked to it (notes, red flags, viability, claims), ``claims`` (each
    claim of those papers: claimed against reproduced), ``prototypes`` (criteria,
    freeze, amendments and linked runs, each with its stored gate ``review`` and
    every ``decisions`` taken on it), ``gate_decisions`` (all of them, oldest first),
    ``runs`` (those that judge its prototypes, newest first: id, name when linked,
    state, start and finish, ``judges``: which prototypes), ``predictions`` (those that
    mention it, or that its post-mortems name), ``postmortems`` (of it or of its
    prototypes), ``actions`` (their open action items, and those that opened it),
    ``artifacts`` (kind, file name, size, who and when; the text is not included;
    none for a retired technique), ``rollouts`` (its production rollouts, each step
    with its A/B evidence: see ``docs/rollouts.md``; none for a retired technique),
    ``learnings`` (its prototypes' learnings entries, oldest first) and ``area_owner``
    (who owns its area, or ``None``: see ``docs/learnings.md``).
    """
    found = ws.radar.get(name, retired=True)
    key = found.name
    placement = ws.radar.placements().get(key)
    retired = ws.radar.retired().get(key)
    studied = _prototypes(ws, key, today)
    doc: Document = (
        found.to_dict()
        | {"overrides": [o.to_dict() for o in ws.reports.overrides(key)]}
        | {"decisions": studied.pop("decisions")}
        | {
            "override": placement.override_dict() if placement is not None else None,
            "imported": placement is not None and placement.kind == "imported",
        }
        | {"retired": _retired(retired)}
    )
    doc |= _research(ws, key)
    doc |= studied
    doc |= _aftermath(ws, key, [p["name"] for p in doc["prototypes"]], today)
    # ``Radar.artifacts`` refuses a retired technique: its page lists none
    attached = ws.radar.artifacts(key).values() if retired is None else ()
    doc["artifacts"] = [
        artifact.to_dict() | {"name": artifact.filename, "created_at": artifact.at.isoformat()}
        for artifact in attached
    ]
    # its production rollouts, oldest first, each step's A/B runs judged (issue 14)
    history = ws.rollouts.history(key) if retired is None else []
    doc["rollouts"] = [r.to_dict() for r in history]
    # what its prototypes taught, oldest first, and who owns its area (issue 16)
    doc["learnings"] = [e.to_dict() for e in ws.learnings.list(technique=key)]
    doc["area_owner"] = ws.areas.owner_of(found.area)
    return doc


def _retired(retired: tuple[dt.datetime, str, str] | None) -> dict[str, str] | None:
    """A retirement (when, by whom, why), or ``None``: it is on the radar."""
    if retired is None:
        return None
    at, by, why = retired
    return {"at": at.isoformat(), "by": by, "why": why}


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _research(ws: Workspace, key: str) -> Document:
    """The papers linked to the technique, and their claims side by side."""
    papers = ws.papers.linked(key)
    return {
        "papers": [p.to_dict() for p in papers],
        "claims": [c.to_dict() | {"paper_key": p.paper.key} for p in papers for c in p.claims],
    }


def _prototypes(ws: Workspace, key: str, today: dt.date | None) -> Document:
    """The technique's prototypes with their stored reviews and decisions, the newest
    decision on each with the runs it was decided on, and the runs they rest on."""
    records = [r for r in ws.prototypes.list() if _same(r.technique, key)]
    names = {r.name for r in records}
    decisions = [d for d in ws.prototypes.decisions() if d.prototype in names] if names else []
    prototypes, newest = [], []
    runs: dict[str, dict[str, Any]] = {}
    for record in records:
        review = ws.prototypes.review(record.name, today=today)
        if review.decided is not None:
            newest.append({"prototype": record.name, **review.decided.to_dict()})
        taken = [d.to_dict() for d in decisions if d.prototype == record.name]
        prototypes.append(record.to_dict() | {"review": review.to_dict(), "decisions": taken})
        for judge in ws.prototypes.judging_runs(record.name):
            runs.setdefault(judge.run_id, _judge(judge)).setdefault("judges", []).append(
                record.name
            )
    return {
        "decisions": newest,
        "prototypes": prototypes,
        "gate_decisions": [d.to_dict() for d in decisions],
        "runs": sorted(runs.values(), key=lambda r: r["started_at"], reverse=True),
    }


def _judge(judge: Judge) -> dict[str, Any]:
    """A run that judges a prototype, as its page lists it (no analysis read)."""
    link = judge.link
    return {
        "run_id": judge.run_id,
        "name": link.run_name if link is not None else None,
        "state": judge.state,
        "started_at": judge.started_at.isoformat(),
        "finished_at": judge.finished_at.isoformat() if judge.finished_at else None,
        "linked": link is not None,
    }


def _mentions(name: str) -> re.Pattern[str]:
    """The technique's name as a whole word (any case)."""
    return re.compile(rf"(?<!\w){re.escape(name.strip())}(?!\w)", re.IGNORECASE)


def _aftermath(ws: Workspace, key: str, prototypes: list[str], today: dt.date | None) -> Document:
    """Post-mortems of the technique or its prototypes, their open actions, and the
    predictions that mention it or that those post-mortems name as wrong."""
    subjects = {s.casefold() for s in (key, *prototypes)}
    found = [pm for pm in ws.postmortems.list() if pm.subject.strip().casefold() in subjects]
    named = {ident for pm in found for ident in pm.wrong_predictions}
    mention = _mentions(key)
    numbers = [int(ident) for ident in named if ident.isdigit()]
    wanted = [
        p
        for p in ws.predictions.mentioning(key, numbers)
        if p.id in named or any(mention.search(text) for text in (p.question, p.notes, *p.tags))
    ]
    day = today or dt.date.today()
    ids = {pm.id for pm in found}
    actions = [
        a.to_dict(day)
        for a in ws.postmortems.actions(day)
        if str(a.postmortem_id) in ids or (a.technique is not None and _same(a.technique, key))
    ]
    return {
        "predictions": [p.to_dict() for p in wanted],
        "postmortems": [pm.to_dict() for pm in found],
        "actions": actions,
    }


def run(ws: Workspace, run_id: str) -> Document:
    """A run with its stored analysis: per-method summaries, every comparison with its
    verdict, sweeps, failures and the environment; ``retired`` says who retired it
    and why (``None`` while it counts)."""
    report = ws.runs.report(run_id)
    retired = ws.corrections.retirement("run", report.info.run_id)
    return report.to_dict() | {"retired": retired.to_dict() if retired.retired else None}


def run_trials(ws: Workspace, run_id: str) -> list[dict[str, Any]]:
    """The run's trials, one flat row each, in the order they finished (for a CSV or
    JSON download): ``method``, ``block``, ``position``, ``seed``, ``status``,
    ``error`` (the reason a trial failed, else ``None``), ``wall_time``, then
    ``param.NAME`` for each sweep parameter and ``metric.NAME`` for each metric's
    trial value; a run on a Ray cluster adds ``node``, ``host``, ``hardware`` and
    ``fingerprint`` after ``wall_time``. Every row has the same keys (``None`` where a
    trial lacks one); NaN is ``None``. The raw per-call samples are left out."""
    records = ws.runs.trial_records(run_id)
    params: dict[str, None] = {}
    metrics: dict[str, None] = {}
    for record in records:
        params.update(dict.fromkeys(record["key"].get("params", {})))
        metrics.update(dict.fromkeys(record.get("values", {})))
    on_nodes = any("node" in record.get("details", {}) for record in records)
    rows = []
    for record in records:
        key = record["key"]
        row: dict[str, Any] = {
            "method": key["method"],
            "block": record["block"],
            "position": record["position"],
            "seed": key["seed"],
            "status": record["status"],
            "error": record.get("reason"),
            "wall_time": _number(record.get("wall_time")),
        }
        if on_nodes:  # a Ray cluster run (docs/scale.md): where each trial ran
            node = record.get("details", {}).get("node", {})
            row["node"] = node.get("id")
            row |= {k: node.get(k) for k in ("host", "hardware", "fingerprint")}
        given, values = key.get("params", {}), record.get("values", {})
        row |= {f"param.{name}": given.get(name) for name in params}
        row |= {f"metric.{name}": _number(values.get(name)) for name in metrics}
        rows.append(row)
    return rows


def _number(value: Any) -> Any:
    """``value``, with NaN and infinities as ``None`` (a CSV cell and JSON agree)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def runs(ws: Workspace, *, include_retired: bool = False) -> Document:
    """Every run, newest first, with its state and trial counts; with
    ``include_retired`` the retired ones too, each marked ``retired``."""
    found = ws.runs.list(include_retired=include_retired)
    retired = ws.corrections.retired("run") if include_retired else {}
    return {
        "runs": [
            r.to_dict() | ({"retired": r.run_id in retired} if include_retired else {})
            for r in found
        ]
    }


def status(ws: Workspace, *, today: dt.date | None = None) -> Document:
    """What needs attention now: kill criteria that fire, expired time-boxes, gates
    awaiting a decision, everything overdue, and stale blips."""
    result = ws.reports.status(today=today)
    stale = ws.radar.stale(today=result.today)
    return result.to_dict() | {"stale": [s.to_dict() for s in stale]}


def gate_review(ws: Workspace, prototype: str, *, today: dt.date | None = None) -> Document:
    """Every criterion of the prototype's current gate with its evaluation and the
    evidence behind it, and the recommended answer (from the stored snapshot); with
    what the newest decision watches and its open reopenings (``watch``, issue 14), and
    who disagreed with the newest decision (``dissents``, issue 16: empty when it was
    taken with consensus, or there is none)."""
    document = ws.prototypes.review(prototype, today=today).to_dict()
    decided = ws.prototypes.decisions(prototype)
    dissents = []
    if decided:
        newest = decided[-1]
        dissents = [
            {"decision": newest.id, "name": who, "reason": why}
            for who, why in newest.decision.dissents
        ]
    return document | {
        "watch": ws.watch.of_prototype(prototype, today=today),
        "dissents": dissents,
    }


def gate_inbox(ws: Workspace, *, today: dt.date | None = None) -> Document:
    """The gates awaiting a decision (those ``assay status`` lists), each with its
    stored review under ``review``: the recommendation, every criterion's evaluation,
    the evidence and the runs (read from the stored snapshot; nothing replayed)."""
    result = ws.reports.status(today=today)
    gates = [
        gate.to_dict() | {"review": gate_review(ws, gate.prototype, today=result.today)}
        for gate in result.awaiting
    ]
    return {"today": result.today.isoformat(), "gates": gates}


def predictions(ws: Workspace) -> Document:
    """Every prediction with its forecasts and resolution."""
    return {"predictions": [p.to_dict() for p in ws.predictions.list()]}


def calibration(
    ws: Workspace,
    person: str | None = None,
    *,
    as_of: dt.date | None = None,
    tag: str | None = None,
) -> Document:
    """Brier and log scores and the calibration table, overall, per person and per
    tag (of ``person`` and ``tag`` alone when given), as of ``as_of`` (today)."""
    return ws.predictions.score(as_of, person=person, tag=tag).to_dict()


def postmortems(ws: Workspace, *, today: dt.date | None = None) -> Document:
    """Every post-mortem, and the open action items across them (overdue first),
    each saying whether it is overdue on ``today``."""
    day = today or dt.date.today()
    return {
        "postmortems": [pm.to_dict() for pm in ws.postmortems.list()],
        "today": day.isoformat(),
        "actions": [a.to_dict(day) for a in ws.postmortems.actions(day)],
    }


def review_agenda(ws: Workspace, *, since: dt.date | None = None) -> Document:
    """The research review's agenda, since ``since`` or the last recorded review."""
    return ws.reports.agenda(since=since).to_dict()


def search(ws: Workspace, query: str, *, limit: int | None = None) -> Document:
    """Everything in the record that mentions ``query`` (case-insensitive): papers,
    notes, flags, claims, predictions, post-mortems and the radar."""
    hits = ws.papers.search(query, limit=limit)
    return {"query": query, "hits": [h.to_dict() for h in hits]}

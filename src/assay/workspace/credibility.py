"""The credibility page, a person's self-assessment page and the coverage funnel
(issue 16): documents built from the record, for ``assay credibility``,
``assay self show``, ``assay coverage`` and the reports.

Like :mod:`assay.workspace.documents`, each function takes an open workspace and
returns a JSON-able dictionary; the command line prints it (or its ``--json``) and a
report renders it. They only read, through the services: what was measured is each
prototype's **stored** evidence snapshot (the gate review; no run is replayed) and
the stored A/B analyses of the rollout's steps.

The credibility page, for every technique with a verdict (adopted or rejected, see
:func:`assay.pipeline.credibility.technique_verdict`):

- ``predicted``: each prototype's hypothesis and pre-registered success criteria
  (the expected effect, with its threshold), and the predictions that mention the
  technique, each forecast with who made it;
- ``measured``: each success criterion's stored evaluation (outcome, estimates with
  their intervals, where they came from), each A/B run of its rollouts (the stored
  analysis's summary) and where production stands;
- ``held``: whether what was predicted held (every success criterion PASSED),
  failed (one FAILED), or is not settled.

Then ``people``: the calibration of everyone who forecast (Brier, log score, the
count; overall and on these techniques alone), ``adoptions`` and ``failures``
(post-mortems: owned failures, with their authors and lessons).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from assay.pipeline.credibility import CAPABILITIES, funnel, latest_ratings, technique_verdict
from assay.pipeline.predictions import Prediction, score

if TYPE_CHECKING:
    from assay.workspace.core import Workspace

__all__ = ["coverage", "credibility", "self_page", "track_record", "verdicts"]

Document = dict[str, Any]


def _fold(name: str) -> str:
    return name.strip().casefold()


def verdicts(ws: Workspace) -> dict[str, tuple[str, Any]]:
    """Every technique with a verdict: name → (``adopted``/``rejected``, the newest
    final decision record or ``None``)."""
    decisions: dict[str, list[Any]] = {}
    for record in ws.prototypes.decisions():
        decisions.setdefault(_fold(record.technique), []).append(record)
    rollouts = {_fold(name): r for name, r in ws.rollouts.latest().items()}
    found: dict[str, tuple[str, Any]] = {}
    for technique in ws.radar.list():
        key = _fold(technique.name)
        taken = decisions.get(key, [])
        rollout = rollouts.get(key)
        verdict = technique_verdict(
            technique.ring.value,
            [(d.decision.stage.value, d.decision.answer.value, d.decision.at) for d in taken],
            rollout.status.value if rollout is not None else None,
        )
        if verdict is None:
            continue
        final = [
            d for d in taken if d.decision.answer.value == ("yes" if verdict == "adopted" else "no")
        ]
        found[technique.name] = (verdict, max(final, key=lambda d: d.decision.at, default=None))
    return found


def _estimates(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    """The estimates of an evaluation and its parts, each once."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any]) -> None:
        for estimate in node.get("estimates", []):
            out.setdefault(estimate["of"], estimate)
        for child in node.get("children", []):
            walk(child)

    walk(evaluation)
    return list(out.values())


def _held(outcomes: list[str]) -> bool | None:
    if not outcomes:
        return None
    if "FAIL" in outcomes:
        return False
    return True if all(o == "PASS" for o in outcomes) else None


def _entry(ws: Workspace, name: str, verdict: str, final: Any, today: dt.date) -> Document:
    from assay.workspace import documents

    doc = documents.technique(ws, name, today=today)
    predicted: list[Document] = []
    measured: list[Document] = []
    outcomes: list[str] = []
    for prototype in doc["prototypes"]:
        review = prototype["review"]
        predicted.append(
            {
                "source": "pre-registration",
                "prototype": prototype["name"],
                "hypothesis": prototype["registration"]["hypothesis"],
                "criteria": [c["criterion"] for c in review["criteria"] if c["kind"] == "success"],
            }
        )
        for criterion in review["criteria"]:
            if criterion["kind"] != "success":
                continue
            outcomes.append(criterion["outcome"])
            measured.append(
                {
                    "source": "benchmark",
                    "prototype": prototype["name"],
                    "criterion": criterion["criterion"],
                    "threshold": criterion["evaluation"].get("threshold"),
                    "outcome": criterion["outcome"],
                    "reason": criterion["evaluation"].get("reason", ""),
                    "estimates": _estimates(criterion["evaluation"]),
                    "runs": list(review.get("runs", [])),
                }
            )
    for prediction in doc["predictions"]:
        predicted.append(
            {
                "source": "prediction",
                "id": prediction["id"],
                "question": prediction["question"],
                "forecasts": [{"by": f["by"], "p": f["p"]} for f in prediction["forecasts"]],
                "resolution": (prediction["resolution"] or {}).get("outcome"),
            }
        )
    for rollout in doc["rollouts"]:
        for step in rollout["steps"]:
            for found in step["evidence"]:
                measured.append(
                    {
                        "source": "ab",
                        "run_id": found["run_id"],
                        "at_percent": step["percent"],
                        "holds": found["holds"],
                        "summary": found["summary"],
                    }
                )
        measured.append(
            {"source": "production", "rollout": rollout["rollout"], "stage": rollout["stage"]}
        )
    return {
        "name": doc["name"],
        "ring": doc["ring"],
        "owner": doc["owner"],
        "verdict": verdict,
        "decision": None
        if final is None
        else {"prototype": final.prototype, "id": final.id} | final.decision.to_dict(),
        "predicted": predicted,
        "measured": measured,
        "held": _held(outcomes),
        "postmortems": [pm["id"] for pm in doc["postmortems"]],
        "_predictions": [p["id"] for p in doc["predictions"]],
    }


def _involves(entry: Document, person: str) -> bool:
    who = _fold(person)
    names = {_fold(entry["owner"] or "")}
    if entry["decision"] is not None:
        names.add(_fold(entry["decision"]["decided_by"]))
    names |= {
        _fold(f["by"]) for p in entry["predicted"] if p["source"] == "prediction"
        for f in p["forecasts"]
    }  # fmt: skip
    return who in names


def _people(
    predictions: list[Prediction], linked: set[str], day: dt.date, person: str | None
) -> list[Document]:
    """Each forecaster's calibration overall and on the techniques of the page."""
    people = sorted({f.by for p in predictions for f in p.forecasts}, key=str.casefold)
    subset = [p for p in predictions if p.id in linked]
    out = []
    for who in people:
        if person is not None and _fold(who) != _fold(person):
            continue
        overall, here = score(predictions, day, person=who), score(subset, day, person=who)
        out.append(
            {
                "person": who,
                "count": overall.count,
                "brier": overall.brier,
                "log": overall.log,
                "on_these": {"count": here.count, "brier": here.brier, "log": here.log},
                "calibration": [b.to_dict() for b in overall.calibration if b.count],
            }
        )
    return out


def credibility(
    ws: Workspace, *, person: str | None = None, today: dt.date | None = None
) -> Document:
    """The credibility page (see the module docstring); ``person`` narrows it to the
    techniques they owned, decided or forecast, their calibration, adoptions and the
    failures they own (post-mortems they wrote, or of techniques they own)."""
    day = today or dt.date.today()
    entries = [
        _entry(ws, name, verdict, final, day)
        for name, (verdict, final) in sorted(verdicts(ws).items(), key=lambda i: _fold(i[0]))
    ]
    if person is not None:
        entries = [e for e in entries if _involves(e, person)]
    linked = {i for e in entries for i in e.pop("_predictions")}
    owners = {_fold(t.name): t.owner or "" for t in ws.radar.list()}
    failures = []
    for pm in ws.postmortems.list():
        owner = owners.get(_fold(pm.subject), "")
        if person is not None and _fold(person) not in (_fold(pm.author), _fold(owner)):
            continue
        failures.append(
            {
                "postmortem": pm.id,
                "subject": pm.subject,
                "author": pm.author,
                "lessons": list(pm.lessons),
                "problems": len(pm.problems),
            }
        )
    adoptions = [
        {
            "technique": e["name"],
            "owner": e["owner"],
            "decided_by": None if e["decision"] is None else e["decision"]["decided_by"],
            "at": None if e["decision"] is None else e["decision"]["at"],
            "held": e["held"],
        }
        for e in entries
        if e["verdict"] == "adopted"
    ]
    held = [e["held"] for e in entries if e["held"] is not None]
    return {
        "as_of": day.isoformat(),
        "person": person,
        "techniques": entries,
        "summary": {
            "adopted": sum(e["verdict"] == "adopted" for e in entries),
            "rejected": sum(e["verdict"] == "rejected" for e in entries),
            "predictions_held": sum(held),
            "predictions_settled": len(held),
        },
        "people": _people(ws.predictions.list(), linked, day, person),
        "adoptions": adoptions,
        "failures": failures,
    }


def track_record(ws: Workspace, owner: str | None = None) -> str:
    """The team's record as one sentence for the reports, with the calibration of
    ``owner`` (the technique's owner) when they have forecast."""
    from assay.report.credibility import track_record_sentence

    return track_record_sentence(credibility(ws), owner)


def _production(ws: Workspace) -> set[str]:
    found = {_fold(t.name) for t in ws.radar.list() if t.ring.value == "ADOPT"}
    found |= {
        _fold(name)
        for name, r in ws.rollouts.latest().items()
        if r.status.value in ("active", "complete")
    }
    return found | {_fold(n) for n, (v, _) in verdicts(ws).items() if v == "adopted"}


def coverage(ws: Workspace, *, person: str | None = None) -> Document:
    """Papers read → prototyped → in production, for the team and each reader.

    A paper is read once it has a reading pass; a reader is whoever recorded one. It
    is prototyped when a technique it is linked to has a prototype, in production
    when one is adopted or rolled out (a rollout going or complete)."""
    papers = [p for p in ws.papers.list() if p.passes]
    prototyped = {_fold(r.prototype.technique) for r in ws.prototypes.list()}
    production = _production(ws)
    linked = {p.paper.key: [_fold(t) for t in p.techniques] for p in papers}
    readers: dict[str, dict[str, list[str]]] = {}
    for p in papers:
        for who in {n.by for n in p.passes}:
            readers.setdefault(who, {})[p.paper.key] = linked[p.paper.key]
    people = sorted(readers, key=str.casefold)
    if person is not None:
        people = [w for w in people if _fold(w) == _fold(person)] or [person]
    return {
        "team": funnel("team", linked, prototyped, production).to_dict(),
        "people": [funnel(w, readers.get(w, {}), prototyped, production).to_dict() for w in people],
        "papers": [
            {
                "key": p.paper.key,
                "title": p.paper.title,
                "readers": sorted({n.by for n in p.passes}),
                "techniques": list(p.techniques),
                "prototyped": bool(set(linked[p.paper.key]) & prototyped),
                "production": bool(set(linked[p.paper.key]) & production),
            }
            for p in papers
            if person is None or _fold(person) in {_fold(n.by) for n in p.passes}
        ],
    }


def _history(ratings: Iterable[Any]) -> dict[str, list[Document]]:
    out: dict[str, list[Document]] = {key: [] for key in CAPABILITIES}
    for r in ratings:
        out[r.capability].append({"score": r.score, "at": r.at.isoformat(), "note": r.note})
    return out


def self_page(
    ws: Workspace, person: str | None = None, *, today: dt.date | None = None
) -> Document:
    """A person's self-assessment (private: :meth:`SelfAssessment.readable` refuses
    anyone but the person and admins before anything is read) beside their
    calibration and record (the credibility page narrowed to them)."""
    who = ws.self_assessment.readable(person)
    day = today or dt.date.today()
    ratings = ws.self_assessment.ratings(who)
    newest = latest_ratings(ratings)
    record = credibility(ws, person=who, today=day)
    mine = next((p for p in record["people"] if _fold(p["person"]) == _fold(who)), None)
    return {
        "person": who,
        "capabilities": [
            {
                "capability": key,
                "label": label,
                "score": newest[key].score if key in newest else None,
                "rated_at": newest[key].at.isoformat() if key in newest else None,
                "history": _history(ratings)[key],
            }
            for key, label in CAPABILITIES.items()
        ],
        "growth": [g.to_dict(day) for g in ws.self_assessment.growth(who)],
        "calibration": mine,
        "record": record["summary"]
        | {
            "adoptions": [a["technique"] for a in record["adoptions"]],
            "failures": [f["subject"] for f in record["failures"]],
        },
    }

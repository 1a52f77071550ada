"""The write-up of a technique (issue 16, "a write-up for every system built"),
generated from its record: the papers and reading notes, each prototype with its
hypothesis, pre-registered criteria and the stored evidence against them, the gate
decisions (dissents included), the production rollouts, the post-mortems, and the
learnings when the workspace records them (``ws.learnings``).

It reads :func:`assay.workspace.documents.technique` (the technique's page: stored
reviews, never a replayed run) and keeps what a reader of a write-up needs; the
Markdown and HTML come from :func:`assay.report.credibility.writeup_report`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.workspace.core import Workspace

__all__ = ["writeup"]

Document = dict[str, Any]

_NOTE_FIELDS = ("summary", "key_insight", "results_vs_baselines", "limitations")


def _estimates(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    from assay.workspace.credibility import _estimates as found

    return found(evaluation)


def _learnings(ws: Workspace, name: str) -> list[dict[str, Any]] | None:
    """The technique's learnings entries (``ws.learnings``, issue 16), oldest first;
    ``None`` in a build without that service."""
    service = getattr(ws, "learnings", None)
    if service is None:
        return None
    return [entry.to_dict() for entry in service.list(technique=name)]


def writeup(ws: Workspace, name: str, *, today: dt.date | None = None) -> Document:
    """The write-up document of technique ``name`` (see the module docstring)."""
    from assay.workspace import documents

    doc = documents.technique(ws, name, today=today)
    prototypes = []
    for p in doc["prototypes"]:
        review = p["review"]
        prototypes.append(
            {
                "name": p["name"],
                "stage": p["stage"],
                "status": p["status"],
                "hypothesis": p["registration"]["hypothesis"],
                "criteria": [
                    {
                        "kind": c["kind"],
                        "criterion": c["criterion"],
                        "outcome": c["outcome"],
                        "estimates": _estimates(c["evaluation"]),
                    }
                    for c in review["criteria"]
                ],
                "runs": list(review.get("runs", [])),
            }
        )
    return {
        "technique": {
            key: doc[key] for key in ("name", "area", "ring", "owner", "summary", "next_action")
        },
        "papers": [
            {
                "key": paper["key"],
                "title": paper["title"],
                "passes": [
                    {"number": x["pass"], "by": x["by"], "decision": x["decision"], "on": x["on"]}
                    for x in paper["passes"]
                ],
                "notes": {k: (paper["note"] or {}).get(k) for k in _NOTE_FIELDS}
                if paper["note"]
                else {},
            }
            for paper in doc["papers"]
        ],
        "prototypes": prototypes,
        "decisions": [
            {
                key: d.get(key)
                for key in ("prototype", "stage", "answer", "decided_by", "at", "why", "dissents")
            }
            for d in doc["gate_decisions"]
        ],
        "rollouts": [
            {"number": r["rollout"], "flag": r["flag"], "stage": r["stage"]}
            for r in doc["rollouts"]
        ],
        "postmortems": [
            {"id": pm["id"], "author": pm["author"], "lessons": pm["lessons"]}
            for pm in doc["postmortems"]
        ],
        "learnings": _learnings(ws, doc["name"]),
    }

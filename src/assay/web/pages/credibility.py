"""The team's record: the credibility page and the coverage funnel.

``GET /credibility?person=NAME`` is ``assay credibility [--person NAME] --json``: for
every adopted or rejected technique, what was predicted (the pre-registered criteria,
the predictions that mention it) beside what was measured (each prototype's stored
evidence snapshot, the A/B analyses of its rollout) and whether it held; everyone's
calibration; adoptions; failures owned in post-mortems. ``GET /coverage?person=NAME``
is ``assay coverage [--person NAME] --json``: papers read → prototyped → in
production. Both documents come from :mod:`assay.workspace.credibility`, which only
reads (no run is replayed).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from assay.web.deps import RequestState, query_text, server_of, viewer
from assay.web.render import respond, responses

__all__ = ["router"]

router = APIRouter(tags=["credibility"])

_CREDIBILITY = {
    "type": "object",
    "required": ["as_of", "person", "techniques", "summary", "people", "adoptions", "failures"],
}
_COVERAGE = {"type": "object", "required": ["team", "people", "papers"]}

_Person = Annotated[
    str | None, Query(max_length=200, description="Narrow it to one person (any case).")
]


@router.get(
    "/credibility",
    summary="Predicted against measured for every adopted or rejected technique",
    responses=responses(
        "The credibility document (`assay credibility [--person NAME] --json`), or its page.",
        schema=_CREDIBILITY,
    ),
)
def credibility_page(
    request: Request, person: _Person = None, state: RequestState = viewer
) -> Response:
    """Each technique with a verdict: predicted, measured, held; the forecasters'
    calibration; adoptions and owned failures."""
    from assay.report.credibility import estimate_text
    from assay.workspace.credibility import credibility

    who = query_text(person)

    def build() -> Response:
        document = credibility(state.ws, person=who)
        return respond(request, state, "credibility.html", document, estimate_text=estimate_text)

    return server_of(request).cache.cached(request, state, build)


@router.get(
    "/coverage",
    summary="Papers read → prototyped → in production, for the team and each reader",
    responses=responses(
        "The funnel (`assay coverage [--person NAME] --json`), or its page.", schema=_COVERAGE
    ),
)
def coverage_page(
    request: Request, person: _Person = None, state: RequestState = viewer
) -> Response:
    """The integration loop's funnel: how many papers read reached a prototype and
    production, for the team and each reader, and each paper read."""
    from assay.workspace.credibility import coverage

    who = query_text(person)

    def build() -> Response:
        document = coverage(state.ws, person=who)
        return respond(request, state, "coverage.html", document, person=who)

    return server_of(request).cache.cached(request, state, build)

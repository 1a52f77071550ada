"""``GET /self`` and ``GET /self/{person}``: a self-assessment (private).

The document is ``assay self show [--person NAME] --json``
(:func:`assay.workspace.credibility.self_page`): the capabilities rated 1-5 with their
history, the growth areas, beside the person's calibration and record.

**Private**: the service (:meth:`SelfAssessment.readable`) lets only the person and
admins read it and refuses anyone else with a PermissionDeniedError, which the app
answers 403 like every refusal. These pages are never put in the page cache: a kept
JSON document is shared by everyone with the same role, and a self-assessment must
reach no one but its reader.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from assay.web.deps import RequestState, viewer
from assay.web.render import respond, responses

__all__ = ["router"]

router = APIRouter(tags=["self-assessment"])

_SELF = {
    "type": "object",
    "required": ["person", "capabilities", "growth", "calibration", "record"],
}
_STATUSES = (303, 401, 403, 422)


def _page(request: Request, state: RequestState, person: str | None) -> Response:
    from assay.workspace.credibility import self_page

    document = self_page(state.ws, person)  # refuses before anything is read
    return respond(request, state, "self.html", document, request_path="/self")


@router.get(
    "/self",
    summary="My self-assessment: ratings with their history, growth areas (private)",
    responses=responses(
        "The signed-in user's self-assessment (`assay self show --json`), or its page.",
        schema=_SELF,
        statuses=_STATUSES,
    ),
)
def my_self_assessment(request: Request, state: RequestState = viewer) -> Response:
    """The signed-in user's ratings, growth areas, calibration and record."""
    return _page(request, state, None)


@router.get(
    "/self/{person}",
    summary="A person's self-assessment (the person and admins only)",
    responses=responses(
        "The person's self-assessment (`assay self show --person NAME --json`), or its page; "
        "403 for anyone but the person and admins.",
        schema=_SELF,
        statuses=_STATUSES,
    ),
)
def self_assessment_of(
    request: Request,
    person: Annotated[str, Path(max_length=200, description="The person (any case).")],
    state: RequestState = viewer,
) -> Response:
    """``person``'s ratings, growth areas, calibration and record: for the person
    themself and for admins; anyone else is refused (403)."""
    return _page(request, state, person)

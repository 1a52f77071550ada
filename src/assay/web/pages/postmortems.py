"""``GET /postmortems``: every post-mortem, and the open action items across them.

The document is ``assay postmortem list --json`` with the open actions beside it
(overdue first, each saying whether it is overdue today), as
:func:`assay.workspace.documents.postmortems` builds it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assay.web.deps import RequestState, server_of, viewer
from assay.web.render import respond, responses

__all__ = ["router"]

router = APIRouter(tags=["post-mortems"])

_POSTMORTEMS = {"type": "object", "required": ["postmortems", "today", "actions"]}


@router.get(
    "/postmortems",
    summary="Post-mortems with their open actions, overdue first",
    responses=responses(
        "The post-mortems (`assay postmortem list --json`) and the open actions, or the page.",
        schema=_POSTMORTEMS,
    ),
)
def postmortems_page(request: Request, state: RequestState = viewer) -> Response:
    """Open actions (overdue first), then each post-mortem: timeline, problems,
    why-chains, lessons and actions."""
    from assay.workspace import documents

    def build() -> Response:
        return respond(request, state, "postmortems.html", documents.postmortems(state.ws))

    return server_of(request).cache.cached(request, state, build)

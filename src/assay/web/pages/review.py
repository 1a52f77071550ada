"""``GET /review``: the agenda of the next research review.

The document is ``assay review agenda --json``: radar changes since the last
recorded review (or ``?since=YYYY-MM-DD``), placements resting on an override or an
import, overdue next actions, post-mortem actions and predictions, gates awaiting a
decision, prototypes past their time-box, and deep-dive candidates.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assay.errors import InputError
from assay.web.deps import RequestState, server_of, viewer
from assay.web.render import respond, responses

__all__ = ["router"]

router = APIRouter(tags=["review"])

_AGENDA = {
    "type": "object",
    "required": ["today", "since", "radar_changes", "overdue", "awaiting_decision"],
}


def _date(text: str | None, field: str) -> dt.date | None:
    """``text`` as a date (YYYY-MM-DD), ``None`` when absent or empty."""
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{field}={text[:40]!r} is not a date; expected YYYY-MM-DD") from None


@router.get(
    "/review",
    summary="The agenda of the next research review",
    responses=responses(
        "The agenda (`assay review agenda [--since DATE] --json`), or its page.", schema=_AGENDA
    ),
)
def review_page(
    request: Request, since: str | None = None, state: RequestState = viewer
) -> Response:
    """What the next review should look at (``assay review agenda [--since DATE] --json``)."""
    from assay.workspace import documents

    start = _date(since, "since")

    def build() -> Response:
        document = documents.review_agenda(state.ws, since=start)
        return respond(request, state, "review.html", document)

    return server_of(request).cache.cached(request, state, build)

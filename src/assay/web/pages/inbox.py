"""``GET /inbox``: the reading inbox, its sources and the team's reading cadence.

The document holds three of the command line's ``--json`` documents side by side,
each as the workspace's inbox service returns it (:attr:`Workspace.inbox`):

- ``items``: ``assay inbox [--status S] [--source NAME] --json``'s ``items`` (by
  default the untriaged ones, oldest first; ``?status=all`` for every item);
- ``sources``: ``assay inbox sources --json``'s ``sources``, each with its yield;
- ``cadence``: ``assay cadence [--week YYYY-Www] --json``, the week's reading per
  person against the targets in ``assay.toml`` and who is behind;

with ``status`` and ``source`` saying which items were asked for (the cadence names
its own week). Triage stays on the
command line (``assay inbox triage ITEM ...``): the page only reads.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from assay.errors import InputError
from assay.web.deps import RequestState, query_text, server_of, viewer
from assay.web.render import respond, responses

__all__ = ["router"]

router = APIRouter(tags=["reading"])

_INBOX = {
    "type": "object",
    "required": ["status", "source", "items", "sources", "cadence"],
    "properties": {
        "items": {"type": "array", "items": {"type": "object"}},
        "sources": {"type": "array", "items": {"type": "object"}},
        "cadence": {"type": "object", "required": ["week", "targets", "people", "behind"]},
    },
}

Status = Literal["new", "pass1", "skipped", "technique", "all"]
STATUSES: tuple[str, ...] = get_args(Status)


@router.get(
    "/inbox",
    summary="The reading inbox, its sources' yield and the team's reading cadence",
    responses=responses(
        "The items (`assay inbox --json`), the sources (`assay inbox sources --json`) and the "
        "cadence (`assay cadence --json`), or the page.",
        schema=_INBOX,
    ),
)
def inbox_page(
    request: Request,
    status: Annotated[
        Status, Query(description="Only items in this state; `all`: every item.")
    ] = "new",
    source: Annotated[str | None, Query(max_length=200, description="Only this source's.")] = None,
    week: Annotated[
        str | None, Query(max_length=20, description="The cadence's ISO week, like 2026-W49.")
    ] = None,
    state: RequestState = viewer,
) -> Response:
    """The inbox's items (by default those not triaged yet), every source with its yield,
    and the week's reading per person against the team's targets."""
    from assay.pipeline.inbox import ItemStatus, parse_week

    chosen = query_text(source)
    asked = query_text(week)
    cadence_week = None
    if asked is not None:
        try:
            cadence_week = parse_week(asked)
        except InputError:
            raise InputError(
                f"week={asked[:20]!r} is not an ISO week; expected YYYY-Www, like 2026-W49"
            ) from None
    wanted = None if status == "all" else ItemStatus(status)

    def build() -> Response:
        inbox = state.ws.inbox
        items = inbox.list(source=chosen, status=wanted)
        sources = inbox.sources()
        cadence = inbox.cadence(cadence_week)
        document: dict[str, Any] = {
            "status": status,
            "source": chosen,
            "items": [i.to_dict() for i in items],
            "sources": [s.to_dict() for s in sources],
            "cadence": cadence.to_dict(),
        }
        return respond(
            request,
            state,
            "inbox.html",
            document,
            statuses=STATUSES,
            week=None if cadence_week is None else str(cadence_week),
        )

    return server_of(request).cache.cached(request, state, build)

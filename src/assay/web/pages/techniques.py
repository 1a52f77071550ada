"""A technique's page: everything about it on one page, and its artifacts' text.

A name may hold any character, a slash too (``%2F`` in a link arrives decoded), so
the routes take the rest of the path; the artifact route comes first.
``GET /techniques/{name}`` answers :func:`assay.workspace.documents.technique` (what
``assay technique show NAME --json`` prints) as JSON, or the page built from it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import PlainTextResponse, Response

from assay.errors import NotFoundError
from assay.web.auth import root_of
from assay.web.deps import RequestState, server_of, viewer
from assay.web.pages.radar import technique_href
from assay.web.render import json_response, respond, responses

__all__ = ["router"]

router = APIRouter(tags=["techniques"])

_TECHNIQUE = {
    "type": "object",
    "properties": {
        key: {"type": "array", "items": {"type": "object"}}
        for key in (
            "history",
            "papers",
            "claims",
            "prototypes",
            "gate_decisions",
            "runs",
            "predictions",
            "postmortems",
            "actions",
            "artifacts",
            "rollouts",
        )
    }
    | {"name": {"type": "string"}, "area": {"type": "string"}, "ring": {"type": "string"}},
    "required": ["name", "area", "ring"],
}
_Name = Annotated[str, Path(max_length=300)]


@router.get(
    "/techniques/{name:path}/artifacts/{kind}",
    summary="The text of a technique's artifact",
    response_class=PlainTextResponse,
    responses={
        **responses("The artifact's text.", statuses=(303, 401, 403, 404, 422), html=False),
        200: {
            "description": "The artifact's text.",
            "content": {"text/plain": {}, "text/markdown": {}, "application/json": {}},
        },
    },
)
def artifact(
    name: _Name,
    kind: Annotated[str, Path(max_length=100)],
    state: RequestState = viewer,
) -> Response:
    """The newest artifact of ``kind`` (runbook, decision record, implementation doc)
    as text: Markdown files as ``text/markdown``, anything else as ``text/plain``."""
    found = state.ws.radar.artifacts(name).get(kind)
    if found is None:
        raise NotFoundError(
            f"{name} has no {kind} artifact; attach one with: assay technique attach"
        )
    if state.wants_json:
        return json_response(found.to_dict(content=True))
    markdown = found.filename.lower().endswith((".md", ".markdown"))
    media = "text/markdown" if markdown else "text/plain"
    response = Response(found.content, media_type=f"{media}; charset=utf-8")
    response.headers["content-disposition"] = "inline"
    return response


@router.get(
    "/techniques/{name:path}",
    summary="Everything about one technique",
    responses=responses(
        "The technique document (`assay technique show NAME --json`), or its page.",
        schema=_TECHNIQUE,
        statuses=(303, 401, 403, 404, 422),
    ),
)
def technique(request: Request, name: _Name, state: RequestState = viewer) -> Response:
    """The technique, its ring history, papers, claims, prototypes with criteria and
    decisions, runs, predictions, post-mortems and artifacts."""
    from assay.workspace import documents

    def build() -> Response:
        document = documents.technique(state.ws, name)
        root = root_of(request)
        return respond(
            request,
            state,
            "technique.html",
            document,
            href=lambda other: technique_href(root, other),
            request_path="/radar",
        )

    return server_of(request).cache.cached(request, state, build)

"""A technique's page: everything about it on one page, and its artifacts' text.

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
from assay.web.render import respond

__all__ = ["router"]

router = APIRouter(tags=["techniques"])

_Name = Annotated[str, Path(max_length=300)]


@router.get(
    "/techniques/{name}",
    summary="Everything about one technique",
    responses={200: {"description": "The technique document (or its page)."}, 404: {}},
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


@router.get(
    "/techniques/{name}/artifacts/{kind}",
    summary="The text of a technique's artifact",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}, "text/markdown": {}}}, 404: {}},
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
    markdown = found.filename.lower().endswith((".md", ".markdown"))
    media = "text/markdown" if markdown else "text/plain"
    response = Response(found.content, media_type=f"{media}; charset=utf-8")
    response.headers["content-disposition"] = "inline"
    return response

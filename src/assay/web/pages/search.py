"""``GET /search?q=WORDS``: everything in the record that mentions the words.

The document is ``assay search WORDS --json``: papers, reading passes, notes, red
flags, claims, predictions, prototypes, gate decisions, post-mortems and their
actions, techniques and ring moves, failed experiments included. Each hit links to
the page that shows its record, where there is one. Without ``q`` the page is the
search form alone (JSON asks for ``q``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from assay.errors import InputError
from assay.web.deps import RequestState, server_of, viewer
from assay.web.render import respond, responses

__all__ = ["hit_link", "router"]

router = APIRouter(tags=["search"])

_HITS = {"type": "object", "required": ["query", "hits"]}

_MAX_QUERY = 500


def hit_link(hit: dict[str, Any]) -> str | None:
    """The path of the page that shows a hit's record (under the app's root), or
    ``None`` when no page shows that kind alone (papers are shown on their
    techniques' pages)."""
    kind, ref = hit.get("kind"), str(hit.get("ref", ""))
    if kind in ("technique", "ring move"):
        return f"/techniques/{quote(ref, safe='')}"
    if kind in ("prototype", "amendment", "gate decision"):
        return f"/gates/{quote(ref, safe='')}"
    if kind == "prediction":
        return f"/predictions#p{quote(ref, safe='')}"
    if kind == "post-mortem":
        return f"/postmortems#pm{quote(ref, safe='')}"
    if kind == "action":
        return f"/postmortems#action{quote(ref, safe='')}"
    return None


@router.get(
    "/search",
    summary="Search the whole record",
    responses=responses("The hits (`assay search Q --json`), or the page.", schema=_HITS),
)
def search_page(
    request: Request,
    q: str | None = None,
    limit: int | None = Query(default=None, ge=1, le=10_000),
    state: RequestState = viewer,
) -> Response:
    """Every record that mentions ``q`` (case-insensitive; ``assay search Q --json``)."""
    from assay.workspace import documents

    query = (q or "").strip()
    if len(query) > _MAX_QUERY:
        raise InputError(f"q is {len(query)} characters long; search for at most {_MAX_QUERY}")
    if not query:
        if state.wants_json:
            raise InputError("give the words to look for: /search?q=WORDS")
        return respond(request, state, "search.html", {"query": "", "hits": []}, links=[])

    def build() -> Response:
        document = documents.search(state.ws, query, limit=limit)
        links = [hit_link(hit) for hit in document["hits"]]
        return respond(request, state, "search.html", document, links=links)

    return server_of(request).cache.cached(request, state, build)

"""The radar: the picture beside an accessible table, filters and deep links, the
radar as of a date and the diff between two dates.

``GET /radar`` answers ``ws.radar.document(...)`` (what ``assay radar --json``
prints with the same options) as JSON, or the page: the SVG picture (each blip a
link to its technique), the same techniques as a table, and the filters as a GET
form, so that every view has its own URL. ``ring=`` narrows the table (and the JSON
list) to one ring: a crowded cell's "+N" blip links there.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from assay.errors import InputError
from assay.types import Ring, parse_date
from assay.web.auth import root_of
from assay.web.deps import RequestState, server_of, viewer
from assay.web.render import inline_svg, respond, responses

__all__ = ["router", "technique_href"]

router = APIRouter(tags=["radar"])

_Text = Annotated[str, Query(max_length=200)]
_RADAR = {
    "type": "object",
    "properties": {
        "techniques": {"type": "array", "items": {"type": "object"}},
        "as_of": {"type": ["string", "null"]},
        "since": {"type": "string"},
        "today": {"type": "string"},
        "filters": {"type": "object"},
    },
    "required": ["techniques"],
}
_DIFF = {
    "type": "object",
    "properties": {
        "from": {"type": "string"},
        "to": {"type": "string"},
        "added": {"type": "array", "items": {"type": "object"}},
        "removed": {"type": "array", "items": {"type": "object"}},
        "moved": {"type": "array", "items": {"type": "object"}},
    },
}


def technique_href(root: str, name: str) -> str:
    """The URL of a technique's page."""
    return f"{root}/techniques/{quote(name, safe='')}"


def _day(value: str, field: str) -> dt.date | None:
    return parse_date(value, field=field) if value.strip() else None


def _ring(value: str) -> Ring | None:
    return Ring.parse(value) if value.strip() else None


class _Filters:
    """The radar's filters from the query (a dependency of ``/radar`` and
    ``/radar.svg``): the values as typed, for the page's form and links, and the
    service's keyword arguments (blank means not given)."""

    def __init__(
        self,
        area: _Text = "",
        owner: _Text = "",
        tag: _Text = "",
        as_of: _Text = "",
        since: _Text = "",
    ) -> None:
        self.typed = {"area": area, "owner": owner, "tag": tag, "as_of": as_of, "since": since}

    def options(self) -> dict[str, Any]:
        """The service's keyword arguments; a bad date is refused here, in the route
        (after who asks is known), not while the query is read."""
        typed = self.typed
        return {
            "area": typed["area"].strip() or None,
            "owner": typed["owner"].strip() or None,
            "tag": typed["tag"].strip() or None,
            "as_of": _day(typed["as_of"], "as_of"),
            "since": _day(typed["since"], "since"),
        }


def _query(**values: str) -> str:
    """A query string of the values that are not blank."""
    return urlencode({k: v for k, v in values.items() if v})


@router.get(
    "/radar",
    summary="The radar (SVG picture and table)",
    responses=responses("The radar document (`assay radar --json`), or its page.", schema=_RADAR),
)
def radar(
    request: Request,
    query: Annotated[_Filters, Depends()],
    state: RequestState = viewer,
    ring: _Text = "",
) -> Response:
    """Every technique with its marks and movement (``assay radar --json`` with the
    same ``--area/--owner/--tag/--as-of/--since``), as JSON or as the page."""
    options = query.options()
    only = _ring(ring)

    def build() -> Response:
        document = state.ws.radar.document(**options)
        svg = "" if state.wants_json else _picture(state, root_of(request), options, document)
        if only is not None:
            document["techniques"] = [
                t for t in document["techniques"] if t.get("ring") == only.value
            ]
        if state.wants_json:
            return respond(request, state, "radar.html", document)
        root = root_of(request)
        filters = query.typed
        return respond(
            request,
            state,
            "radar.html",
            document,
            svg=inline_svg(svg),
            filters=filters,
            ring=only.value if only else "",
            link=_query(**filters, ring=only.value if only else ""),
            href=lambda name: technique_href(root, name),
            request_path="/radar",
        )

    return server_of(request).cache.cached(request, state, build)


def _picture(
    state: RequestState, root: str, options: dict[str, Any], document: dict[str, Any] | None = None
) -> str:
    """The SVG radar for ``options`` (of ``document`` when it was read already), its
    blips linking to the pages."""

    def cell(area: str, ring: Ring) -> str:
        query = {k: str(v) for k, v in options.items() if v is not None}
        return f"{root}/radar?{urlencode(query | {'area': area, 'ring': ring.value})}"

    return state.ws.radar.picture(
        **options, href=lambda name: technique_href(root, name), cell_href=cell, document=document
    )


@router.get(
    "/radar.svg",
    summary="The radar picture alone",
    responses={
        **responses("The SVG picture.", html=False),
        200: {"content": {"image/svg+xml": {}}, "description": "The SVG picture."},
    },
    response_class=Response,
)
def radar_svg(
    request: Request,
    query: Annotated[_Filters, Depends()],
    state: RequestState = viewer,
) -> Response:
    """The SVG picture of ``/radar`` with the same filters."""
    options = query.options()

    def build() -> Response:
        svg = _picture(state, root_of(request), options)
        return Response(svg, media_type="image/svg+xml")

    return server_of(request).cache.cached(request, state, build)


@router.get(
    "/radar/diff",
    summary="How the radar changed between two dates",
    responses=responses("The diff (`assay radar diff FROM TO --json`), or its page.", schema=_DIFF),
)
def radar_diff(
    request: Request,
    state: RequestState = viewer,
    start: Annotated[str, Query(alias="from", max_length=40)] = "",
    end: Annotated[str, Query(alias="to", max_length=40)] = "",
) -> Response:
    """Techniques added, removed and moved from the end of ``from`` to the end of
    ``to`` (``assay radar diff FROM TO --json``); without dates, the form."""
    if not start.strip() and not end.strip():
        if state.wants_json:
            raise InputError("give both dates: /radar/diff?from=YYYY-MM-DD&to=YYYY-MM-DD")
        return respond(
            request, state, "radar_diff.html", {}, start="", end="", request_path="/radar"
        )
    first = parse_date(start, field="from")
    last = parse_date(end, field="to")
    document = state.ws.radar.diff(first, last).to_dict()
    root = root_of(request)
    return respond(
        request,
        state,
        "radar_diff.html",
        document,
        start=start,
        end=end,
        href=lambda name: technique_href(root, name),
        request_path="/radar",
    )

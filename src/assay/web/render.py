"""Answers: one document, as JSON for machines or as an HTML page for people.

:func:`respond` is the one way a page answers: the document through
:func:`assay.encoding.dumps` (the CLI's ``--json`` encoder) when the request wants
JSON, else the Jinja2 template rendered with ``doc`` (the same document), ``state``,
``root`` (the path the app is served under) and ``csrf``. Templates autoescape
everything; the only markup passed through is SVG that :mod:`assay.report` built and
escaped itself (:func:`inline_svg`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from assay import encoding
from assay.web.auth import root_of

if TYPE_CHECKING:
    from assay.web.deps import RequestState

__all__ = ["NAV", "TEMPLATES", "environment", "inline_svg", "json_response", "page", "respond"]

TEMPLATES = Path(__file__).with_name("templates")

# The navigation bar: (label, path).
NAV = (
    ("Radar", "/radar"),
    ("Gates", "/gates"),
    ("Runs", "/runs"),
    ("Predictions", "/predictions"),
    ("Post-mortems", "/postmortems"),
    ("Review", "/review"),
    ("Reports", "/reports/executive"),
    ("Search", "/search"),
    ("Account", "/account"),
)


@functools.cache
def environment() -> Environment:
    """The Jinja2 environment: templates of this package, autoescape on."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["nav"] = NAV
    env.filters["part"] = lambda text: quote(str(text), safe="")  # one path segment
    return env


def inline_svg(svg: str) -> Markup:
    """An SVG picture built by :mod:`assay.report` (which escapes every text it puts
    in), to embed in a page as it is. Never pass anything else."""
    return Markup(svg)


def json_response(document: Any, *, status: int = 200) -> Response:
    """``document`` as JSON through the CLI's encoder."""
    return Response(encoding.dumps(document), status_code=status, media_type="application/json")


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Template ``template`` rendered as an HTML page (``root`` given)."""
    html = environment().get_template(template).render(root=root_of(request), **context)
    return HTMLResponse(html, status_code=status)


def respond(
    request: Request,
    state: RequestState,
    template: str,
    document: Any,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    """``document`` as JSON when the request wants it, else ``template`` rendered with
    ``doc=document``, ``state``, ``root`` and ``csrf`` plus ``context``."""
    if state.wants_json:
        return json_response(document, status=status)
    return page(
        request, template, status=status, doc=document, state=state, csrf=state.csrf, **context
    )

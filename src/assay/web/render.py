"""Answers: one document, as JSON for machines or as an HTML page for people.

:func:`respond` is the one way a page answers: the document through
:func:`assay.encoding.dumps` (the CLI's ``--json`` encoder) when the request wants
JSON, else the Jinja2 template rendered with ``doc`` (the same document), ``state``,
``root`` (the path the app is served under) and ``csrf``. Templates autoescape
everything; the only markup passed through is SVG that :mod:`assay.report` built and
escaped itself (:func:`inline_svg`).
"""

from __future__ import annotations

import datetime as dt
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

__all__ = [
    "ERROR_SCHEMA",
    "NAV",
    "TEMPLATES",
    "environment",
    "inline_svg",
    "json_response",
    "page",
    "respond",
    "responses",
]

TEMPLATES = Path(__file__).with_name("templates")

# The navigation bar: (label, path).
NAV = (
    ("Radar", "/radar"),
    ("Inbox", "/inbox"),
    ("Gates", "/gates"),
    ("Runs", "/runs"),
    ("Predictions", "/predictions"),
    ("Post-mortems", "/postmortems"),
    ("Credibility", "/credibility"),
    ("Review", "/review"),
    ("Reports", "/reports/executive"),
    ("Search", "/search"),
    ("Self-assessment", "/self"),
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
    env.filters["when"] = when
    return env


def when(text: str) -> str:
    """An ISO 8601 time as people read it: ``2026-12-06 17:59 UTC`` (the text as it
    is when it is not a time)."""
    try:
        at = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC)
        return f"{at:%Y-%m-%d %H:%M} UTC"
    return f"{at:%Y-%m-%d %H:%M}"


def inline_svg(svg: str) -> Markup:
    """An SVG picture built by :mod:`assay.report` (which escapes every text it puts
    in), to embed in a page as it is. Never pass anything else."""
    return Markup(svg)


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {"type": "string", "description": "What went wrong, in one line."}},
    "required": ["error"],
}
_STATUS_WORDS = {
    303: "Anonymous page view: on to /login?next=...",
    401: "No credentials, or a token that proves no one (JSON; WWW-Authenticate: Bearer).",
    403: "The role is too low, or a cookie POST lacks the session's CSRF token.",
    404: "No such record.",
    422: "Bad input (a date, a name, a body).",
    429: "Too many failed logins; see Retry-After.",
}


def responses(
    description: str,
    *,
    schema: dict[str, Any] | None = None,
    statuses: tuple[int, ...] = (303, 401, 403, 422),
    html: bool = True,
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a page: 200 with the document's JSON schema (an object
    unless ``schema`` says more) and, with ``html``, the page; each of ``statuses``
    with its meaning and ``{"error": "..."}``."""
    content: dict[str, Any] = {"application/json": {"schema": schema or {"type": "object"}}}
    if html:
        content["text/html"] = {"schema": {"type": "string"}}
    out: dict[int | str, dict[str, Any]] = {200: {"description": description, "content": content}}
    for status in statuses:
        entry: dict[str, Any] = {"description": _STATUS_WORDS[status]}
        if status != 303:
            entry["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
        out[status] = entry
    return out


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

"""The app factory: :func:`create_app` opens the workspace once and assembles the
pages, the one error handler and the security headers.

Errors map to statuses in one place (:func:`_assay_error`): bad input 422, a
permission refused 403, an unknown record 404, too many logins 429 with
``Retry-After``, a store that cannot be used 503; HTML for people, ``{"error":
"..."}`` for machines. Anything else is a bug in assay and answers 500.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assay.errors import (
    AssayError,
    DatabaseUnreachableError,
    NotFoundError,
    PermissionDeniedError,
    WorkspaceError,
)
from assay.version import __version__
from assay.web.auth import CookiePolicy, root_of, route_path
from assay.web.cache import PageCache
from assay.web.deps import LoginRequiredError, WebServer, wants_json
from assay.web.render import json_response, page

__all__ = ["CSP", "app_from_environment", "create_app"]

# The strict policy of every answer: only this app's own files, no inline script or
# style, never framed.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "vary": "Accept, Cookie, Authorization",
    "cache-control": "private, no-cache",
}
_RAW_HEADERS = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in _HEADERS.items()]
_STATIC = Path(__file__).with_name("static")
_ENV_TOKEN = "ASSAY_TOKEN"


def create_app(
    workspace: str | Path | None = None,
    *,
    secure_cookies: bool | None = None,
    trust_proxy: bool = False,
    root_path: str = "",
) -> FastAPI:
    """The web app over a workspace: ``workspace`` is its directory (or one inside
    it), a database URL (``sqlite:///...``, ``postgresql+psycopg://...``), or
    ``None`` for the current directory (and ``ASSAY_DATABASE_URL``).

    ``secure_cookies`` True or False forces the Secure flag; ``None`` sets it when
    the request came over TLS (with ``trust_proxy``, as a proxy's
    ``X-Forwarded-Proto: https`` says). ``root_path`` is the prefix a proxy serves
    the app under (``/assay``).
    """
    from assay.workspace import Workspace

    # A server acts only as the users its requests prove: an ASSAY_TOKEN in the
    # server's own environment would otherwise prove every request.
    os.environ.pop(_ENV_TOKEN, None)
    start, url = _where(workspace)
    shared = Workspace.open(start, url=url)
    shared.db  # noqa: B018 - build the store's engine now, once for every request

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        shared.close()  # the server stops: close the store's connections

    app = FastAPI(
        lifespan=lifespan,
        title="assay",
        version=__version__,
        summary="The team's research radar, evidence and gates.",
        docs_url=None,  # the interactive docs load scripts from a CDN; the CSP forbids it
        redoc_url=None,
    )
    app.state.server = WebServer(
        shared, CookiePolicy(secure_cookies, trust_proxy), PageCache(shared)
    )
    _handlers(app)

    app.add_middleware(_SecurityHeaders)
    if root_path:
        app.add_middleware(_RootPath, root_path=root_path)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    from assay.web.pages import ROUTERS

    for router in ROUTERS:
        app.include_router(router)

    return app


class _SecurityHeaders:
    """Every answer gets :data:`_HEADERS`, unless the route set one of them itself (a
    plain ASGI middleware: it only adds headers to the start of each response)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _RAW_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class _RootPath:
    """Serve under a proxy's prefix: every request's ``root_path`` is set to it, so
    routes match with or without the prefix in the path (a proxy that strips it, or
    one that keeps it) and every link and cookie carries it."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "root_path": self.root_path}
        await self.app(scope, receive, send)


def _where(workspace: str | Path | None) -> tuple[Path, str | None]:
    """Where to open the workspace: a directory and, always, a database URL, so that
    the server's store is the ORM's engine (shared by the request threads), never the
    bare SQLite connection of the CLI's fast path (tied to the thread that opened it)."""
    from assay.workspace import DIRNAME, ENV_URL, find_root

    if isinstance(workspace, str) and "://" in workspace:
        return Path.cwd(), workspace
    start = Path(workspace or Path.cwd())
    root = find_root(start)
    url = os.environ.get(ENV_URL) if workspace is None else None
    if url:
        return start, url
    if root is None:
        return start, None  # Workspace.open says what is missing and what to do
    return root, f"sqlite:///{root / DIRNAME / 'assay.db'}"


def app_from_environment() -> FastAPI:
    """The app that each worker of ``assay serve --workers N`` builds, from the
    settings ``assay serve`` left in ``ASSAY_SERVE_CONFIG`` (JSON)."""
    import json

    config = json.loads(os.environ.get("ASSAY_SERVE_CONFIG", "{}"))
    return create_app(
        config.get("workspace"),
        secure_cookies=config.get("secure_cookies"),
        trust_proxy=bool(config.get("trust_proxy")),
        root_path=str(config.get("root_path", "")),
    )


def _error(request: Request, status: int, message: str, **headers: str) -> Response:
    """The error answer: ``{"error": message}`` or an HTML page."""
    if wants_json(request):
        response = json_response({"error": message}, status=status)
    else:
        state = getattr(request.state, "assay", None)
        response = page(
            request, "error.html", status=status, status_code=status, message=message, state=state
        )
    response.headers.update(headers)
    return response


def _status_of(exc: AssayError) -> int:
    retry = getattr(exc, "retry_after_s", None)
    if retry is not None:
        return 429
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, DatabaseUnreachableError | WorkspaceError):
        return 503
    return 422


def _handlers(app: FastAPI) -> None:
    """The one place errors become statuses (see the module docstring)."""

    @app.exception_handler(AssayError)
    async def assay_error(request: Request, exc: AssayError) -> Response:
        status = _status_of(exc)
        headers = {}
        if status == 429:
            headers["retry-after"] = str(int(getattr(exc, "retry_after_s", 60)))
        return _error(request, status, str(exc), **headers)

    @app.exception_handler(LoginRequiredError)
    async def login_required(request: Request, exc: LoginRequiredError) -> Response:
        if exc.json or wants_json(request):
            response = json_response({"error": str(exc)}, status=401)
            response.headers["www-authenticate"] = 'Bearer realm="assay"'
            return response
        here = route_path(request)
        if request.url.query:
            here += f"?{request.url.query}"
        from urllib.parse import urlencode

        target = f"{root_of(request)}/login?{urlencode({'next': here})}"
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, _describe(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        headers = dict(exc.headers or {})
        return _error(request, exc.status_code, str(exc.detail), **headers)


def _describe(exc: RequestValidationError) -> str:
    """One line for the first problem FastAPI found in a request."""
    problems = exc.errors()
    if not problems:
        return "the request is not valid"
    first = problems[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query"))
    return f"{where}: {first.get('msg', 'not valid')}" if where else str(first.get("msg"))

"""Who asks, per request: FastAPI dependencies every page uses.

``state: RequestState = viewer`` (or ``Depends(require("approver"))``) proves who
asks, from the session cookie or a bearer token, and gives the page a
:class:`RequestState`: a new :class:`~assay.workspace.Workspace` for this request
on the server's one store, the user, their role and the session's CSRF token.

Status rules: an anonymous page view is sent to ``/login?next=...`` (303); an
anonymous JSON request (``Accept: application/json``, or any ``/api/`` route) gets
401 with ``WWW-Authenticate: Bearer``; a user whose role is too low gets 403; a
cookie-authenticated POST without the session's CSRF token gets 403
(:data:`csrf_checked`).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import Depends, Request

from assay.errors import PermissionDeniedError
from assay.pipeline.roles import Role
from assay.web.auth import SESSION_COOKIE, CookiePolicy, bearer_token, route_path, same_secret

if TYPE_CHECKING:
    from assay.web.cache import PageCache
    from assay.workspace import Workspace
    from assay.workspace.accounts import WebSession

__all__ = [
    "LoginRequiredError",
    "RequestState",
    "SessionMemo",
    "WebServer",
    "csrf_checked",
    "optional_user",
    "query_text",
    "require",
    "server_of",
    "viewer",
    "wants_json",
]


def query_text(value: str | None) -> str | None:
    """A query parameter stripped; an empty one means none (``?person=`` for everyone)."""
    return value.strip() if value is not None and value.strip() else None


class SessionMemo:
    """Web sessions read in the last ``ttl`` seconds, by their cookie's secret: a page
    view then costs one query (the record's version) instead of two. A session ended
    elsewhere (``assay user retire``, a new password) stops working here within
    ``ttl``; one ended by ``POST /logout`` at once."""

    def __init__(self, ttl: float = 2.0, *, size: int = 10_000) -> None:
        self.ttl = ttl
        self._size = size
        self._kept: dict[str, tuple[float, WebSession]] = {}
        self._lock = threading.Lock()

    def get(self, secret: str) -> WebSession | None:
        """The session read for ``secret`` less than ``ttl`` seconds ago, if any."""
        with self._lock:
            found = self._kept.get(secret)
        if found is None or time.monotonic() - found[0] >= self.ttl:
            return None
        return found[1]

    def put(self, secret: str, session: WebSession) -> None:
        """Keep ``session``, read just now for ``secret``."""
        at = time.monotonic()
        with self._lock:
            if len(self._kept) >= self._size:
                self._kept = {k: v for k, v in self._kept.items() if at - v[0] < self.ttl}
            if len(self._kept) < self._size:
                self._kept[secret] = (at, session)

    def forget(self, secret: str) -> None:
        """Drop ``secret``'s session (it was ended here)."""
        with self._lock:
            self._kept.pop(secret, None)


@dataclasses.dataclass
class WebServer:
    """What the app holds for its life: the workspace opened once (its store is
    shared by every request), the cookie policy, the page cache and the sessions
    read lately."""

    shared: Workspace
    cookies: CookiePolicy
    cache: PageCache
    sessions: SessionMemo = dataclasses.field(default_factory=SessionMemo)


@dataclasses.dataclass
class RequestState:
    """Who asks and through what: the request's own workspace (its context acts as
    ``user``), their role, the session's CSRF token ("" for a bearer-token request),
    whether to answer JSON, and the audit trail's ``via``."""

    ws: Workspace
    user: str
    role: str
    csrf: str
    wants_json: bool
    via: str
    token: bool = False

    def may(self, role: str) -> bool:
        """Whether the user holds ``role`` or a higher one."""
        return Role.parse(self.role).includes(Role.parse(role))


class LoginRequiredError(Exception):
    """No credentials, or ones that prove no one: the handler sends people to the
    login page and answers machines 401."""

    def __init__(self, message: str, *, json: bool) -> None:
        super().__init__(message)
        self.json = json


_CONVERTER = re.compile(r":[a-z]+}")  # "{name:path}" is written "{name}"


def server_of(request: Request) -> WebServer:
    """The app's :class:`WebServer`."""
    server: WebServer = request.app.state.server
    return server


def wants_json(request: Request) -> bool:
    """JSON for ``/api/`` routes and for ``Accept: application/json`` without
    ``text/html`` (a browser asks for HTML; ``*/*`` gets HTML too)."""
    if route_path(request).startswith("/api/"):
        return True
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


def via_of(request: Request) -> str:
    """What the audit trail records: ``web POST /gates/{prototype}/decision``."""
    route = request.scope.get("route")
    path = str(getattr(route, "path", None) or request.url.path)
    return f"web {request.method} {_CONVERTER.sub('}', path)}"


def _from_token(request: Request, server: WebServer, secret: str, json: bool) -> RequestState:
    from assay.workspace import Workspace

    ws = Workspace.for_request(server.shared, token=secret, via=via_of(request))
    try:
        me = ws.users.me()
    except PermissionDeniedError as exc:
        raise LoginRequiredError(str(exc), json=True) from None
    if me is None:
        raise LoginRequiredError("the API token proves no registered user", json=True)
    return RequestState(ws, me.name, me.role.value, "", json, ws.ctx.via, token=True)


def optional_user(request: Request) -> RequestState | None:
    """The signed-in user's state, or ``None`` for an anonymous request (no cookie,
    or one whose session ended). A bearer token that proves no one is refused (401)."""
    server = server_of(request)
    json = wants_json(request)
    secret = bearer_token(request)
    if secret is not None:
        if not secret:
            raise LoginRequiredError("the Authorization header holds no token", json=True)
        return _from_token(request, server, secret, json)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    from assay.workspace import Workspace

    session = server.sessions.get(cookie)
    if session is None:
        probe = Workspace.for_request(server.shared, via=via_of(request))
        session = probe.accounts.session(cookie)
        if session is None:
            return None
        server.sessions.put(cookie, session)
    ws = Workspace.for_request(
        server.shared, user=session.user, web_session=cookie, via=via_of(request)
    )
    return RequestState(ws, session.user, session.role, session.csrf, json, ws.ctx.via)


def require(role: str) -> Callable[[Request], RequestState]:
    """A dependency: the state of a user holding ``role`` (or higher); anonymous →
    303 to the login page or 401, too low → 403."""
    needed = Role.parse(role)

    def dependency(request: Request) -> RequestState:
        state = optional_user(request)
        if state is None:
            raise LoginRequiredError("log in first", json=wants_json(request))
        request.state.assay = state  # an error page shows the navigation and who is in
        if not Role.parse(state.role).includes(needed):
            raise PermissionDeniedError(
                f"this needs the {needed.value} role; {state.user} has the {state.role} role"
            )
        return state

    dependency.__name__ = f"require_{needed.value}"
    return dependency


viewer = Depends(require("viewer"))


async def _csrf_checked(request: Request, state: RequestState = viewer) -> RequestState:
    """The state of a signed-in user whose POST carries the session's CSRF token
    (form field ``csrf`` or header ``X-CSRF-Token``); a bearer-token request needs
    none. Refused with 403 otherwise."""
    if state.token:
        return state
    given = request.headers.get("x-csrf-token")
    if given is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not same_secret(given, state.csrf):
        raise PermissionDeniedError(
            "the form's CSRF token is missing or wrong; reload the page and try again"
        )
    return state


csrf_checked = Depends(_csrf_checked)

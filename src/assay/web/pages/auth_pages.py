"""Logging in and out, the health check and the front door.

``GET /login`` shows the form with a fresh CSRF token, also set in the
``assay_login_csrf`` cookie (double submit: a site that cannot read the cookie
cannot post the form). ``POST /login`` checks it, then the name and password
(``ws.accounts.login``, which limits the attempts), sets the session cookie and
goes on to ``next``. ``POST /logout`` ends the session (its CSRF token required).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from assay.errors import PermissionDeniedError
from assay.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    new_csrf,
    root_of,
    safe_next,
    same_secret,
    set_cookie,
)
from assay.web.deps import RequestState, csrf_checked, optional_user, server_of, viewer
from assay.web.render import json_response, page

__all__ = ["router"]

router = APIRouter(tags=["session"])

_LOGIN_CSRF_S = 3600  # how long the login form's token lives


@router.get("/healthz", summary="Whether the server answers", response_model=dict[str, bool])
def healthz() -> Response:
    """``{"ok": true}``: the server runs (nothing is read from the store)."""
    return json_response({"ok": True})


@router.get("/", summary="The front door: the radar", status_code=303)
def home(request: Request, state: RequestState = viewer) -> Response:
    """Signed in: on to the radar."""
    del state
    return RedirectResponse(f"{root_of(request)}/radar", status_code=303)


def _login_form(
    request: Request, *, next_path: str, name: str = "", message: str = "", status: int = 200
) -> Response:
    """The login page with a new double-submit CSRF token."""
    token = new_csrf()
    response = page(
        request,
        "login.html",
        status=status,
        login_csrf=token,
        next_path=next_path,
        name=name,
        message=message,
    )
    policy = server_of(request).cookies
    set_cookie(response, request, policy, LOGIN_CSRF_COOKIE, token, max_age=_LOGIN_CSRF_S)
    return response


@router.get("/login", summary="The login form", response_class=Response)
def login_page(
    request: Request, state: Annotated[RequestState | None, Depends(optional_user)]
) -> Response:
    """The form; someone already signed in goes straight on to ``next``."""
    next_path = safe_next(request.query_params.get("next"))
    if state is not None and not state.token:
        return RedirectResponse(f"{root_of(request)}{next_path}", status_code=303)
    return _login_form(request, next_path=next_path)


@router.post(
    "/login",
    summary="Log in with a name and password",
    status_code=303,
    responses={
        303: {"description": "Logged in: the session cookie is set; on to next."},
        401: {"description": "Wrong name or password: the form again, with the reason."},
        403: {"description": "The login form's CSRF token is missing or wrong."},
        429: {"description": "Too many failed attempts; see Retry-After."},
    },
)
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set the session cookie and go on to ``next`` (303); the form again, with the
    reason, when the name or password is wrong (401). 403 without the form's CSRF
    token, 429 after too many failures."""
    if not same_secret(csrf, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise PermissionDeniedError(
            "the login form's CSRF token is missing or wrong; reload the login page"
        )
    from assay.workspace import Workspace

    server = server_of(request)
    ws = Workspace.for_request(server.shared, via="web POST /login")
    client = request.client.host if request.client else ""
    next_path = safe_next(next)
    try:
        session = ws.accounts.login(name, password, client=client)
    except PermissionDeniedError as exc:
        if getattr(exc, "retry_after_s", None) is not None:
            raise
        return _login_form(request, next_path=next_path, name=name, message=str(exc), status=401)
    response = RedirectResponse(f"{root_of(request)}{next_path}", status_code=303)
    set_cookie(response, request, server.cookies, SESSION_COOKIE, session.secret)
    clear_cookie(response, request, server.cookies, LOGIN_CSRF_COOKIE)
    return response


@router.post(
    "/logout",
    summary="Log out",
    status_code=303,
    responses={
        303: {"description": "Logged out: on to the login page."},
        403: {"description": "The session's CSRF token is missing or wrong."},
    },
)
def logout(request: Request, state: RequestState = csrf_checked) -> Response:
    """End the session (its cookie removed) and go to the login page."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret and not state.token:
        server_of(request).sessions.forget(secret)
        state.ws.accounts.logout(secret)
    response = RedirectResponse(f"{root_of(request)}/login", status_code=303)
    clear_cookie(response, request, server_of(request).cookies, SESSION_COOKIE)
    return response

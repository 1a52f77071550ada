"""Credentials on the wire: the session cookie, the bearer token and CSRF tokens.

- ``assay_session`` holds a web session's secret (``POST /login`` sets it): HttpOnly,
  SameSite=Lax, Path the app's root, Secure when the request came over TLS (its
  scheme is https, or a trusted proxy said ``X-Forwarded-Proto: https``) or the server
  was told ``--secure-cookies``.
- ``Authorization: Bearer SECRET`` carries an API token (``assay token create``); such
  a request uses no cookie, so it needs no CSRF token.
- Every form of a signed-in user carries the session's CSRF token (``csrf``, or the
  ``X-CSRF-Token`` header for JSON bodies); the login form, before any session, uses
  a double-submit cookie ``assay_login_csrf`` holding the same random value.

The sessions themselves live in the store (``ws.accounts``): this module only reads
and writes the HTTP side.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "CookiePolicy",
    "bearer_token",
    "clear_cookie",
    "new_csrf",
    "root_of",
    "route_path",
    "safe_next",
    "same_secret",
    "set_cookie",
]

SESSION_COOKIE = "assay_session"
LOGIN_CSRF_COOKIE = "assay_login_csrf"
_MAX_SESSION_S = 7 * 24 * 3600  # the longest a session lives (ws.accounts ends it sooner)


@dataclass(frozen=True)
class CookiePolicy:
    """When cookies are Secure: ``secure`` True or False forces it; ``None`` decides
    per request from its scheme, and from ``X-Forwarded-Proto`` when ``trust_proxy``."""

    secure: bool | None = None
    trust_proxy: bool = False

    def is_secure(self, request: Request) -> bool:
        """Whether a cookie set in answer to ``request`` must be Secure."""
        if self.secure is not None:
            return self.secure
        if request.url.scheme == "https":
            return True
        if self.trust_proxy:
            forwarded = request.headers.get("x-forwarded-proto", "")
            return forwarded.split(",")[0].strip().lower() == "https"
        return False


def root_of(request: Request) -> str:
    """The path the app is served under (``--root-path``), without a trailing slash."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def route_path(request: Request) -> str:
    """The request's path inside the app: without the root path, whether the proxy
    kept it in the path or stripped it."""
    path = str(request.scope["path"])
    root = str(request.scope.get("root_path", ""))
    if root and (path == root or path.startswith(f"{root}/")):
        return path[len(root) :] or "/"
    return path


def set_cookie(
    response: Response,
    request: Request,
    policy: CookiePolicy,
    name: str,
    value: str,
    *,
    max_age: int = _MAX_SESSION_S,
) -> None:
    """Set cookie ``name``: HttpOnly, SameSite=Lax, on the app's root path."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=root_of(request) or "/",
        secure=policy.is_secure(request),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, request: Request, policy: CookiePolicy, name: str) -> None:
    """Remove cookie ``name`` (same attributes as when set)."""
    response.delete_cookie(
        name,
        path=root_of(request) or "/",
        secure=policy.is_secure(request),
        httponly=True,
        samesite="lax",
    )


def bearer_token(request: Request) -> str | None:
    """The secret of an ``Authorization: Bearer`` header, or ``None`` without one."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def new_csrf() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(32)


def same_secret(given: str | None, expected: str | None) -> bool:
    """Whether two secrets are equal and not empty, compared in constant time."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def safe_next(value: str | None, default: str = "/radar") -> str:
    """A path inside the app to go to after logging in: ``value`` when it is a local
    path (``/...``), else ``default``; never another site (``//host``, ``/\\host``,
    ``https://...``) nor a header break."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 32 or c == "\\" for c in value):
        return default
    return value

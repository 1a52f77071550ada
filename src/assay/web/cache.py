"""Rendered pages kept while the record does not change.

A page (or a JSON document) is kept under its key (the path and query, the reader's
role, whether it answered JSON, and today's date, since staleness and overdue marks
depend on it) together with the record's version when it was built: the audit
trail's head (every write moves it; reading it is one query on one row). A later
request for the same key at the same version is answered from memory, with its
``ETag``; a browser that already holds it gets ``304 Not Modified``.

An HTML page carries its reader's name (kept per user) and the session's CSRF token
(the forms): the token is kept as a placeholder and each answer gets its own
session's, so a user's sessions share one page. A JSON document depends on the role
alone and is shared by everyone with that role. Pages that read what the audit trail
does not cover (a run's trials while it runs) must not be cached. At most
:data:`_SIZE` pages and :data:`_BYTES` bytes are kept, the least recently used
dropped first.

A kept page without a CSRF token (every page but those with forms: the navigation's
"Log out" is a link to the account page's form) is also kept gzip-compressed, once,
and answered so to a client that accepts it (``Accept-Encoding: gzip``, as every
browser sends): the radar of 10,000 techniques is 3 MiB of HTML and about a tenth of
that compressed, which is what a busy server's bandwidth and a browser's wait are
made of.
"""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import hashlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from assay.workspace import Workspace

__all__ = ["PageCache", "Reader"]


class Reader(Protocol):
    """Who asks, as the cache keys pages (:class:`assay.web.deps.RequestState`)."""

    ws: Workspace
    user: str
    role: str
    csrf: str
    wants_json: bool


_PLACEHOLDER = b"\x00assay-csrf\x00"  # where a kept page's CSRF token goes
_SIZE = 512  # pages kept, least recently used dropped first...
_BYTES = 256 * 2**20  # ...and no more than this many bytes in all
_Key = tuple[str, str, str, bool, str, str]
_GZIP_FROM = 1024  # bytes: a smaller page is answered as it is
_GZIP_LEVEL = 6


class _Kept:
    """A kept page: its version, body, ETag, whether its CSRF token was masked, and
    its gzip-compressed body (``None`` when masked or small)."""

    __slots__ = ("body", "etag", "gzipped", "masked", "media_type", "version")

    def __init__(
        self, version: int, body: bytes, media_type: str | None, etag: str, masked: bool
    ) -> None:
        self.version = version
        self.body = body
        self.media_type = media_type
        self.etag = etag
        self.masked = masked
        self.gzipped = (
            None if masked or len(body) < _GZIP_FROM else gzip.compress(body, _GZIP_LEVEL, mtime=0)
        )

    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


class PageCache:
    """Pages by (path, query, role, JSON or not, date) at a version of the record."""

    def __init__(self, shared: Workspace, *, size: int = _SIZE) -> None:
        self._shared = shared
        self._size = size
        self._pages: collections.OrderedDict[_Key, _Kept] = collections.OrderedDict()
        self._building: dict[_Key, threading.Lock] = {}
        self._lock = threading.Lock()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def version(self, ws: Workspace) -> int:
        """The record's version: the audit trail's newest entry (one query)."""
        return ws.audit.version()

    def cached(self, request: Request, state: Reader, build: Callable[[], Response]) -> Response:
        """The page for ``request`` from memory when the record has not changed since
        it was built, else ``build()`` kept for next time. Answers 304 when the
        browser's ``If-None-Match`` names it."""
        reader = "" if state.wants_json else state.user
        key: _Key = (
            request.url.path,
            request.url.query,
            state.role,
            state.wants_json,
            dt.date.today().isoformat(),
            reader,
        )
        version = self.version(state.ws)
        hit = self._kept(key, version)
        if hit is not None:
            return _answer(request, hit, state.csrf)
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one request builds a page; the others asking for it wait
            hit = self._kept(key, version)
            if hit is not None:
                return _answer(request, hit, state.csrf)
            return self._build(request, state, key, version, build)

    def _kept(self, key: _Key, version: int) -> _Kept | None:
        """The page kept under ``key`` at ``version``, if any."""
        with self._lock:
            found = self._pages.get(key)
            if found is None or found.version != version:
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return found

    def _build(
        self,
        request: Request,
        state: Reader,
        key: _Key,
        version: int,
        build: Callable[[], Response],
    ) -> Response:
        """Build the page, keep it (its CSRF token replaced by a placeholder), answer."""
        self.misses += 1
        response = build()
        if response.status_code != 200:
            return response
        body = bytes(response.body)
        masked = bool(state.csrf) and not state.wants_json and state.csrf.encode() in body
        if masked:
            body = body.replace(state.csrf.encode(), _PLACEHOLDER)
        etag = hashlib.sha256(body).hexdigest()[:32]
        kept = _Kept(version, body, response.media_type, etag, masked)
        with self._lock:
            old = self._pages.pop(key, None)
            self._bytes -= old.size() if old else 0
            self._pages[key] = kept
            self._bytes += kept.size()
            while self._pages and (len(self._pages) > self._size or self._bytes > _BYTES):
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= dropped.size()
        return _answer(request, kept, state.csrf)


def _answer(request: Request, kept: _Kept, csrf: str) -> Response:
    """A fresh response with the kept body, the session's CSRF token in its place
    (each request gets its own headers), gzip-compressed when kept so and accepted.
    The ETag names the session's token too: a browser's copy from an ended session
    (another token in its forms) is not fresh; and the encoding, since the two bodies
    differ."""
    etag = kept.etag
    if kept.masked:
        etag = f"{etag}-{hashlib.sha256(csrf.encode()).hexdigest()[:8]}"
    gzipped = kept.gzipped is not None and _accepts_gzip(request)
    etag = f'"{etag}-gz"' if gzipped else f'"{etag}"'
    vary = "Accept, Accept-Encoding, Cookie, Authorization"
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"etag": etag, "vary": vary})
    if gzipped:
        assert kept.gzipped is not None
        response = Response(kept.gzipped, status_code=200, media_type=kept.media_type)
        response.headers["content-encoding"] = "gzip"
    else:
        body = kept.body.replace(_PLACEHOLDER, csrf.encode()) if kept.masked else kept.body
        response = Response(body, status_code=200, media_type=kept.media_type)
    response.headers["etag"] = etag
    response.headers["vary"] = vary
    return response


def _accepts_gzip(request: Request) -> bool:
    """Whether ``Accept-Encoding`` takes gzip (and does not refuse it with ``q=0``)."""
    for item in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() not in ("gzip", "x-gzip", "*"):
            continue
        params = params.strip()
        if not params.startswith("q="):
            return True
        try:
            return float(params[2:]) > 0
        except ValueError:
            return False
    return False

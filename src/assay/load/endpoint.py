"""An HTTP endpoint as a benchmark method: ``assay.endpoint(url, payload=...)``.

Pass it where a function goes::

    assay.baseline(assay.endpoint("http://127.0.0.1:8000/v1/embed", payload={"text": "hi"}),
                   name="v1")
    assay.candidate(assay.endpoint("http://127.0.0.1:8001/v1/embed"), name="v2")

Each call sends one request on a kept-alive HTTP/1.1 connection (the standard
library's ``http.client``: no event loop, so ``assay bench`` times the request and
nothing else) and returns the reply's body; a status of 400 or more raises, so the
trial is counted as failed. With ``payload=None`` the workload's value for the trial
is the payload. A dict or list payload is sent as JSON (POST); ``str`` or ``bytes``
as they are. A streamed reply (chunked, server-sent events) is read to its end, so
the call's time is the whole stream's. This measures one call at a time, as ``bench``
does; ``assay load`` measures the same endpoint under concurrent, open-loop load.
"""

from __future__ import annotations

import http.client
import json
import math
import sys
from typing import Any
from urllib.parse import urlsplit

from assay.errors import InputError
from assay.load.run import check_url

__all__ = ["Endpoint", "endpoint"]


class Endpoint:
    """A callable that sends one request to ``url`` per call; see the module docstring."""

    def __init__(
        self,
        url: str,
        payload: Any,
        method: str | None,
        headers: dict[str, str],
        timeout: float,
        module: str,
    ) -> None:
        parts = urlsplit(url)
        self.url = url
        self.payload = payload
        self.method = method
        self.headers = dict(headers)
        self.timeout = timeout
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._conn: http.client.HTTPConnection | None = None
        # The registry files a method under the module that declared it: the benchmark
        # file that called assay.endpoint, not this one.
        self.__module__ = module
        self.__name__ = f"endpoint {parts.path or '/'}"

    def __repr__(self) -> str:
        return f"assay.endpoint({self.url!r})"

    def _body(self, data: Any) -> tuple[bytes | None, dict[str, str]]:
        value = self.payload if self.payload is not None else data
        if value is None:
            return None, {}
        if isinstance(value, bytes):
            return value, {}
        if isinstance(value, str):
            return value.encode(), {"Content-Type": "text/plain; charset=utf-8"}
        return json.dumps(value).encode(), {"Content-Type": "application/json"}

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, self._port, timeout=self.timeout)
        return self._conn

    def __call__(self, data: Any = None) -> bytes:
        body, extra = self._body(data)
        method = self.method or ("POST" if body is not None else "GET")
        headers = {**extra, **self.headers}
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request(method, self._path, body=body, headers=headers)
                resp = conn.getresponse()
                content = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed while idle: reconnect once.
                self.close()
                if attempt:
                    raise
                continue
            if resp.status >= 400:
                raise RuntimeError(f"{method} {self.url}: HTTP {resp.status} {resp.reason}")
            if resp.will_close:
                self.close()
            return content
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the kept-alive connection (the next call opens a new one)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __del__(self) -> None:
        # A benchmark never closes its methods; closing here keeps Python from
        # warning about an unclosed socket when the endpoint is collected.
        self.close()


def endpoint(
    url: str,
    payload: Any = None,
    *,
    method: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    allow_remote: bool = False,
) -> Endpoint:
    """An HTTP endpoint as a method for :func:`assay.baseline` / :func:`assay.candidate`
    (see the module docstring). Loopback addresses only unless ``allow_remote``."""
    check_url(url, allow_remote=allow_remote, field="assay.endpoint")
    if not isinstance(timeout, int | float) or not math.isfinite(timeout) or timeout <= 0:
        raise InputError(f"assay.endpoint: timeout must be seconds above 0, got {timeout!r}")
    if method is not None and method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise InputError(
            f"assay.endpoint: method must be GET, POST, PUT, PATCH or DELETE, got {method!r}"
        )
    caller = str(sys._getframe(1).f_globals.get("__name__", "__main__"))
    return Endpoint(
        url,
        payload,
        None if method is None else method.upper(),
        dict(headers or {}),
        float(timeout),
        caller,
    )

"""A lean HTTP/1.1 client for plain ``http://``: asyncio protocols, keep-alive pool.

The load generator must cost far less per request than the server it measures, or it
measures itself. aiohttp spends a few hundred microseconds of CPU per request (its
request and response objects, cookie jar, timers, happy-eyeballs connect); this
client writes one pre-built request and parses the reply in place (status line,
``Content-Length`` or chunked body), which is several times cheaper
(benchmarks/bench_load.py compares both with ``wrk``). It handles what load testing
needs and no more: keep-alive connections up to a limit, with requests queueing for
a free one; fixed-length, chunked and read-to-close bodies; server-sent events and
chunks timed as tokens. ``https://`` and anything unusual go through aiohttp
(:mod:`assay.load.engine`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Pool", "Reply", "WireError", "build_request"]


class WireError(Exception):
    """A request that got no complete reply; ``kind`` names why (for errors by kind)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass
class Reply:
    status: int = 0
    done: float = 0.0
    token_times: list[float] = field(default_factory=list)


def build_request(
    url: str, method: str, body: bytes | None, headers: tuple[tuple[str, str], ...]
) -> tuple[str, int, bytes]:
    """Host, port and the request's bytes, built once for every send."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    names = {name.lower() for name, _ in headers}
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}"]
    if "user-agent" not in names:
        lines.append("User-Agent: assay-load")
    if "accept" not in names:
        lines.append("Accept: */*")
    lines += [f"{name}: {value}" for name, value in headers]
    if body is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body or b'')}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return host, port, head + (body or b"")


class _Conn(asyncio.Protocol):
    """One keep-alive connection; parses one reply at a time."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: Any = None
        self.future: asyncio.Future[Reply] | None = None
        self.closed = False
        self._reset()

    def _reset(self) -> None:
        self.buf = bytearray()
        self.reply = Reply()
        self.head_done = False
        self.length: int | None = None
        self.chunked = False
        self.sse = False
        self.keep_alive = True
        self.chunk_left = -1  # bytes left in the current chunk; -1: at a size line
        self.events = bytearray()
        self.no_body = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        future = self.future
        if future is not None and not future.done():
            if self.head_done and self.length is None and not self.chunked:
                self._finish()  # a body delimited by the close
            else:
                future.set_exception(WireError("disconnected"))
        self.pool._lost(self)

    def send(self, data: bytes, future: asyncio.Future[Reply], head: bool) -> None:
        self._reset()
        self.no_body = head
        self.future = future
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        if self.future is None or self.future.done():
            return  # a reply after a timeout: the connection is dropped anyway
        self.buf += data
        try:
            if not self.head_done and not self._head():
                return
            self._body()
        except ValueError:
            self.keep_alive = False
            self.future.set_exception(WireError("bad reply"))
            self.transport.close()

    def _head(self) -> bool:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > 65536:
                raise ValueError("header too long")
            return False
        lines = bytes(self.buf[:end]).split(b"\r\n")
        del self.buf[: end + 4]
        status_line = lines[0].split(b" ", 2)
        if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
            raise ValueError("not HTTP/1.x")
        self.reply.status = int(status_line[1])
        if status_line[0] == b"HTTP/1.0":
            self.keep_alive = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip()
            if name == b"content-length":
                self.length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                self.chunked = True
            elif name == b"content-type" and value.lower().startswith(b"text/event-stream"):
                self.sse = True
            elif name == b"connection":
                self.keep_alive = value.lower() == b"keep-alive" or (
                    self.keep_alive and value.lower() != b"close"
                )
        if self.no_body or self.reply.status in (204, 304) or 100 <= self.reply.status < 200:
            self.length = 0
            self.chunked = False
        self.head_done = True
        return True

    def _data(self, piece: bytes, now: float) -> None:
        if self.sse:
            self.events += piece
            *lines, rest = bytes(self.events).split(b"\n")
            self.events[:] = rest
            for line in lines:
                line = line.rstrip(b"\r")
                if line.startswith(b"data:") and line[5:].strip() != b"[DONE]":
                    self.reply.token_times.append(now)

    def _body(self) -> None:
        now = time.monotonic()
        if self.chunked:
            while True:
                if self.chunk_left == -2:  # after the last chunk: its closing CRLF
                    if len(self.buf) < 2:
                        return
                    del self.buf[:2]
                    self._finish()
                    return
                if self.chunk_left == -1:
                    end = self.buf.find(b"\r\n")
                    if end < 0:
                        return
                    size = int(bytes(self.buf[:end]).split(b";")[0].strip() or b"0", 16)
                    del self.buf[: end + 2]
                    if size == 0:
                        # The last chunk: no trailers expected, only the final CRLF.
                        if len(self.buf) < 2:
                            self.chunk_left = -2
                            return
                        del self.buf[:2]
                        self._finish()
                        return
                    self.chunk_left = size
                if len(self.buf) < self.chunk_left + 2:
                    return
                piece = bytes(self.buf[: self.chunk_left])
                del self.buf[: self.chunk_left + 2]
                self.chunk_left = -1
                if self.sse:
                    self._data(piece, now)
                elif piece:
                    self.reply.token_times.append(now)
        elif self.length is not None:
            if self.sse and self.buf:
                take = bytes(self.buf[: self.length])
                self._data(take, now)
            if len(self.buf) >= self.length:
                del self.buf[: self.length]
                self._finish()
            elif self.sse:
                self.length -= len(self.buf)
                self.buf.clear()
        else:  # read until the server closes
            self.keep_alive = False
            if self.sse:
                self._data(bytes(self.buf), now)
            self.buf.clear()

    def _finish(self) -> None:
        self.reply.done = time.monotonic()
        future = self.future
        if future is not None and not future.done():
            future.set_result(self.reply)


class Pool:
    """Keep-alive connections to one host and port, at most ``limit`` open; requests
    beyond that wait, first come first served, for one to come free."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port, self.limit = host, port, limit
        self.idle: deque[_Conn] = deque()
        self.open = 0
        self.waiters: deque[asyncio.Future[_Conn | None]] = deque()

    def _idle(self) -> _Conn | None:
        """An open idle connection, the most recently used first (warm caches)."""
        while self.idle:
            conn = self.idle.pop()
            if not conn.closed:
                return conn
        return None

    async def _acquire(self) -> _Conn:
        conn = self._idle()
        if conn is not None:
            return conn
        if self.open < self.limit:
            self.open += 1
            try:
                _, conn = await asyncio.get_running_loop().create_connection(
                    lambda: _Conn(self), self.host, self.port
                )
            except OSError:
                self.open -= 1
                self._wake()
                raise WireError("connect") from None
            return conn
        waiter: asyncio.Future[_Conn | None] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        got = await waiter
        return got if got is not None else await self._acquire()

    def _wake(self) -> None:
        """Give a waiter the chance to open a connection (one closed or failed)."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _release(self, conn: _Conn, reusable: bool) -> None:
        if not reusable or conn.closed:
            if not conn.closed:
                conn.transport.close()  # _lost() does the accounting
            return
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self.idle.append(conn)

    def _lost(self, conn: _Conn) -> None:
        self.open -= 1
        self._wake()

    async def request(self, data: bytes, timeout: float, *, head: bool = False) -> Reply:
        """Send ``data`` and wait for the whole reply, ``timeout`` seconds at most
        (waiting for a connection included)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        conn = self._idle()
        if conn is None:
            try:
                conn = await asyncio.wait_for(self._acquire(), timeout)
            except TimeoutError:
                raise WireError("timeout") from None
        future: asyncio.Future[Reply] = loop.create_future()

        def expire() -> None:
            if not future.done():
                future.set_exception(WireError("timeout"))
                conn.keep_alive = False

        timer = loop.call_at(deadline, expire)
        conn.send(data, future, head)
        try:
            reply = await future
        except WireError:
            self._release(conn, False)
            raise
        finally:
            timer.cancel()
        self._release(conn, conn.keep_alive and not conn.buf)
        return reply

    def close(self) -> None:
        for conn in self.idle:
            conn.transport.close()
        self.idle.clear()

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Pool", "Reply", "WireError", "build_request"]

_SWEEP_S = 0.05  # how often deadlines are checked: a timeout fires up to 50 ms late


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


Done = Callable[[Reply | None, str | None], None]  # (reply, None) or (None, error kind)


class _Conn(asyncio.Protocol):
    """One keep-alive connection; parses one reply at a time and hands it to the
    callback it was given with the request (no task, future or timer per request)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: Any = None
        self.done: Done | None = None
        self.deadline = 0.0
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
        if self.done is not None:
            if self.head_done and self.length is None and not self.chunked:
                self._finish()  # a body delimited by the close
            else:
                self._fail("disconnected")
        self.pool._lost(self)

    def send(self, data: bytes, done: Done, deadline: float, head: bool) -> None:
        self._reset()
        self.no_body = head
        self.done = done
        self.deadline = deadline
        self.transport.write(data)

    def _fail(self, kind: str) -> None:
        done, self.done = self.done, None
        self.keep_alive = False
        if done is not None:
            done(None, kind)

    def expire(self) -> None:
        """The deadline passed: fail the request and drop the connection."""
        self._fail("timeout")
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.done is None:
            return  # a reply after a timeout: the connection is being dropped anyway
        self.buf += data
        try:
            if not self.head_done and not self._head():
                return
            self._body()
        except ValueError:
            self._fail("bad reply")
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
        done, self.done = self.done, None
        if done is None:
            return
        reusable = self.keep_alive and not self.buf and not self.closed
        done(self.reply, None)
        self.pool._release(self, reusable)


class Pool:
    """Keep-alive connections to one host and port, at most ``limit`` open; requests
    beyond that queue, first come first served, for one to come free. A sweep every
    50 ms fails requests whose deadline has passed (one timer for all of them)."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port, self.limit = host, port, limit
        self.idle: deque[_Conn] = deque()
        self.busy: set[_Conn] = set()
        self.open = 0
        self.queue: deque[tuple[bytes, Done, float, bool]] = deque()
        self._sweeper: asyncio.TimerHandle | None = None
        self._closing = False
        self._tasks: set[asyncio.Task[None]] = set()  # connects in flight, kept alive

    def submit(self, data: bytes, done: Done, timeout: float, *, head: bool = False) -> None:
        """Send ``data`` and call ``done(reply, None)`` with the whole reply, or
        ``done(None, kind)`` when it fails or takes more than ``timeout`` seconds
        (waiting for a connection included)."""
        loop = asyncio.get_running_loop()
        if self._sweeper is None:
            self._sweeper = loop.call_later(_SWEEP_S, self._sweep)
        deadline = time.monotonic() + timeout
        while self.idle:
            conn = self.idle.pop()  # the most recently used first (warm caches)
            if not conn.closed:
                self.busy.add(conn)
                conn.send(data, done, deadline, head)
                return
        self.queue.append((data, done, deadline, head))
        if self.open < self.limit:
            self._connect()

    def _connect(self) -> None:
        self.open += 1
        task = asyncio.get_running_loop().create_task(self._open_one())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _open_one(self) -> None:
        try:
            _, conn = await asyncio.get_running_loop().create_connection(
                lambda: _Conn(self), self.host, self.port
            )
        except OSError:
            self.open -= 1
            if self.queue:  # the request that asked for it fails; the rest may retry
                _, done, _, _ = self.queue.popleft()
                done(None, "connect")
                if self.queue and self.open < self.limit:
                    self._connect()
            return
        self._release(conn, True)

    def _next(self) -> tuple[bytes, Done, float, bool] | None:
        now = time.monotonic()
        while self.queue:
            item = self.queue.popleft()
            if item[2] > now:
                return item
            item[1](None, "timeout")
        return None

    def _release(self, conn: _Conn, reusable: bool) -> None:
        self.busy.discard(conn)
        if not reusable or conn.closed or self._closing:
            if not conn.closed:
                conn.transport.close()  # _lost() does the accounting
            return
        item = self._next()
        if item is None:
            self.idle.append(conn)
            return
        data, done, deadline, head = item
        self.busy.add(conn)
        conn.send(data, done, deadline, head)

    def _lost(self, conn: _Conn) -> None:
        self.open -= 1
        self.busy.discard(conn)
        if self.queue and self.open < self.limit and not self._closing:
            self._connect()

    def _sweep(self) -> None:
        now = time.monotonic()
        for conn in [c for c in self.busy if c.deadline <= now]:
            conn.expire()
        while self.queue and self.queue[0][2] <= now:
            self.queue.popleft()[1](None, "timeout")
        self._sweeper = (
            None if self._closing else asyncio.get_running_loop().call_later(_SWEEP_S, self._sweep)
        )

    async def request(self, data: bytes, timeout: float, *, head: bool = False) -> Reply:
        """:meth:`submit` as a coroutine: the reply, or :class:`WireError`."""
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()

        def done(reply: Reply | None, kind: str | None) -> None:
            if future.done():
                return
            if reply is None:
                future.set_exception(WireError(kind or "error"))
            else:
                future.set_result(reply)

        self.submit(data, done, timeout, head=head)
        return await future

    def close(self) -> None:
        self._closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for conn in [*self.idle, *self.busy]:
            conn.transport.close()
        self.idle.clear()

"""The client: send a schedule's requests on time, in one process or several.

Open loop (:func:`run_open`): each request is launched at its intended time whether
or not earlier ones have been answered, and its latency is measured from that
intended time, not from when the client got round to sending it. A server that
freezes for 200 ms therefore charges every request that *should* have been sent
during the freeze, as its users would see; a closed-loop client (:func:`run_closed`,
one connection, send after reply) sends nothing during the freeze and so records
one slow request instead of a hundred: coordinated omission. Both are here so the
difference can be shown (benchmarks/bench_load.py, docs/load.md).

The client also measures itself: the send lag (actual start minus intended start)
says whether it kept to the schedule, and its CPU time over wall time says whether
it was the bottleneck. Several processes share one schedule (every N-th arrival,
:func:`assay.load.schedule.share`), start at one instant of the system-wide
monotonic clock, and hand back encoded histograms that the parent adds up.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from assay.errors import AssayError
from assay.load.histogram import Histogram
from assay.load.schedule import Offsets, share

__all__ = ["ArmTally", "Request", "Tally", "run_closed", "run_open"]

# Processes start at a common instant this far after the last one reports ready.
_START_SLACK_S = 0.1
_MIN_SLEEP_S = 0.001


@dataclass(frozen=True)
class Request:
    """What each arrival sends: method, URL, body and headers (the same every time)."""

    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class ArmTally:
    """One endpoint's counts and histograms (mergeable across processes)."""

    latency: Histogram = field(default_factory=Histogram)
    ttft: Histogram = field(default_factory=Histogram)
    itl: Histogram = field(default_factory=Histogram)
    tpot: Histogram = field(default_factory=Histogram)
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    above: int = 0  # requests slower than the threshold, errors included
    streamed: int = 0
    tokens: int = 0
    good: int = 0  # streamed requests within --ttft and --tpot
    last_done: float = 0.0
    windows: dict[int, Histogram] = field(default_factory=dict)

    def merge(self, other: ArmTally) -> None:
        for name in ("latency", "ttft", "itl", "tpot"):
            getattr(self, name).add(getattr(other, name))
        self.ok += other.ok
        self.errors.update(other.errors)
        self.above += other.above
        self.streamed += other.streamed
        self.tokens += other.tokens
        self.good += other.good
        self.last_done = max(self.last_done, other.last_done)
        for index, hist in other.windows.items():
            self.windows.setdefault(index, Histogram()).add(hist)

    def pack(self) -> dict[str, Any]:
        """A picklable form with the histograms encoded (for the trip between processes)."""
        return {
            **{n: getattr(self, n).encode() for n in ("latency", "ttft", "itl", "tpot")},
            "ok": self.ok,
            "errors": dict(self.errors),
            "above": self.above,
            "streamed": self.streamed,
            "tokens": self.tokens,
            "good": self.good,
            "last_done": self.last_done,
            "windows": {i: h.encode() for i, h in self.windows.items()},
        }

    @classmethod
    def unpack(cls, data: dict[str, Any]) -> ArmTally:
        tally = cls(
            latency=Histogram(data["latency"]),
            ttft=Histogram(data["ttft"]),
            itl=Histogram(data["itl"]),
            tpot=Histogram(data["tpot"]),
            ok=data["ok"],
            errors=Counter(data["errors"]),
            above=data["above"],
            streamed=data["streamed"],
            tokens=data["tokens"],
            good=data["good"],
            last_done=data["last_done"],
        )
        tally.windows = {int(i): Histogram(h) for i, h in data["windows"].items()}
        return tally


@dataclass
class Tally:
    """A whole run's (or one process's) measurements: one :class:`ArmTally` per
    endpoint, the send lag, and the client's own time and CPU."""

    arms: list[ArmTally]
    send_lag: Histogram = field(default_factory=Histogram)
    sent: int = 0
    start: float = 0.0
    last_send: float = 0.0
    cpu_s: list[float] = field(default_factory=list)  # per process
    wall_s: list[float] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for mine, theirs in zip(self.arms, other.arms, strict=True):
            mine.merge(theirs)
        self.send_lag.add(other.send_lag)
        self.sent += other.sent
        self.start = other.start if not self.start else min(self.start, other.start)
        self.last_send = max(self.last_send, other.last_send)
        self.cpu_s += other.cpu_s
        self.wall_s += other.wall_s

    def pack(self) -> dict[str, Any]:
        return {
            "arms": [arm.pack() for arm in self.arms],
            "send_lag": self.send_lag.encode(),
            "sent": self.sent,
            "start": self.start,
            "last_send": self.last_send,
            "cpu_s": self.cpu_s,
            "wall_s": self.wall_s,
        }

    @classmethod
    def unpack(cls, data: dict[str, Any]) -> Tally:
        return cls(
            arms=[ArmTally.unpack(a) for a in data["arms"]],
            send_lag=Histogram(data["send_lag"]),
            sent=data["sent"],
            start=data["start"],
            last_send=data["last_send"],
            cpu_s=list(data["cpu_s"]),
            wall_s=list(data["wall_s"]),
        )


@dataclass(frozen=True)
class Options:
    """How requests are sent and judged (the same in every process)."""

    timeout_s: float = 10.0
    connections: int = 512
    threshold_s: float | None = None  # count requests slower than this (SLO probes)
    window_s: float | None = None  # per-window histograms (A/B pairing)
    ttft_s: float | None = None
    tpot_s: float | None = None
    client: str = "wire"  # wire (assay.load.wire) for http://, else aiohttp


def _event_loop_runner() -> asyncio.Runner:
    try:
        import uvloop
    except ImportError:  # uvloop is optional; asyncio's own loop works, a bit slower
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


def _count_events(buffer: bytearray, data: bytes) -> int:
    """Server-sent events completed by ``data``: ``data:`` lines other than
    ``[DONE]``; an incomplete line stays in ``buffer`` for the next read."""
    buffer += data
    *lines, rest = bytes(buffer).split(b"\n")
    buffer[:] = rest
    count = 0
    for line in lines:
        line = line.rstrip(b"\r")
        if line.startswith(b"data:") and line[5:].strip() != b"[DONE]":
            count += 1
    return count


class _Failed(Exception):
    """A request that got no usable reply; ``kind`` is its entry in errors by kind."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _Sender:
    """Sends one endpoint's request and returns (status, done time, token times):
    through :mod:`assay.load.wire` for ``http://`` (the default, cheaper per request),
    through aiohttp for ``https://`` or when asked (``Options.client``)."""

    def __init__(self, request: Request, options: Options, session: Any) -> None:
        self.request = request
        self.timeout = options.timeout_s
        self.pool: Any = None
        self.session = session
        if options.client == "wire" and request.url.startswith("http://"):
            from assay.load import wire

            host, port, self.data = wire.build_request(
                request.url, request.method, request.body, request.headers
            )
            self.pool = wire.Pool(host, port, options.connections)
        self.head = request.method == "HEAD"
        self.headers = dict(request.headers) or None

    async def send(self) -> tuple[int, float, list[float]]:
        if self.pool is not None:
            from assay.load.wire import WireError

            try:
                reply = await self.pool.request(self.data, self.timeout, head=self.head)
            except WireError as exc:
                raise _Failed(exc.kind) from None
            return reply.status, reply.done, reply.token_times
        return await self._aiohttp()

    async def _aiohttp(self) -> tuple[int, float, list[float]]:
        import aiohttp

        request = self.request
        token_times: list[float] = []
        try:
            async with self.session.request(
                request.method, request.url, data=request.body, headers=self.headers
            ) as resp:
                kind = resp.headers.get("Content-Type", "")
                sse = kind.startswith("text/event-stream")
                chunked = resp.headers.get("Transfer-Encoding", "").lower() == "chunked"
                if sse or chunked:
                    buffer = bytearray()
                    async for data, end_of_chunk in resp.content.iter_chunks():
                        now = time.monotonic()
                        if sse:
                            token_times += [now] * _count_events(buffer, data)
                        elif end_of_chunk and data:
                            token_times.append(now)
                else:
                    await resp.read()
                return resp.status, time.monotonic(), token_times
        except TimeoutError:
            raise _Failed("timeout") from None
        except aiohttp.ClientConnectorError:
            raise _Failed("connect") from None
        except aiohttp.ServerDisconnectedError:
            raise _Failed("disconnected") from None
        except aiohttp.ClientError as exc:
            raise _Failed(type(exc).__name__) from None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


async def _one(
    sender: _Sender,
    arm: ArmTally,
    intended: float,
    lag: Histogram | None,
    options: Options,
    start: float,
) -> None:
    began = time.monotonic()
    if lag is not None:
        lag.record(began - intended)
    try:
        status, done, token_times = await sender.send()
    except _Failed as exc:
        _error(arm, exc.kind, options)
        return
    _record(arm, intended, status, done, token_times, options, start)


def _record(
    arm: ArmTally,
    intended: float,
    status: int,
    done: float,
    token_times: list[float],
    options: Options,
    start: float,
) -> None:
    """Count one reply: latency from the intended send, the SLO threshold, the A/B
    window, and the token stream when there was one."""
    arm.last_done = max(arm.last_done, done)
    if status >= 400:
        _error(arm, f"http {status}", options)
        return
    latency = done - intended
    arm.ok += 1
    arm.latency.record(latency)
    if options.threshold_s is not None and latency > options.threshold_s:
        arm.above += 1
    if options.window_s:
        index = int((intended - start) // options.window_s)
        arm.windows.setdefault(index, Histogram()).record(latency)
    if token_times:
        _tokens(arm, intended, token_times, options)


class _Outstanding:
    """Replies still due on the callback path; ``idle`` is set when none are left."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def add(self) -> None:
        self.count += 1
        self.idle.clear()

    def done(self) -> None:
        self.count -= 1
        if not self.count:
            self.idle.set()


def _fire(
    sender: _Sender,
    arm: ArmTally,
    intended: float,
    lag: Histogram | None,
    options: Options,
    start: float,
    outstanding: _Outstanding,
) -> None:
    """The wire path: hand the request to the pool with a callback that counts the
    reply (no task per request: the client's CPU goes to sending)."""
    if lag is not None:
        lag.record(time.monotonic() - intended)

    def landed(reply: Any, kind: str | None) -> None:
        outstanding.done()
        if reply is None:
            _error(arm, kind or "error", options)
        else:
            _record(arm, intended, reply.status, reply.done, reply.token_times, options, start)

    outstanding.add()
    sender.pool.submit(sender.data, landed, sender.timeout, head=sender.head)


def _error(arm: ArmTally, kind: str, options: Options) -> None:
    arm.errors[kind] += 1
    if options.threshold_s is not None:
        arm.above += 1  # a failed request does not meet any latency objective
    arm.last_done = max(arm.last_done, time.monotonic())


def _tokens(arm: ArmTally, intended: float, times: list[float], options: Options) -> None:
    """Streaming metrics of one response: time to first token (from the intended
    send), the gaps between tokens, and time per output token after the first."""
    arm.streamed += 1
    arm.tokens += len(times)
    ttft = times[0] - intended
    arm.ttft.record(ttft)
    for a, b in itertools.pairwise(times):
        arm.itl.record(b - a)
    tpot = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else 0.0
    if len(times) > 1:
        arm.tpot.record(tpot)
    if (options.ttft_s is None or ttft <= options.ttft_s) and (
        options.tpot_s is None or tpot <= options.tpot_s
    ):
        arm.good += 1


async def _open_loop(
    requests: Sequence[Request], offsets: Offsets, start: float, options: Options
) -> Tally:
    import aiohttp

    tally = Tally(arms=[ArmTally() for _ in requests], start=start)
    connector = aiohttp.TCPConnector(limit=options.connections, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=options.timeout_s)
    times = (offsets + start).tolist()
    pending: set[asyncio.Task[None]] = set()
    outstanding = _Outstanding()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        senders = [_Sender(request, options, session) for request in requests]
        forward = list(range(len(senders)))
        order = [forward, forward[::-1]]
        loop = asyncio.get_running_loop()
        n, i = len(times), 0
        while i < n:
            now = time.monotonic()
            while i < n and times[i] <= now:
                # With two endpoints (A/B), the one sent first alternates by arrival:
                # on a shared server the second waits behind the first, and always
                # sending A first would hand B that wait as a difference.
                for k in order[i % len(order)]:
                    sender = senders[k]
                    lag = tally.send_lag if k == 0 else None
                    if sender.pool is not None:
                        _fire(sender, tally.arms[k], times[i], lag, options, start, outstanding)
                        continue
                    task = loop.create_task(
                        _one(sender, tally.arms[k], times[i], lag, options, start)
                    )
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                tally.sent += 1
                i += 1
            if i < n:
                # Sleep to the next arrival. The loop's timers have 1-ms resolution, so
                # a shorter sleep would spin; sleeping 1 ms instead may send up to 1 ms
                # late, which the send lag shows and the latency (from the intended
                # time) includes. When behind, sleep(0) still lets replies in.
                delay = times[i] - time.monotonic()
                await asyncio.sleep(max(delay, _MIN_SLEEP_S) if delay > 0 else 0)
        tally.last_send = time.monotonic()
        if pending:
            await asyncio.gather(*pending)
        await outstanding.idle.wait()
        for sender in senders:
            sender.close()
    return tally


def _worker_body(
    requests: Sequence[Request], offsets: Offsets, start: float, options: Options
) -> Tally:
    cpu0, wall0 = time.process_time(), time.monotonic()
    with _event_loop_runner() as runner:
        tally = runner.run(_open_loop(requests, offsets, start, options))
    wall = max(time.monotonic() - max(wall0, start), 1e-9)
    tally.cpu_s.append(time.process_time() - cpu0)
    tally.wall_s.append(wall)
    return tally


def _child(conn: Any, requests: Sequence[Request], offsets: Offsets, options: Options) -> None:
    """A worker process: report ready (imports done), wait for the common start, run
    its share, send back the packed tally (or the error's text)."""
    try:
        import aiohttp  # noqa: F401  (imported before "ready", so the start is fair)

        conn.send("ready")
        start = conn.recv()
        conn.send(("ok", _worker_body(requests, offsets, start, options).pack()))
    except BaseException as exc:  # reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_open(
    requests: Sequence[Request],
    offsets: Offsets,
    *,
    processes: int = 1,
    options: Options | None = None,
) -> Tally:
    """Send every arrival of ``offsets`` to each of ``requests`` (one for a plain
    run, two for a paired A/B) from ``processes`` processes; the merged tally."""
    options = options or Options()
    if processes == 1:
        import aiohttp  # noqa: F401  (before the start: importing it takes ~0.2 s)

        return _worker_body(requests, offsets, time.monotonic() + 0.05, options)
    ctx = multiprocessing.get_context("spawn")
    pipes, procs = [], []
    for index in range(processes):
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_child, args=(child, list(requests), share(offsets, processes, index), options)
        )
        proc.start()
        child.close()
        pipes.append(parent)
        procs.append(proc)
    try:
        for conn in pipes:
            conn.recv()  # "ready"
        start = time.monotonic() + _START_SLACK_S
        for conn in pipes:
            conn.send(start)
        merged: Tally | None = None
        for conn in pipes:
            status, payload = conn.recv()
            if status != "ok":
                raise AssayError(f"a load worker process failed: {payload}")
            part = Tally.unpack(payload)
            if merged is None:
                merged = part
            else:
                merged.merge(part)
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
    assert merged is not None
    return merged


async def _closed_loop(request: Request, duration: float, options: Options) -> Tally:
    import aiohttp

    tally = Tally(arms=[ArmTally()])
    arm = tally.arms[0]
    options = replace(options, connections=1)
    connector = aiohttp.TCPConnector(limit=1)
    timeout = aiohttp.ClientTimeout(total=options.timeout_s)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        sender = _Sender(request, options, session)
        start = tally.start = time.monotonic()
        while time.monotonic() - start < duration:
            sent = time.monotonic()
            await _one(sender, arm, sent, None, options, start)
            tally.sent += 1
        tally.last_send = time.monotonic()
        sender.close()
    return tally


def run_closed(request: Request, duration: float, *, options: Options | None = None) -> Tally:
    """The closed-loop comparison: one connection, each request sent when the last
    reply arrives, each timed from its actual send, for ``duration`` seconds."""
    options = options or Options()
    cpu0 = time.process_time()
    with _event_loop_runner() as runner:
        tally = runner.run(_closed_loop(request, duration, options))
    tally.cpu_s.append(time.process_time() - cpu0)
    tally.wall_s.append(max(tally.last_send - tally.start, 1e-9))
    return tally

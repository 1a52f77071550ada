"""Bundled targets to point ``assay load`` at: ``python -m assay.load.targets KIND``.

- ``fast``: answers every request at once with a few bytes (for comparing client
  throughput with ``wrk`` against the same server);
- ``stall``: answers in about 1 ms, but freezes its whole event loop for 200 ms every
  2 s, as a garbage-collection pause or a blocking call would. Under open-loop load
  at 500 req/s about a tenth of requests arrive during a freeze, so P99 is near
  180 ms; a closed-loop client sends nothing while it waits and sees about 1 ms;
- ``stream``: answers with server-sent events, ``--tokens`` of them ``--gap-ms``
  apart (an LLM endpoint's token stream), then ``data: [DONE]``.

Each prints ``listening on http://127.0.0.1:PORT`` once it accepts connections
(``--port 0`` picks a free port), and binds to loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]


def _app(kind: str, *, stall_ms: float, every_s: float, tokens: int, gap_ms: float) -> Any:
    from aiohttp import web

    body = b"ok\n"

    async def fast(request: web.Request) -> web.Response:
        if request.can_read_body:
            await request.read()
        return web.Response(body=body, content_type="text/plain")

    async def slow_ish(request: web.Request) -> web.Response:
        if request.can_read_body:
            await request.read()
        await asyncio.sleep(0.001)
        return web.Response(body=body, content_type="text/plain")

    async def stream(request: web.Request) -> web.StreamResponse:
        if request.can_read_body:
            await request.read()
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for index in range(tokens):
            await asyncio.sleep(gap_ms / 1000)
            await resp.write(f'data: {{"token": {index}}}\n\n'.encode())
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def freezer(app: web.Application) -> Any:
        async def loop() -> None:
            while True:
                await asyncio.sleep(every_s)
                time.sleep(stall_ms / 1000)  # blocks the whole event loop: the stall

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()

    app = web.Application()
    handler = {"fast": fast, "stall": slow_ish, "stream": stream}[kind]
    app.router.add_route("*", "/{tail:.*}", handler)
    if kind == "stall":
        app.cleanup_ctx.append(freezer)
    return app


async def _serve(app: Any, port: int) -> None:
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    server: Any = site._server
    bound = server.sockets[0].getsockname()[1] if server is not None else port
    # The one line the caller waits for: the target is ready, and on which port.
    sys.stdout.write(f"listening on http://127.0.0.1:{bound}\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m assay.load.targets", description=__doc__)
    parser.add_argument("kind", choices=["fast", "stall", "stream"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stall-ms", type=float, default=200.0)
    parser.add_argument("--every-s", type=float, default=2.0)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--gap-ms", type=float, default=5.0)
    args = parser.parse_args(argv)
    app = _app(
        args.kind,
        stall_ms=args.stall_ms,
        every_s=args.every_s,
        tokens=args.tokens,
        gap_ms=args.gap_ms,
    )
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        try:
            runner.run(_serve(app, args.port))
        except KeyboardInterrupt:
            sys.exit(0)


if __name__ == "__main__":
    main()

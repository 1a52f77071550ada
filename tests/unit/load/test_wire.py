"""The lean HTTP/1.1 client against a real socket server that answers with exact bytes:
each body framing, streamed tokens, keep-alive reuse, and replies that go wrong."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from assay.load.wire import Pool, Reply, WireError, build_request

Answer = Callable[[bytes], list[bytes]]  # request bytes -> the pieces to send back


async def _with_server(answer: Answer, body: Callable[[Pool], Awaitable[object]]) -> object:
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                pieces = answer(head)
                for piece in pieces:
                    if piece == b"<close>":
                        writer.close()
                        return
                    if piece.startswith(b"<sleep "):
                        await asyncio.sleep(float(piece[7:-1]))
                        continue
                    writer.write(piece)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = Pool("127.0.0.1", port, limit=4)
    try:
        result = await body(pool)
    finally:
        pool.close()
        server.close()
        await server.wait_closed()
    return result, connections


def run(answer: Answer, body: Callable[[Pool], Awaitable[object]]) -> tuple[object, int]:
    return asyncio.run(_with_server(answer, body))  # type: ignore[return-value]


def one(answer: Answer, *, head: bool = False, timeout: float = 5.0) -> Reply:
    _, _, data = build_request("http://127.0.0.1/x", "HEAD" if head else "GET", None, ())
    result, _ = run(answer, lambda pool: pool.request(data, timeout, head=head))
    assert isinstance(result, Reply)
    return result


def test_the_request_is_built_once_with_host_and_length() -> None:
    host, port, data = build_request(
        "http://127.0.0.1:8080/v1/x?q=1", "POST", b'{"a": 1}', (("X-Key", "v"),)
    )
    assert (host, port) == ("127.0.0.1", 8080)
    assert data.startswith(b"POST /v1/x?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")
    assert b"X-Key: v\r\n" in data and b"Content-Length: 8\r\n" in data
    assert data.endswith(b'\r\n\r\n{"a": 1}')


def test_content_length_body_and_keep_alive_reuse() -> None:
    answer = lambda _: [b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe", b"llo"]  # noqa: E731
    _, _, data = build_request("http://127.0.0.1/", "GET", None, ())

    async def three(pool: Pool) -> list[int]:
        return [(await pool.request(data, 5)).status for _ in range(3)]

    statuses, connections = run(answer, three)
    assert statuses == [200, 200, 200] and connections == 1  # one connection, reused


def test_chunked_body_times_each_chunk_as_a_token() -> None:
    reply = one(
        lambda _: [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
            b"<sleep 0.02>",
            b"2\r\nde\r\n",
            b"<sleep 0.02>",
            b"0\r\n\r\n",
        ]
    )
    assert reply.status == 200 and len(reply.token_times) == 2
    assert reply.token_times[1] - reply.token_times[0] >= 0.015
    assert reply.done >= reply.token_times[-1]


def test_server_sent_events_count_data_lines_not_done() -> None:
    events = b"".join(b'data: {"t": %d}\n\n' % i for i in range(3)) + b"data: [DONE]\n\n"
    reply = one(
        lambda _: [
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked"
            b"\r\n\r\n",
            b"%x\r\n%s\r\n" % (len(events[:10]), events[:10]),  # an event split across chunks
            b"%x\r\n%s\r\n" % (len(events[10:]), events[10:]),
            b"0\r\n\r\n",
        ]
    )
    assert len(reply.token_times) == 3


def test_a_body_delimited_by_close() -> None:
    reply = one(lambda _: [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it", b"<close>"])
    assert reply.status == 200


def test_head_and_204_have_no_body() -> None:
    assert (
        one(lambda _: [b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"], head=True).status == 200
    )
    assert one(lambda _: [b"HTTP/1.1 204 No Content\r\n\r\n"]).status == 204


@pytest.mark.parametrize(
    ("pieces", "kind"),
    [
        ([b"SMTP ready\r\n\r\n"], "bad reply"),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", b"<close>"], "disconnected"),
        ([b"<close>"], "disconnected"),
        ([b"<sleep 1>"], "timeout"),
    ],
)
def test_replies_that_go_wrong_have_a_kind(pieces: list[bytes], kind: str) -> None:
    with pytest.raises(WireError) as caught:
        one(lambda _: pieces, timeout=0.3)
    assert caught.value.kind == kind


def test_connect_refused() -> None:
    async def body() -> None:
        pool = Pool("127.0.0.1", 9, limit=1)  # the discard port, closed here
        await pool.request(b"GET / HTTP/1.1\r\n\r\n", 2)

    with pytest.raises(WireError) as caught:
        asyncio.run(body())
    assert caught.value.kind == "connect"


def test_requests_beyond_the_limit_wait_for_a_connection() -> None:
    answer = lambda _: [b"<sleep 0.05>", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]  # noqa: E731
    _, _, data = build_request("http://127.0.0.1/", "GET", None, ())

    async def many(pool: Pool) -> list[int]:
        replies = await asyncio.gather(*(pool.request(data, 5) for _ in range(10)))
        return [r.status for r in replies]

    statuses, connections = run(answer, many)
    assert statuses == [200] * 10 and connections == 4  # the pool's limit

"""``assay.endpoint``: an HTTP endpoint as a benchmark method, against real servers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import assay
from support import run_assay


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        out = json.dumps(
            {
                "method": self.command,
                "body": body.decode(),
                "type": self.headers.get("Content-Type"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_payloads_methods_and_keep_alive(echo: str) -> None:
    get = assay.endpoint(echo + "/v1/x")
    assert json.loads(get())["method"] == "GET"
    post = assay.endpoint(echo + "/v1/x", payload={"text": "hi"})
    answer = json.loads(post())
    assert answer == {"method": "POST", "body": '{"text": "hi"}', "type": "application/json"}
    from_workload = assay.endpoint(echo + "/v1/x")
    assert json.loads(from_workload(b"raw"))["body"] == "raw"  # the trial's input as payload
    conn = from_workload._conn
    from_workload("again")
    assert from_workload._conn is conn  # the same kept-alive connection
    assert from_workload.__module__ == __name__  # filed under the declaring module
    for made in (get, post, from_workload):
        made.close()


def test_an_error_status_fails_the_call(echo: str) -> None:
    missing = assay.endpoint(echo + "/missing")
    with pytest.raises(RuntimeError, match="HTTP 404"):
        missing()
    missing.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "http://example.com/"}, "not a loopback address"),
        ({"url": "http://127.0.0.1:1/", "timeout": 0}, "timeout must be seconds above 0"),
        ({"url": "http://127.0.0.1:1/", "method": "BREW"}, "method must be"),
    ],
)
def test_bad_endpoints_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(assay.InputError, match=message):
        assay.endpoint(**kwargs)  # type: ignore[arg-type]


def test_endpoints_as_methods_in_a_benchmark_file(
    tmp_path: Path, target: Callable[..., str]
) -> None:
    fast = target("fast")
    (tmp_path / "bench_serving.py").write_text(
        "import assay\n\n"
        "@assay.workload\n"
        "def data(seed):\n"
        '    return {"text": "hello"}\n\n'
        f'assay.baseline(assay.endpoint("{fast}/v1/a"), name="a")\n'
        f'assay.candidate(assay.endpoint("{fast}/v1/b", payload=b"x" * 100), name="b")\n'
    )
    assert run_assay(tmp_path, "init", ".").returncode == 0
    result = run_assay(tmp_path, "bench", "run", "bench_serving.py", "--trials", "3", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    text = json.dumps(doc)
    assert '"a"' in text and '"b"' in text and "time" in text

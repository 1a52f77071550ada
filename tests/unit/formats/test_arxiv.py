"""arXiv API Atom: reading saved answers, refusing unsafe XML, and fetching."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.errors import AssayError, InputError, NotFoundError
from assay.formats import arxiv
from assay.pipeline.papers import Author

DATA = Path(__file__).parent / "data"
ATOM = (DATA / "arxiv_2205.14135.xml").read_bytes()

ERROR_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_9999.99999</id>
    <title>Error</title>
    <summary>incorrect id format for 9999.99999</summary>
  </entry>
</feed>"""


def test_a_saved_answer_becomes_a_paper() -> None:
    (paper,) = arxiv.load_arxiv_atom(DATA / "arxiv_2205.14135.xml")
    assert paper.arxiv_id == "2205.14135"
    assert paper.title == (
        "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
    )
    assert paper.authors[0] == Author("Dao", "Tri")
    assert paper.authors[1] == Author("Fu", "Daniel Y.")
    assert paper.authors[-1] == Author("Ré", "Christopher")
    assert paper.year == 2022
    assert paper.doi == "10.48550/arxiv.2205.14135"
    assert paper.url == "http://arxiv.org/abs/2205.14135v2"
    assert paper.code_url == "https://github.com/HazyResearch/flash-attention"
    assert paper.abstract.startswith("Transformers are slow and memory-hungry on long sequences,")
    assert paper.source == "arxiv"


def test_an_error_answer_is_not_found() -> None:
    with pytest.raises(NotFoundError, match=r"incorrect id format for 9999\.99999"):
        arxiv.parse_arxiv_atom(ERROR_FEED)


def test_entities_and_doctypes_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>&lol2;</title></feed>"
    )
    with pytest.raises(InputError, match="declares a DTD or entities"):
        arxiv.parse_arxiv_atom(bomb)
    external = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><feed>&e;</feed>'
    with pytest.raises(InputError, match="refusing to parse"):
        arxiv.parse_arxiv_atom(external)


def test_broken_xml_and_the_wrong_root() -> None:
    with pytest.raises(InputError, match=r"saved\.xml, line 2, column \d+: not well-formed"):
        arxiv.parse_arxiv_atom("<feed>\n<entry></feed>", source="saved.xml")
    with pytest.raises(InputError, match="expected an Atom <feed>"):
        arxiv.parse_arxiv_atom("<html></html>")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = ATOM if "id_list=2205.14135" in self.path else ERROR_FEED
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def api() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_fetch_from_a_real_http_server(api: str) -> None:
    paper = arxiv.fetch_arxiv("arXiv:2205.14135v2", timeout=5, api=api)
    assert paper.arxiv_id == "2205.14135"
    with pytest.raises(NotFoundError):
        arxiv.fetch_arxiv("9999.99999", timeout=5, api=api)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_network_says_so_plainly() -> None:
    api = f"http://127.0.0.1:{_closed_port()}/api/query"
    with pytest.raises(arxiv.NetworkUnavailableError) as info:
        arxiv.fetch_arxiv("2205.14135", timeout=2, api=api)
    message = str(info.value)
    assert message.startswith("the network is unavailable: could not reach the arXiv API")
    assert "saved Atom file or BibTeX" in message
    assert isinstance(info.value, AssayError)


def test_a_bad_id_is_refused_before_any_request() -> None:
    with pytest.raises(InputError, match="is not an arXiv identifier"):
        arxiv.fetch_arxiv("not an id", api="http://127.0.0.1:9/never")

"""``assay inbox`` and ``assay cadence`` end to end (issue 16), on SQLite and a real
PostgreSQL server: feeds imported from saved files (tests/data/inbox) and from a real
HTTP server on 127.0.0.1; duplicates counted, not added; bad feeds refused (one line,
exit 2, nothing written); triage to pass 1 (the paper record and its pass-1 entry),
skip (why) or a technique; the sources' yield as items reach pass 2, pass 3, a
prototype and the radar; the week's cadence against the targets in assay.toml; the
weekly digest in Markdown and HTML."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import CliChecks, Run, store_cli

DATA = Path(__file__).parents[2] / "data" / "inbox"
API_ANSWER = Path(__file__).parents[2] / "unit" / "formats" / "data" / "arxiv_2205.14135.xml"
TABLES = ("inbox_sources", "inbox_items", "papers", "reading_passes", "audit_entries")
TECH = "Paged attention"


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    (tmp_path / ".assay").mkdir()  # where assay.toml lives; the store is database_url
    return store_cli(database_url, tmp_path, monkeypatch, capsys)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # stderr is the command's
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving tests/data/inbox; its base URL."""
    handler = functools.partial(_Quiet, directory=str(DATA))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


ok, as_json, refused = CliChecks(TABLES).functions()


@pytest.fixture
def team(cli: Run) -> None:
    for name, role in (("priya", "admin"), ("marco", "contributor"), ("vic", "viewer")):
        ok(cli, "user", "add", name, "--role", role)
    ok(cli, "technique", "add", TECH, "--area", "inference")


def test_import_counts_duplicates(cli: Run, team: None, server: str) -> None:
    rss = as_json(cli, "inbox", "import", DATA / "arxiv-cs.LG.rss", "--source", "arXiv cs.LG")
    assert (rss["format"], rss["records"], rss["new"], rss["duplicates"]) == ("rss", 3, 3, 0)
    again = as_json(cli, "inbox", "import", DATA / "arxiv-cs.LG.rss", "--source", "arxiv CS.lg")
    assert (again["source"], again["new"], again["duplicates"]) == ("arXiv cs.LG", 0, 3)
    # the NeurIPS list links speculative decoding's PDF: the same arXiv paper
    csv = as_json(cli, "inbox", "import", DATA / "neurips-orals.csv", "--source", "NeurIPS")
    assert (csv["new"], csv["duplicate_titles"]) == (2, [
        "Fast Inference from Transformers via Speculative Decoding"
    ])  # fmt: skip
    # FlashAttention is already a paper: not added to the inbox
    ok(cli, "paper", "add", "--atom", API_ANSWER)
    jsonl = as_json(cli, "inbox", "import", DATA / "icml-list.jsonl")
    assert (jsonl["source"], jsonl["new"], jsonl["duplicates"]) == ("icml-list", 1, 1)
    # from a URL, served by a real HTTP server
    url = as_json(cli, "inbox", "import", f"{server}/arxiv-cs.LG.atom", "--source", "atom")
    assert (url["format"], url["new"], url["duplicates"]) == ("atom", 1, 1)
    assert url["items"][0]["title"].startswith("Mamba")
    listed = as_json(cli, "inbox")["items"]
    assert len(listed) == 3 + 2 + 1 + 1 and {i["status"] for i in listed} == {"new"}
    assert [i["id"] for i in as_json(cli, "inbox", "--source", "neurips")["items"]] == [4, 5]
    table = ok(cli, "inbox")
    assert "GQA: Training Generalized" in table and "Inbox (new): 7 items" in table


def test_bad_feeds_write_nothing(
    cli: Run, team: None, database_url: str, tmp_path: Path, server: str
) -> None:
    ok(cli, "inbox", "import", DATA / "arxiv-cs.LG.rss")
    bad = tmp_path / "list.csv"
    bad.write_text("title,authors,url\nGood one,A B,http://x/1\nBad,C D,http://x/2,extra\n")
    said = refused(cli, database_url, "inbox", "import", bad)
    assert "list.csv, line 3: more cells than the header has columns" in said
    broken = tmp_path / "broken.rss"
    broken.write_text((DATA / "arxiv-cs.LG.rss").read_text("utf-8").replace("</item>", "", 1))
    said = refused(cli, database_url, "inbox", "import", broken)
    assert "broken.rss, line" in said and "not well-formed XML" in said
    said = refused(cli, database_url, "inbox", "import", tmp_path / "none.rss")
    assert "none.rss" in said
    said = refused(cli, database_url, "inbox", "import", f"{server}/missing.rss")
    assert "answered HTTP 404" in said
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    said = refused(cli, database_url, "inbox", "import", f"http://127.0.0.1:{port}/feed.rss")
    assert "the network is unavailable" in said
    jsonl = DATA / "icml-list.jsonl"
    said = refused(cli, database_url, "inbox", "import", jsonl, "--source", "<x>")
    assert "source name '<x>' is not usable" in said
    said = refused(cli, database_url, "inbox", "import", jsonl, by="vic")
    assert "importing a feed into the reading inbox needs the contributor role" in said


def test_triage(cli: Run, team: None, database_url: str) -> None:
    ok(cli, "inbox", "import", DATA / "arxiv-cs.LG.rss")
    # pass 1 with the claim: the paper record and its pass-1 reading entry
    item = as_json(
        cli, "inbox", "triage", "1", "--pass1", "--claim", "paging the KV cache doubles "
        "throughput", "--why", "we serve LLMs", by="marco",
    )  # fmt: skip
    assert (item["status"], item["paper"], item["assignee"]) == ("pass1", "2309.06180", "marco")
    assert item["pass_reached"] == 1
    paper = as_json(cli, "paper", "show", "2309.06180")
    assert paper["passes"][0]["answers"] == {"claim": "paging the KV cache doubles throughput"}
    assert paper["passes"][0]["by"] == "marco" and paper["authors"][0]["family"] == "Kwon"
    # pass 1 without a claim: the paper is created, its pass 1 is next, for the assignee
    item = as_json(cli, "inbox", "triage", "2", "--pass1", "--assign", "priya", by="marco")
    assert (item["paper"], item["assignee"], item["pass_reached"]) == ("2211.17192", "priya", 0)
    said = ok(cli, "inbox", "triage", "3", "--technique", "paged ATTENTION", "--why", "GQA too")
    assert f"#3 → technique {TECH}" in said
    # refusals: one line, exit 2, nothing written
    ok(cli, "inbox", "import", DATA / "neurips-orals.csv")  # items 4 and 5
    for args, expected in (
        (("4", "--skip", "  "), "--skip needs the reason"),
        (("4",), "triage an item one way"),
        (("4", "--pass1", "--skip", "x"), "(given: --pass1, --skip)"),
        (("4", "--skip", "x", "--assign", "marco"), "a skipped one is done"),
        (("4", "--technique", "x", "--claim", "c"), "--claim records pass 1"),
        (("4", "--pass1", "--claim", "c"), "needs the reason to read on: --why"),
        (("4", "--technique", "Paged attn"), "unknown technique 'Paged attn'; did you mean"),
        (("4", "--pass1", "--assign", "nobody"), "--assign 'nobody': no such active user"),
        (("1", "--skip", "changed my mind"), "inbox item 1 was triaged already (pass1, by marco"),
        (("99", "--skip", "x"), "no inbox item 99"),
    ):
        said = refused(cli, database_url, "inbox", "triage", *args)
        assert expected in said, (args, said)
    said = refused(cli, database_url, "inbox", "triage", "4", "--skip", "x", by="vic")
    assert "triaging an inbox item needs the contributor role" in said
    ok(cli, "inbox", "triage", "4", "--skip", "fine-tuning is not our product", by="marco")
    # the lists
    assert [i["id"] for i in as_json(cli, "inbox")["items"]] == [5]
    mine = as_json(cli, "inbox", "--status", "all", "--mine", by="priya")["items"]
    assert [i["id"] for i in mine] == [2]
    skipped = as_json(cli, "inbox", "--status", "skipped")["items"]
    assert [(i["id"], i["reason"]) for i in skipped] == [(4, "fine-tuning is not our product")]
    said = refused(cli, database_url, "inbox", "--source", "nowhere")
    assert "no source 'nowhere'" in said


def test_a_source_of_an_area_is_routed_to_its_owner(
    cli: Run, team: None, database_url: str
) -> None:
    said = refused(cli, database_url, "inbox", "import", DATA / "arxiv-cs.LG.rss", "--area", "x")
    assert "--area 'x' is not an area of the radar; its areas: inference" in said
    ok(cli, "area", "set-owner", "INFERENCE", "marco")
    ok(cli, "inbox", "import", DATA / "arxiv-cs.LG.rss", "--area", " Inference ")
    ok(cli, "inbox", "import", DATA / "neurips-orals.csv")  # no area: nobody's
    routed = as_json(cli, "inbox", "--mine", by="marco")["items"]
    assert routed and {i["routed_to"] for i in routed} == {"marco"}
    assert {i["area"] for i in routed} == {"inference"}
    assert as_json(cli, "inbox", "--mine", by="priya")["items"] == []
    assert "for marco" in ok(cli, "inbox")
    # pass 1 goes to the owner unless --assign says otherwise; a skip is the triager's
    first, second = routed[0]["id"], routed[1]["id"]
    item = as_json(cli, "inbox", "triage", str(first), "--pass1", by="priya")
    assert (item["assignee"], item["triaged_by"]) == ("marco", "priya")
    item = as_json(cli, "inbox", "triage", str(second), "--pass1", "--assign", "priya")
    assert item["assignee"] == "priya"
    # a new owner takes over what is still untriaged
    ok(cli, "area", "set-owner", "inference", "priya")
    left = as_json(cli, "inbox", "--mine", by="priya")["items"]
    assert {i["id"] for i in left} >= {i["id"] for i in routed[2:]}


def test_sources_yield(cli: Run, team: None) -> None:
    ok(cli, "inbox", "import", DATA / "arxiv-cs.LG.rss", "--source", "arxiv")
    ok(cli, "inbox", "import", DATA / "neurips-orals.csv", "--source", "neurips")
    ok(cli, "inbox", "triage", "1", "--pass1", "--claim", "paging", "--why", "ours")
    ok(cli, "inbox", "triage", "2", "--pass1")
    ok(cli, "inbox", "triage", "3", "--technique", TECH)
    ok(cli, "inbox", "triage", "4", "--skip", "not our problem")
    read = ("--decision", "continue", "--reason", "worth it")
    ok(cli, "paper", "read", "2309.06180", "--pass", "2", "--technique", "paging", *read)
    ok(cli, "paper", "read", "2309.06180", "--pass", "3", "--ablations", "block size", *read)
    ok(cli, "paper", "link", "2309.06180", TECH)
    found = {s["source"]: s for s in as_json(cli, "inbox", "sources")["sources"]}
    arxiv = found["arxiv"]
    assert (arxiv["imported"], arxiv["triaged"], arxiv["skipped"]) == (3, 3, 0)
    assert (arxiv["pass1"], arxiv["pass2"], arxiv["pass3"]) == (2, 1, 1)
    assert (arxiv["prototype"], arxiv["radar"]) == (0, 2)  # the linked paper and item 3
    neurips = found["neurips"]
    assert (neurips["imported"], neurips["triaged"], neurips["skipped"], neurips["radar"]) == (
        2, 1, 1, 0,
    )  # fmt: skip
    proto = ("prototype", "new", TECH, "paging-p1", "--hypothesis", "paging is faster",
             "--success", "effect(time) <= -20%", "--timebox", "2w")  # fmt: skip
    ok(cli, *proto)
    assert as_json(cli, "inbox", "sources")["sources"][0]["prototype"] == 2
    table = ok(cli, "inbox", "sources")
    assert "Sources and their yield" in table and "neurips" in table


def test_cadence_and_digest(cli: Run, team: None, tmp_path: Path) -> None:
    said = ok(cli, "workspace", "set", "cadence.scan_per_week", "2")
    assert "Set cadence.scan_per_week = 2" in said
    ok(cli, "workspace", "set", "cadence.pass2_per_week", "1")
    code, _out, err = cli("workspace", "set", "cadence.scan_per_week", "many")
    assert code == 2 and "cadence.scan_per_week" in err and "valid integer" in err
    code, _out, err = cli("workspace", "set", "cadence.per_day", "3")
    assert code == 2 and "Extra inputs are not permitted" in err
    assert "scan_per_week = 2" in (tmp_path / ".assay" / "assay.toml").read_text()
    ok(cli, "inbox", "import", DATA / "arxiv-cs.LG.rss")
    ok(cli, "inbox", "import", DATA / "neurips-orals.csv")
    ok(cli, "inbox", "triage", "1", "--pass1", "--claim", "paging", "--why", "ours", by="marco")
    ok(cli, "inbox", "triage", "2", "--skip", "we do not sample", by="marco")
    ok(cli, "inbox", "triage", "3", "--technique", TECH, by="priya")
    read = ("--decision", "continue", "--reason", "worth it")
    paper = ("paper", "read", "2309.06180")
    ok(cli, *paper, "--pass", "2", "--technique", "paging", *read, by="marco")
    ok(cli, *paper, "--pass", "3", "--ablations", "none", *read, by="marco")
    cadence = as_json(cli, "cadence")
    assert cadence["targets"] == {"scan_per_week": 2, "pass2_per_week": 1, "pass3_per_month": 1}
    people = {p["person"]: p for p in cadence["people"]}
    assert set(people) == {"priya", "marco"}  # the viewer is not counted
    assert (people["marco"]["scans"], people["marco"]["second_passes"]) == (2, 1)
    assert people["marco"]["deep_reads"] == 1 and not people["marco"]["behind"]
    assert people["priya"]["short"] == ["scans 1/2", "second passes 0/1", "deep reads 0/1"]
    assert cadence["behind"] == ["priya"]
    table = ok(cli, "cadence")
    assert "Behind: priya" in table and "on track" in table
    past = as_json(cli, "cadence", "--week", "2020-W10")
    assert {p["scans"] for p in past["people"]} == {0}
    code, _out, err = cli("cadence", "--week", "2026-10")
    assert code == 2 and "expected YYYY-Www" in err
    # the digest
    digest = as_json(cli, "inbox", "digest")
    assert [i["id"] for i in digest["to_pass1"]] == [1]
    assert [i["reason"] for i in digest["skipped"]] == ["we do not sample"]
    assert [p["paper"] for p in digest["passes"]["3"]["survived"]] == ["2309.06180"]
    markdown = ok(cli, "inbox", "digest")
    assert markdown.startswith("# Reading digest ")
    assert (
        "**Fast Inference from Transformers via Speculative Decoding** (arxiv-cs.LG) — we "
        "do not sample" in markdown
    )
    out = tmp_path / "digest.html"
    ok(cli, "inbox", "digest", "--format", "html", "--out", out)
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Sent to the radar" in page
    assert "<script" not in page
    assert "None this week." in ok(cli, "inbox", "digest", "--week", "2020-W10")


def test_the_demo_step(tmp_path: Path) -> None:
    """The demo's inbox step on the records it follows (a technique, a paper): the
    listing imported with FlashAttention counted as a duplicate, five items triaged."""
    import datetime as dt

    from assay import Workspace
    from assay.demo.context import DemoContext
    from assay.demo.inbox import inbox_step

    ws = Workspace.init(tmp_path / "demo", user="Priya")
    with ws:
        for name, role in (("Priya", "admin"), ("Marco", "contributor"), ("Aiko", "contributor"),
                           ("Sam", "approver")):  # fmt: skip
            ws.users.add(name, role)
        ws.radar.add("Speculative decoding", area="inference")
        ws.papers.import_atom(API_ANSWER)
        ctx = DemoContext(root=tmp_path / "demo", today=dt.date(2026, 12, 7))
        inbox_step(ws, ctx)
        assert ctx.log[-1].startswith("inbox: 6 items from arXiv cs.LG (1 already a paper)")
        (source,) = ws.inbox.sources()
        assert (source.imported, source.triaged, source.skipped, source.pass1) == (6, 5, 2, 2)
        assert source.radar == 1
        assert [i.title[:4] for i in ws.inbox.list()] == ["Ring"]
        assert ws.papers.get("2309.06180").passes[0].by == "Marco"

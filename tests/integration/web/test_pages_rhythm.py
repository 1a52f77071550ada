"""The team's rhythm through the app (FastAPI's TestClient) on a real SQLite workspace:
the reading inbox with its sources and cadence (``/inbox``), the credibility page
(``/credibility``), the coverage funnel (``/coverage``) and the private
self-assessment (``/self``, ``/self/{person}``).

The record is written through the real command line and services: two saved feeds
(tests/data/inbox) imported and triaged, a technique adopted on a stored benchmark
run and one rejected with a post-mortem, resolved forecasts, self-ratings and a
growth area. Each page's HTML shows what was stored (user text escaped), its JSON is
the CLI's ``--json`` of the same read, an empty workspace shows what fills each page,
and a self-assessment reaches only its person and admins (403 for anyone else, and
never through the page cache).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assay.pipeline.predictions import Outcome
from assay.workspace import Workspace
from support import hyperfine_file
from support.web import cli_in, form_fields

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2, which has the same API
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

DATA = Path(__file__).parents[2] / "data" / "inbox"
PEOPLE = {"admin": "admin", "aiko": "contributor", "apu": "approver", "sam": "contributor",
          "viewer": "viewer"}  # fmt: skip
PASSWORD = "rhythm-correct-horse-battery"
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
BREAKER = '"><img src=x onerror=alert(1)>'
JSON = {"accept": "application/json"}
TODAY = dt.date.today()
UTC = dt.UTC
NEXT_YEAR = f"{TODAY.year + 1}-06-30"
PM = f"""
lessons = ["Measure the copy first {SCRIPT}"]
"""

Clients = Callable[[str], TestClient]


def _users(root: Path) -> None:
    Workspace.init(root, user="admin").close()
    for name, role in PEOPLE.items():
        cli_in(root, "user", "add", name, "--role", role, by="admin")
    with Workspace.open(root, user="admin") as ws:
        for name in PEOPLE:
            ws.accounts.set_password(name, PASSWORD)


def _reading(root: Path) -> None:
    """Two feeds imported by aiko; three items triaged (pass 1 with its claim, skipped
    with a hostile reason, linked to Tiling); the paper linked to Tiling; targets that
    aiko meets and sam does not."""
    cli_in(root, "inbox", "import", str(DATA / "arxiv-cs.LG.rss"), "--source", "arXiv cs.LG",
           by="aiko")  # fmt: skip
    cli_in(root, "inbox", "import", str(DATA / "neurips-orals.csv"), "--source", "NeurIPS",
           by="aiko")  # fmt: skip
    sent = json.loads(cli_in(root, "inbox", "triage", "1", "--pass1", "--claim", "paging helps",
                             "--why", "we serve LLMs", "--json", by="aiko"))  # fmt: skip
    cli_in(root, "inbox", "triage", "2", "--skip", f"not for us {SCRIPT}", by="aiko")
    cli_in(root, "inbox", "triage", "3", "--technique", "Tiling", "--why", "GQA tiles", by="aiko")
    cli_in(root, "paper", "link", sent["paper"], "Tiling", by="aiko")
    hostile = root.parent / "hostile.jsonl"
    item = {"title": f"Attention {SCRIPT}", "authors": [BREAKER], "url": "javascript:alert(1)"}
    hostile.write_text(json.dumps(item) + "\n", "utf-8")
    cli_in(root, "inbox", "import", str(hostile), "--source", "hostile", by="sam")
    for key, value in (("scan_per_week", "3"), ("pass2_per_week", "0"), ("pass3_per_month", "0")):
        cli_in(root, "workspace", "set", f"cadence.{key}", value)


def _record(root: Path) -> str:
    """Tiling adopted (YES at validation, its criterion PASSED on a stored run), Paging
    rejected (NO, FAILED) with a post-mortem; past forecasts resolved. The run's id."""
    cli_in(root, "technique", "add", "Tiling", "--area", "kernels", "--owner", "aiko", by="admin")
    cli_in(root, "technique", "add", "Paging", "--area", "kernels", "--owner", "sam", by="admin")
    for name, tech, hypothesis, success in (
        ("tiling-p1", "Tiling", "tiling is four times faster", "effect(time) <= -20%"),
        ("paging-p1", "Paging", "paging makes it ten times faster", "effect(time) <= -90%"),
    ):
        cli_in(root, "prototype", "new", tech, name, "--hypothesis", hypothesis, "--success",
               success, "--timebox", "2w", "--stage", "validation", by="aiko")  # fmt: skip
    hyperfine = hyperfine_file(root.parent / "hyperfine.json")
    run = json.loads(cli_in(root, "bench", "import", str(hyperfine), "--baseline", "naive",
                            "--json", by="aiko"))["run_id"]  # fmt: skip
    for name in ("tiling-p1", "paging-p1"):
        cli_in(root, "prototype", "evidence", name, run, by="aiko")
    cli_in(root, "gate", "decide", "tiling-p1", "yes", "--why", "4x faster", "--override", by="apu")
    cli_in(root, "learning", "add", "paging-p1", "--learned", "paging alone is not enough",
           "--surprises", "the copy dominates", "--implicit", "warm the cache first",
           "--advice", "measure the copy", by="sam")  # fmt: skip
    cli_in(root, "gate", "decide", "paging-p1", "no", "--why", "not 10x", by="apu")
    (root.parent / "pm.toml").write_text(PM, "utf-8")
    cli_in(root, "postmortem", "new", "Paging", "--from", str(root.parent / "pm.toml"), by="sam")
    with Workspace.open(root, user="aiko") as ws:
        at = dt.datetime(2026, 1, 5, tzinfo=UTC)
        fast = ws.predictions.add("Tiling makes the kernel 20% faster", 0.8, dt.date(2026, 2, 1),
                                  at=at)  # fmt: skip
        ws.user = "sam"
        ws.predictions.forecast(int(fast.id or 0), 0.3, at=at)
        ws.user = "aiko"
        ws.predictions.resolve(
            int(fast.id or 0), Outcome.YES, at=dt.datetime(2026, 2, 2, tzinfo=UTC)
        )
    return str(run)


def _self_assessment(root: Path) -> None:
    """aiko rated paper reading twice (2 then 4) and benchmarking once, and has a growth
    area; an admin rated sam's communication."""
    with Workspace.open(root, user="aiko") as ws:
        first = dt.datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
        ws.self_assessment.rate("paper-reading", 2, note="slow on proofs", at=first)
        ws.self_assessment.rate("paper-reading", 4, note=f"three a week {SCRIPT}")
        ws.self_assessment.rate("benchmarking", 3)
        ws.self_assessment.add_growth(
            "reproductions", practice="one a month", measure="a report each", due=TODAY
        )
    with Workspace.open(root, user="admin") as ws:
        ws.self_assessment.rate("communication", 5, person="sam", note="clear write-ups")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the full workspace's root, an empty one's: users only)."""
    base = tmp_path_factory.mktemp("rhythm")
    full, empty = base / "full" / "team", base / "empty" / "team"
    full.parent.mkdir()
    empty.parent.mkdir()
    _users(full)
    _record(full)
    _reading(full)
    _self_assessment(full)
    _users(empty)
    return full, empty


def _sign_in(client: TestClient, name: str) -> TestClient:
    form = form_fields(client.get("/login").text)
    data = {"name": name, "password": PASSWORD, "csrf": form["csrf"], "next": "/radar"}
    assert client.post("/login", data=data).status_code == 303
    return client


@pytest.fixture(scope="module")
def sites(built: tuple[Path, Path]) -> Iterator[dict[str, Clients]]:
    """Per workspace (``full``, ``empty``), a client signed in as a given person (one
    client per person, made on first use)."""
    from assay.web import create_app

    apps = {"full": create_app(built[0]), "empty": create_app(built[1])}
    made: dict[tuple[str, str], TestClient] = {}

    def of(which: str) -> Clients:
        def client(name: str) -> TestClient:
            if (which, name) not in made:
                # Not entered as a context manager: the lifespan would close the store's
                # SQLite connection from the client's thread; it is closed below instead.
                made[which, name] = _sign_in(TestClient(apps[which], follow_redirects=False), name)
            return made[which, name]

        return client

    try:
        yield {"full": of("full"), "empty": of("empty")}
    finally:
        for client in made.values():
            client.close()
        for app in apps.values():
            app.state.server.shared.close()


@pytest.fixture
def full(sites: dict[str, Clients]) -> Clients:
    return sites["full"]


@pytest.fixture
def empty(sites: dict[str, Clients]) -> Clients:
    return sites["empty"]


def cli_json(root: Path, *args: str, by: str | None = None) -> Any:
    """``assay ARGS --json [--by BY]`` in this process, in ``root``: its document."""
    return json.loads(cli_in(root, *args, "--json", by=by))


def _page(client: TestClient, path: str, **params: str) -> str:
    answer = client.get(path, params=params or None)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


def _json(client: TestClient, path: str, **params: str) -> Any:
    answer = client.get(path, params=params, headers=JSON)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
    return answer.json()


def _row(html: str, text: str) -> str:
    """The table row of ``html`` holding ``text``."""
    found = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(text)}.*?</tr>", html, re.DOTALL)
    assert found is not None, f"no row holds {text!r}"
    return found.group(0)


# -- the reading inbox -------------------------------------------------------------------


def test_inbox_page_shows_items_sources_and_cadence(full: Clients) -> None:
    html = _page(full("viewer"), "/inbox")
    # by default the items not triaged yet: 3 + 2 + 1 imported (one a duplicate), 3 triaged
    assert "3 items (new), oldest first" in html
    assert "QLoRA: Efficient Finetuning of Quantized LLMs" in html
    assert "Direct Preference Optimization" in html
    assert 'href="https://arxiv.org/abs/2305.14314"' in html  # the item's page
    assert "PagedAttention" not in html  # triaged: not new
    # the sources with their yield
    arxiv = _row(html, ">arXiv cs.LG</a>")
    cells = re.findall(r"<td>([^<]*)</td>", arxiv)
    # both pass-1 paper and GQA are linked to Tiling, which has a prototype
    assert cells == ["rss", "3", "3", "1", "1", "0", "0", "2", "2"], cells
    neurips = _row(html, ">NeurIPS</a>")
    assert re.findall(r"<td>([^<]*)</td>", neurips)[:4] == ["csv", "2", "0", "0"]
    # the cadence: aiko triaged 3 (the target), sam none
    assert re.findall(r"<td>([^<]*)</td>", _row(html, ">aiko</th>"))[:3] == ["3", "0", "0"]
    assert "on track" in _row(html, ">aiko</th>")
    assert "scans 0/3" in _row(html, ">sam</th>") and "behind" in _row(html, ">sam</th>")
    assert "Behind: admin, apu, sam." in html  # the viewer may not write: not counted
    assert "Targets, a person: 3 scans" in html
    # hostile text is shown as text; a javascript: URL never becomes a link
    assert f"Attention {ESCAPED}" in _row(html, "Attention")
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in _row(html, "Attention")
    assert SCRIPT not in html and "<img" not in html and 'href="javascript:' not in html


def test_inbox_filters_by_status_and_source(full: Clients) -> None:
    client = full("viewer")
    every = _page(client, "/inbox", status="all")
    assert "6 items (all)" in every and "PagedAttention" in every
    skipped = _page(client, "/inbox", status="skipped")
    assert "1 item (skipped)" in skipped
    row = _row(skipped, "Fast Inference from Transformers")
    assert f"not for us {ESCAPED}" in row and SCRIPT not in skipped
    sent = _row(_page(client, "/inbox", status="pass1"), "PagedAttention")
    assert "pass 1 read" in sent and ">aiko<" in sent
    linked = _row(_page(client, "/inbox", status="technique"), "GQA")
    assert 'href="/techniques/Tiling"' in linked
    neurips = _page(client, "/inbox", status="all", source="neurips")  # any case
    assert "2 items (all, from neurips)" in neurips and "GQA" not in neurips
    for params, said in (
        ({"status": "read"}, "status"),
        ({"week": "last week"}, "YYYY-Www"),
        ({"source": "nowhere"}, "no source 'nowhere'"),
    ):
        bad = client.get("/inbox", params=params, headers=JSON)
        assert bad.status_code == 422, params
        assert said in bad.json()["error"], bad.json()
    assert client.get("/inbox", params={"status": "read"}).status_code == 422  # the page too


def test_inbox_json_is_the_clis(full: Clients, built: tuple[Path, Path]) -> None:
    root = built[0]
    client = full("viewer")
    document = _json(client, "/inbox")
    assert (document["status"], document["source"]) == ("new", None)
    assert document["items"] == cli_json(root, "inbox")["items"]
    assert document["sources"] == cli_json(root, "inbox", "sources")["sources"]
    assert document["cadence"] == cli_json(root, "cadence")
    every = _json(client, "/inbox", status="all", source="NeurIPS")
    listed = cli_json(root, "inbox", "--status", "all", "--source", "NeurIPS")
    assert every["items"] == listed["items"]
    assert len(every["items"]) == 2
    week = (TODAY - dt.timedelta(days=7)).strftime("%G-W%V")
    earlier = _json(client, "/inbox", week=week)["cadence"]
    assert earlier == cli_json(root, "cadence", "--week", week)
    assert earlier["week"] == week and all(p["scans"] == 0 for p in earlier["people"])


# -- credibility and coverage ------------------------------------------------------------


def test_credibility_page_shows_predicted_measured_and_held(full: Clients) -> None:
    html = _page(full("viewer"), "/credibility")
    assert "1 technique adopted, 1 rejected" in html
    assert "held for 1 of 2 settled" in html
    tiling = html[html.index('href="/techniques/Tiling">Tiling</a>: ') :]
    tiling = tiling[: tiling.index("</article>")]
    assert ">adopted<" in tiling and "What was pre-registered held." in tiling
    assert "decided by apu (YES at the validation gate" in tiling
    assert "<code>effect(time) &lt;= -20%</code> <strong>PASS</strong>" in tiling
    assert re.search(r"effect\(time\) = -75% \(95% interval -75\.\d% to -74\.\d%\)", tiling)
    assert "Tiling makes the kernel 20% faster (aiko 80%, sam 30%; yes)" in tiling
    paging = html[html.index('href="/techniques/Paging">Paging</a>: ') :]
    assert "What was pre-registered did not hold." in paging[: paging.index("</article>")]
    people = _row(html, ">aiko</a></th>")
    assert 'href="/predictions/calibration?person=aiko"' in people
    assert "<td>0.040</td>" in people  # (1 - 0.8)^2
    assert "<td>0.490</td>" in _row(html, ">sam</a></th>")  # (1 - 0.3)^2
    assert 'href="/postmortems#pm' in _row(html, ">Paging</a></th>")
    assert f"Measure the copy first {ESCAPED}" in html and SCRIPT not in html


def test_credibility_and_coverage_json_are_the_clis(
    full: Clients, built: tuple[Path, Path]
) -> None:
    root = built[0]
    client = full("viewer")
    assert _json(client, "/credibility") == cli_json(root, "credibility")
    mine = _json(client, "/credibility", person="SAM")
    assert mine == cli_json(root, "credibility", "--person", "SAM")
    assert [t["name"] for t in mine["techniques"]] == ["Paging", "Tiling"]  # owner, forecaster
    coverage = _json(client, "/coverage")
    assert coverage == cli_json(root, "coverage")
    assert coverage["team"]["read"] == 1 and coverage["team"]["production"] == 1
    assert _json(client, "/coverage", person="aiko") == cli_json(
        root, "coverage", "--person", "aiko"
    )
    sam = _json(client, "/coverage", person="sam")  # read nothing
    assert sam == cli_json(root, "coverage", "--person", "sam")
    assert (sam["papers"], [p["read"] for p in sam["people"]]) == ([], [0])


def test_coverage_page_shows_the_funnel(full: Clients) -> None:
    html = _page(full("viewer"), "/coverage")
    team = re.findall(r"<td>([^<]*)</td>", _row(html, ">team</th>"))
    assert team == ["1", "1 (100%)", "1 (100%)"], team
    assert 'href="/coverage?person=aiko"' in html
    paper = _row(html, "Efficient Memory Management")
    assert 'href="/techniques/Tiling"' in paper and ">aiko<" in paper


# -- self-assessment ---------------------------------------------------------------------


def test_my_self_assessment_shows_ratings_history_and_growth(full: Clients) -> None:
    html = _page(full("aiko"), "/self")
    assert "Self-assessment of aiko" in html and "Private" in html
    reading = _row(html, ">paper reading</th>")
    assert "<td>4/5</td>" in reading
    assert reading.index("slow on proofs") < reading.index("three a week")  # oldest first
    assert f"three a week {ESCAPED}" in reading and SCRIPT not in html
    assert "<td>3/5</td>" in _row(html, ">benchmarking</th>")
    assert "not rated" in _row(html, ">communication</th>")
    growth = _row(html, ">reproductions</th>")
    assert "one a month" in growth and "a report each" in growth and TODAY.isoformat() in growth
    assert "past its date" not in growth  # due today
    assert "Calibration: Brier 0.040 over 1 resolved forecast" in html
    assert "Record: 1 adopted, 0 rejected" in html
    assert 'aria-current="page">Self-assessment<' in html


def test_self_assessment_json_is_the_clis(full: Clients, built: tuple[Path, Path]) -> None:
    root = built[0]
    assert _json(full("aiko"), "/self") == cli_json(root, "self", "show", by="aiko")
    assert _json(full("aiko"), "/self/AIKO") == cli_json(root, "self", "show", by="aiko")
    expected = cli_json(root, "self", "show", "--person", "sam", by="admin")
    assert _json(full("admin"), "/self/sam") == expected
    assert expected["capabilities"][-1]["score"] == 5  # rated by the admin


@pytest.mark.parametrize("asker", ["viewer", "sam", "apu"])
def test_another_persons_self_assessment_is_refused(full: Clients, asker: str) -> None:
    client = full(asker)
    page = client.get("/self/aiko")
    assert page.status_code == 403
    assert "self-assessment is private" in page.text
    assert "paper reading" not in page.text and "slow on proofs" not in page.text
    assert 'href="/inbox"' in page.text  # the usual error page, with the navigation
    answer = client.get("/self/aiko", headers=JSON)
    assert answer.status_code == 403
    assert set(answer.json()) == {"error"} and "only aiko and admins" in answer.json()["error"]


def test_an_admin_reads_anyones_self_assessment(full: Clients) -> None:
    html = _page(full("admin"), "/self/aiko")
    assert "Self-assessment of aiko" in html and "slow on proofs" in html


def test_a_self_assessment_never_reaches_another_reader_through_the_cache(
    full: Clients,
) -> None:
    """aiko and sam hold the same role: a JSON document kept for the role would hand
    one's self-assessment to the other."""
    for _ in range(2):
        assert _json(full("aiko"), "/self")["person"] == "aiko"
        sam = _json(full("sam"), "/self")
        assert sam["person"] == "sam"
        assert all(not c["history"] for c in sam["capabilities"][:-1])


# -- an empty workspace and the navigation -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/inbox", ("Nothing to triage", "assay inbox import FEED", "No sources yet")),
        ("/inbox?status=all", ("No items in this state",)),
        ("/credibility", ("No technique has been adopted or rejected yet", "None recorded")),
        ("/credibility", ("No forecasts yet", "assay predict", "None yet.")),
        ("/coverage", ("No paper has a reading pass yet", "assay paper read KEY --pass 1")),
        ("/self", ("Not rated yet", "assay self rate CAPABILITY", "No growth areas yet")),
        ("/self", ("no resolved forecast yet", "0 failures owned")),
    ],
)
def test_an_empty_workspace_says_what_fills_each_page(
    empty: Clients, path: str, said: tuple[str, ...]
) -> None:
    html = _page(empty("aiko"), path)
    missing = [s for s in said if s not in html]
    assert missing == [], missing


def test_an_empty_workspace_answers_empty_documents(empty: Clients) -> None:
    client = empty("aiko")
    inbox = _json(client, "/inbox")
    assert (inbox["items"], inbox["sources"]) == ([], [])
    assert inbox["cadence"]["behind"] == ["admin", "aiko", "apu", "sam"]
    assert _json(client, "/credibility")["techniques"] == []
    assert _json(client, "/coverage")["papers"] == []
    mine = _json(client, "/self")
    assert mine["person"] == "aiko" and mine["growth"] == []


@pytest.mark.parametrize("path", ["/radar", "/inbox", "/credibility", "/coverage", "/self"])
def test_the_navigation_links_the_rhythm_pages(full: Clients, path: str) -> None:
    html = _page(full("viewer"), path)
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    for label, href in (("Inbox", "/inbox"), ("Credibility", "/credibility"),
                        ("Self-assessment", "/self")):  # fmt: skip
        assert re.search(rf'<a href="{href}"[^>]*>{label}</a>', nav), label
    current = re.findall(r'href="([^"]+)" aria-current="page"', nav)
    assert current == [{"/coverage": "/credibility"}.get(path, path)]

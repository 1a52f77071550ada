"""The run pages and the report pages through the app (FastAPI's TestClient), as a
signed-in viewer, on a real SQLite workspace holding one real run: a sweep over
``n`` with a baseline, a candidate with two ablated components, and a candidate
named like a spreadsheet formula whose trials fail above ``n=20`` with a reason
holding markup.

Each page answers HTML with what it must show, and JSON equal to the CLI's
``--json`` of the same read; downloads carry their headers and content; an unknown
run is a 404; the CSV neutralises a formula in a cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.bench import BenchOptions
from assay.bench.options import Isolation
from assay.measure.timer import TimerSettings
from assay.workspace import Workspace
from support import main_runner
from support.web import form_fields

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2, which has the same API
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

BENCH = """
import assay

@assay.workload(params={"n": [10, 40, 160]})
def data(seed, n):
    return list(range(n, 0, -1))

@assay.baseline
def slow(data):
    return sorted(list(data) * 3)

@assay.candidate(components=("copy", "twice"))
def fast(data, copy=True, twice=True):
    out = sorted(data)
    if twice:
        out = sorted(out)
    return list(out) if copy else out

@assay.candidate(name='=HYPERLINK("http://evil.example")')
def broken(data):
    if len(data) > 20:
        raise RuntimeError("<b>boom</b> above n=20")
    return sorted(data)
"""
FORMULA = '=HYPERLINK("http://evil.example")'
PASSWORD = "viewer-correct-horse-battery"
PROTOTYPE = "fast-sort"


URLS: dict[Path, str] = {}  # a workspace's store when not its own SQLite file: PostgreSQL


def _open(root: Path) -> Workspace:
    """The workspace at ``root`` on its store, acting as admin."""
    return Workspace.open(root, url=URLS.get(root), user="admin")


def _workspace(root: Path) -> str:
    """The workspace described in the module docstring; returns the run's id."""
    Workspace.init(root, url=URLS.get(root), user="admin").close()
    with _open(root) as ws:
        ws.users.add("admin", "admin")
        ws.users.add("viewer", "viewer")
        ws.accounts.set_password("viewer", PASSWORD)
        ws.radar.add("Fast sorting", area="cpu", owner="admin", summary="sort less")
        bench = root / "bench_sort.py"
        bench.write_text(BENCH, encoding="utf-8")
        from assay.pipeline.prototype import Prototype

        prototype = Prototype.from_dict(
            {
                "name": PROTOTYPE,
                "technique": "Fast sorting",
                "hypothesis": "sorting once is at least 10% faster",
                "success": ["effect(time) <= -10%"],
                "timebox": "3w",
                "evidence": [str(bench)],
            },
            today=dt.date.today(),
        )
        ws.prototypes.new(prototype, candidate="fast", point={"n": 160})
        timer = TimerSettings(warmup_time=0.0, sample_time=0.0005, trial_time=0.002, min_samples=3)
        options = BenchOptions(trials=3, plan_seed=7, timer=timer, isolation=Isolation.IN_PROCESS)
        run_id, _ = ws.runs.start(bench, options)
        return run_id


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, str, Path]]:
    """A viewer's signed-in client, the run's id and the workspace's root, on the
    workspace's own SQLite file or on a PostgreSQL database."""
    from assay.web import create_app

    root = tmp_path_factory.mktemp("pages") / "team"
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        URLS[root] = server.url(server.create_database())
    run_id = _workspace(root)
    app = create_app(URLS.get(root) or root)
    # Not entered as a context manager: the app's lifespan would close the store's
    # SQLite connection from the client's event-loop thread; it is closed here instead.
    client = TestClient(app, follow_redirects=False)
    try:
        form = form_fields(client.get("/login").text)
        data = {"name": "viewer", "password": PASSWORD, "csrf": form["csrf"], "next": "/runs"}
        assert client.post("/login", data=data).status_code == 303
        yield client, run_id, root
    finally:
        client.close()
        app.state.server.shared.close()


def _cli_json(root: Path, *args: str, monkeypatch: pytest.MonkeyPatch, capsys: object) -> object:
    """``assay ARGS --json`` in this process, in the workspace: its document."""
    monkeypatch.chdir(root)
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    if root in URLS:
        monkeypatch.setenv("ASSAY_DATABASE_URL", URLS[root])
    code, out, err = main_runner(capsys)(*args, "--json")
    assert code == 0, err
    return json.loads(out)


JSON = {"accept": "application/json"}


def test_runs_list_as_html_and_as_the_cli_json(
    site: tuple[TestClient, str, Path], monkeypatch: pytest.MonkeyPatch, capsys: object
) -> None:
    client, run_id, root = site
    page = client.get("/runs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'href="/runs/{run_id}"' in page.text
    assert "bench_sort.py" in page.text
    document = client.get("/runs", headers=JSON).json()
    assert document == _cli_json(root, "bench", "list", monkeypatch=monkeypatch, capsys=capsys)


def test_run_page_shows_the_evidence(site: tuple[TestClient, str, Path]) -> None:
    client, run_id, _ = site
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    html = page.text
    for heading in ("Methods", "Comparisons", "Figures", "Scaling and crossovers", "Ablation"):
        assert f">{heading}</h2>" in html, heading
    for figure in ("distributions", "forest", "sweep-n", "ablation"):
        assert f'src="/runs/{run_id}/figures/{figure}.svg"' in html, figure
    assert "BETTER" in html  # sorting once beats sorting three copies
    assert "copy" in html and "twice" in html  # the ablated components
    assert "How it was run" in html and "Environment" in html
    assert f'href="/runs/{run_id}/trials.csv"' in html
    # the failures with their reasons, escaped; the formula name shown as text
    assert "&lt;b&gt;boom&lt;/b&gt; above n=20" in html
    assert "<b>boom</b>" not in html
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in html
    assert "67% of its trials failed" in html


def test_run_json_is_bench_show_json(
    site: tuple[TestClient, str, Path], monkeypatch: pytest.MonkeyPatch, capsys: object
) -> None:
    client, run_id, root = site
    answer = client.get(f"/runs/{run_id}", headers=JSON)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    expected = _cli_json(root, "bench", "show", run_id, monkeypatch=monkeypatch, capsys=capsys)
    assert answer.json() == expected


def test_every_figure_the_page_names_is_drawn_once(site: tuple[TestClient, str, Path]) -> None:
    from assay.web.pages import runs

    client, run_id, _ = site
    page = client.get(f"/runs/{run_id}").text
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources == [
        f"/runs/{run_id}/figures/{name}.svg"
        for name in ("distributions", "forest", "sweep-n", "ablation")
    ]
    for source in sources:
        figure = client.get(source)
        assert figure.status_code == 200, source
        assert figure.headers["content-type"].startswith("image/svg+xml")
        assert figure.text.startswith("<svg") and "<script" not in figure.text
    hits, misses = runs.FIGURES.hits, runs.FIGURES.misses
    for source in sources:
        assert client.get(source).status_code == 200
    assert (runs.FIGURES.hits, runs.FIGURES.misses) == (hits + 4, misses)  # never drawn again
    pages = client.app.state.server.cache  # type: ignore[attr-defined]
    kept = pages.hits
    assert client.get(f"/runs/{run_id}").status_code == 200
    assert pages.hits == kept + 1  # a finished run's page is kept whole
    kept = runs.FIGURES.misses
    for name in ("nothing", "sweep-m", "sweep-n-"):
        assert client.get(f"/runs/{run_id}/figures/{name}.svg").status_code == 404, name
    assert runs.FIGURES.misses == kept  # a name no figure has is never drawn nor kept


def test_unknown_run_is_404(site: tuple[TestClient, str, Path]) -> None:
    client, _, _ = site
    for path in ("/runs/20990101-000000", "/runs/nope/trials.csv", "/runs/nope/trials.json"):
        assert client.get(path).status_code == 404, path
        answer = client.get(path, headers=JSON)
        assert answer.status_code == 404, path
        assert "nope" in answer.json()["error"] or "20990101" in answer.json()["error"]


def test_trials_csv_neutralises_formulas(site: tuple[TestClient, str, Path]) -> None:
    client, run_id, _ = site
    answer = client.get(f"/runs/{run_id}/trials.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (f'attachment; filename="{run_id}-trials.csv"')
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 45  # 5 methods x 3 points x 3 trials
    methods = {row["method"] for row in rows}
    assert "'" + FORMULA in methods  # a spreadsheet shows it as text
    assert FORMULA not in methods
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())
    failed = [row for row in rows if row["status"] != "ok"]
    assert len(failed) == 6 and all("boom" in row["error"] for row in failed)
    assert {row["param.n"] for row in rows} == {"10", "40", "160"}
    assert all(float(row["metric.time"]) > 0 for row in rows if row["status"] == "ok")


def test_trials_json_download(site: tuple[TestClient, str, Path]) -> None:
    client, run_id, _ = site
    answer = client.get(f"/runs/{run_id}/trials.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"] == (f'attachment; filename="{run_id}-trials.json"')
    document = answer.json()
    assert document["run_id"] == run_id
    assert len(document["trials"]) == 45
    assert {t["method"] for t in document["trials"]} >= {FORMULA, "slow", "fast"}  # verbatim


def test_report_pages_for_each_audience(site: tuple[TestClient, str, Path]) -> None:
    client, _, _ = site
    listing = client.get("/reports/executive")
    assert listing.status_code == 200
    assert f"?prototype={PROTOTYPE}" in listing.text
    assert client.get("/reports/executive", headers=JSON).json() == {
        "audience": "executive",
        "prototypes": [
            {
                "name": PROTOTYPE,
                "technique": "Fast sorting",
                "stage": "discovery",
                "status": "active",
            }
        ],
    }
    for audience in ("executive", "product", "engineering"):
        page = client.get(f"/reports/{audience}", params={"prototype": PROTOTYPE})
        assert page.status_code == 200, page.text
        assert f"{PROTOTYPE} (Fast sorting)" in page.text
        document = client.get(
            f"/reports/{audience}", params={"prototype": PROTOTYPE}, headers=JSON
        ).json()
        assert document["prototype"] == PROTOTYPE and document["audience"] == audience
        assert document["markdown"].startswith(f"# {PROTOTYPE}")
    engineering = client.get("/reports/engineering", params={"prototype": PROTOTYPE}).text
    figures = re.findall(r'src="(/reports/engineering/figures/[^"]+)"', engineering)
    assert figures
    figure = client.get(figures[0].replace("&amp;", "&"))
    assert figure.status_code == 200 and figure.text.startswith("<svg")
    assert client.get("/reports/board", params={"prototype": PROTOTYPE}).status_code == 404
    assert client.get("/reports/executive", params={"prototype": "nope"}).status_code == 404


def test_report_downloads(site: tuple[TestClient, str, Path]) -> None:
    client, _, _ = site
    params = {"prototype": PROTOTYPE, "download": "html"}
    html = client.get("/reports/product", params=params)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"] == f'attachment; filename="{PROTOTYPE}-product.html"'
    assert html.text.startswith("<!DOCTYPE html>") and PROTOTYPE in html.text
    md = client.get("/reports/executive", params=params | {"download": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.headers["content-disposition"] == f'attachment; filename="{PROTOTYPE}-executive.md"'
    assert md.text.startswith(f"# {PROTOTYPE}")
    bundle = client.get("/reports/engineering", params=params | {"download": "md"})
    assert bundle.headers["content-type"] == "application/zip"
    stem = f"{PROTOTYPE}-engineering"
    assert bundle.headers["content-disposition"] == f'attachment; filename="{stem}.zip"'
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        names = archive.namelist()
        text = archive.read(f"{stem}.md").decode()
    svgs = [n for n in names if n.startswith(f"{stem}-figures/") and n.endswith(".svg")]
    assert svgs and all(f"]({name})" in text for name in svgs)
    bad = client.get("/reports/executive", params=params | {"download": "pdf"}, headers=JSON)
    assert bad.status_code == 422 and "md or html" in bad.json()["error"]


def test_a_retired_run_still_shows_marked(
    site: tuple[TestClient, str, Path], monkeypatch: pytest.MonkeyPatch, capsys: object
) -> None:
    """Last in this module: it retires the run the other tests read."""
    client, run_id, root = site
    with _open(root) as ws:
        ws.corrections.retire("run", run_id, why="measured on a <noisy> laptop")
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    assert "<strong>Retired</strong>" in page.text
    assert "measured on a &lt;noisy&gt; laptop" in page.text
    document = client.get(f"/runs/{run_id}", headers=JSON).json()
    assert document["retired"]["retired_why"] == "measured on a <noisy> laptop"
    assert document == _cli_json(
        root, "bench", "show", run_id, monkeypatch=monkeypatch, capsys=capsys
    )
    assert run_id not in client.get("/runs").text
    listed = client.get("/runs", params={"include_retired": "true"})
    assert f'href="/runs/{run_id}"' in listed.text and "retired</span>" in listed.text
    everything = client.get("/runs", params={"include_retired": "true"}, headers=JSON).json()
    expected = _cli_json(
        root, "bench", "list", "--include-retired", monkeypatch=monkeypatch, capsys=capsys
    )
    assert everything == expected and everything["runs"][0]["retired"] is True


INTERRUPTED = """
import assay

_made = []

@assay.workload(params={"n": [10, 20]})
def data(seed, n):
    _made.append(n)
    if len(_made) > 4:
        raise KeyboardInterrupt  # as if someone pressed Ctrl-C after four trials
    return list(range(n))

@assay.baseline
def base(data):
    return sorted(data)

@assay.candidate
def fast(data):
    return sorted(data)
"""


def test_an_unfinished_runs_page_is_read_afresh(site: tuple[TestClient, str, Path]) -> None:
    client, _, root = site
    bench = root / "bench_stops.py"
    bench.write_text(INTERRUPTED, encoding="utf-8")
    timer = TimerSettings(warmup_time=0.0, sample_time=0.0005, trial_time=0.002, min_samples=3)
    options = BenchOptions(trials=3, plan_seed=3, timer=timer, isolation=Isolation.IN_PROCESS)
    with _open(root) as ws:
        run_id = ws.runs.new_run_id()
        with pytest.raises(KeyboardInterrupt):
            ws.runs.start(bench, options, run_id=run_id)
        info = ws.runs.info(run_id)
        assert info.state != "finished" and info.completed == 4
    from assay.web.pages import runs

    pages = client.app.state.server.cache  # type: ignore[attr-defined]
    drawn = runs.FIGURES.misses
    for _ in range(2):
        page = client.get(f"/runs/{run_id}")
        assert page.status_code == 200 and "Run " + run_id in page.text
    kept = pages.hits
    assert client.get(f"/runs/{run_id}").status_code == 200
    assert pages.hits == kept  # its trials arrive outside the audit trail: never kept
    assert runs.FIGURES.misses == drawn  # the page names its figures without drawing them
    sources = re.findall(r'<img src="([^"]+)"', page.text)
    assert sources  # the trials so far, at least
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert runs.FIGURES.misses == drawn + len(sources)

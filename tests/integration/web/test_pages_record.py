"""The research record's pages through the app (FastAPI's TestClient), as a
signed-in viewer, on a real SQLite workspace: predictions and their calibration,
post-mortems with their open actions, the review agenda and search.

Each page answers HTML with what it must show (user text escaped) and JSON equal to
the CLI's ``--json`` of the same read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.pipeline.postmortem import ActionItem, FailureCategory, PostMortem, Problem
from assay.pipeline.predictions import Outcome
from assay.pipeline.prototype import Prototype
from assay.workspace import Workspace
from support import main_runner
from support.web import form_fields

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2, which has the same API
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "viewer-correct-horse-battery"
SCRIPT = "<script>alert(1)</script>"
TODAY = dt.date.today()
JSON = {"accept": "application/json"}


def _days_ago(days: int) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(9, 30), tzinfo=dt.UTC)


def _predictions(ws: Workspace) -> None:
    """Three resolved predictions forecast by admin and aiko, and one overdue."""
    for question, p, q, outcome in (
        ("Tiling halves peak memory", 0.8, 0.6, Outcome.YES),
        ("Linformer beats our baseline", 0.7, 0.3, Outcome.NO),
        (f"{SCRIPT} ships", 0.6, 0.9, Outcome.YES),
    ):
        ws.user = "admin"
        made = ws.predictions.add(question, p, TODAY - dt.timedelta(days=20), at=_days_ago(60))
        assert made.id is not None
        ws.user = "aiko"
        ws.predictions.forecast(int(made.id), q, at=_days_ago(59))
        ws.user = "admin"
        ws.predictions.resolve(int(made.id), outcome, at=_days_ago(10))
    late = ws.predictions.add("KV-cache quantisation keeps QA", 0.5, TODAY - dt.timedelta(days=3),
                              at=_days_ago(30))  # fmt: skip
    assert late.id is not None
    ws.user = "sam"  # forecasts only this unresolved one: no score, no chart
    ws.predictions.forecast(int(late.id), 0.4, at=_days_ago(29))
    ws.user = "admin"


def _postmortem(ws: Workspace) -> None:
    """A post-mortem of Linformer with an overdue action and one due later."""
    ws.radar.add("Linformer", area="architecture", owner="admin", summary="low-rank attention",
                 at=_days_ago(200))  # fmt: skip
    ws.postmortems.add(
        PostMortem(
            subject="Linformer",
            timeline=(),
            problems=(Problem(FailureCategory.PROCESS, f"no QA eval {SCRIPT}"),),
            lessons=("Benchmark against what production runs.",),
            actions=(
                ActionItem("build a long-context QA set", "aiko", TODAY - dt.timedelta(days=12)),
                ActionItem("re-test beyond 32k tokens", "admin", TODAY + dt.timedelta(days=45)),
            ),
        )
    )


def _workspace(root: Path, url: str | None) -> None:
    Workspace.init(root, url=url, user="admin").close()
    with Workspace.open(root, url=url, user="admin") as ws:
        ws.users.add("admin", "admin")
        ws.users.add("aiko", "contributor")
        ws.users.add("sam", "contributor")
        ws.users.add("viewer", "viewer")
        ws.accounts.set_password("viewer", PASSWORD)
        _predictions(ws)
        _postmortem(ws)
        ws.radar.add("Tiling", area="inference", owner="admin", summary="tiled attention")
        prototype = Prototype.from_dict(
            {"name": "tiling-proto", "technique": "Tiling", "hypothesis": "tiling is faster",
             "timebox": "1w", "success": ["effect(time) <= -10%"]},
            today=TODAY - dt.timedelta(days=30),
        )  # fmt: skip
        ws.prototypes.new(prototype, at=_days_ago(30))


Site = tuple[TestClient, Path, str | None]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """A viewer's signed-in client, the workspace's root and its store's URL (``None``:
    the workspace's own SQLite file)."""
    from assay.web import create_app

    url = None
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url = server.url(server.create_database())
    root = tmp_path_factory.mktemp("record") / "team"
    _workspace(root, url)
    app = create_app(url or root)
    # Not entered as a context manager: the app's lifespan would close the store's
    # SQLite connection from the client's event-loop thread; it is closed here instead.
    client = TestClient(app, follow_redirects=False)
    try:
        form = form_fields(client.get("/login").text)
        data = {"name": "viewer", "password": PASSWORD, "csrf": form["csrf"], "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client, root, url
    finally:
        client.close()
        app.state.server.shared.close()


@pytest.fixture
def cli_json(
    site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> object:
    """``assay ARGS --json`` in this process, in the workspace: its document."""
    _, root, url = site
    monkeypatch.chdir(root)
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    if url is not None:
        monkeypatch.setenv("ASSAY_DATABASE_URL", url)
    run = main_runner(capsys)

    def document(*args: str) -> object:
        code, out, err = run(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    return document


def test_predictions_page(site: Site, cli_json: object) -> None:
    client, _, _ = site
    page = client.get("/predictions")
    assert page.status_code == 200
    assert "Tiling halves peak memory" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ships" in page.text and SCRIPT not in page.text
    assert 'href="/predictions/calibration?person=aiko"' in page.text
    late = re.search(r"KV-cache quantisation keeps QA.*?</tr>", page.text, re.DOTALL)
    assert late is not None and "overdue" in late.group(0)
    assert client.get("/predictions", headers=JSON).json() == cli_json("predict", "list")  # type: ignore[operator]


def test_calibration_page_and_charts(site: Site, cli_json: object) -> None:
    client, _, _ = site
    page = client.get("/predictions/calibration")
    assert page.status_code == 200
    for who in ("Everyone", "admin", "aiko"):
        assert f">{who}</" in page.text, who
    assert 'src="/predictions/calibration.svg?person=aiko"' in page.text
    assert "3 forecasts, Brier" in page.text
    expected = cli_json("predict", "score")  # type: ignore[operator]
    assert isinstance(expected, dict)
    expected.pop("plot")  # the CLI's --plot file, not part of the score
    assert client.get("/predictions/calibration", headers=JSON).json() == expected
    mine = client.get("/predictions/calibration", params={"person": "aiko"}, headers=JSON).json()
    assert list(mine["by_person"]) == ["aiko"] and mine["overall"]["count"] == 3
    chart = client.get("/predictions/calibration.svg", params={"person": "aiko"})
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.startswith("<svg")
    everyone = client.get("/predictions/calibration.svg")
    assert everyone.status_code == 200 and everyone.text != chart.text
    for path in ("/predictions/calibration", "/predictions/calibration.svg"):
        assert client.get(path, params={"person": "nobody"}).status_code == 404
    unscored = client.get("/predictions/calibration", params={"person": "sam"})
    assert unscored.status_code == 200 and "No forecast counts yet" in unscored.text
    assert "calibration.svg" not in unscored.text
    nothing = client.get("/predictions/calibration.svg", params={"person": "sam"}, headers=JSON)
    assert nothing.status_code == 404 and "no chart" in nothing.json()["error"]


def test_postmortems_page(site: Site, cli_json: object) -> None:
    client, _, _ = site
    page = client.get("/postmortems")
    assert page.status_code == 200
    text = page.text
    assert "2 open actions, 1 overdue" in text
    overdue, later = text.index("build a long-context QA set"), text.index("re-test beyond 32k")
    assert overdue < later  # overdue first
    assert "12 d late" in text
    assert "no QA eval &lt;script&gt;" in text and SCRIPT not in text
    document = client.get("/postmortems", headers=JSON).json()
    listed = cli_json("postmortem", "list")  # type: ignore[operator]
    assert isinstance(listed, dict)
    assert document["postmortems"] == listed["postmortems"]
    actions = cli_json("postmortem", "actions")  # type: ignore[operator]
    assert isinstance(actions, dict)
    assert document["actions"] == actions["actions"]


def test_review_agenda_page(site: Site, cli_json: object) -> None:
    client, _, _ = site
    page = client.get("/review")
    assert page.status_code == 200
    assert "Research review agenda" in page.text
    assert "build a long-context QA set" in page.text  # an overdue post-mortem action
    assert "KV-cache quantisation keeps QA" in page.text  # an overdue prediction
    assert 'href="/techniques/Tiling"' in page.text  # a radar change since the last review
    assert client.get("/review", headers=JSON).json() == cli_json("review", "agenda")  # type: ignore[operator]
    since = (TODAY - dt.timedelta(days=7)).isoformat()
    answer = client.get("/review", params={"since": since}, headers=JSON).json()
    assert answer == cli_json("review", "agenda", "--since", since)  # type: ignore[operator]
    bad = client.get("/review", params={"since": "last week"}, headers=JSON)
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["error"]


def test_search_page(site: Site, cli_json: object) -> None:
    client, _, _ = site
    empty = client.get("/search")
    assert empty.status_code == 200 and 'name="q"' in empty.text
    page = client.get("/search", params={"q": "linformer"})
    assert page.status_code == 200
    assert 'href="/techniques/Linformer"' in page.text
    assert re.search(r'href="/postmortems#pm\d+"', page.text)
    assert re.search(r'href="/predictions#p\d+"', page.text)
    answer = client.get("/search", params={"q": "linformer"}, headers=JSON).json()
    assert answer == cli_json("search", "linformer")  # type: ignore[operator]
    hostile = client.get("/search", params={"q": SCRIPT})
    assert hostile.status_code == 200 and SCRIPT not in hostile.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.text
    assert client.get("/search", headers=JSON).status_code == 422


def test_overlong_inputs_are_422(site: Site) -> None:
    client, _, _ = site
    for path, params in (
        ("/search", {"q": "x" * 501}),
        ("/predictions/calibration", {"person": "x" * 201}),
        ("/reports/executive", {"prototype": "x" * 201}),
    ):
        answer = client.get(path, params=params, headers=JSON)
        assert answer.status_code == 422, path
        assert "at most" in answer.json()["error"]
    assert client.get("/search", params={"q": "x" * 500}, headers=JSON).status_code == 200

"""A technique's page shows its rollout (issue 14): the stage, each step with its A/B
evidence linked to the run, a rollback's reason (escaped), and the JSON document
carries the same ``rollouts`` as ``assay technique show --json``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.stats.ab_options import ABOptions
from assay.types import Ring
from assay.workspace import Workspace
from support import main_runner
from support.web import form_fields

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2, which has the same API
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "viewer-correct-horse-battery"
SCRIPT = "<script>alert(1)</script>"
TECH = "Paged attention"


def _ab_file(path: Path) -> Path:
    rng = random.Random(11)
    with path.open("w", newline="") as handle:
        rows = [("control" if i % 2 else "treatment", rng.gauss(100, 10)) for i in range(6000)]
        csv.writer(handle).writerows([("arm", "latency"), *rows])
    return path


def _workspace(root: Path) -> str:
    Workspace.init(root, user="admin").close()
    with Workspace.open(root, user="admin") as ws:
        ws.users.add("admin", "admin")
        ws.users.add("viewer", "viewer")
        ws.accounts.set_password("viewer", PASSWORD)
        ws.radar.add(TECH, area="inference", ring=Ring.TRIAL, override=True, why="pilot")
        options = ABOptions(
            arm="arm",
            metrics=("latency",),
            guardrails={"latency": 0.05},
            lower_is_better=frozenset({"latency"}),
        )
        run = ws.ab.analyze(_ab_file(root / "ab.csv"), options, name="latency-ab")
        day = dt.date.today() - dt.timedelta(days=10)
        ws.rollouts.start(TECH, flag="paged_attn", percent=1, on=day, ab=[run.run_id])
        ws.rollouts.step(TECH, percent=5, on=day + dt.timedelta(days=2))
        ws.rollouts.rollback(TECH, reason=f"p99 up {SCRIPT}", on=day + dt.timedelta(days=3))
        return run.run_id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path, str]]:
    from assay.web import create_app

    root = tmp_path_factory.mktemp("rollout") / "team"
    run_id = _workspace(root)
    app = create_app(root)
    client = TestClient(app, follow_redirects=False)
    try:
        form = form_fields(client.get("/login").text)
        data = {"name": "viewer", "password": PASSWORD, "csrf": form["csrf"], "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client, root, run_id
    finally:
        client.close()
        app.state.server.shared.close()


def test_technique_page_shows_the_rollout(
    site: tuple[TestClient, Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client, root, run_id = site
    page = client.get("/techniques/Paged attention")
    assert page.status_code == 200, page.text
    assert "<h2>Rollout</h2>" in page.text
    assert "behind flag <code>paged_attn</code>" in page.text
    assert "rolled back from 5% on" in page.text
    assert f'href="/runs/{run_id}"' in page.text and "guardrails hold" in page.text
    assert "p99 up &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert SCRIPT not in page.text
    document = client.get("/techniques/Paged attention", headers={"accept": "application/json"})
    monkeypatch.chdir(root)
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    code, out, err = main_runner(capsys)("technique", "show", TECH, "--json")
    assert code == 0, err
    assert document.json()["rollouts"] == json.loads(out)["rollouts"]
    assert [s["kind"] for s in document.json()["rollouts"][0]["steps"]] == [
        "start",
        "step",
        "rollback",
    ]


def test_radar_page_marks_the_rollout(site: tuple[TestClient, Path, str]) -> None:
    client, _, _ = site
    page = client.get("/radar")
    assert page.status_code == 200
    assert '<span class="mark rollout" title="rolled back from 5% on' in page.text
    assert ">rolled back</span>" in page.text

"""Dissent through the web app (issue 16): the decision form takes dissents, the gate's
page shows them, and a dissent naming nobody is refused with nothing written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.web_app import Site, TestClient, build_site, signed_in


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(tmp_path_factory.mktemp("web-dissent"))


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    from assay.web import create_app

    made = TestClient(create_app(site.root))
    yield made
    made.close()


def _decisions(site: Site) -> int:
    from assay.workspace import Workspace

    with Workspace.open(site.root, user="ada") as ws:
        return len(ws.prototypes.decisions())


DECISION = {"answer": "not-yet", "why": "two more weeks of data"}


def test_the_form_records_dissent_and_the_page_shows_it(client: TestClient, site: Site) -> None:
    csrf = signed_in(client, "apu")
    page = client.get("/gates/tiling-p1")
    assert 'name="dissents"' in page.text
    bad = client.post(
        "/gates/tiling-p1/decision",
        data={**DECISION, "dissents": "zoe: it is fine", "csrf": csrf},
        headers={"accept": "application/json"},
    )
    assert bad.status_code == 422 and "'zoe' is not a known user" in bad.json()["error"]
    assert _decisions(site) == 0
    done = client.post(
        "/gates/tiling-p1/decision",
        data={**DECISION, "dissents": "cora: the gain is real\n\n", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    review = client.get("/gates/tiling-p1", headers={"accept": "application/json"}).json()
    assert [(d["name"], d["reason"]) for d in review["dissents"]] == [("cora", "the gain is real")]
    shown = client.get("/gates/tiling-p1").text
    assert "Without consensus" in shown and "the gain is real" in shown

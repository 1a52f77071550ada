"""Writes through the web app (issue 12): a gate decided by an approver lands in the
audit trail with the route it came through, a viewer is refused (no form, 403, nothing
written), and CI uploads a ``bench run --json`` result with an API token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.web_app import Site, TestClient, build_site, signed_in


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(tmp_path_factory.mktemp("web-writes"))


@pytest.fixture(scope="module")
def app(site: Site):  # type: ignore[no-untyped-def]
    from assay.web import create_app

    return create_app(site.root)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    made = TestClient(app)
    yield made
    made.close()


def _decisions(site: Site) -> list[tuple[str, str, str]]:
    """(actor, via, action) of every audit entry on gate decisions."""
    from assay.workspace import Workspace

    with Workspace.open(site.root, user="ada") as ws:
        entries = ws.audit.log()
    return [(e.actor, e.via, e.action) for e in entries if e.record_table == "gate_decisions"]


DECISION = {"answer": "not-yet", "why": "two more weeks of data", "conditions": "rerun on A100"}


def test_a_viewer_sees_no_form_and_cannot_decide(client: TestClient, site: Site) -> None:
    csrf = signed_in(client, "vic")
    page = client.get("/gates/tiling-p1")
    assert page.status_code == 200
    assert 'name="answer"' not in page.text
    refused = client.post(
        "/gates/tiling-p1/decision", data={**DECISION, "csrf": csrf}, follow_redirects=False
    )
    assert refused.status_code == 403, refused.text
    json_refused = client.post(
        "/gates/tiling-p1/decision",
        json=DECISION,
        headers={"x-csrf-token": csrf, "accept": "application/json"},
    )
    assert json_refused.status_code == 403
    assert "approver" in json_refused.json()["error"]
    assert _decisions(site) == []


def test_a_decision_without_the_csrf_token_is_refused(client: TestClient, site: Site) -> None:
    signed_in(client, "apu")
    refused = client.post("/gates/tiling-p1/decision", data=DECISION, follow_redirects=False)
    assert refused.status_code == 403
    assert _decisions(site) == []


def test_an_approvers_decision_lands_in_the_audit_trail(client: TestClient, site: Site) -> None:
    csrf = signed_in(client, "apu")
    page = client.get("/gates/tiling-p1")
    assert 'name="answer"' in page.text
    bad = client.post(
        "/gates/tiling-p1/decision",
        data={**DECISION, "answer": "maybe", "csrf": csrf},
        headers={"accept": "application/json"},
    )
    assert bad.status_code == 422 and "maybe" in bad.json()["error"]
    done = client.post(
        "/gates/tiling-p1/decision", data={**DECISION, "csrf": csrf}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/gates/tiling-p1?decided=NOT+YET"
    assert ("apu", "web POST /gates/{prototype}/decision", "insert") in _decisions(site)
    review = client.get("/gates/tiling-p1", headers={"accept": "application/json"}).json()
    assert review["decided"] is not None


def test_unknown_gate_is_404(client: TestClient) -> None:
    csrf = signed_in(client, "apu")
    answer = client.post(
        "/gates/nope/decision",
        data={**DECISION, "csrf": csrf},
        headers={"accept": "application/json"},
    )
    assert answer.status_code == 404


def test_ci_uploads_a_run_with_a_token(client: TestClient, site: Site) -> None:
    from assay.workspace import Workspace

    bearer = {"authorization": f"Bearer {site.token}"}
    made = client.post("/api/runs", json=site.run_json, headers=bearer)
    assert made.status_code == 201, made.text
    run = made.json()["run"]
    assert made.json()["url"] == f"/runs/{run}" == made.headers["location"]
    with Workspace.open(site.root, user="ada") as ws:
        info = ws.runs.info(run)
        entries = [e for e in ws.audit.log() if e.record_table == "runs" and run in e.record_key]
    assert info.by == "cora" and info.state == "finished"
    assert info.result is not None
    assert info.result["summaries"] == site.run_json["summaries"]
    assert {(e.actor, e.via) for e in entries} == {("cora", "web POST /api/runs")}


def test_an_upload_is_refused_without_the_role_or_a_valid_body(
    client: TestClient, site: Site
) -> None:
    viewer = {"authorization": f"Bearer {site.viewer_token}"}
    assert client.post("/api/runs", json=site.run_json, headers=viewer).status_code == 403
    assert client.post("/api/runs", json=site.run_json).status_code == 401
    bearer = {"authorization": f"Bearer {site.token}"}
    for body in ({}, {"format_version": 2}, {"format_version": 99, "summaries": [],
                                             "comparisons": []}):  # fmt: skip
        answer = client.post("/api/runs", json=body, headers=bearer)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]
    assert client.post("/api/runs", content=b"[1, 2", headers=bearer).status_code == 422


def test_a_signed_in_upload_needs_the_csrf_token(client: TestClient, site: Site) -> None:
    csrf = signed_in(client, "cora")
    assert client.post("/api/runs", json=site.run_json).status_code == 403
    answer = client.post("/api/runs", json=site.run_json, headers={"x-csrf-token": csrf})
    assert answer.status_code == 201, answer.text


def test_the_account_page_lists_my_tokens_without_secrets(client: TestClient, site: Site) -> None:
    signed_in(client, "cora")
    mine = client.get("/account", headers={"accept": "application/json"}).json()
    assert mine["user"]["name"] == "cora" and mine["signed_in_with"] == "web session"
    assert [t["user"] for t in mine["tokens"]] == ["cora"]
    assert site.token not in client.get("/account").text

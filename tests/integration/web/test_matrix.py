"""Who may do what on the web: every route × every kind of caller → the expected status.

The table :data:`MATRIX` names every route of the app (method and path as FastAPI
has them); :func:`test_every_route_is_in_the_matrix` enumerates ``app.routes`` and
fails on a route missing from the table (or a row for a route that is gone), so a new
route cannot escape the matrix. The callers are the columns of :data:`COLUMNS`:
anonymous, one user signed in through the login form per role, and a contributor's
API token (``Authorization: Bearer``). Status rules (DESIGN12): an anonymous page view
is sent to the login page (303), an anonymous JSON request gets 401 with
``WWW-Authenticate: Bearer``, a signed-in user without the role 403, a write by a
role that may gets its success status (303 after a form, 201 for an upload).

Every POST here carries a valid CSRF token (the column's own session's), so a
refusal is the role's, not the token's: ``test_matrix_csrf.py`` refuses the token.
POSTs use a session of their own, so ``/logout`` ends no one else's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from support.web import PASSWORDS, ROLES, LiveServer, Team, csrf_of, form_fields, login

COLUMNS = ("anonymous", *ROLES, "token")
TODAY = dt.date.today()


def _every(status: int) -> dict[str, int]:
    return dict.fromkeys(COLUMNS, status)


PUBLIC = _every(200)
READ = _every(200) | {"anonymous": 303}  # viewer and up; a token acts as its contributor
SIGNED_IN_REDIRECT = _every(303)  # GET /: to /radar, or to the login page
# A signed-in browser is sent from the login form to the radar, so it holds no login
# token (the double-submit cookie) and its POST /login is refused; a token uses no cookie.
LOGIN_FORM = _every(303) | {"anonymous": 200, "token": 200}
LOGIN = _every(403) | {"anonymous": 303, "token": 303}
DECIDE = {"anonymous": 303, "viewer": 403, "contributor": 403, "approver": 303, "admin": 303}
DECIDE |= {"token": 403}  # the token is a contributor's
UPLOAD = {"anonymous": 401, "viewer": 403, "contributor": 201, "approver": 201, "admin": 201}
UPLOAD |= {"token": 201}
# A self-assessment is private: the person (here the approver) and admins only.
SELF_OF_APPROVER = _every(403) | {"anonymous": 303, "approver": 200, "admin": 200}


@dataclasses.dataclass(frozen=True)
class Probe:
    """How to call one route, and what each column gets."""

    path: Callable[[Team, str], str]  # (team, column) -> the concrete path
    expected: dict[str, int]
    body: Callable[[Team, str], dict[str, Any]] | None = None  # POST form or JSON
    json: bool = False  # the body goes as JSON


def _fixed(path: str) -> Callable[[Team, str], str]:
    return lambda team, column: path


def _technique(suffix: str = "") -> Callable[[Team, str], str]:
    return lambda team, column: f"/techniques/flash-attn{suffix}"


FOUND: dict[str, str] = {}  # paths read from pages by the ``prepared`` fixture


def _found(key: str) -> Callable[[Team, str], str]:
    return lambda team, column: FOUND[key]


def _run(suffix: str = "") -> Callable[[Team, str], str]:
    return lambda team, column: f"/runs/{team.run}{suffix}"


def _decision_path(team: Team, column: str) -> str:
    # Roles that may decide each decide their own gate; the others aim at flash-proto.
    own = {"approver": "gate-approver", "admin": "gate-admin", "token": "gate-token"}
    return f"/gates/{own.get(column, 'flash-proto')}/decision"


def _decision(team: Team, column: str) -> dict[str, Any]:
    return {"answer": "yes", "why": f"the matrix, as {column}", "conditions": ""}


def _upload(team: Team, column: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((team.root.parent / "upload.json").read_text())
    return document


def _login_form(team: Team, column: str) -> dict[str, Any]:
    user = column if column in ROLES else "viewer"
    return {"name": user, "password": PASSWORDS[user], "next": "/radar"}


def _no_body(team: Team, column: str) -> dict[str, Any]:
    return {}


MATRIX: dict[tuple[str, str], Probe] = {
    ("GET", "/healthz"): Probe(_fixed("/healthz"), PUBLIC),
    ("GET", "/openapi.json"): Probe(_fixed("/openapi.json"), PUBLIC),
    ("GET", "/static/{path}"): Probe(_fixed("/static/assay.css"), PUBLIC),
    ("GET", "/login"): Probe(_fixed("/login"), LOGIN_FORM),
    ("POST", "/login"): Probe(_fixed("/login"), LOGIN, _login_form),
    ("POST", "/logout"): Probe(_fixed("/logout"), _every(303), _no_body),
    ("GET", "/"): Probe(_fixed("/"), SIGNED_IN_REDIRECT),
    ("GET", "/radar"): Probe(_fixed("/radar"), READ),
    ("GET", "/radar.svg"): Probe(_fixed("/radar.svg"), READ),
    ("GET", "/radar/diff"): Probe(
        _fixed(f"/radar/diff?from={TODAY - dt.timedelta(days=30)}&to={TODAY}"), READ
    ),
    ("GET", "/techniques/{name}"): Probe(_technique(), READ),
    ("GET", "/techniques/{name}/artifacts/{kind}"): Probe(_technique("/artifacts/runbook"), READ),
    ("GET", "/runs"): Probe(_fixed("/runs"), READ),
    ("GET", "/runs/{run_id}"): Probe(_run(), READ),
    ("GET", "/runs/{run_id}/trials.csv"): Probe(_run("/trials.csv"), READ),
    ("GET", "/runs/{run_id}/trials.json"): Probe(_run("/trials.json"), READ),
    ("GET", "/runs/{run_id}/figures/{name}.svg"): Probe(_run("/figures/forest.svg"), READ),
    ("GET", "/gates"): Probe(_fixed("/gates"), READ),
    ("GET", "/gates/{prototype}"): Probe(_fixed("/gates/flash-proto"), READ),
    ("POST", "/gates/{prototype}/decision"): Probe(_decision_path, DECIDE, _decision),
    ("GET", "/predictions"): Probe(_fixed("/predictions"), READ),
    ("GET", "/predictions/calibration"): Probe(_fixed("/predictions/calibration"), READ),
    ("GET", "/predictions/calibration.svg"): Probe(_fixed("/predictions/calibration.svg"), READ),
    ("GET", "/postmortems"): Probe(_fixed("/postmortems"), READ),
    ("GET", "/review"): Probe(_fixed("/review"), READ),
    ("GET", "/inbox"): Probe(_fixed("/inbox"), READ),
    ("GET", "/credibility"): Probe(_fixed("/credibility"), READ),
    ("GET", "/coverage"): Probe(_fixed("/coverage"), READ),
    ("GET", "/self"): Probe(_fixed("/self"), READ),
    ("GET", "/self/{person}"): Probe(_fixed("/self/approver"), SELF_OF_APPROVER),
    ("GET", "/reports/{audience}"): Probe(_fixed("/reports/executive?prototype=flash-proto"), READ),
    ("GET", "/reports/{audience}/figures/{name}.svg"): Probe(_found("report-figure"), READ),
    ("GET", "/search"): Probe(_fixed("/search?q=flash"), READ),
    ("GET", "/account"): Probe(_fixed("/account"), READ),
    ("POST", "/api/runs"): Probe(_fixed("/api/runs"), UPLOAD, _upload, json=True),
}


def app_routes(team: Team) -> set[tuple[str, str]]:
    """Every ``(method, path)`` the team's app serves."""
    from assay.web import create_app

    return routes_of(create_app(team.root))


def routes_of(app: Any) -> set[tuple[str, str]]:
    """Every ``(method, path)`` of ``app`` (HEAD aside; a mount as ``/mount/{path}``)."""
    from fastapi import routing
    from starlette.routing import Mount

    # FastAPI 0.165 keeps included routers lazily; iter_route_contexts flattens them.
    flatten = getattr(routing, "iter_route_contexts", lambda routes: routes)
    found = set()
    for route in flatten(app.routes):
        if isinstance(getattr(route, "original_route", route), Mount):
            found.add(("GET", f"{route.path}/{{path}}"))
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":  # /techniques/{name:path} is /techniques/{name} here
                found.add((method, re.sub(r"\{(\w+):\w+\}", r"{\1}", str(route.path))))
    assert len(found) > 2, found  # more than /openapi.json and /static
    return found


def test_every_route_is_in_the_matrix(team: Team) -> None:
    routes = app_routes(team)
    missing, gone = sorted(routes - set(MATRIX)), sorted(set(MATRIX) - routes)
    assert missing == [], f"routes missing from MATRIX (the app has {sorted(routes)})"
    assert gone == [], f"rows of MATRIX for routes the app lacks (it has {sorted(routes)})"


def test_a_route_added_to_the_app_is_missing_from_the_matrix(team: Team) -> None:
    from fastapi import APIRouter

    from assay.web import create_app

    app = create_app(team.root)
    extra = APIRouter()
    extra.add_api_route("/techniques/{name:path}/export", lambda name: {}, methods=["GET"])
    extra.add_api_route("/admin/purge", lambda: {}, methods=["POST"])
    app.include_router(extra)
    assert sorted(routes_of(app) - set(MATRIX)) == [
        ("GET", "/techniques/{name}/export"),
        ("POST", "/admin/purge"),
    ]


@pytest.fixture(scope="module")
def prepared(team: Team, who: dict[str, httpx.Client]) -> None:
    """A ``bench show --json`` document of the flash-attn run, for ``POST /api/runs``,
    and the path of a figure of the engineering report (its name has a prefix)."""
    from support.web import cli_in

    document = cli_in(team.root, "bench", "show", team.run, "--json")
    (team.root.parent / "upload.json").write_text(document, encoding="utf-8")
    report = who["viewer"].get("/reports/engineering?prototype=flash-proto").text
    found = re.search(r'"([^"]*/reports/engineering/figures/[^"]+\.svg[^"]*)"', report)
    assert found, "the engineering report links no figure"
    FOUND["report-figure"] = html.unescape(found.group(1))


def _fresh(server: LiveServer, team: Team, column: str) -> httpx.Client:
    """A client of its own for a POST: a new session per role, the token, or no one."""
    if column in ROLES:
        return login(server.url, column, PASSWORDS[column])
    headers = {"Authorization": f"Bearer {team.token}"} if column == "token" else {}
    return httpx.Client(base_url=server.url, follow_redirects=False, timeout=60, headers=headers)


def _post(client: httpx.Client, probe: Probe, team: Team, column: str) -> httpx.Response:
    path = probe.path(team, column)
    body = probe.body(team, column) if probe.body else {}
    if path == "/login":  # the login form's own double-submit token, for anyone
        token = form_fields(client.get("/login").text).get("csrf", "")
        return client.post(path, data=body | {"csrf": token})
    if column in ROLES:
        token = csrf_of(client)
        if probe.json:
            return client.post(path, json=body, headers={"X-CSRF-Token": token})
        return client.post(path, data=body | {"csrf": token})
    if path == "/login":  # the login form's own double-submit token
        token = csrf_of(client, "/login")
        return client.post(path, data=body | {"csrf": token})
    return client.post(path, json=body) if probe.json else client.post(path, data=body)


def why(answer: httpx.Response) -> str:
    """The error message of an answer (HTML page or JSON), or its first characters."""
    found = re.search(r'role="alert">(.*?)<', answer.text, re.S)
    return html.unescape(found.group(1)) if found else answer.text[:300]


CASES = [(route, column) for route in MATRIX for column in COLUMNS]


@pytest.mark.parametrize(("route", "column"), CASES, ids=[f"{m} {p} as {c}" for (m, p), c in CASES])
@pytest.mark.usefixtures("prepared")
def test_route_by_caller(
    who: dict[str, httpx.Client],
    server: LiveServer,
    team: Team,
    route: tuple[str, str],
    column: str,
) -> None:
    probe = MATRIX[route]
    if route[0] == "GET":
        answer = who[column].get(probe.path(team, column))
    else:
        client = _fresh(server, team, column)
        try:
            answer = _post(client, probe, team, column)
        finally:
            client.close()
    expected = probe.expected[column]
    assert answer.status_code == expected, (route, column, answer.status_code, why(answer))
    assert answer.status_code != 500
    if expected == 303 and column == "anonymous" and route[0] == "GET" and route[1] != "/":
        location = urlsplit(answer.headers["location"])
        assert location.path == "/login"
        assert parse_qs(location.query)["next"] == [probe.path(team, column)]


NOT_JSON = {("GET", "/"), ("POST", "/login"), ("POST", "/logout")}  # people's redirects
JSON_READS = [r for r, p in MATRIX.items() if p.expected["anonymous"] == 303 and r not in NOT_JSON]


@pytest.mark.parametrize("route", JSON_READS, ids=[f"{m} {p}" for m, p in JSON_READS])
def test_anonymous_machines_get_401_with_bearer(
    who: dict[str, httpx.Client], team: Team, route: tuple[str, str]
) -> None:
    probe = MATRIX[route]
    path = probe.path(team, "anonymous")
    headers = {"Accept": "application/json"}
    answer = (
        who["anonymous"].get(path, headers=headers)
        if route[0] == "GET"
        else who["anonymous"].post(path, headers=headers, json={})
    )
    assert answer.status_code == 401, (answer.status_code, answer.text[:300])
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert "error" in answer.json()


@pytest.mark.parametrize("authorization", ["Bearer assay_not-a-real-token", "Bearer", "Basic eDp5"])
def test_a_token_that_proves_no_one_gets_401(server: LiveServer, authorization: str) -> None:
    headers = {"Authorization": authorization, "Accept": "application/json"}
    answer = httpx.get(f"{server.url}/radar", headers=headers, timeout=60)
    assert answer.status_code == 401, answer.text[:300]
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_every_answer_carries_the_strict_policy(who: dict[str, httpx.Client]) -> None:
    for column in ("anonymous", "viewer"):
        answer = who[column].get("/radar")
        policy = answer.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy

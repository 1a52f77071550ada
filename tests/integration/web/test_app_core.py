"""The web app's core, through Starlette's TestClient on a real SQLite workspace:
logging in and out, cookie flags, CSRF, content negotiation (the JSON equals the
CLI's ``--json``), error statuses, security headers, the page cache (issue 12)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.web_app import PASSWORD, Site, TestClient, build_site, cli, csrf_in, signed_in


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(tmp_path_factory.mktemp("web-core"))


@pytest.fixture(scope="module")
def app(site: Site):  # type: ignore[no-untyped-def]
    from assay.web import create_app

    return create_app(site.root)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    made = TestClient(app)  # no lifespan: the module's app outlives each test
    yield made
    made.close()


def _cookie(response, name: str) -> str:  # type: ignore[no-untyped-def]
    """The Set-Cookie header that sets ``name``."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return str(header)
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers}")


# -- logging in and out ------------------------------------------------------------------


def test_login_sets_a_strict_session_cookie_and_logout_ends_the_session(
    client: TestClient,
) -> None:
    form = client.get("/login?next=/gates")
    login_cookie = _cookie(form, "assay_login_csrf").lower()
    assert "httponly" in login_cookie and "samesite=lax" in login_cookie
    answer = client.post(
        "/login",
        data={"name": "vic", "password": PASSWORD, "csrf": csrf_in(form.text), "next": "/gates"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/gates"
    session = _cookie(answer, "assay_session").lower()
    assert "httponly" in session and "samesite=lax" in session and "path=/" in session
    assert "secure" not in session  # plain HTTP, no trusted proxy
    secret = client.cookies["assay_session"]
    assert client.get("/radar").status_code == 200
    csrf = csrf_in(client.get("/account").text)
    out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert 'assay_session=""' in _cookie(out, "assay_session")
    client.cookies.set("assay_session", secret)  # the old cookie, replayed
    again = client.get("/radar", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_a_session_ended_elsewhere_stops_working_once_its_memo_lapses(
    app,  # type: ignore[no-untyped-def]
    client: TestClient,
    site: Site,
) -> None:
    from assay.workspace import Workspace

    memo = app.state.server.sessions
    signed_in(client, "cora")
    assert client.get("/radar").status_code == 200  # read once, kept in the memo
    with Workspace.open(site.root, user="ada") as ws:
        assert ws.accounts.revoke_sessions("cora") >= 1
    saved = memo.ttl
    try:
        memo.ttl = 3600.0
        assert client.get("/radar").status_code == 200  # the memo still holds it
        memo.ttl = 0.0
        ended = client.get("/radar", follow_redirects=False)
        assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    finally:
        memo.ttl = saved


def test_a_wrong_password_shows_the_form_again_without_a_session(client: TestClient) -> None:
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"name": "vic", "password": "not-the-password", "csrf": csrf_in(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 401
    assert "wrong name or password" in answer.text
    assert "assay_session" not in client.cookies


def test_too_many_failed_logins_answer_429_with_retry_after(client: TestClient) -> None:
    def attempt():  # type: ignore[no-untyped-def]
        form = client.get("/login")
        return client.post(
            "/login",
            data={"name": "ghost", "password": "not-a-password", "csrf": csrf_in(form.text)},
            follow_redirects=False,
        )

    assert [attempt().status_code for _ in range(5)] == [401] * 5
    limited = attempt()
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "too many failed attempts" in limited.text


@pytest.mark.parametrize("given", ["", "forged-token"])
def test_a_login_without_the_forms_csrf_token_is_refused(client: TestClient, given: str) -> None:
    client.get("/login")  # the double-submit cookie is set...
    answer = client.post(
        "/login",
        data={"name": "vic", "password": PASSWORD, "csrf": given},  # ...but the form lacks it
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert "assay_session" not in client.cookies


def test_a_signed_in_post_without_the_sessions_csrf_token_is_refused(
    client: TestClient,
) -> None:
    signed_in(client, "vic")
    for data in ({}, {"csrf": "forged"}):
        refused = client.post("/logout", data=data, follow_redirects=False)
        assert refused.status_code == 403, refused.text
    assert client.get("/radar").status_code == 200  # still signed in


def test_login_goes_only_to_pages_of_this_site(client: TestClient) -> None:
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={
            "name": "vic",
            "password": PASSWORD,
            "csrf": csrf_in(form.text),
            "next": "//evil.example/steal",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/radar"


# -- cookies behind TLS ----------------------------------------------------------------


def _login_cookie(app, base_url: str, headers: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """The login form's cookie as set over ``base_url`` with ``headers`` (the session
    cookie follows the same rule; a Secure one would not come back over plain HTTP)."""
    with TestClient(app, base_url=base_url) as client:  # its lifespan closes its store
        return _cookie(client.get("/login", headers=headers), "assay_login_csrf").lower()


def test_cookies_are_secure_over_tls_and_behind_a_trusted_proxy_only(site: Site) -> None:
    from assay.web import create_app

    forwarded = {"x-forwarded-proto": "https"}
    plain = create_app(site.root)
    with TestClient(plain, base_url="https://testserver") as client:
        form = client.get("/login")
        answer = client.post(
            "/login",
            data={"name": "vic", "password": PASSWORD, "csrf": csrf_in(form.text)},
            follow_redirects=False,
        )
        assert "secure" in _cookie(answer, "assay_session").lower()
    assert "secure" in _login_cookie(plain, "https://testserver", {})
    assert "secure" not in _login_cookie(plain, "http://testserver", forwarded)  # untrusted
    trusted = create_app(site.root, trust_proxy=True)
    assert "secure" in _login_cookie(trusted, "http://testserver", forwarded)
    assert "secure" not in _login_cookie(trusted, "http://testserver", {})
    forced = create_app(site.root, secure_cookies=True)
    assert "secure" in _login_cookie(forced, "http://testserver", {})


# -- who may see what -------------------------------------------------------------------


def test_anonymous_people_go_to_the_login_page_and_machines_get_401(client: TestClient) -> None:
    page = client.get("/radar?area=inference", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fradar%3Farea%3Dinference"
    machine = client.get("/radar", headers={"accept": "application/json"})
    assert machine.status_code == 401
    assert machine.headers["www-authenticate"].startswith("Bearer")
    assert machine.json() == {"error": "log in first"}
    assert client.post("/api/runs", json={}).status_code == 401
    assert client.get("/healthz").json() == {"ok": True}


def test_the_server_drops_its_own_assay_token(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from assay.web import create_app

    monkeypatch.setenv("ASSAY_TOKEN", site.token)  # cora's token, in the server's environment
    with TestClient(create_app(site.root)) as anonymous:
        assert "ASSAY_TOKEN" not in os.environ  # it could prove a request's user otherwise
        answer = anonymous.get("/radar", headers={"accept": "application/json"})
    assert answer.status_code == 401


def test_a_bearer_token_reads_json_and_a_bad_one_is_401(client: TestClient, site: Site) -> None:
    good = client.get(
        "/radar", headers={"authorization": f"Bearer {site.token}", "accept": "application/json"}
    )
    assert good.status_code == 200
    assert [t["name"] for t in good.json()["techniques"]] == ["Tiling"]
    mine = client.get(  # the request above noted when the token was last used
        "/account", headers={"authorization": f"Bearer {site.token}", "accept": "application/json"}
    )
    assert mine.json()["tokens"][0]["last_used_at"] is not None
    bad = client.get(
        "/radar", headers={"authorization": "Bearer nope", "accept": "application/json"}
    )
    assert bad.status_code == 401
    assert "not known" in bad.json()["error"]


# -- one route, two audiences ------------------------------------------------------------


def test_the_radar_json_is_the_clis_radar_json(client: TestClient, site: Site) -> None:
    signed_in(client, "vic")
    answer = client.get("/radar", headers={"accept": "application/json"})
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == json.loads(cli(site.root, "radar", "--json", by=None))
    area = client.get("/radar?area=inference", headers={"accept": "application/json"}).json()
    assert area == json.loads(cli(site.root, "radar", "--json", "--area", "inference", by=None))
    html = client.get("/radar")
    assert html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "<table>" in html.text
    assert 'href="/techniques/Tiling"' in html.text


def test_the_radar_as_of_a_date_and_the_diff_are_the_clis(client: TestClient, site: Site) -> None:
    import datetime as dt

    signed_in(client, "vic")
    ask = {"accept": "application/json"}
    before, today = "2020-01-01", dt.date.today().isoformat()
    past = client.get(f"/radar?as_of={before}", headers=ask).json()
    assert past == json.loads(cli(site.root, "radar", "--json", "--as-of", before, by=None))
    assert past["techniques"] == []
    diff = client.get(f"/radar/diff?from={before}&to={today}", headers=ask).json()
    assert diff == json.loads(cli(site.root, "radar", "diff", before, today, "--json", by=None))
    assert "Tiling" in [t["name"] for t in diff["added"]]
    page = client.get(f"/radar/diff?from={before}&to={today}")
    assert page.status_code == 200 and 'href="/techniques/Tiling"' in page.text
    assert client.get("/radar/diff?from=yesterday&to=today", headers=ask).status_code == 422
    assert client.get("/radar/diff", headers=ask).status_code == 422
    assert 'name="from"' in client.get("/radar/diff").text  # people get the form


def test_the_technique_json_is_technique_show_json(client: TestClient, site: Site) -> None:
    signed_in(client, "vic")
    answer = client.get("/techniques/tiling", headers={"accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json() == json.loads(
        cli(site.root, "technique", "show", "Tiling", "--json", by=None)
    )
    assert "tiling-p1" in client.get("/techniques/Tiling").text


def test_errors_map_to_statuses_for_people_and_machines(client: TestClient) -> None:
    signed_in(client, "vic")
    missing = client.get("/techniques/nope", headers={"accept": "application/json"})
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    page = client.get("/techniques/nope")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert 'href="/account#session"' in page.text  # the navigation stays, with who is in
    bad = client.get("/radar?as_of=yesterday", headers={"accept": "application/json"})
    assert bad.status_code == 422 and "yesterday" in bad.json()["error"]


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    from assay.web.app import CSP

    for path in ("/login", "/healthz", "/static/assay.css", "/nowhere"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CSP, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
    assert "'unsafe-inline'" not in CSP and "frame-ancestors 'none'" in CSP


def test_pages_are_cached_until_the_record_changes(client: TestClient, site: Site) -> None:
    signed_in(client, "vic")
    ask = {"accept": "application/json"}
    first = client.get("/radar", headers=ask)
    etag = first.headers["etag"]
    assert client.get("/radar", headers={**ask, "if-none-match": etag}).status_code == 304
    cli(site.root, "technique", "add", "Fusion", "--area", "training")
    changed = client.get("/radar", headers={**ask, "if-none-match": etag})
    assert changed.status_code == 200
    assert "Fusion" in [t["name"] for t in changed.json()["techniques"]]
    assert changed.headers["etag"] != etag


def test_a_kept_page_is_answered_gzipped_to_whoever_accepts_it(client: TestClient) -> None:
    signed_in(client, "vic")
    plain = client.get("/radar", headers={"accept-encoding": "identity"})
    packed = client.get("/radar", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"  # httpx decodes it for us...
    assert packed.content == plain.content  # ...into the very same page
    assert "Accept-Encoding" in packed.headers["vary"]
    assert packed.headers["etag"] != plain.headers["etag"]  # two representations
    refused = client.get("/radar", headers={"accept-encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers


def test_a_page_with_a_form_is_never_kept_compressed(client: TestClient) -> None:
    signed_in(client, "apu")  # an approver: the gate page has the decision form
    page = client.get("/gates/tiling-p1", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200 and 'name="csrf"' in page.text
    assert "content-encoding" not in page.headers  # its CSRF token is put in per session


def test_a_kept_page_carries_each_sessions_own_csrf_token(app, site: Site) -> None:  # type: ignore[no-untyped-def]
    first, second = TestClient(app), TestClient(app)
    try:
        one, two = signed_in(first, "apu"), signed_in(second, "apu")  # two sessions, one user
        assert one != two
        page_one = first.get("/gates/tiling-p1")
        misses = app.state.server.cache.misses
        page_two = second.get("/gates/tiling-p1")
        assert app.state.server.cache.misses == misses  # the second came from memory...
        assert csrf_in(page_one.text) == one and csrf_in(page_two.text) == two  # ...as its own
        assert one not in page_two.text
        assert page_one.headers["etag"] != page_two.headers["etag"]
        stale = {"if-none-match": page_one.headers["etag"]}
        assert second.get("/gates/tiling-p1", headers=stale).status_code == 200
    finally:
        first.close()
        second.close()


def test_openapi_describes_the_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for route in ("/healthz", "/login", "/radar", "/techniques/{name}", "/gates/{prototype}",
                  "/gates/{prototype}/decision", "/api/runs", "/account"):  # fmt: skip
        assert route in paths, route
    radar = paths["/radar"]["get"]
    assert {p["name"] for p in radar["parameters"]} >= {"area", "owner", "tag", "as_of", "since"}
    assert "201" in paths["/api/runs"]["post"]["responses"]


def test_the_web_root_path_prefixes_every_link(site: Site) -> None:
    from assay.web import create_app

    with TestClient(create_app(site.root, root_path="/assay")) as client:
        away = client.get("/assay/radar", follow_redirects=False)
        assert away.headers["location"] == "/assay/login?next=%2Fradar"
        form = client.get("/assay/login")
        assert 'action="/assay/login"' in form.text and "/assay/static/assay.css" in form.text
        assert "path=/assay" in _cookie(form, "assay_login_csrf").lower()


def test_create_app_refuses_a_folder_without_a_workspace(tmp_path: Path) -> None:
    from assay.errors import NoWorkspaceError
    from assay.web import create_app

    with pytest.raises(NoWorkspaceError):
        create_app(tmp_path)

"""The web app in a real browser: log in, the radar, a technique, a gate decided by an
approver and refused to a viewer, log out (issue 12).

Debian's Chromium driven by Playwright (``executable_path``, no ``playwright
install``), launched once for the module, against the real ``assay serve`` over the
team workspace of :mod:`support.web`. Every request that is not for the server on
127.0.0.1 is aborted and recorded, and the test fails if a page tried any; a dialog
(an ``alert`` from hostile text) or a console error (a refused inline script breaks
the strict CSP) fails it too. A screenshot of each page is saved under
``$ASSAY_TEST_ARTIFACTS`` (CI sets it and keeps the folder) or ``tests/artifacts/``
(ignored by git).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from support.web import (
    PASSWORDS,
    LiveServer,
    Team,
    artifacts_dir,
    cli_in,
    shared_server,
    shared_team,
    stop_shared,
)

WHY = "the browser saw 30% less time on our data"


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    return shared_team(tmp_path_factory)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield shared_server(tmp_path_factory)
    stop_shared()


class LocalPage:
    """A page of a fresh browser context that may reach only the server: every other
    request is aborted and recorded, as are dialogs and console errors."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.base = server.url
        self.context = browser.new_context(base_url=server.url)
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def login(self, name: str, *, shot: bool = False) -> Any:
        self.page.goto("/login")
        if shot:
            self.shot("login")
        self.page.fill('input[name="name"]', name)
        self.page.fill('input[name="password"]', PASSWORDS[name])
        with self.page.expect_navigation():
            self.page.locator('form[action$="/login"] [type="submit"]').click()
        return self.page

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(artifacts_dir() / f"web-{name}.png"), full_page=True)

    def assert_local_and_quiet(self) -> None:
        assert self.blocked == []
        assert self.dialogs == []
        assert self.errors == []


@pytest.fixture
def local(browser: Any, server: LiveServer) -> Iterator[LocalPage]:
    page = LocalPage(browser, server)
    try:
        yield page
    finally:
        page.context.close()


def test_log_in_see_the_radar_and_open_a_technique(local: LocalPage) -> None:
    page = local.login("viewer", shot=True)
    assert page.url.endswith("/radar")
    picture = page.locator('svg[role="img"]')
    assert picture.count() >= 1
    assert picture.first.get_attribute("aria-label")
    box = picture.first.bounding_box()
    assert box is not None
    assert box["width"] > 200
    local.shot("radar")
    blip = page.locator(f'svg a[href*="/techniques/{quote("flash-attn")}"]').first
    with page.expect_navigation():
        blip.click()
    assert page.url.endswith("/techniques/flash-attn")
    assert "flash-attn" in page.locator("h1").inner_text()
    assert "FlashAttention" in page.inner_text("main")
    local.shot("technique")
    local.assert_local_and_quiet()


def test_an_approver_decides_a_gate_and_the_audit_trail_has_it(
    local: LocalPage, team: Team
) -> None:
    page = local.login("approver")
    page.goto("/gates")
    assert page.locator('a[href$="/gates/gate-browser"]').count() == 1
    local.shot("gates")
    page.goto("/gates/gate-browser")
    form = page.locator('form[action$="/gates/gate-browser/decision"]')
    assert form.count() == 1
    assert form.locator('input[name="answer"]:checked').count() == 1  # the recommendation
    form.locator('textarea[name="why"]').fill(WHY)
    local.shot("gate-form")
    with page.expect_navigation():
        form.locator('[type="submit"]').click()
    assert page.url.endswith("/gates/gate-browser?decided=YES")  # now at its next gate...
    assert "Your decision (YES) is recorded" in page.inner_text("main")  # ...saying so
    local.shot("gate-decided")
    page.goto("/techniques/flash-attn")  # the technique's decisions, with their runs
    assert WHY in page.inner_text("main")
    local.shot("technique-decided")
    log = json.loads(cli_in(team.root, "audit", "log", "--user", "approver", "--json"))
    mine = [e for e in log if e["actor"] == "approver" and e["via"].startswith("web POST /gates/")]
    assert mine, "the decision is not on the audit trail"
    assert any(WHY in json.dumps(e["after"]) for e in mine)
    local.assert_local_and_quiet()


def test_a_viewer_sees_no_form_and_a_forged_decision_is_refused(
    local: LocalPage, team: Team
) -> None:
    page = local.login("viewer")
    page.goto("/gates/flash-proto")
    assert page.locator('form[action$="/decision"]').count() == 0
    assert "Only an approver" in page.inner_text("main")
    local.shot("gate-as-viewer")
    page.goto("/account")
    csrf = page.locator('input[name="csrf"]').first.get_attribute("value")
    assert csrf  # the log-out form's: the viewer's own session token
    forged = page.request.post(
        "/gates/flash-proto/decision",
        form={"answer": "yes", "why": "forged by a viewer", "csrf": csrf},
        max_redirects=0,
    )
    assert forged.status == 403
    local.assert_local_and_quiet()


def test_hostile_text_runs_nothing_in_the_browser(local: LocalPage, team: Team) -> None:
    page = local.login("viewer")
    for index, name in enumerate(team.techniques[:3]):
        page.goto(f"/techniques/{quote(name, safe='')}")
        assert name in page.locator("h1").inner_text()
        local.shot(f"hostile-technique-{index}")
    page.goto("/radar")
    local.assert_local_and_quiet()


def test_log_out_then_the_radar_sends_to_the_login_page(local: LocalPage) -> None:
    page = local.login("contributor")
    with page.expect_navigation():
        page.get_by_role("link", name="Log out").click()  # to the account page's form
    with page.expect_navigation():
        page.locator('form[action$="/logout"] [type="submit"]').click()
    assert "/login" in page.url
    local.shot("logged-out")
    page.goto("/radar")
    assert "/login" in page.url
    assert page.locator('input[name="password"]').count() == 1
    local.assert_local_and_quiet()


NARROW = {"width": 390, "height": 844}


def test_the_rhythm_pages_from_the_navigation_on_a_narrow_screen(local: LocalPage) -> None:
    page = local.login("approver")
    page.set_viewport_size(NARROW)
    for label, path, heading in (
        ("Inbox", "/inbox", "Reading inbox"),
        ("Credibility", "/credibility", "Credibility"),
        ("Self-assessment", "/self", "Self-assessment of approver"),
    ):
        link = page.get_by_role("navigation", name="Main").get_by_role("link", name=label)
        assert link.is_visible(), label
        with page.expect_navigation():
            link.click()
        assert page.url.endswith(path)
        assert page.locator("h1").inner_text().startswith(heading)
        assert page.get_by_role("link", name=label).get_attribute("aria-current") == "page"
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= NARROW["width"], (path, wide)  # nothing wider than the screen
        local.shot(f"narrow{path.replace('/', '-')}")
    page.goto("/coverage")
    assert page.locator("h1").inner_text().startswith("Papers read")
    refused = page.request.get("/self/admin", max_redirects=0)  # not a navigation: no console
    assert refused.status == 403
    assert "self-assessment is private" in refused.text()
    local.assert_local_and_quiet()

"""The HTML reports open in a real browser with no network, and their figures render.

Debian's Chromium (``apt-get install chromium``) driven by Playwright
(``pip install playwright``, without ``playwright install``: the browser is the
system's, given by ``executable_path``). The browser context is offline and every
request that is not for the report file itself is aborted and recorded; the test
fails if the page tried any. Skips, naming what is missing, when Chromium or
Playwright is absent (CI counts that skip as a failure).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from assay.report import StudyView, write_report

RECORDS = Path(__file__).parents[1] / "unit" / "report" / "records.py"
EVIL = '<script>alert("pwned")</script>'


def _records() -> ModuleType:
    name = "assay_report_test_records"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, RECORDS)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    records = _records()
    result = records.run_demo()
    view: StudyView = records.build_view(result)
    evil: StudyView = records.build_view(result, name=EVIL, hypothesis=EVIL)
    folder = tmp_path_factory.mktemp("reports")
    paths = {}
    for audience in ("exec", "pm", "eng"):
        paths[audience] = folder / f"{audience}.html"
        write_report(view, audience, "html", paths[audience])
    paths["evil"] = folder / "evil.html"
    write_report(evil, "exec", "html", paths["evil"])
    return paths


class OfflinePage:
    """A page in an offline context that records every request, dialog and console error."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context()
        self.context.set_offline(True)
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
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

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri(), wait_until="load")
        return self.page

    def close(self) -> None:
        self.context.close()

    def assert_offline_and_quiet(self, path: Path) -> None:
        assert self.blocked == []
        assert [url for url in self.requests if url != path.as_uri()] == []
        assert self.dialogs == []
        assert self.errors == []


@pytest.fixture
def offline(browser: Any) -> Iterator[OfflinePage]:
    page = OfflinePage(browser)
    try:
        yield page
    finally:
        page.close()


def test_engineering_report_renders_its_figures_offline(
    offline: OfflinePage, reports: dict[str, Path]
) -> None:
    page = offline.open(reports["eng"])
    assert page.title() == "tiled-attention (FlashAttention): engineering report"
    figures = page.locator("figure svg")
    assert figures.count() >= 3
    for index in range(figures.count()):
        box = figures.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 100
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll('figure svg')).map(svg => {
            const shapes = Array.from(svg.querySelectorAll('path, use'));
            const drawn = s => { const b = s.getBBox(); return b.width > 0 || b.height > 0; };
            return shapes.filter(drawn).length;
        })"""
    )
    assert all(count > 10 for count in drawn), drawn  # axes, ticks, glyphs, points
    assert page.locator("h2", has_text="Criteria and their evaluation").count() == 1
    offline.assert_offline_and_quiet(reports["eng"])


@pytest.mark.parametrize("audience", ["exec", "pm"])
def test_exec_and_pm_reports_open_offline(
    offline: OfflinePage, reports: dict[str, Path], audience: str
) -> None:
    page = offline.open(reports[audience])
    assert page.title().startswith("tiled-attention (FlashAttention): ")
    paragraphs = page.locator("p")
    if audience == "exec":
        assert 1 <= paragraphs.count() <= 2
        assert "The expected benefit" in page.inner_text("main")
    assert page.locator("main").bounding_box()["height"] > 100
    offline.assert_offline_and_quiet(reports[audience])


def test_user_text_is_shown_not_run(offline: OfflinePage, reports: dict[str, Path]) -> None:
    page = offline.open(reports["evil"])
    assert EVIL in page.title()
    assert EVIL in page.inner_text("main")
    assert page.locator("main script").count() == 0
    offline.assert_offline_and_quiet(reports["evil"])

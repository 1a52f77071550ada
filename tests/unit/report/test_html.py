"""HTML reports are one self-contained file: no network, no script, user text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from types import ModuleType

import pytest

from assay.bench import BenchmarkResult
from assay.report import StudyView, render_report

NETWORK_REFERENCE = re.compile(
    r"""\b(?:src|href|xlink:href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
Render = Callable[[str, str], str]
EVIL_NAME = '<script>alert("name")</script>'
EVIL_HYPOTHESIS = '<img src=x onerror=alert(1)> & <a href="https://example.com">*stars*</a>'


@pytest.fixture(scope="module")
def evil_view(demo_result: BenchmarkResult, record_builder: ModuleType) -> StudyView:
    view: StudyView = record_builder.build_view(
        demo_result, name=EVIL_NAME, hypothesis=EVIL_HYPOTHESIS
    )
    return view


@pytest.mark.parametrize("audience", ["exec", "pm", "eng"])
def test_html_has_no_network_references(rendered: Render, audience: str) -> None:
    html = rendered(audience, "html")
    assert NETWORK_REFERENCE.search(html) is None
    assert "http://" not in html
    assert "https://" not in html
    assert "<script" not in html.lower()
    assert "@import" not in html
    assert "url(http" not in html


def test_html_forbids_fetching_anything(rendered: Render) -> None:
    html = rendered("eng", "html")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    assert "default-src 'none'" in policy.group(1)
    assert "script-src" not in policy.group(1)  # so the default, none, applies


@pytest.mark.parametrize("audience", ["exec", "pm", "eng"])
def test_user_text_is_escaped(evil_view: StudyView, audience: str) -> None:
    html = render_report(evil_view, audience, "html")
    assert "<script" not in html.lower()
    assert "<img" not in html
    assert "<a href" not in html
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in html
    if audience != "eng":  # the eng report shows the hypothesis in the frozen text too
        assert "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;a href=" in html
    assert NETWORK_REFERENCE.search(html) is None


def test_markdown_escapes_user_text(evil_view: StudyView) -> None:
    text = render_report(evil_view, "exec", "md")
    assert re.search(r"(?<!\\)<(script|img|a\b)", text) is None
    assert r"\<script>alert" in text
    assert r"\*stars\*" in text


def test_inline_figures_parse_and_their_ids_do_not_collide(rendered: Render) -> None:
    html = rendered("eng", "html")
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) >= 3
    ids: Counter[str] = Counter()
    for svg in svgs:
        root = ET.fromstring(svg)  # inline SVG is still well-formed XML
        assert root.tag == "svg"
        ids.update(el.get("id") for el in root.iter() if el.get("id"))
        for ref in re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', svg):
            target = ref[0] or ref[1]
            assert f'id="{target}"' in svg, f"{target} is referenced but not defined"
    assert [name for name, count in ids.items() if count > 1] == []


def test_html_title_and_structure(rendered: Render) -> None:
    html = rendered("pm", "html")
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<title>tiled-attention (FlashAttention): product summary</title>" in html
    assert '<meta charset="utf-8">' in html
    assert html.count("<style>") == 1

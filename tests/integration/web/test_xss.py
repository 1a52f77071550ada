"""Hostile text is shown, never run; SQL metacharacters are kept verbatim (issue 12).

The team workspace (:mod:`support.web`) holds each of :data:`~support.web.TEXTS` (a
script tag, an attribute breaker with an ``onerror`` image, a ``javascript:`` link,
``'; DROP TABLE techniques; --``, ``100%_done``) in every text field a page shows:
technique name, summary, owner and area, next action, paper title and note, prototype
hypothesis, decision why and conditions, prediction question and note, post-mortem
outcome, lesson and problem, run method names (and the run's file name). Every page
that shows them is read as a viewer and parsed: the text must be there (as text), and
no element, attribute or link made from it (no inline script with content, no ``on*``
attribute, no ``javascript:`` URL, no raw ``<script>``/``<img`` of the payloads).
The radar's SVG is parsed as XML with the same rules.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
import pytest

from support.web import FIELDS, SQL_TEXTS, TEXTS, XSS, Team, field

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
RAW = ("<script>alert(1)", "<img src=x onerror")


class _Page(HTMLParser):
    """The text of a page and everything in it that would run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.running: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.running.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.running.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.running.append("<img src=x>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.running.append(f"inline script: {data.strip()[:80]!r}")
        self.text.append(data)


def check_page(html: str, shown: tuple[str, ...]) -> None:
    """``shown`` appear as text of ``html``; nothing in it runs."""
    for raw in RAW:
        assert raw not in html
    page = _Page()
    page.feed(html)
    page.close()
    assert page.running == []
    text = "".join(page.text)
    missing = [t for t in shown if t not in text]
    assert missing == [], f"not shown: {missing}"


def check_svg(svg: str, shown: tuple[str, ...]) -> None:
    """The SVG is well-formed XML, has no script, handler or ``javascript:`` link, and
    shows ``shown`` as text (the blips' titles)."""
    root = ET.fromstring(svg)
    for element in root.iter():
        assert not element.tag.endswith("script")
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name.endswith("href"):
                assert not value.strip().lower().startswith("javascript:"), value
    text = "".join(root.itertext())
    assert [t for t in shown if t not in text] == []


def _get(client: httpx.Client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return answer.text


def test_the_radar_shows_every_name_escaped(who: dict[str, httpx.Client], team: Team) -> None:
    check_page(_get(who["viewer"], "/radar"), team.techniques)


def test_the_radar_picture_shows_every_name_escaped(
    who: dict[str, httpx.Client], team: Team
) -> None:
    answer = who["viewer"].get("/radar.svg")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    check_svg(answer.text, team.techniques)


# What a technique's page shows of the hostile record: every field the record holds
# about the technique but a prediction's note (predictions are not tied to techniques)
# and a post-mortem's outcome and problems (the page lists post-mortems by lesson; the
# post-mortems page shows them whole).
TECHNIQUE_FIELDS = tuple(f for f in FIELDS if f not in ("prediction note", "outcome", "problem"))


@pytest.mark.parametrize("index", range(len(TEXTS)), ids=[repr(t) for t in TEXTS])
def test_a_technique_page_shows_every_field_escaped(
    who: dict[str, httpx.Client], team: Team, index: int
) -> None:
    name, text = team.techniques[index], TEXTS[index]
    html = _get(who["viewer"], f"/techniques/{quote(name, safe='')}")
    shown = (name, f"{text} paper {index}", *(field(text, f) for f in TECHNIQUE_FIELDS))
    check_page(html, shown)


@pytest.mark.parametrize("index", range(len(TEXTS)), ids=[repr(t) for t in TEXTS])
def test_a_gate_review_shows_hostile_text_escaped(
    who: dict[str, httpx.Client], team: Team, index: int
) -> None:
    check_page(_get(who["viewer"], f"/gates/{team.prototypes[index]}"), (team.techniques[index],))


def test_the_run_shows_hostile_method_names_escaped(
    who: dict[str, httpx.Client], team: Team
) -> None:
    check_page(_get(who["viewer"], f"/runs/{team.evil_run}"), TEXTS)
    check_page(_get(who["viewer"], "/runs"), (XSS[1],))  # the run's name is its file's


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (
            "/predictions",
            tuple(f"{t} question {i}" for i, t in enumerate(TEXTS))
            + tuple(field(t, "prediction note") for t in TEXTS),
        ),
        (
            "/postmortems",
            tuple(field(t, f) for t in TEXTS for f in ("outcome", "lesson", "problem")),
        ),
        ("/gates", ()),
        ("/review", ()),
        ("/predictions/calibration", ()),
        ("/reports/executive", ()),
        *(
            (f"/reports/{audience}?prototype=hostile-{i}", (field(TEXTS[i], "hypothesis"),))
            for audience in ("executive", "product", "engineering")
            for i in range(len(TEXTS))
        ),
        (
            "/radar/diff?from=2020-01-01&to=2099-12-31",
            tuple(f"{t} {i}" for i, t in enumerate(TEXTS)),
        ),
    ],
)
def test_the_record_pages_show_hostile_text_escaped(
    who: dict[str, httpx.Client], path: str, shown: tuple[str, ...]
) -> None:
    check_page(_get(who["viewer"], path), shown)


@pytest.mark.parametrize("text", TEXTS, ids=[repr(t) for t in TEXTS])
def test_search_results_show_hostile_text_escaped(who: dict[str, httpx.Client], text: str) -> None:
    html = _get(who["viewer"], f"/search?q={quote(text, safe='')}")
    check_page(html, (text,))


def test_an_artifact_is_served_as_text_never_as_html(who: dict[str, httpx.Client]) -> None:
    answer = who["viewer"].get("/techniques/flash-attn/artifacts/runbook")
    assert answer.status_code == 200
    kind = answer.headers["content-type"]
    assert kind.startswith(("text/plain", "text/markdown")), kind
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert all(t in answer.text for t in TEXTS)


@pytest.mark.parametrize("index", range(len(TEXTS)), ids=[repr(t) for t in TEXTS])
def test_json_keeps_every_text_verbatim(
    who: dict[str, httpx.Client], team: Team, index: int
) -> None:
    name = team.techniques[index]
    answer = who["viewer"].get(
        f"/techniques/{quote(name, safe='')}", headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text[:300]
    document = answer.json()
    technique = document.get("technique", document)
    assert technique["name"] == name
    assert technique["summary"] == field(TEXTS[index], "summary")
    assert technique["owner"] == field(TEXTS[index], "owner")
    assert technique["area"] == TEXTS[index]


def test_sql_metacharacters_are_stored_and_found_verbatim(
    who: dict[str, httpx.Client], team: Team
) -> None:
    radar = who["viewer"].get("/radar", headers={"Accept": "application/json"}).json()
    names = {t["name"] for t in radar["techniques"]}
    assert set(team.techniques) <= names
    assert len(names) == len(team.techniques) + 1  # flash-attn; no table was dropped
    for text in SQL_TEXTS:
        found = who["viewer"].get(
            f"/search?q={quote(text, safe='')}", headers={"Accept": "application/json"}
        )
        assert found.status_code == 200
        assert text in found.text  # the hits hold the text as stored
    # % and _ are not wildcards: a search for them alone does not find everything
    percent = who["viewer"].get("/search?q=%25_d", headers={"Accept": "application/json"})
    assert percent.status_code == 200
    assert "flash-attn" not in percent.text


@pytest.mark.parametrize(
    "html",
    [
        "<p><script>alert(1)</script></p>",
        '<p title=""><img src=x onerror=alert(1)>"></p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JavaScript:alert(1)">x</a>',
        "<script>document.title = 1</script>",
        '<svg><a onclick="x()"><title>t</title></a></svg>',
        "<p>&lt;script&gt;</p>",  # shown, but not the text it was asked to show
    ],
)
def test_the_page_check_finds_what_would_run(html: str) -> None:
    with pytest.raises(AssertionError):
        check_page(html, ("<script>alert(1)</script>",))


def test_the_page_check_passes_escaped_text() -> None:
    check_page("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", ("<script>alert(1)</script>",))


@pytest.mark.parametrize(
    "svg",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><title><script></title></svg>',  # not XML
    ],
)
def test_the_svg_check_finds_what_would_run(svg: str) -> None:
    with pytest.raises((AssertionError, ET.ParseError)):
        check_svg(svg, ())


@pytest.mark.parametrize("audience", ["executive", "product", "engineering"])
@pytest.mark.parametrize("index", range(len(XSS)), ids=[repr(t) for t in XSS])
def test_a_downloaded_report_shows_hostile_text_escaped(
    who: dict[str, httpx.Client], audience: str, index: int
) -> None:
    answer = who["viewer"].get(f"/reports/{audience}?prototype=hostile-{index}&download=html")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-disposition"].startswith("attachment;")
    check_page(answer.text, (field(TEXTS[index], "hypothesis"),))

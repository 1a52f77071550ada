"""The inbox's feed reader (issue 16): arXiv's Atom and RSS listings, conference lists
as CSV and JSON lines, from the saved files in tests/data/inbox; and every bad feed
refused with one message naming the file, the line and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.formats.feeds import load_feed, parse_feed

DATA = Path(__file__).parents[2] / "data" / "inbox"
API_ANSWER = Path(__file__).parent / "data" / "arxiv_2205.14135.xml"


def test_arxiv_rss_listing() -> None:
    feed = load_feed(DATA / "arxiv-cs.LG.rss")
    assert feed.format == "rss"
    assert [i.arxiv_id for i in feed.items] == ["2309.06180", "2211.17192", "2305.13245"]
    first = feed.items[0]
    assert first.title.startswith("Efficient Memory Management")
    assert first.authors[:2] == ("Woosuk Kwon", "Zhuohan Li") and len(first.authors) == 9
    assert first.abstract.startswith("High throughput serving")  # "Announce Type" dropped
    assert first.published == dt.date(2026, 11, 30)
    assert feed.items[2].authors[4] == "Federico Lebrón"


def test_arxiv_atom_listing_and_api_answer() -> None:
    feed = load_feed(DATA / "arxiv-cs.LG.atom")
    assert feed.format == "atom"
    assert [i.arxiv_id for i in feed.items] == ["2309.06180", "2312.00752"]
    assert feed.items[1].authors == ("Albert Gu", "Tri Dao")
    assert feed.items[1].abstract.startswith("Foundation models")
    (answer,) = load_feed(API_ANSWER).items
    assert (answer.arxiv_id, answer.doi) == ("2205.14135", "10.48550/arxiv.2205.14135")
    assert answer.published == dt.date(2022, 5, 27)


def test_conference_lists() -> None:
    csv_feed = load_feed(DATA / "neurips-orals.csv")
    assert csv_feed.format == "csv"
    assert [i.arxiv_id for i in csv_feed.items] == ["2305.14314", "2305.18290", "2211.17192"]
    assert csv_feed.items[0].authors[0] == "Tim Dettmers"
    jsonl = load_feed(DATA / "icml-list.jsonl")
    assert jsonl.format == "jsonl"
    assert jsonl.items[0].authors == ("Hao Liu", "Matei Zaharia", "Pieter Abbeel")
    assert jsonl.items[1].authors[-1] == "Christopher Ré"  # "A; B" as a string


def test_a_list_without_identifiers() -> None:
    feed = parse_feed('{"title": "A workshop talk", "authors": []}\n', source="talks.jsonl")
    (item,) = feed.items
    assert (item.arxiv_id, item.doi, item.url) == (None, None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<rss><channel><item><title>x</title>\n</channel></rss>", "feed.txt, line 2, column"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<rss/>',
            "feed.txt, line 2: the XML declares a DTD",
        ),
        ("<html><body/></html>", "feed.txt, line 1: the root element is 'html'"),
        (
            "<rss><channel>\n<item><title>ok</title><pubDate>someday</pubDate></item>"
            "</channel></rss>",
            "feed.txt, line 2, field 'pubDate': 'someday' is not a date",
        ),
        (
            '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry><id>x</id></entry></feed>',
            "feed.txt, line 2: no title",
        ),
        ("name,url\nx,y\n", "feed.txt, line 1: the header has no 'title' column"),
        ("title,url\nA,http://a\n,http://b\n", "feed.txt, line 3, field 'title': empty"),
        ("title,doi\nA,10.1000/x\nB,not-a-doi\n", "feed.txt, line 3, field 'doi'"),
        ("title,url\nA,http://a,extra\n", "feed.txt, line 2: more cells than the header"),
        ('{"title": "A"}\n{"title": "B", "pages": 3}\n', "feed.txt, line 2: unknown field 'pages'"),
        ('{"title": "A"}\n\n{"title": \n', "feed.txt, line 3, column"),
        ('{"title": "A"}\n[1, 2]\n', "feed.txt, line 2: expected a JSON object"),
        ('{"title": "A", "published": "May 2024"}\n', "feed.txt, line 1, field 'published'"),
        ('{"title": "A", "authors": [1]}\n', "feed.txt, line 1, field 'authors'"),
        ('{"title": "A", "arxiv_id": "1234"}\n', "feed.txt, line 1, field 'arxiv_id'"),
        ("   \n", "feed.txt: empty"),
    ],
)
def test_bad_feeds_say_where(text: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_feed(text, source="feed.txt")
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_a_missing_or_binary_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no-such\.rss"):
        load_feed(tmp_path / "no-such.rss")
    binary = tmp_path / "feed.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not UTF-8"):
        load_feed(binary)

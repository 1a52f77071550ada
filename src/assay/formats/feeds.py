"""Feeds of new papers for the reading inbox: arXiv listings as Atom or RSS 2.0, and
conference lists as CSV or JSON lines; from a saved file or a URL.

* **Atom**: the arXiv API's answers and arXiv's Atom listings
  (``rss.arxiv.org/atom/cs.LG``): ``<entry>`` with ``id``, ``title``, ``summary``,
  ``author/name``, ``published`` and ``link``; ids like ``oai:arXiv.org:2412.01234v1``
  and ``http://arxiv.org/abs/2205.14135v2`` both give the arXiv id.
* **RSS 2.0**: arXiv's RSS listings (``rss.arxiv.org/rss/cs.LG``): ``<item>`` with
  ``title``, ``link``, ``description`` (``arXiv:ID Announce Type: new Abstract: ...``),
  ``dc:creator`` (authors separated by commas) and ``pubDate``; any RSS 2.0 feed
  (a newsletter) reads the same way.
* **CSV** with a header, or **JSON lines** (one object a line): ``title`` (required),
  ``authors`` (``;``-separated in CSV, a list or a ``;``-separated string in JSON),
  ``url``, ``abstract``, and optionally ``doi``, ``arxiv_id`` and ``published``
  (``YYYY-MM-DD``).

The format is recognised from the content. XML is parsed with the standard library's
expat, refusing any document that declares a DTD or entities (a feed never needs
one; refusing them rules out entity-expansion attacks without a third-party parser),
and each element keeps its line so that a bad entry is named by line. Every problem
is one :class:`InputError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import email.utils
import io
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

from assay.errors import InputError, NetworkUnavailableError
from assay.formats import files
from assay.pipeline.inbox import FeedItem
from assay.pipeline.papers import normalise_arxiv_id, normalise_doi

__all__ = ["Feed", "fetch_feed", "load_feed", "parse_feed"]

_ATOM = "http://www.w3.org/2005/Atom"
_ARXIV = "http://arxiv.org/schemas/atom"
_DC = "http://purl.org/dc/elements/1.1/"
_EXPECTED = "an arXiv Atom or RSS listing, or a conference list (CSV or JSON lines)"
_MAX_FEED = 32 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Feed:
    """The items of one feed, its format (``atom``, ``rss``, ``csv``, ``jsonl``) and
    where it was read from."""

    items: tuple[FeedItem, ...]
    format: str
    location: str


# --- a small XML tree that remembers lines --------------------------------------------


@dataclasses.dataclass
class _Node:
    tag: str  # "{namespace}local" as ElementTree writes it
    attrs: dict[str, str]
    line: int
    children: list[_Node] = dataclasses.field(default_factory=list)
    parts: list[str] = dataclasses.field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    def all(self, tag: str) -> Iterator[_Node]:
        return (c for c in self.children if c.tag == tag)

    def first(self, tag: str) -> _Node | None:
        return next(self.all(tag), None)

    def get(self, tag: str) -> str:
        found = self.first(tag)
        return found.text if found is not None else ""


def _xml(text: str, source: str) -> _Node:
    parser = expat.ParserCreate(namespace_separator="}")
    stack: list[_Node] = []
    root: list[_Node] = []

    def refuse(*_: Any) -> None:
        raise InputError(
            f"{source}, line {parser.CurrentLineNumber}: the XML declares a DTD or entities, "
            "which a feed never does; refusing to parse it"
        )

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = "{" + name if "}" in name else name
        node = _Node(tag, attrs, parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def end(_: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as exc:
        raise InputError(
            f"{source}, line {exc.lineno}, column {exc.offset + 1}: not well-formed XML "
            f"({expat.errors.messages[exc.code]}); expected {_EXPECTED}"
        ) from None
    return root[0]


# --- fields --------------------------------------------------------------------------

_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:|arxiv:\s*)([a-z.-]*/?\d{4}\.?\d{3,5}(?:v\d+)?)",
    re.IGNORECASE,
)


def _arxiv_from(*texts: str | None) -> str | None:
    for text in texts:
        found = _ARXIV_IN_TEXT.search(text or "")
        if found:
            try:
                return normalise_arxiv_id(found.group(1))
            except InputError:
                continue
    return None


def _field(where: str, name: str, check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except InputError as exc:
        raise InputError(f"{where}, field {name!r}: {exc}") from None


def _date(text: str, where: str, name: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()  # RSS's RFC 822 dates
    except (TypeError, ValueError):
        raise InputError(
            f"{where}, field {name!r}: {text!r} is not a date; expected YYYY-MM-DD "
            "(or an RFC 822 date in RSS)"
        ) from None


def _item(where: str, **fields: Any) -> FeedItem:
    return FeedItem(where=where, **fields)


# --- Atom and RSS -------------------------------------------------------------------


_ANNOUNCE = re.compile(r"^arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.IGNORECASE)


def _atom(root: _Node, source: str) -> list[FeedItem]:
    a = "{" + _ATOM + "}"
    items = []
    for entry in root.all(a + "entry"):
        where = f"{source}, line {entry.line}"
        ident = entry.get(a + "id")
        title = entry.get(a + "title")
        if "api/errors" in ident or title == "Error":
            raise InputError(f"{where}: arXiv answered with an error: {entry.get(a + 'summary')}")
        links = [n.attrs.get("href", "") for n in entry.all(a + "link")]
        alternate = next(
            (n.attrs["href"] for n in entry.all(a + "link") if n.attrs.get("rel") == "alternate"),
            None,
        )
        url = (
            alternate
            or next((h for h in links if h), None)
            or (ident if ident.startswith("http") else None)
        )
        doi_text = entry.get("{" + _ARXIV + "}doi")
        items.append(
            _item(
                where,
                title=title,
                authors=tuple(n.get(a + "name") for n in entry.all(a + "author")),
                url=url,
                arxiv_id=_arxiv_from(ident, *links),
                doi=_field(where, "doi", normalise_doi, doi_text) if doi_text else None,
                abstract=_ANNOUNCE.sub("", entry.get(a + "summary")),
                published=_date(
                    entry.get(a + "published") or entry.get(a + "updated"), where, "published"
                ),
            )
        )
    return items


def _rss(root: _Node, source: str) -> list[FeedItem]:
    channel = root.first("channel")
    if channel is None:
        raise InputError(
            f"{source}, line {root.line}: an <rss> without <channel>; expected RSS 2.0"
        )
    items = []
    for node in channel.all("item"):
        where = f"{source}, line {node.line}"
        description = node.get("description")
        creators = [n.text for n in node.all("{" + _DC + "}creator")]
        if len(creators) == 1:
            creators = creators[0].split(",")
        creators = creators or [node.get("author")]
        link = node.get("link") or None
        items.append(
            _item(
                where,
                title=node.get("title"),
                authors=tuple(creators),
                url=link,
                arxiv_id=_arxiv_from(link, node.get("guid"), description),
                abstract=_ANNOUNCE.sub("", description),
                published=_date(node.get("pubDate"), where, "pubDate"),
            )
        )
    return items


# --- CSV and JSON lines -------------------------------------------------------------


def _record(values: dict[str, Any], where: str) -> FeedItem:
    known = {"title", "authors", "url", "abstract", "doi", "arxiv_id", "published"}
    unknown = sorted(k for k in values if k not in known)
    if unknown:
        raise InputError(
            f"{where}: unknown field {', '.join(map(repr, unknown))}; expected some of "
            f"{', '.join(sorted(known))}"
        )
    for name, value in values.items():
        if name != "authors" and value is not None and not isinstance(value, str):
            raise InputError(f"{where}, field {name!r}: expected text, found {value!r}")
    authors = values.get("authors") or ""
    if isinstance(authors, str):
        authors = tuple(authors.split(";"))
    elif isinstance(authors, list) and all(isinstance(a, str) for a in authors):
        authors = tuple(authors)
    else:
        raise InputError(f"{where}, field 'authors': expected a list of names or 'A; B'")
    if not (values.get("title") or "").strip():
        raise InputError(f"{where}, field 'title': empty; every item needs a title")
    doi = (values.get("doi") or "").strip()
    arxiv = (values.get("arxiv_id") or "").strip()
    url = (values.get("url") or "").strip() or None
    return _item(
        where,
        title=values["title"],
        authors=authors,
        url=url,
        arxiv_id=_field(where, "arxiv_id", normalise_arxiv_id, arxiv)
        if arxiv
        else _arxiv_from(url),
        doi=_field(where, "doi", normalise_doi, doi) if doi else None,
        abstract=values.get("abstract") or "",
        published=_date(values.get("published") or "", where, "published"),
    )


def _csv(text: str, source: str) -> list[FeedItem]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or ()]
    if "title" not in header:
        raise InputError(
            f"{source}, line 1: the header has no 'title' column; expected title, authors, "
            "url, abstract"
        )
    reader.fieldnames = header
    items = []
    try:
        for row in reader:
            where = f"{source}, line {reader.line_num}"
            if None in row:
                raise InputError(f"{where}: more cells than the header has columns")
            values = {k: v for k, v in row.items() if k}
            if not any((v or "").strip() for v in values.values()):
                continue
            items.append(_record(values, where))
    except csv.Error as exc:
        raise InputError(f"{source}, line {reader.line_num}: {exc}; expected CSV") from None
    return items


def _jsonl(text: str, source: str) -> list[FeedItem]:
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{source}, line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{where}, column {exc.colno}: not JSON ({exc.msg}); expected one object a line"
            ) from None
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected a JSON object with a title, found {value!r}")
        items.append(_record(value, where))
    return items


def parse_feed(text: str, *, source: str = "<feed>") -> Feed:
    """The items of a feed's text, its format recognised from the content."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        root = _xml(text.lstrip("\ufeff"), source)
        if root.tag == "{" + _ATOM + "}feed":
            return Feed(tuple(_atom(root, source)), "atom", source)
        if root.tag == "rss":
            return Feed(tuple(_rss(root, source)), "rss", source)
        raise InputError(
            f"{source}, line {root.line}: the root element is {root.tag!r}; expected an Atom "
            "<feed> or an RSS <rss>"
        )
    if head.startswith("{"):
        return Feed(tuple(_jsonl(text, source)), "jsonl", source)
    if not head:
        raise InputError(f"{source}: empty; expected {_EXPECTED}")
    return Feed(tuple(_csv(text, source)), "csv", source)


def load_feed(path: str | Path) -> Feed:
    """A saved feed."""
    return parse_feed(files.read_text(path, _EXPECTED), source=files.shown(path))


def fetch_feed(url: str, *, timeout: float = 20.0) -> Feed:
    """A feed read from an ``http(s)`` URL.

    Raises :class:`NetworkUnavailableError` when it cannot be reached, with a message
    that says how to import a saved copy instead.
    """
    if not re.match(r"https?://", url, re.IGNORECASE):
        raise InputError(f"{url!r} is not an http(s) URL; give a saved file or an http(s) URL")
    request = urllib.request.Request(url, headers={"User-Agent": "assay (reading inbox)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read(_MAX_FEED + 1)
    except urllib.error.HTTPError as exc:
        raise NetworkUnavailableError(
            f"{url} answered HTTP {exc.code}; try again later, or save the feed and import the file"
        ) from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NetworkUnavailableError(
            f"the network is unavailable: could not read {url} ({reason}); save the feed "
            "and import the file instead"
        ) from None
    if len(body) > _MAX_FEED:
        raise InputError(f"{url}: larger than 32 MiB; expected {_EXPECTED}")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{url}: byte {exc.start} is not UTF-8; expected {_EXPECTED}") from None
    return parse_feed(text, source=url)

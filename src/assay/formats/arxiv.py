"""arXiv API Atom XML: a reader, and a fetcher for one paper by id.

The arXiv API (``export.arxiv.org/api/query``) answers with an Atom feed whose
entries carry ``id`` (``http://arxiv.org/abs/2205.14135v2``), ``title``,
``summary``, ``author/name``, ``published``, ``link`` elements and, in the arXiv
namespace, ``doi``, ``journal_ref`` and ``comment``. An unknown id comes back as an
entry titled ``Error``; the reader turns that into an :class:`InputError`.

The XML is parsed with the standard library, refusing any document that declares
a DTD or entities: an API answer never needs one, and refusing them rules out
entity-expansion and external-entity attacks without a third-party parser.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

from assay.errors import InputError, NetworkUnavailableError, NotFoundError
from assay.formats import files
from assay.pipeline.papers import Author, Paper, clean_latex, normalise_arxiv_id

# NetworkUnavailableError lives in assay.errors; it is re-exported here for callers
# that imported it from this module before it moved.
__all__ = [
    "ARXIV_API",
    "NetworkUnavailableError",
    "fetch_arxiv",
    "load_arxiv_atom",
    "parse_arxiv_atom",
]

ARXIV_API = "https://export.arxiv.org/api/query"

_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
}
_CODE_URL = re.compile(r"https?://(?:www\.)?(?:github\.com|gitlab\.com)/[^\s,;)]+", re.IGNORECASE)


def _check_safe(text: str, source: str) -> None:
    head = text[:4096].lower()
    if "<!doctype" in head or "<!entity" in text.lower():
        raise InputError(
            f"{source}: the XML declares a DTD or entities, which an arXiv API answer never "
            "does; refusing to parse it"
        )


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path, _NS)
    return " ".join((found.text or "").split()) if found is not None else ""


def _entry_to_paper(entry: ET.Element, source: str, index: int) -> Paper:
    ident = _text(entry, "atom:id")
    title = _text(entry, "atom:title")
    if "api/errors" in ident or title == "Error":
        summary = _text(entry, "atom:summary") or "unknown error"
        raise NotFoundError(f"{source}: arXiv answered with an error: {summary}")
    if not ident:
        raise InputError(f"{source}: entry {index} has no <id>; expected http://arxiv.org/abs/ID")
    try:
        arxiv_id = normalise_arxiv_id(ident)
    except InputError as exc:
        raise InputError(f"{source}: entry {index}: {exc}") from None
    authors = []
    for author in entry.findall("atom:author", _NS):
        name = _text(author, "atom:name")
        if name:
            *given, family = name.split()
            authors.append(Author(family, " ".join(given)))
    published = _text(entry, "atom:published")
    year = int(published[:4]) if re.match(r"\d{4}", published) else None
    url = None
    for link in entry.findall("atom:link", _NS):
        if link.get("rel") == "alternate" and link.get("href"):
            url = link.get("href")
    comment = _text(entry, "arxiv:comment")
    code = _CODE_URL.search(comment)
    return Paper(
        title=clean_latex(title) if title else "",
        raw_title=title,
        authors=tuple(authors),
        year=year,
        venue=_text(entry, "arxiv:journal_ref"),
        doi=_text(entry, "arxiv:doi") or None,
        arxiv_id=arxiv_id,
        url=url or f"https://arxiv.org/abs/{arxiv_id}",
        code_url=code.group().rstrip(".") if code else None,
        abstract=_text(entry, "atom:summary"),
        key=arxiv_id,
        source="arxiv",
    )


def parse_arxiv_atom(text: str | bytes, *, source: str = "<arXiv answer>") -> list[Paper]:
    """The papers in an arXiv API Atom feed (one per ``<entry>``)."""
    decoded = text.decode("utf-8") if isinstance(text, bytes) else text
    _check_safe(decoded, source)
    try:
        root = ET.fromstring(decoded)
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            f"{source}, line {line}, column {column}: not well-formed XML; "
            "expected an Atom feed from the arXiv API"
        ) from None
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise InputError(f"{source}: the root element is {root.tag!r}; expected an Atom <feed>")
    return [
        _entry_to_paper(entry, source, i)
        for i, entry in enumerate(root.findall("atom:entry", _NS), 1)
    ]


def load_arxiv_atom(path: str | Path) -> list[Paper]:
    """Read a saved arXiv API answer from a file."""
    file = Path(path)
    data = files.read_bytes(file, "saved arXiv API XML")
    return parse_arxiv_atom(data, source=str(file))


def fetch_arxiv(arxiv_id: str, *, timeout: float = 10.0, api: str = ARXIV_API) -> Paper:
    """Fetch one paper's metadata from the arXiv API.

    Raises :class:`NetworkUnavailableError` when the API cannot be reached (no
    network, DNS failure, refused connection, timeout), with a message that says
    how to add the paper offline; :class:`NotFoundError` when arXiv has no such id.
    """
    ident = normalise_arxiv_id(arxiv_id)
    url = f"{api}?{urllib.parse.urlencode({'id_list': ident})}"
    request = urllib.request.Request(url, headers={"User-Agent": "assay (research record)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise NetworkUnavailableError(
            f"the arXiv API answered HTTP {exc.code} for {ident}; try again later, or save "
            f"the answer of {url} and add it with --atom FILE"
        ) from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NetworkUnavailableError(
            f"the network is unavailable: could not reach the arXiv API for {ident} "
            f"({reason}); add the paper from a saved Atom file or BibTeX instead"
        ) from None
    papers = parse_arxiv_atom(body, source=f"arXiv API answer for {ident}")
    if not papers:
        raise NotFoundError(f"arXiv has no paper {ident}")
    return papers[0]

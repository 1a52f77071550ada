"""CSL JSON (Zotero's "Better CSL JSON" and plain CSL JSON exports): read and write.

An item carries ``id``, ``type``, ``title``, ``author`` (``[{family, given}]`` or
``[{literal}]``), ``issued`` (``{"date-parts": [[2022, 5, 27]]}``, or ``raw`` /
``literal`` text), ``DOI``, ``URL``, ``container-title`` and ``abstract``. arXiv
preprints carry their id in ``number`` (``arXiv:2205.14135``), ``URL`` or ``note``.
A file holds a list of items, or one item. Names keep their particles and suffix
(``non-dropping-particle``, ``dropping-particle``, ``suffix``): ``Renato de Matta``.

Every item is checked: :func:`read_csl_json` returns a
:class:`~assay.formats.paper_records.PaperFile` with each bad item's line, id and
problem, so one run reports them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.formats import files
from assay.formats.paper_records import PaperFile, Problem, Record
from assay.pipeline.papers import Author, Paper, clean_latex, normalise_arxiv_id

__all__ = ["csl_file", "load_csl_json", "parse_csl_json", "read_csl_json", "write_csl_json"]

_ARXIV = re.compile(r"(?:arxiv[:\s]*|arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5}(?:v\d+)?)", re.I)


def _string(item: Mapping[str, Any], name: str, where: str) -> str:
    value = item.get(name, "")
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise InputError(f"{where}: field {name!r} is {type(value).__name__}; expected text")
    return value.strip()


def _authors(item: Mapping[str, Any], where: str) -> tuple[Author, ...]:
    people = item.get("author", [])
    if not isinstance(people, list):
        raise InputError(f"{where}: field 'author' is not a list; expected [{{family, given}}]")
    authors = []
    for i, person in enumerate(people):
        if not isinstance(person, dict):
            raise InputError(f"{where}: author {i + 1} is not an object with family and given")
        family = " ".join(
            str(person.get(name) or "").strip()
            for name in ("dropping-particle", "non-dropping-particle", "family")
        ).strip()
        family = " ".join(family.split()) or str(person.get("literal") or "").strip()
        given = " ".join(f"{person.get('given') or ''} {person.get('suffix') or ''}".split())
        if family or given:
            authors.append(Author(family or given, given if family else ""))
    return tuple(authors)


def _year(item: Mapping[str, Any], where: str) -> int | None:
    issued = item.get("issued")
    if issued is None:
        return None
    if not isinstance(issued, dict):
        raise InputError(f"{where}: field 'issued' is not an object; expected {{date-parts}}")
    parts = issued.get("date-parts")
    if parts:
        try:
            return int(parts[0][0])
        except (TypeError, ValueError, IndexError):
            raise InputError(
                f"{where}: issued.date-parts is {parts!r}; expected [[year, month, day]]"
            ) from None
    text = str(issued.get("raw") or issued.get("literal") or "")
    match = re.search(r"\b(\d{4})\b", text)
    return int(match.group(1)) if match else None


def _item_to_paper(item: Any, where: str) -> Paper:
    if not isinstance(item, dict):
        raise InputError(f"{where}: is {type(item).__name__}; expected a CSL item object")
    title = _string(item, "title", where)
    if not title:
        raise InputError(f"{where}: has no title; every paper needs one")
    arxiv = None
    for name in ("number", "URL", "note", "archive_location"):
        match = _ARXIV.search(_string(item, name, where))
        if match:
            arxiv = normalise_arxiv_id(match.group(1))
            break
    try:
        return Paper(
            title=clean_latex(title) if "\\" in title or "$" in title else title,
            raw_title=title,
            authors=_authors(item, where),
            year=_year(item, where),
            venue=_string(item, "container-title", where),
            doi=_string(item, "DOI", where) or None,
            arxiv_id=arxiv,
            url=_string(item, "URL", where) or None,
            abstract=_string(item, "abstract", where),
            key=_string(item, "id", where),
            source="csl",
        )
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _items(text: str | bytes, source: str) -> list[tuple[Any, int]]:
    """The items of a CSL JSON text with the line each starts on."""
    raw = text.decode("utf-8-sig") if isinstance(text, bytes) else text
    decoder = json.JSONDecoder()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    if not isinstance(data, list):
        return [(data, raw[: len(raw) - len(raw.lstrip())].count("\n") + 1)]
    items, pos = [], raw.index("[") + 1
    for _ in data:
        while raw[pos] in " \t\r\n,":
            pos += 1
        item, end = decoder.raw_decode(raw, pos)
        items.append((item, raw.count("\n", 0, pos) + 1))
        pos = end
    return items


def csl_file(text: str | bytes, *, source: str = "<CSL JSON>") -> PaperFile:
    """Every item of a CSL JSON text as a record or a problem."""
    records, problems = [], []
    for i, (item, line) in enumerate(_items(text, source), 1):
        label = _label(item)
        try:
            records.append(Record(_item_to_paper(item, ""), line))
        except InputError as exc:
            message = str(exc).removeprefix(": ")
            problems.append(Problem(source, line, f"item {i} ({label})", message))
    return PaperFile(source, tuple(records), tuple(problems))


def parse_csl_json(text: str | bytes, *, source: str = "<CSL JSON>") -> list[Paper]:
    """The papers in CSL JSON text (a list of items, or one item); any bad item raises."""
    file = csl_file(text, source=source)
    file.check()
    return file.papers


def _label(item: Any) -> str:
    return str(item.get("id", "no id")) if isinstance(item, dict) else "not an object"


def read_csl_json(path: str | Path) -> PaperFile:
    """Read a CSL JSON file into records and problems."""
    file = Path(path)
    data = files.read_bytes(file, "a CSL JSON export")
    try:
        return csl_file(data, source=str(file))
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: byte {exc.start} is not UTF-8; save it as UTF-8") from None


def load_csl_json(path: str | Path) -> list[Paper]:
    """Read a CSL JSON file; any bad item raises one error listing them all."""
    file = read_csl_json(path)
    file.check()
    return file.papers


def _person(author: Author) -> dict[str, str]:
    """A CSL name; lower-case words leading the family name are its particle."""
    if not author.given:
        return {"literal": author.family}
    words = author.family.split()
    cut = 0
    while cut < len(words) - 1 and words[cut][:1].islower():
        cut += 1
    person = {"family": " ".join(words[cut:]), "given": author.given}
    if cut:
        person["non-dropping-particle"] = " ".join(words[:cut])
    return person


def _item(paper: Paper, index: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": paper.key or paper.arxiv_id or f"paper-{index}",
        "type": "article-journal" if paper.venue else "article",
        "title": paper.title,
    }
    if paper.authors:
        item["author"] = [_person(a) for a in paper.authors]
    if paper.year is not None:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.venue:
        item["container-title"] = paper.venue
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.arxiv_id:
        item["number"] = f"arXiv:{paper.arxiv_id}"
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None)
    if url:
        item["URL"] = url
    if paper.abstract:
        item["abstract"] = paper.abstract
    return item


def write_csl_json(papers: Iterable[Paper]) -> str:
    """CSL JSON text (a list of items) for ``papers``, display titles."""
    items = [_item(p, i) for i, p in enumerate(papers, 1)]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"

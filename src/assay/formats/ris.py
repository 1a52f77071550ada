"""RIS (what Zotero, EndNote and Mendeley export): read and write.

A record is lines ``TAG  - value`` from ``TY  - TYPE`` to ``ER  -``. The tags read:
``TI``/``T1`` (title; ``ST``, the short title, when there is no other), ``AU``/``A1``
(authors, ``Family, Given``; a name without a comma is kept whole, as an
institution), ``PY``/``Y1``/``DA`` (the year: ``2004``, ``2004/05/01/``),
``T2``/``JO``/``JF``/``BT``/``T3`` (the venue), ``DO`` (DOI), ``UR`` (URLs, one a line
or split by ``;``; one on a code host is the code), ``AB``/``N2`` (abstract), ``ID``
(the key); an arXiv id is found in ``AN``, ``UR``, ``N1`` or ``M1``. A line without a tag
continues the value before it, as some exporters wrap long abstracts.

A small reader of our own rather than rispy: RIS is one tag a line, and reporting
every bad record with its line (which rispy does not keep) is most of the work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from assay.errors import InputError
from assay.formats.paper_records import PaperFile, Problem, Record, read_text
from assay.pipeline.papers import Author, Paper, normalise_arxiv_id

__all__ = ["read_ris", "ris_file", "write_ris"]

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_ARXIV = re.compile(r"(?:arxiv[:\s]*|arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5}(?:v\d+)?)", re.I)
_CODE_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/", "huggingface.co/")
_VENUES = ("T2", "JO", "JF", "BT", "JA", "J2", "T3")


def _first(tags: Mapping[str, list[str]], *names: str) -> str:
    return next((tags[n][0] for n in names if tags.get(n) and tags[n][0].strip()), "").strip()


def _author(text: str) -> Author:
    family, sep, rest = text.partition(",")
    if not sep:
        return Author(" ".join(text.split()))
    given = " ".join(" ".join(part.split()) for part in reversed(rest.split(",")) if part.strip())
    # "Doe, Jr., John" is RIS's family, suffix, given: the given name goes first.
    return Author(" ".join(family.split()), given)


def _year(tags: Mapping[str, list[str]]) -> int | None:
    for name in ("PY", "Y1", "DA"):
        text = _first(tags, name)
        if text:
            match = re.match(r"\s*(\d{4})(?:$|[/\-\s])", text)
            if not match:
                raise InputError(
                    f"{name} {text!r} is not a year; expected e.g. 2022 or 2022/05/27/"
                )
            return int(match.group(1))
    return None


def _arxiv(tags: Mapping[str, list[str]]) -> str | None:
    for name in ("AN", "UR", "N1", "M1", "L1"):
        for value in tags.get(name, []):
            match = _ARXIV.search(value)
            if match:
                return normalise_arxiv_id(match.group(1))
    return None


def _paper(tags: Mapping[str, list[str]]) -> Paper:
    title = _first(tags, "TI", "T1", "CT", "ST")
    if not title:
        raise InputError("has no title (TI); every paper needs one")
    urls = [u.strip() for v in tags.get("UR", []) for u in v.split(";") if u.strip()]
    code = next((u for u in urls if any(h in u for h in _CODE_HOSTS)), None)
    url = next((u for u in urls if u != code), code)
    authors = tuple(_author(a) for a in tags.get("AU", []) + tags.get("A1", []) if a.strip())
    return Paper(
        title=title,
        authors=authors,
        year=_year(tags),
        venue=_first(tags, *_VENUES),
        doi=_first(tags, "DO") or None,
        arxiv_id=_arxiv(tags),
        url=url,
        code_url=code,
        abstract=" ".join(_first(tags, "AB", "N2").split()),
        key=_first(tags, "ID"),
        source="ris",
    )


_Found = list[tuple[int, dict[str, list[str]]]]


def _records(text: str, source: str) -> tuple[_Found, list[Problem], list[str]]:
    """The records (their first line and tags), broken records, and notes on the text
    outside records (some exporters number their records: ``1.``)."""
    records: _Found = []
    problems: list[Problem] = []
    notes: list[str] = []
    current: dict[str, list[str]] | None = None
    last = ""
    for number, line in enumerate(text.splitlines(), 1):
        match = _TAG.match(line.rstrip())
        if match is None:
            if current is not None and last and line.strip():
                current[last][-1] += " " + line.strip()  # a wrapped value
            elif line.strip():
                outside = f"{line.strip()[:30]!r} is outside any record; ignored"
                notes.append(f"{source}, line {number}: {outside}")
            continue
        tag, value = match.group(1), match.group(2) or ""
        if tag == "TY":
            if current is not None:
                problems.append(Problem(source, records[-1][0], "", "record has no 'ER  -' line"))
            current, last = {"TY": [value]}, "TY"
            records.append((number, current))
        elif current is None:
            problems.append(Problem(source, number, "", f"{tag} comes before any 'TY  -' line"))
        elif tag == "ER":
            current, last = None, ""
        else:
            current.setdefault(tag, []).append(value)
            last = tag
    if current is not None:
        problems.append(Problem(source, records[-1][0], "", "record has no 'ER  -' line"))
    return records, problems, notes


def ris_file(text: str, *, source: str = "<RIS>") -> PaperFile:
    """Every record of a RIS text as a record or a problem."""
    found, problems, notes = _records(text.lstrip("\ufeff"), source)
    unended = {p.line for p in problems if p.message.startswith("record has no")}
    records = []
    for i, (line, tags) in enumerate(found, 1):
        label = f"record {i}" + (f" ({_first(tags, 'ID')})" if _first(tags, "ID") else "")
        if line in unended:
            continue
        try:
            records.append(Record(_paper(tags), line))
        except InputError as exc:
            problems.append(Problem(source, line, label, str(exc)))
    problems = [
        Problem(p.source, p.line, p.key or _label(found, p.line), p.message) for p in problems
    ]
    if not found and not problems:
        raise InputError(f"{source}: no RIS records found; expected records from 'TY  - JOUR'")
    problems.sort(key=lambda p: p.line or 0)
    return PaperFile(source, tuple(records), tuple(problems), notes=tuple(notes))


def _label(found: _Found, line: int | None) -> str:
    for i, (start, _) in enumerate(found, 1):
        if start == line:
            return f"record {i}"
    return ""


def read_ris(path: str | Path) -> PaperFile:
    """Read a RIS file (UTF-8, a byte-order mark accepted) into records and problems."""
    file = Path(path)
    return ris_file(read_text(file, "a RIS export"), source=str(file))


def _lines(paper: Paper) -> list[tuple[str, str]]:
    lines = [("TY", "JOUR" if paper.venue else "GEN"), ("TI", paper.title)]
    lines += [("AU", f"{a.family}, {a.given}" if a.given else a.family) for a in paper.authors]
    if paper.year is not None:
        lines.append(("PY", str(paper.year)))
    if paper.venue:
        lines.append(("T2", paper.venue))
    if paper.doi:
        lines.append(("DO", paper.doi))
    if paper.arxiv_id:
        lines.append(("AN", f"arXiv:{paper.arxiv_id}"))
    if paper.url:
        lines.append(("UR", paper.url))
    if paper.code_url and paper.code_url != paper.url:
        lines.append(("UR", paper.code_url))
    if paper.abstract:
        lines.append(("AB", paper.abstract))
    if paper.key:
        lines.append(("ID", paper.key))
    return lines


def write_ris(papers: Iterable[Paper]) -> str:
    """RIS text for ``papers``: one record each, display titles, keys in ``ID``."""
    chunks = []
    for paper in papers:
        body = "".join(f"{tag}  - {' '.join(value.split())}\n" for tag, value in _lines(paper))
        chunks.append(body + "ER  - \n")
    return "\n".join(chunks)

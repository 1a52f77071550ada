"""BibTeX: a parser of our own (no dependency) and a writer.

The parser follows BibTeX's grammar: ``@type{key, field = value, ...}`` (or round
brackets), values in braces (nested freely), in double quotes, bare numbers or
``@string`` macro names, joined with ``#``. ``@string`` defines macros (the month
abbreviations are predefined), ``@preamble`` and ``@comment`` are skipped, and text
between entries is a comment, as in BibTeX; a ``%`` starts a comment to the end of
the line outside values. Field names and entry types are case-insensitive.

Anything else is an error with the line it happened on::

    refs.bib, line 7: expected ',' or '}' after the value of 'title', found 'a'

Values are kept as written (braces, accents and commands included); the
conversion to :class:`~assay.pipeline.papers.Paper` cleans titles and names for
display and keeps the raw title.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from assay.errors import InputError, NotFoundError
from assay.pipeline.papers import (
    Author,
    Paper,
    clean_latex,
    dedupe,
    normalise_arxiv_id,
)

__all__ = [
    "BibEntry",
    "BibFile",
    "bibtex_papers",
    "entry_to_paper",
    "load_bibtex",
    "parse_bibtex",
    "parse_names",
    "write_bibtex",
]

_MONTHS = {
    m: str(i)
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_IDENT = re.compile(r"[A-Za-z0-9_\-:.+/']+")
_KEY = re.compile(r"[^\s,{}()=\"#%]+")


@dataclasses.dataclass(frozen=True)
class BibEntry:
    """One entry: its type (lower case), key, fields (names lower case) and line."""

    type: str
    key: str
    fields: Mapping[str, str]
    line: int


@dataclasses.dataclass(frozen=True)
class BibFile:
    """A parsed file: its entries in order, its @string macros, and any warnings."""

    entries: tuple[BibEntry, ...]
    strings: Mapping[str, str]
    warnings: tuple[str, ...]
    source: str = "<string>"


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self.strings: dict[str, str] = dict(_MONTHS)
        self.user_strings: dict[str, str] = {}
        self.entries: list[BibEntry] = []
        self.warnings: list[str] = []

    # -- positions and errors --
    def line_of(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def error(self, message: str, pos: int | None = None) -> InputError:
        line = self.line_of(self.pos if pos is None else pos)
        return InputError(f"{self.source}, line {line}: {message}")

    def found(self) -> str:
        if self.pos >= len(self.text):
            return "the end of the file"
        return repr(self.text[self.pos])

    def skip_space(self) -> None:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch.isspace():
                self.pos += 1
            elif ch == "%":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            else:
                return

    def expect(self, chars: str, what: str) -> str:
        self.skip_space()
        if self.pos >= len(self.text) or self.text[self.pos] not in chars:
            raise self.error(f"expected {what}, found {self.found()}")
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    # -- top level --
    def parse(self) -> BibFile:
        text = self.text
        while True:
            # Between entries everything is a comment; '%' comments out a whole line.
            while self.pos < len(text) and (text[self.pos] != "@" or self.in_word()):
                if text[self.pos] == "%":
                    end = text.find("\n", self.pos)
                    self.pos = len(text) if end < 0 else end
                self.pos += 1
            if self.pos >= len(text):
                break
            self.entry()
        return BibFile(
            tuple(self.entries), dict(self.user_strings), tuple(self.warnings), self.source
        )

    def in_word(self) -> bool:
        """An '@' inside a word (an e-mail address in a comment) starts no entry."""
        return self.pos > 0 and self.text[self.pos - 1].isalnum()

    def entry(self) -> None:
        start = self.pos
        self.pos += 1  # '@'
        self.skip_space()
        match = _IDENT.match(self.text, self.pos)
        if not match:
            raise self.error(f"expected an entry type after '@', found {self.found()}")
        kind = match.group().lower()
        self.pos = match.end()
        if kind == "comment" and self.text[self.pos : self.pos + 1] not in ("{", "("):
            end = self.text.find("\n", self.pos)  # a bare @comment runs to the end of the line
            self.pos = len(self.text) if end < 0 else end
            return
        opener = self.expect("{(", f"'{{' or '(' after @{kind}")
        closer = "}" if opener == "{" else ")"
        if kind == "comment":
            self.skip_balanced(start, closer)
        elif kind == "preamble":
            self.value("@preamble")
            self.expect(closer, f"'{closer}' to close @preamble")
        elif kind == "string":
            self.string_definition(closer)
        else:
            self.regular_entry(kind, start, closer)

    def skip_balanced(self, start: int, closer: str) -> None:
        depth = 0
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            self.pos += 1
            if ch == "{":
                depth += 1
            elif ch == closer and depth == 0:
                return
            elif ch == "}":
                depth -= 1
        raise self.error("this @comment is never closed", start)

    def string_definition(self, closer: str) -> None:
        self.skip_space()
        match = _IDENT.match(self.text, self.pos)
        if not match:
            raise self.error(f"expected a macro name in @string, found {self.found()}")
        name = match.group().lower()
        self.pos = match.end()
        self.expect("=", f"'=' after @string name {name!r}")
        value = self.value(f"@string {name}")
        self.expect(closer, f"'{closer}' to close @string {name}")
        self.strings[name] = value
        self.user_strings[name] = value

    def regular_entry(self, kind: str, start: int, closer: str) -> None:
        self.skip_space()
        match = _KEY.match(self.text, self.pos)
        if not match:
            raise self.error(f"expected a citation key after @{kind}{{, found {self.found()}")
        key = match.group()
        self.pos = match.end()
        fields: dict[str, str] = {}
        line = self.line_of(start)
        sep = self.expect(",}" if closer == "}" else ",)", f"',' after the key {key!r}")
        while sep == ",":
            self.skip_space()
            if self.pos < len(self.text) and self.text[self.pos] == closer:
                self.pos += 1
                break
            name_pos = self.pos
            match = _IDENT.match(self.text, self.pos)
            if not match:
                raise self.error(
                    f"expected a field name or '{closer}' in entry {key!r}, found {self.found()}"
                )
            name = match.group().lower()
            self.pos = match.end()
            self.expect("=", f"'=' after field name {name!r} in entry {key!r}")
            value_pos = self.pos
            value = self.value(name)
            sep = self.separator(closer, name, key, value_pos, value)
            if name in fields:
                self.warnings.append(
                    f"{self.source}, line {self.line_of(name_pos)}: entry {key!r} "
                    f"repeats field {name!r}; the first value is kept"
                )
            else:
                fields[name] = " ".join(value.split())
        for earlier in self.entries:
            if earlier.key.lower() == key.lower():
                raise self.error(
                    f"citation key {key!r} is used again (first at line {earlier.line}); "
                    "expected each entry to have its own key",
                    start,
                )
        self.entries.append(BibEntry(kind, key, fields, line))

    def separator(self, closer: str, name: str, key: str, value_pos: int, value: str) -> str:
        """The ',' or closer after a value; a missing one is blamed on a swallowing value."""
        try:
            return self.expect(
                "," + closer, f"',' or '{closer}' after the value of {name!r} in entry {key!r}"
            )
        except InputError:
            swallowed = re.findall(r"\n\s*([A-Za-z][\w-]*)\s*=", value)
            if not swallowed:
                raise
            raise self.error(
                f"the value of {name!r} opened here runs on over {', '.join(swallowed)} "
                f"to line {self.line_of(self.pos)}; a closing brace or quote is probably missing",
                value_pos,
            ) from None

    # -- values --
    def value(self, field: str) -> str:
        parts = [self.piece(field)]
        while True:
            self.skip_space()
            if self.pos < len(self.text) and self.text[self.pos] == "#":
                self.pos += 1
                parts.append(self.piece(field))
            else:
                return "".join(parts)

    def piece(self, field: str) -> str:
        self.skip_space()
        text = self.text
        if self.pos >= len(text):
            raise self.error(f"expected a value for {field!r}, found the end of the file")
        ch = text[self.pos]
        if ch == "{":
            return self.delimited(field, "}")
        if ch == '"':
            return self.delimited(field, '"')
        match = _IDENT.match(text, self.pos)
        if not match:
            raise self.error(
                f'expected a value for {field!r} ({{...}}, "...", a number or a macro), '
                f"found {self.found()}"
            )
        word = match.group()
        if word.isdigit():
            self.pos = match.end()
            return word
        if word.lower() not in self.strings:
            raise self.error(
                f"{word!r} in {field!r} is not a defined @string macro; "
                "put the value in braces or define it with @string"
            )
        self.pos = match.end()
        return self.strings[word.lower()]

    def delimited(self, field: str, closer: str) -> str:
        start = self.pos
        self.pos += 1
        depth = 0
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "\\" and self.pos + 1 < len(text):
                self.pos += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    if closer == "}":
                        self.pos += 1
                        return text[start + 1 : self.pos - 1]
                    raise self.error(f"unbalanced '}}' in the value of {field!r}")
                depth -= 1
            elif ch == '"' and closer == '"' and depth == 0:
                self.pos += 1
                return text[start + 1 : self.pos - 1]
            self.pos += 1
        raise self.unclosed(field, start, closer)

    def unclosed(self, field: str, start: int, closer: str) -> InputError:
        hint = ""
        inner = re.search(r"\n\s*@\w+\s*[{(]", self.text[start:])
        if inner:
            later = self.line_of(start + inner.start() + 1)
            hint = f"; the entry at line {later} is swallowed by it"
        return self.error(
            f"the value of {field!r} opened here is never closed (missing '{closer}'){hint}",
            start,
        )


def parse_bibtex(text: str, *, source: str = "<string>") -> BibFile:
    """Parse BibTeX text; ``source`` names it in error messages."""
    return _Parser(text, source).parse()


def load_bibtex(path: str | Path) -> BibFile:
    """Read and parse a BibTeX file (UTF-8; a byte-order mark is accepted)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{file}: no such file; expected a BibTeX file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: byte {exc.start} is not UTF-8; save the file as UTF-8") from None
    return parse_bibtex(text, source=str(file))


# --- names ----------------------------------------------------------------------


def _split_top(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split ``text`` on ``pattern`` only where it occurs outside braces."""
    parts, depth, last = [], 0, 0
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            match = pattern.match(text, pos)
            if match and match.end() > pos:
                parts.append(text[last:pos])
                last = pos = match.end()
                continue
        pos += 1
    parts.append(text[last:])
    return [p.strip() for p in parts]


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMMA = re.compile(r",")
_SPACE = re.compile(r"\s+")


def _is_von(word: str) -> bool:
    cleaned = clean_latex(word)
    return bool(cleaned) and cleaned[0].islower() and not word.startswith("{")


def parse_names(text: str) -> tuple[Author, ...]:
    """BibTeX names (``Last, First and First von Last and ...``) as authors.

    ``others`` (as in ``and others``) is dropped; a braced name such as
    ``{Google Research}`` is one family name.
    """
    authors = []
    for name in _split_top(" ".join(text.split()), _AND):
        if not name or name.lower() == "others":
            continue
        parts = _split_top(name, _COMMA)
        if len(parts) == 1:
            words = _split_top(name, _SPACE)
            cut = len(words) - 1
            while cut > 0 and _is_von(words[cut - 1]) and cut - 1 > 0:
                cut -= 1
            family, given = " ".join(words[cut:]), " ".join(words[:cut])
        else:
            family = parts[0]
            given = parts[-1] if len(parts) == 2 else f"{parts[2]} {parts[1]}".strip()
        authors.append(Author(clean_latex(family), clean_latex(given)))
    return tuple(authors)


# --- entries to papers ------------------------------------------------------------

_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[:\s]*|arxiv\.org/(?:abs|pdf)/|abs/)(\d{4}\.\d{4,5}(?:v\d+)?)", re.IGNORECASE
)
_CODE_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/", "huggingface.co/")


def _arxiv_from(fields: Mapping[str, str]) -> str | None:
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    eprint = fields.get("eprint", "")
    if eprint and (prefix == "arxiv" or not prefix):
        try:
            return normalise_arxiv_id(eprint)
        except InputError:
            if prefix == "arxiv":
                raise
    for name in ("journal", "volume", "url", "note", "howpublished"):
        match = _ARXIV_IN_TEXT.search(fields.get(name, ""))
        if match:
            return normalise_arxiv_id(match.group(1))
    return None


_FIRST_YEAR = 1600
_DATE = re.compile(r"(\d{4})(?:[-/][\d\-/T:.]*)?")


def _year_from(fields: Mapping[str, str], where: str, key: str) -> int | None:
    """The year, from ``year`` (``2022``, ``{2022}``, ``"2022"``) or a biblatex ``date``.

    A year that is given but is no plausible year is an error, never dropped.
    """
    last = dt.date.today().year + 1
    for name, pattern in (("year", re.compile(r"\d{4}")), ("date", _DATE)):
        raw = fields.get(name, "")
        text = raw.replace("{", "").replace("}", "").strip()
        if not text:
            continue
        match = pattern.fullmatch(text)
        year = int(match.group(1) if match and match.groups() else text) if match else None
        if year is None or not _FIRST_YEAR <= year <= last:
            example = "2022" if name == "year" else "2022-03-01"
            raise InputError(
                f"{where}: entry {key!r}: {name} {raw!r} is not a year; expected a "
                f"four-digit year from {_FIRST_YEAR} to {last}, e.g. {name} = {{{example}}}"
            )
        return year
    return None


def _url_from(text: str) -> str | None:
    """The first URL in a field, with ``\\url{...}`` and protective braces removed."""
    plain = re.sub(r"\\url\s*", "", text).replace("{", "").replace("}", "")
    match = re.search(r"https?://[^\s,;]+", plain.replace("\\_", "_").replace("\\%", "%"))
    return match.group().rstrip(".") if match else None


def entry_to_paper(entry: BibEntry, *, source: str = "<string>") -> Paper:
    """A :class:`Paper` from one entry; the title is cleaned and kept raw too."""
    fields = entry.fields
    where = f"{source}, line {entry.line}"
    raw_title = fields.get("title", "").strip()
    if not raw_title:
        raise InputError(f"{where}: entry {entry.key!r} has no title; every paper needs one")
    url = _url_from(fields.get("url", ""))
    code_url = _url_from(fields.get("code", "") or fields.get("codeurl", ""))
    if code_url is None and url and any(host in url for host in _CODE_HOSTS):
        code_url = url
    venue = next(
        (fields[n] for n in ("journal", "journaltitle", "booktitle") if fields.get(n)),
        fields.get("publisher", "") if entry.type == "book" else "",
    )
    year = _year_from(fields, where, entry.key)
    try:
        return Paper(
            title=clean_latex(raw_title),
            raw_title=raw_title,
            authors=parse_names(fields.get("author") or fields.get("editor", "")),
            year=year,
            venue=clean_latex(venue),
            doi=fields.get("doi") or None,
            arxiv_id=_arxiv_from(fields),
            url=url,
            code_url=code_url,
            abstract=clean_latex(fields.get("abstract", "")),
            key=entry.key,
            source="bibtex",
        )
    except InputError as exc:
        raise InputError(f"{where}: entry {entry.key!r}: {exc}") from None


def bibtex_papers(bib: BibFile, *, key: str | None = None) -> list[Paper]:
    """The papers of a parsed file, duplicates merged; or only the entry ``key``.

    Every entry is converted before anything is returned, so one bad entry fails
    the whole import and nothing is half-imported.
    """
    entries: Sequence[BibEntry] = bib.entries
    if not entries:
        raise InputError(
            f"{bib.source}: no BibTeX entries found; expected entries such as "
            "@article{key, title = {...}, ...}"
        )
    if key is not None:
        entries = [e for e in bib.entries if e.key == key]
        if not entries:
            keys = [e.key for e in bib.entries]
            close = difflib.get_close_matches(key, keys, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise NotFoundError(f"{bib.source}: no entry with key {key!r}{hint}")
    return dedupe(entry_to_paper(e, source=bib.source) for e in entries)


# --- writing --------------------------------------------------------------------

_SPECIAL = re.compile(r"(?<!\\)([&%#_])")


def _escape(text: str) -> str:
    """Escape the characters that break BibTeX in plain text, balancing nothing else."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    if escaped.count("{") != escaped.count("}"):
        escaped = escaped.replace("{", r"\{").replace("}", r"\}")
    return escaped


def _cite_key(paper: Paper, taken: set[str]) -> str:
    family = paper.authors[0].family if paper.authors else "anon"
    word = next((w for w in paper.normalised_title.split() if len(w) > 3), "paper")
    base = re.sub(r"[^a-z0-9]", "", family.lower()) + str(paper.year or "") + word
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}{n}"
    return key


def write_bibtex(papers: Iterable[Paper]) -> str:
    """BibTeX text for ``papers``: ``@article`` with a venue, ``@misc`` without.

    A paper read from BibTeX writes its raw title back unchanged; other titles are
    escaped. Keys are kept, or made up as ``familyYEARword`` when missing.
    """
    chunks: list[str] = []
    taken: set[str] = set()
    for paper in papers:
        key = paper.key if paper.key and paper.key not in taken else _cite_key(paper, taken)
        taken.add(key)
        title = paper.raw_title if paper.source == "bibtex" else _escape(paper.raw_title)
        fields: list[tuple[str, str]] = [("title", title)]
        if paper.authors:
            names = [
                f"{_escape(a.family)}, {_escape(a.given)}"
                if a.given
                else f"{{{_escape(a.family)}}}"
                for a in paper.authors
            ]
            fields.append(("author", " and ".join(names)))
        if paper.year is not None:
            fields.append(("year", str(paper.year)))
        if paper.venue:
            fields.append(("journal", _escape(paper.venue)))
        if paper.doi:
            fields.append(("doi", paper.doi))
        if paper.arxiv_id:
            fields += [("eprint", paper.arxiv_id), ("archiveprefix", "arXiv")]
        if paper.url:
            fields.append(("url", paper.url))
        if paper.code_url and paper.code_url != paper.url:
            fields.append(("code", paper.code_url))
        if paper.abstract:
            fields.append(("abstract", _escape(paper.abstract)))
        kind = "article" if paper.venue else "misc"
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        chunks.append(f"@{kind}{{{key},\n{body}\n}}\n")
    return "\n".join(chunks)

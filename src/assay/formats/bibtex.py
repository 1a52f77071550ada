"""BibTeX in and out: read with bibtexparser 2, LaTeX to Unicode with pylatexenc.

Why bibtexparser 2 rather than pybtex: it keeps going after a bad block (each one
comes back as a failed block with its line, so every problem of a file is reported
in one run), it gives each entry and field its line, it reads ``@string``,
``@preamble`` and comments without raising, and it is pure Python with no
dependencies. pybtex stops at the first syntax error (or, in non-strict mode, only
logs it) and gives no lines for entries.

What this module adds on top of the parser: ``@string`` macros (the month
abbreviations predefined, case-insensitive, joined with ``#``), ``crossref``
inheritance (a chapter takes the year, publisher and booktitle of its book), checks
that name the file, line and key of each bad entry, and the conversion to
:class:`~assay.pipeline.papers.Paper` (LaTeX to Unicode through pylatexenc; an
unknown macro such as ``{\\MaxMinAntSystem}`` keeps its name). Values keep what was
written (braces, accents and commands); the raw title is kept on the paper.

Repeated citation keys: a repeat with the same content is merged into the first
with a note; one with different content is kept under a new key (``key-2``) and
listed in the notes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from assay.errors import InputError, NotFoundError
from assay.formats.paper_records import PaperFile, Problem, Record, Repeat, read_text
from assay.pipeline.papers import Author, Paper, dedupe, normalise_arxiv_id

__all__ = [
    "BibEntry",
    "BibFile",
    "bibtex_file",
    "bibtex_papers",
    "entry_to_paper",
    "latex_to_text",
    "load_bibtex",
    "parse_bibtex",
    "parse_names",
    "read_bibtex",
    "write_bibtex",
]

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@dataclasses.dataclass(frozen=True)
class BibEntry:
    """One entry: its type (lower case), key, fields (names lower case) and line.

    Field values have their macros expanded and ``crossref`` fields inherited;
    braces, accents and commands are kept as written.
    """

    type: str
    key: str
    fields: Mapping[str, str]
    line: int


@dataclasses.dataclass(frozen=True)
class BibFile:
    """A parsed file: good entries in order, @string macros, problems and notes."""

    entries: tuple[BibEntry, ...]
    strings: Mapping[str, str]
    warnings: tuple[str, ...]
    source: str = "<string>"
    problems: tuple[Problem, ...] = ()
    repeats: tuple[Repeat, ...] = ()


# --- values -----------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:(\{)|(")|([^\s#{}",=]+))')


_GROUPING = re.compile(r'[{}"]')


def _closing(text: str, start: int) -> int:
    """The index just after the group opened at ``start`` ('{' or '"'), or -1."""
    depth, quote = 0, text[start] == '"'
    for match in _GROUPING.finditer(text, start):
        ch, i = match.group(), match.start()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and not quote:
                return i + 1
        elif quote and depth == 0 and i > start:
            return i + 1
    return -1


def _expand(raw: str, strings: Mapping[str, str]) -> tuple[str, str | None, int]:
    """A value as written by the parser, its pieces joined: ``(value, problem, where)``.

    A value is pieces (``{...}``, ``"..."``, a number or an ``@string`` name) joined
    by ``#``; the problem names what does not fit that, ``where`` its offset in ``raw``.
    """
    parts: list[str] = []
    pos = 0
    while True:
        match = _TOKEN.match(raw, pos)
        if not match:
            rest = raw[pos:].strip()
            return "".join(parts), f"expected a value, found {rest[:30]!r}", pos
        if match.group(3):
            word = match.group(3)
            if not word.isdigit() and word.lower() not in strings:
                return (
                    "".join(parts),
                    (
                        f"{word!r} is not a defined @string macro; "
                        "put the value in braces or define it with @string"
                    ),
                    match.start(3),
                )
            parts.append(word if word.isdigit() else strings[word.lower()])
            pos = match.end()
        else:
            start = match.end() - 1
            end = _closing(raw, start)
            if end < 0:
                return "".join(parts), "a brace or quote opened here is never closed", start
            parts.append(raw[start + 1 : end - 1])
            pos = end
        rest = raw[pos:].lstrip()
        if not rest:
            return "".join(parts), None, pos
        if not rest.startswith("#"):
            return (
                "".join(parts),
                (
                    f"expected ',' or '}}' after its value, found {' '.join(rest.split())[:30]!r}; "
                    "a comma is probably missing"
                ),
                len(raw) - len(rest),
            )
        pos = len(raw) - len(rest) + 1


def _parser_module() -> Any:
    import logging

    import bibtexparser

    # The parser logs each aborted block; here every one becomes a Problem instead.
    logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
    logging.getLogger("bibtexparser").propagate = False
    return bibtexparser


_COMMENTED = re.compile(r"^[ \t]*%[^\n]*", re.MULTILINE)


def _key_of(raw: str | None) -> str:
    match = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()]+)", raw or "")
    return match.group(1) if match else ""


def _line(block: Any) -> int:
    return int(block.start_line or 0) + 1


# --- reading ----------------------------------------------------------------------


class _Reader:
    """Walks the parser's blocks in order, expanding macros and collecting problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.strings: dict[str, str] = {m: str(i) for i, m in enumerate(_MONTHS, 1)}
        self.user_strings: dict[str, str] = {}
        self.entries: list[BibEntry] = []
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.repeats: list[Repeat] = []
        self.by_key: dict[str, BibEntry] = {}

    def problem(self, line: int | None, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, line, f"entry {key!r}" if key else "", message))

    def read(self, text: str) -> BibFile:
        from bibtexparser import model

        # A line starting with '%' is commented out (as biber and most editors read it);
        # blanked, not removed, so that every line number stays right.
        text = _COMMENTED.sub("", text)
        library = _parser_module().parse_string(text, parse_stack=[])
        for block in library.blocks:
            if isinstance(block, model.String):
                self.string(block)
            elif isinstance(block, model.Entry):
                self.entry(block)
            elif isinstance(block, model.ParsingFailedBlock):
                self.failed(block)
            elif isinstance(block, model.ImplicitComment):
                self.stray(block)
        entries = _inherit(self.entries, self.warnings, self.source)
        return BibFile(
            tuple(entries),
            dict(self.user_strings),
            tuple(self.warnings),
            self.source,
            tuple(self.problems),
            tuple(self.repeats),
        )

    def string(self, block: Any) -> None:
        value, problem, _ = _expand(str(block.value), self.strings)
        if problem:
            self.problem(_line(block), "", f"@string {block.key}: {problem}")
            return
        self.strings[block.key.lower()] = value
        self.user_strings[block.key.lower()] = value

    def stray(self, block: Any) -> None:
        """Text between entries is a comment, but ``@misc title`` is a broken entry."""
        for offset, text in enumerate(str(block.comment).splitlines()):
            match = re.match(r"\s*@\s*(\w+)", text)
            if match and match.group(1).lower() != "comment":
                self.problem(
                    _line(block) + offset,
                    "",
                    f"@{match.group(1)} starts no entry: expected '{{' or '(' after it",
                )

    def failed(self, block: Any) -> None:
        from bibtexparser import model

        if isinstance(block, model.DuplicateBlockKeyBlock | model.DuplicateFieldKeyBlock):
            inner = block.ignore_error_block
            if isinstance(inner, model.Entry):
                self.entry(inner, repeated_fields=isinstance(block, model.DuplicateFieldKeyBlock))
                return
        if isinstance(block, model.DuplicateBlockKeyBlock | model.DuplicateFieldKeyBlock):
            return  # a repeated @string: the parser kept the first
        reason = getattr(block.error, "abort_reason", "") or str(block.error)
        self.problem(
            _line(block),
            _key_of(block.raw),
            f"this entry cannot be read ({' '.join(reason.split())}); "
            "a closing brace or quote is probably missing",
        )

    def entry(self, block: Any, *, repeated_fields: bool = False) -> None:
        key, line = str(block.key).strip(), _line(block)
        if not key:
            self.problem(line, "", f"expected a citation key after @{block.entry_type}{{")
            return
        fields: dict[str, str] = {}
        bad = False
        for field in block.fields:
            name = field.key.lower()
            if name in fields:
                self.warnings.append(
                    f"{self.source}, line {field.start_line + 1}: entry {key!r} "
                    f"repeats field {name!r}; the first value is kept"
                )
                continue
            raw = str(field.value)
            value, problem, where = _expand(raw, self.strings)
            if problem:
                line = field.start_line + 1 + raw.count("\n", 0, where)
                self.problem(line, key, f"field {name!r}: {problem}")
                bad = True
            fields[name] = " ".join(value.split())
        if not bad:
            self.keep(BibEntry(block.entry_type.lower(), key, fields, line))

    def keep(self, entry: BibEntry) -> None:
        """Keep an entry; a repeated key merges (same content) or is renamed."""
        first = self.by_key.get(entry.key.lower())
        if first is None:
            self.by_key[entry.key.lower()] = entry
            self.entries.append(entry)
            return
        if first.fields == entry.fields and first.type == entry.type:
            self.repeats.append(Repeat(entry.key, entry.line, first.line))
            self.warnings.append(
                f"{self.source}, line {entry.line}: citation key {entry.key!r} repeats the "
                f"entry at line {first.line} word for word; merged into it"
            )
            return
        n = 2
        while f"{entry.key}-{n}".lower() in self.by_key:
            n += 1
        renamed = dataclasses.replace(entry, key=f"{entry.key}-{n}")
        self.warnings.append(
            f"{self.source}, line {entry.line}: citation key {entry.key!r} is used again "
            f"(first at line {first.line}) for a different entry; kept as {renamed.key!r}"
        )
        self.by_key[renamed.key.lower()] = renamed
        self.entries.append(renamed)


# What identifies or describes the parent itself is not the child's: a chapter takes
# its book's year and publisher, never the book's DOI, URL, ISBN or abstract.
_NOT_INHERITED = {
    "crossref", "ids", "key", "title", "label", "doi", "url", "eprint", "archiveprefix",
    "eprinttype", "primaryclass", "isbn", "issn", "abstract", "pages", "note", "annote",
    "file", "urldate", "keywords", "code", "codeurl", "howpublished", "pagination",
}  # fmt: skip


def _inherit(entries: list[BibEntry], warnings: list[str], source: str) -> list[BibEntry]:
    """Entries with the fields of their ``crossref`` parent filled in, as BibTeX does.

    The parent's title becomes the child's ``booktitle`` when it has none; its
    identifiers (DOI, URL, ISBN...) stay its own. A parent that is not in the file is a
    warning, never silent.
    """
    by_key = {e.key.lower(): e for e in entries}
    result = []
    for entry in entries:
        target = entry.fields.get("crossref", "").strip()
        if not target:
            result.append(entry)
            continue
        parent = by_key.get(target.lower())
        if parent is None:
            warnings.append(
                f"{source}, line {entry.line}: entry {entry.key!r} cross-references "
                f"{target!r}, which is not in this file; its year and venue may be missing"
            )
            result.append(entry)
            continue
        fields = dict(entry.fields)
        for name, value in parent.fields.items():
            if name not in _NOT_INHERITED:
                fields.setdefault(name, value)
        if "title" in parent.fields:
            fields.setdefault("booktitle", parent.fields["title"])
        result.append(dataclasses.replace(entry, fields=fields))
    return result


def parse_bibtex(text: str, *, source: str = "<string>") -> BibFile:
    """Parse BibTeX text; every bad entry is a :class:`Problem` (nothing raises)."""
    return _Reader(source).read(text)


def load_bibtex(path: str | Path) -> BibFile:
    """Read and parse a BibTeX file (UTF-8; a byte-order mark is accepted)."""
    file = Path(path)
    return parse_bibtex(read_text(file, "a BibTeX file"), source=str(file))


# --- LaTeX and names --------------------------------------------------------------


_SWITCHES = ("bf", "it", "em", "rm", "sf", "tt", "sc", "sl", "up", "md", "normalfont",
             "tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large",
             "LARGE", "huge", "Huge", "relax", "protect")  # fmt: skip


@cache
def _converter() -> tuple[Any, Any]:
    """pylatexenc's converter and parsing context, built once (building them per value
    cost a millisecond each)."""
    from pylatexenc import latexwalker
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    def unknown(node: Any, **_: Any) -> str:
        # A macro defined in the user's document ({\MaxMinAntSystem}): keep its name.
        return str(node.macroname) + str(node.macro_post_space or "")

    context = get_default_latex_context_db()
    # Old font and size switches ({\\bf x}) show nothing; any other unknown macro
    # keeps its name.
    switches = [MacroTextSpec(name, discard=True) for name in _SWITCHES]
    context.add_context_category("assay-switches", macros=switches, prepend=True)
    context.set_unknown_macro_spec(MacroTextSpec("", simplify_repl=unknown))
    converter = LatexNodes2Text(latex_context=context, math_mode="text", strict_latex_spaces=False)
    return converter, latexwalker.get_default_latex_context_db()


_PLAIN = str.maketrans("", "", "{}")
_SPLIT = re.compile(r"[{}$\\\s]")


def _words(text: str) -> list[str]:
    """``text`` split at the spaces outside braces and math, so that each LaTeX piece
    is converted alone (pylatexenc reads about 25 µs a character; most words need
    no parse at all)."""
    depth, math, start, escaped = 0, False, 0, -1
    words = []
    for match in _SPLIT.finditer(text):
        i, ch = match.start(), match.group()
        if i == escaped:
            continue
        if ch == "\\":
            escaped = i + 1
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif ch == "$":
            math = not math
        elif depth == 0 and not math:
            words.append(text[start:i])
            start = i + 1
    words.append(text[start:])
    return [w for w in words if w]


@functools.lru_cache(maxsize=65536)
def _word_text(word: str) -> str:
    if not any(ch in word for ch in "\\$~`"):
        return word.translate(_PLAIN).replace("---", "—").replace("--", "–")
    from pylatexenc import latexwalker

    converter, walker_context = _converter()
    nodes = latexwalker.LatexWalker(word, latex_context=walker_context).get_latex_nodes()[0]
    return str(converter.nodelist_to_text(nodes)).replace("\xad", "")


def latex_to_text(text: str) -> str:
    """Display text for a LaTeX-marked value, through pylatexenc.

    Accents become Unicode, protective braces and ``\\-`` hyphenation points go,
    math keeps its content (``$\\equiv$`` → ≡), ``\\hspace{0pt}`` leaves nothing, and
    an unknown macro keeps its name. Whitespace is collapsed. A word without a
    command, math, ``~`` or a backquote only loses its braces (and ``--`` is a dash),
    without a parse: a bare ``%`` or ``&`` in an abstract is text, not a comment.
    """
    return " ".join(" ".join(_word_text(w) for w in _words(text)).split())


def parse_names(text: str) -> tuple[Author, ...]:
    """BibTeX names (``Last, First and First von Last and ...``) as authors.

    Split and parsed by bibtexparser's name rules; ``others`` is dropped and a
    braced name such as ``{Google Research}`` is one family name.
    """
    from bibtexparser.middlewares.names import (
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    authors = []
    for name in split_multiple_persons_names(" ".join(text.split())):
        if not name.strip() or name.strip().lower() == "others":
            continue
        try:
            parts = parse_single_name_into_parts(name, strict=False)
        except ValueError:
            authors.append(Author(latex_to_text(name)))
            continue
        family = latex_to_text(" ".join(parts.von + parts.last))
        given = latex_to_text(" ".join(parts.first + parts.jr))
        if family or given:
            authors.append(Author(family or given, given if family else ""))
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


def _year_from(fields: Mapping[str, str]) -> int | None:
    """The year, from ``year`` (``2022``, ``{2022}``) or a biblatex ``date``.

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
                f"{name} {raw!r} is not a year; expected a four-digit year from "
                f"{_FIRST_YEAR} to {last}, e.g. {name} = {{{example}}}"
            )
        return year
    return None


def _url_from(text: str) -> str | None:
    """The first URL in a field, with ``\\url{...}`` and protective braces removed."""
    plain = re.sub(r"\\url\s*", "", text).replace("{", "").replace("}", "")
    match = re.search(r"https?://[^\s,;]+", plain.replace("\\_", "_").replace("\\%", "%"))
    return match.group().rstrip(".") if match else None


def _venue(entry: BibEntry) -> str:
    fields = entry.fields
    names = ("journal", "journaltitle", "booktitle")
    fallback = fields.get("publisher", "") if entry.type == "book" else ""
    return next((fields[n] for n in names if fields.get(n)), fallback)


def entry_to_paper(entry: BibEntry, *, source: str = "<string>") -> Paper:
    """A :class:`Paper` from one entry; raises :class:`InputError` naming file, line, key."""
    fields = entry.fields
    where = f"{source}, line {entry.line}: entry {entry.key!r}"
    raw_title = fields.get("title", "").strip()
    title = latex_to_text(raw_title)
    if not title:
        raise InputError(f"{source}, line {entry.line}: entry {entry.key!r} has no title")
    url = _url_from(fields.get("url", ""))
    code_url = _url_from(fields.get("code", "") or fields.get("codeurl", ""))
    if code_url is None and url and any(host in url for host in _CODE_HOSTS):
        code_url = url
    try:
        return Paper(
            title=title,
            raw_title=raw_title,
            authors=parse_names(fields.get("author") or fields.get("editor", "")),
            year=_year_from(fields),
            venue=latex_to_text(_venue(entry)),
            doi=fields.get("doi") or None,
            arxiv_id=_arxiv_from(fields),
            url=url,
            code_url=code_url,
            abstract=latex_to_text(fields.get("abstract", "")),
            key=entry.key,
            source="bibtex",
        )
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def bibtex_file(bib: BibFile, *, key: str | None = None) -> PaperFile:
    """Every entry of a parsed file as a record or a problem (or only the entry ``key``)."""
    entries = bib.entries
    if key is not None:
        entries = tuple(e for e in bib.entries if e.key == key)
        if not entries:
            close = difflib.get_close_matches(key, [e.key for e in bib.entries], n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise NotFoundError(f"{bib.source}: no entry with key {key!r}{hint}")
    elif not entries and not bib.problems:
        raise InputError(
            f"{bib.source}: no BibTeX entries found; expected entries such as "
            "@article{key, title = {...}, ...}"
        )
    records, problems = [], list(bib.problems if key is None else ())
    for entry in entries:
        try:
            records.append(Record(entry_to_paper(entry, source=bib.source), entry.line))
        except InputError as exc:
            message = str(exc).removeprefix(f"{bib.source}, line {entry.line}: ")
            message = message.removeprefix(f"entry {entry.key!r}").lstrip(": ")
            problems.append(Problem(bib.source, entry.line, f"entry {entry.key!r}", message))
    problems.sort(key=lambda p: p.line or 0)
    repeats = bib.repeats if key is None else ()
    return PaperFile(bib.source, tuple(records), tuple(problems), repeats, bib.warnings)


def read_bibtex(path: str | Path, *, key: str | None = None) -> PaperFile:
    """Read a BibTeX file into records and problems (see :class:`PaperFile`)."""
    return bibtex_file(load_bibtex(path), key=key)


def bibtex_papers(bib: BibFile, *, key: str | None = None) -> list[Paper]:
    """The papers of a parsed file, duplicates merged; or only the entry ``key``.

    Any bad entry raises one :class:`InputError` listing every problem.
    """
    file = bibtex_file(bib, key=key)
    file.check()
    return dedupe(file.papers)


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


def _name(author: Author) -> str:
    if not author.given:
        return f"{{{_escape(author.family)}}}"
    family = _escape(author.family)
    # "de Matta": a lower-case particle stays with the family name, braced as one.
    if " " in author.family:
        family = f"{{{family}}}"
    return f"{family}, {_escape(author.given)}"


def _fields(paper: Paper) -> list[tuple[str, str]]:
    title = paper.raw_title if paper.source == "bibtex" else _escape(paper.raw_title)
    fields: list[tuple[str, str]] = [("title", title)]
    if paper.authors:
        fields.append(("author", " and ".join(_name(a) for a in paper.authors)))
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
    return fields


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
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in _fields(paper))
        chunks.append(f"@{'article' if paper.venue else 'misc'}{{{key},\n{body}\n}}\n")
    return "\n".join(chunks)

"""Papers: the value type, LaTeX title cleanup, and recognising duplicates.

A paper arrives from BibTeX, arXiv, CSL JSON or the command line, often more than
once and spelled differently each time. Two records are the same paper when they
share a DOI, an arXiv id, or a normalised title with the same year and first author
(see :func:`same_paper`), and duplicates are merged rather than doubled (:func:`merge_papers`).

Titles keep both forms: ``raw_title`` as the source wrote it (``Flash{A}ttention:
... with {IO}-Awareness``) and ``title`` cleaned for display (:func:`clean_latex`).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from assay.errors import InputError

__all__ = [
    "Author",
    "Paper",
    "clean_latex",
    "dedupe",
    "find_duplicate",
    "first_author_key",
    "merge_papers",
    "normalise_arxiv_id",
    "normalise_doi",
    "normalise_title",
    "paper_keys",
    "same_paper",
]


@dataclasses.dataclass(frozen=True)
class Author:
    """One author: family name and given names, both cleaned for display."""

    family: str
    given: str = ""

    @property
    def display(self) -> str:
        """``Given Family``, or the family name alone (institutions, mononyms)."""
        return f"{self.given} {self.family}".strip()

    def to_dict(self) -> dict[str, str]:
        return {"family": self.family, "given": self.given}


@dataclasses.dataclass(frozen=True)
class Paper:
    """A paper as assay records it.

    ``title`` is display text; ``raw_title`` is what the source said (it defaults to
    ``title``). DOIs and arXiv ids are normalised on construction, so that
    ``https://doi.org/10.1000/X`` and ``doi:10.1000/x`` compare equal; an arXiv DOI
    (``10.48550/arXiv.2205.14135``) also fills ``arxiv_id``.
    """

    title: str
    raw_title: str = ""
    authors: tuple[Author, ...] = ()
    year: int | None = None
    venue: str = ""
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    code_url: str | None = None
    abstract: str = ""
    key: str = ""
    source: str = "manual"

    def __post_init__(self) -> None:
        title = " ".join(self.title.split())
        if not title:
            raise InputError(
                f"paper {self.key or '(no key)'} has no title; expected a non-empty title"
            )
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "raw_title", self.raw_title or title)
        object.__setattr__(self, "authors", tuple(self.authors))
        doi = normalise_doi(self.doi) if self.doi else None
        object.__setattr__(self, "doi", doi)
        arxiv = normalise_arxiv_id(self.arxiv_id) if self.arxiv_id else None
        if arxiv is None and doi is not None and doi.startswith("10.48550/arxiv."):
            arxiv = normalise_arxiv_id(doi)
        object.__setattr__(self, "arxiv_id", arxiv)
        if self.year is not None and not 1000 <= self.year <= 9999:
            raise InputError(
                f"paper {self.key or title!r}: year {self.year} is not a four-digit year"
            )

    @property
    def normalised_title(self) -> str:
        return normalise_title(self.title)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "raw_title": self.raw_title,
            "authors": [a.to_dict() for a in self.authors],
            "year": self.year,
            "venue": self.venue,
            "doi": self.doi,
            "arxiv_id": self.arxiv_id,
            "url": self.url,
            "code_url": self.code_url,
            "abstract": self.abstract,
            "source": self.source,
        }


# --- identifiers -----------------------------------------------------------------

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def normalise_doi(text: str) -> str:
    """A DOI in lower case without its resolver prefix (DOIs are case-insensitive)."""
    doi = _DOI_PREFIX.sub("", text.strip()).strip().lower()
    if not _DOI.match(doi):
        raise InputError(
            f"DOI {text!r} is not a DOI; expected 10.<registrant>/<suffix>, "
            "for example 10.48550/arXiv.2205.14135"
        )
    return doi


_ARXIV_PREFIX = re.compile(
    r"^(?:arxiv:\s*|https?://(?:export\.|www\.)?arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.)",
    re.IGNORECASE,
)
_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)


def normalise_arxiv_id(text: str) -> str:
    """An arXiv identifier without prefix, URL or version: ``2205.14135``, ``cs/0112017``."""
    ident = _ARXIV_PREFIX.sub("", text.strip()).strip()
    ident = ident.removesuffix(".pdf")
    new = _ARXIV_NEW.match(ident)
    if new:
        return new.group(1)
    old = _ARXIV_OLD.match(ident)
    if old:
        archive, number = old.group(1).split("/")
        return f"{archive.lower()}/{number}"
    raise InputError(
        f"arXiv id {text!r} is not an arXiv identifier; expected YYMM.NNNNN "
        "(for example 2205.14135) or archive/YYMMNNN (for example cs/0112017)"
    )


def normalise_title(title: str) -> str:
    """A title reduced for matching: accents stripped, case folded, punctuation gone."""
    decomposed = unicodedata.normalize("NFKD", title)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = letters.casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def _title_key(paper: Paper) -> str:
    """The normalised title without spaces, so that "Flash-Attention" is "FlashAttention"."""
    return paper.normalised_title.replace(" ", "")


def paper_keys(paper: Paper) -> tuple[str, ...]:
    """The keys a paper is recognised by: ``doi:...``, ``arxiv:...``, ``title:...``.

    The title key is the normalised title with its spaces removed as well.
    """
    keys = []
    if paper.doi:
        keys.append(f"doi:{paper.doi}")
    if paper.arxiv_id:
        keys.append(f"arxiv:{paper.arxiv_id}")
    title = _title_key(paper)
    if title:
        keys.append(f"title:{title}")
    return tuple(keys)


def first_author_key(paper: Paper) -> str:
    """The first author's family name reduced for matching ("" without authors)."""
    return normalise_title(paper.authors[0].family) if paper.authors else ""


def _is_arxiv_doi(doi: str | None) -> bool:
    return doi is not None and doi.startswith("10.48550/arxiv.")


def same_paper(a: Paper, b: Paper) -> str | None:
    """The key by which ``a`` and ``b`` are the same paper, or None when they are not.

    A shared DOI or arXiv id decides. A shared normalised title (accents, case,
    punctuation and spaces ignored) decides only with the same year and the same
    first author (:func:`first_author_key`; both absent counts as the same), and
    never when the two records carry conflicting identifiers of the same kind (two different
    publisher DOIs, or two different arXiv ids): those are different works that
    happen to share a title. arXiv's own DOIs count as arXiv ids here, so that a
    preprint and its published version still match by title.
    """
    if a.doi and a.doi == b.doi:
        return f"doi:{a.doi}"
    if a.arxiv_id and a.arxiv_id == b.arxiv_id:
        return f"arxiv:{a.arxiv_id}"
    title_a, title_b = _title_key(a), _title_key(b)
    if not title_a or title_a != title_b:
        return None
    if a.year != b.year or first_author_key(a) != first_author_key(b):
        return None  # same title, another work: a "possible duplicate" at most
    publisher_a = None if _is_arxiv_doi(a.doi) else a.doi
    publisher_b = None if _is_arxiv_doi(b.doi) else b.doi
    if publisher_a and publisher_b and publisher_a != publisher_b:
        return None
    if a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id:
        return None
    return f"title:{title_a}"


def find_duplicate(paper: Paper, existing: Sequence[Paper]) -> tuple[int, str] | None:
    """The index of the first record in ``existing`` that is ``paper``, and the key."""
    for index, other in enumerate(existing):
        key = same_paper(other, paper)
        if key is not None:
            return index, key
    return None


_MERGED_FIELDS = ("venue", "doi", "arxiv_id", "url", "code_url", "abstract", "key")


def merge_papers(kept: Paper, incoming: Paper) -> Paper:
    """One record from two of the same paper.

    The rule: the record already kept wins on every field it has; each field it
    lacks (authors, year, venue, DOI, arXiv id, URLs, abstract, key) is filled from
    the incoming record. The title is the kept one, so a paper never changes its
    display name by being imported twice. Nothing is ever overwritten.
    """
    changes: dict[str, Any] = {}
    if not kept.authors and incoming.authors:
        changes["authors"] = incoming.authors
    if kept.year is None and incoming.year is not None:
        changes["year"] = incoming.year
    for name in _MERGED_FIELDS:
        if not getattr(kept, name) and getattr(incoming, name):
            changes[name] = getattr(incoming, name)
    return dataclasses.replace(kept, **changes) if changes else kept


def dedupe(papers: Iterable[Paper]) -> list[Paper]:
    """Papers with duplicates merged into their first occurrence, order kept."""
    result: list[Paper] = []
    for paper in papers:
        match = find_duplicate(paper, result)
        if match is None:
            result.append(paper)
        else:
            index, _ = match
            result[index] = merge_papers(result[index], paper)
    return result


# --- LaTeX cleanup ---------------------------------------------------------------

_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}

_LETTERS = {
    "o": "ø",
    "O": "Ø",
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}

_SYMBOLS = {
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "textendash": "–",
    "textemdash": "—",
    "times": "×",
    "cdot": "·",
    "pm": "±",
    "infty": "∞",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "rightarrow": "→",
    "to": "→",
    "ell": "ℓ",
    "log": "log",
    "sqrt": "√",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Delta": "Δ",
    "Gamma": "Γ",
    "Omega": "Ω",
    "Sigma": "Σ",
}

_ESCAPED = set("&%$#_{}")
_SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_SUBSCRIPT = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")


class _LatexCleaner:
    """A small recursive reader for the LaTeX found in titles and names."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def run(self) -> str:
        out = self._sequence(stop_at_brace=False, math=False)
        out = unicodedata.normalize("NFC", out)
        return " ".join(out.split())

    def _sequence(self, *, stop_at_brace: bool, math: bool) -> str:
        parts: list[str] = []
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "}":
                self.pos += 1
                if stop_at_brace:
                    return "".join(parts)
                continue  # an unbalanced brace: drop it
            if ch == "{":
                self.pos += 1
                parts.append(self._sequence(stop_at_brace=True, math=math))
            elif ch == "\\":
                parts.append(self._command(math=math))
            elif ch == "$":
                self.pos += 1
                if math and not stop_at_brace:
                    return "".join(parts)  # the closing dollar
                if not math:
                    parts.append(self._sequence(stop_at_brace=False, math=True))
            elif math and ch in "^_":
                self.pos += 1
                parts.append(self._script(ch))
            else:
                parts.append(self._plain(ch, math=math))
        return "".join(parts)

    def _plain(self, ch: str, *, math: bool) -> str:
        text = self.text
        if not math:
            for token, value in (("---", "—"), ("--", "–"), ("``", "“"), ("''", "”")):
                if text.startswith(token, self.pos):
                    self.pos += len(token)
                    return value
            if ch == "~":
                self.pos += 1
                return " "
        self.pos += 1
        return ch

    def _script(self, mark: str) -> str:
        argument = self._argument(math=True)
        table = _SUPERSCRIPT if mark == "^" else _SUBSCRIPT
        if argument and all(c in "0123456789+-" for c in argument):
            return argument.translate(table)
        return f"{mark}{argument}"

    def _argument(self, *, math: bool) -> str:
        """One argument: a braced group, a command, or a single character."""
        text = self.text
        while self.pos < len(text) and text[self.pos] == " ":
            self.pos += 1
        if self.pos >= len(text):
            return ""
        ch = text[self.pos]
        if ch == "{":
            self.pos += 1
            return self._sequence(stop_at_brace=True, math=math)
        if ch == "\\":
            return self._command(math=math)
        self.pos += 1
        return ch

    def _command(self, *, math: bool) -> str:
        text = self.text
        self.pos += 1  # the backslash
        if self.pos >= len(text):
            return ""
        ch = text[self.pos]
        if not ch.isalpha():
            self.pos += 1
            if ch in _ACCENTS:
                return self._accent(ch, math=math)
            if ch in _ESCAPED:
                return ch
            return " " if ch in " \\" else ch
        start = self.pos
        while self.pos < len(text) and text[self.pos].isalpha():
            self.pos += 1
        name = text[start : self.pos]
        if name in _ACCENTS and self.pos < len(text) and text[self.pos] in "{ ":
            return self._accent(name, math=math)
        if name in _LETTERS:
            self._skip_terminator()
            return _LETTERS[name]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if self.pos < len(text) and text[self.pos] == "{":
            return self._argument(math=math)  # \textit{x}, \emph{x}, \mathrm{x}: keep x
        self._skip_terminator()
        return ""  # a switch such as \bf or \small: nothing to show

    def _skip_terminator(self) -> None:
        """After a command word, one space or an empty group ends it (``\\o{}``, ``\\ss x``)."""
        text = self.text
        if text.startswith("{}", self.pos):
            self.pos += 2
        elif self.pos < len(text) and text[self.pos] == " ":
            self.pos += 1

    def _accent(self, mark: str, *, math: bool) -> str:
        base = self._argument(math=math)
        if not base:
            return ""
        first = {"ı": "i", "ȷ": "j"}.get(base[0], base[0])  # \'{\i} is a plain í
        return first + _ACCENTS[mark] + base[1:]


def clean_latex(text: str) -> str:
    """Display text for a LaTeX-marked string.

    Accents become Unicode (``{\\"u}`` → ü, ``\\'e`` → é, ``{\\o}`` → ø); text commands
    keep their argument (``\\textit{Fast}`` → Fast); math loses its dollars but keeps
    its content (``$O(n^2)$`` → O(n²), ``$\\alpha$`` → α); protective braces, ``~``,
    ``--`` and escaped specials (``\\&``) become plain text. Whitespace is collapsed.
    """
    return _LatexCleaner(text).run()

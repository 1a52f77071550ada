"""A report as a short list of blocks, rendered to Markdown or to one HTML file.

Builders (:mod:`~assay.report.executive`, :mod:`~assay.report.product`,
:mod:`~assay.report.engineering`) say *what* a report holds; this module says how
it looks. All text in blocks is plain: the renderers escape it, so a technique
named ``<script>`` is shown, never run, and a ``*`` in a hypothesis is a star,
not emphasis. :class:`Strong` marks a span to stress, :class:`Code` a criterion
or an identifier.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Sequence

__all__ = [
    "Block",
    "Bullets",
    "Code",
    "Document",
    "Figure",
    "Heading",
    "Inline",
    "Paragraph",
    "Preformatted",
    "Strong",
    "Table",
    "to_html",
    "to_markdown",
]


@dataclasses.dataclass(frozen=True)
class Strong:
    """Stressed text."""

    text: str


@dataclasses.dataclass(frozen=True)
class Code:
    """An expression or identifier, shown in a fixed-width font."""

    text: str


Inline = str | Strong | Code
Text = Inline | Sequence[Inline]


@dataclasses.dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclasses.dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]

    @classmethod
    def of(cls, *parts: Inline) -> Paragraph:
        return cls(tuple(parts))


@dataclasses.dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[Inline, ...], ...]

    @classmethod
    def of(cls, items: Sequence[Text]) -> Bullets:
        return cls(tuple(_parts(item) for item in items))


@dataclasses.dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    caption: str = ""

    @classmethod
    def of(cls, headers: Sequence[str], rows: Sequence[Sequence[Text]], caption: str = "") -> Table:
        return cls(
            tuple(headers), tuple(tuple(_parts(cell) for cell in row) for row in rows), caption
        )


@dataclasses.dataclass(frozen=True)
class Preformatted:
    text: str


@dataclasses.dataclass(frozen=True)
class Figure:
    """A figure: ``name`` is its file stem (``forest``), ``svg`` the SVG document."""

    name: str
    caption: str
    svg: str


Block = Heading | Paragraph | Bullets | Table | Preformatted | Figure


@dataclasses.dataclass(frozen=True)
class Document:
    """A titled list of blocks."""

    title: str
    blocks: tuple[Block, ...]

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Figure))


def _parts(text: Text) -> tuple[Inline, ...]:
    if isinstance(text, str | Strong | Code):
        return (text,)
    return tuple(text)


# -- Markdown ------------------------------------------------------------------------

# What Markdown could read as markup anywhere in a line: backslashes, code, emphasis
# (``_`` only at a word's edge), links, table pipes, strikethrough, an HTML tag or an
# entity; and at the start of a block, a heading, quote or list marker.
_MD_INLINE = re.compile(
    r"[\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|<(?=[A-Za-z/!?])|&(?=#?\w+;)"
)
_MD_START = re.compile(r"^(\s*\d*)(#|>|[-+](?=\s|-|$)|(?<=\d)[.)](?=\s|$))")


def md_escape(text: str, *, start: bool = False) -> str:
    """Backslash-escape what Markdown would read as markup (CommonMark allows it before
    any ASCII punctuation) and nothing else, so the text still reads well as plain
    text; ``start`` when the text begins a block. Line breaks become spaces."""
    flat = re.sub(r"\s+", " ", text)
    escaped = _MD_INLINE.sub(lambda m: "\\" + m.group(0), flat)
    if start:
        escaped = _MD_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped, count=1)
    return escaped


def _md_inline(parts: Sequence[Inline], *, block: bool = True) -> str:
    out = []
    for index, part in enumerate(parts):
        if isinstance(part, Strong):
            text = part.text.strip()
            pad = part.text[len(part.text.rstrip()) :] and " "
            out.append(f"**{md_escape(text)}**{pad}")
        elif isinstance(part, Code):
            text = " ".join(part.text.split())
            out.append(f"`` {text} ``" if "`" in text else f"`{text}`")
        else:
            out.append(md_escape(part, start=block and index == 0))
    return "".join(out)


def _md_block(block: Block, figure_dir: str) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {md_escape(block.text, start=True)}"
    if isinstance(block, Paragraph):
        return _md_inline(block.parts)
    if isinstance(block, Bullets):
        return "\n".join(f"- {_md_inline(item)}" for item in block.items)
    if isinstance(block, Table):
        head = "| " + " | ".join(md_escape(h) for h in block.headers) + " |"
        rule = "|" + "|".join("---" for _ in block.headers) + "|"
        rows = [
            "| " + " | ".join(_md_inline(cell, block=False) for cell in row) + " |"
            for row in block.rows
        ]
        caption = [f"*{md_escape(block.caption)}*", ""] if block.caption else []
        return "\n".join([*caption, head, rule, *rows])
    if isinstance(block, Preformatted):
        fence = "````" if "```" in block.text else "```"
        return f"{fence}text\n{block.text}\n{fence}"
    target = f"{figure_dir}/{block.name}.svg" if figure_dir else f"{block.name}.svg"
    return f"![{md_escape(block.caption)}]({target})"


def to_markdown(document: Document, *, figure_dir: str = "figures") -> str:
    """The document as Markdown; figures are linked as ``figure_dir/NAME.svg``
    (relative), to be written beside the file (:func:`assay.report.write_report`)."""
    blocks = [f"# {md_escape(document.title, start=True)}"]
    blocks += [_md_block(block, figure_dir) for block in document.blocks]
    return "\n\n".join(blocks) + "\n"


# -- HTML ----------------------------------------------------------------------------

STYLE = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1d2430; background: #fff; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d8dde6; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p, li { max-width: 46rem; }
code, pre { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code { background: #f1f3f7; padding: 0 .25em; border-radius: 3px; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: 13px; }
caption { text-align: left; font-style: italic; padding-bottom: .25rem; }
th, td { border: 1px solid #d8dde6; padding: .25rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f1f3f7; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: #4a5568; }
.PASS, .better { color: #1a7f37; font-weight: 600; }
.FAIL, .worse { color: #b42318; font-weight: 600; }
.UNDETERMINED, .inconclusive { color: #9a6700; font-weight: 600; }
"""

_CLASSED = {"PASS", "FAIL", "UNDETERMINED", "better", "worse", "inconclusive"}


def _html_inline(parts: Sequence[Inline]) -> str:
    out = []
    for part in parts:
        if isinstance(part, Strong):
            text = html.escape(part.text)
            css = f' class="{part.text}"' if part.text in _CLASSED else ""
            out.append(f"<strong{css}>{text}</strong>")
        elif isinstance(part, Code):
            out.append(f"<code>{html.escape(part.text)}</code>")
        else:
            out.append(html.escape(part))
    return "".join(out)


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        level = min(max(block.level, 2), 6)
        return f"<h{level}>{html.escape(block.text)}</h{level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_html_inline(block.parts)}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{_html_inline(item)}</li>" for item in block.items)
        return f"<ul>{items}</ul>"
    if isinstance(block, Table):
        caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers)
        rows = "".join(
            "<tr>" + "".join(f"<td>{_html_inline(cell)}</td>" for cell in row) + "</tr>"
            for row in block.rows
        )
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if isinstance(block, Preformatted):
        return f"<pre>{html.escape(block.text)}</pre>"
    from assay.report.svgtools import inline_svg

    svg = inline_svg(block.svg, prefix=f"{block.name}-")
    caption = html.escape(block.caption)
    name = html.escape(block.name)
    return f'<figure id="fig-{name}">{svg}<figcaption>{caption}</figcaption></figure>'


# No script, style or image may come from anywhere: the file is the whole report.
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def to_html(document: Document) -> str:
    """The document as one self-contained HTML file: inline style and SVG, no
    scripts, no network references, and a Content-Security-Policy that forbids them."""
    body = "\n".join(_html_block(block) for block in document.blocks)
    title = html.escape(document.title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="assay">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )

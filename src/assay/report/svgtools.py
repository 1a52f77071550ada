"""SVG text made fit to stand alone or to sit inside an HTML page.

Matplotlib's SVG starts with an XML declaration and a DOCTYPE that names a DTD
on the web, carries RDF metadata, and uses element ids (``patch_1``, clip paths,
glyphs) that would collide when several figures share one page: a clip path
found by the wrong figure clips the wrong plot. :func:`standalone_svg` keeps a
file self-sufficient; :func:`inline_svg` also drops the namespace declarations
(HTML needs none) and prefixes every id and every reference to one.
"""

from __future__ import annotations

import re

__all__ = ["inline_svg", "standalone_svg"]

_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_HREF_REF = re.compile(r'((?:xlink:)?href)="#([^"]+)"')


def standalone_svg(svg: str) -> str:
    """``svg`` without its XML prolog, DOCTYPE, comments or metadata; namespaces kept."""
    text = _PROLOG.sub("", svg, count=1)
    text = _METADATA.sub("", text)
    return _COMMENT.sub("", text).strip() + "\n"


def inline_svg(svg: str, *, prefix: str) -> str:
    """``svg`` ready to inline in HTML: no prolog, metadata or namespace
    declarations, ``xlink:href`` written as SVG 2's plain ``href`` (so the
    fragment still parses as XML), and every id and reference prefixed."""
    text = _XMLNS.sub("", standalone_svg(svg))
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = _URL_REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", text)
    return _HREF_REF.sub(lambda m: f'href="#{prefix}{m.group(2)}"', text).strip()

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

__all__ = ["inline_svg", "standalone_svg", "text_width"]

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


# Advance widths of the printable ASCII characters (space to tilde), in thousandths
# of the font size, of DejaVu Sans and DejaVu Sans Bold: the first font the SVGs
# name, and wider than the fallbacks they list (Helvetica, Arial).
_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
    696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
    1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
    733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
    500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
    716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
)  # fmt: skip
_OTHER = 1200  # any other character: wider than DejaVu's widest, and a CJK glyph


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` set in DejaVu Sans at ``size`` user units, never less
    than the font's own: a label placed with it is never cut off.

    ASCII characters use the font's advance widths, rounded up (kerning only
    narrows a line); any other character counts as 1.2 em.
    """
    table = _BOLD if bold else _REGULAR
    units = sum(table[ord(c) - 32] + 1 if " " <= c <= "~" else _OTHER for c in text)
    return units * size / 1000

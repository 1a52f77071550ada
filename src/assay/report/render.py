"""Reports by audience and format: :func:`build_report`, :func:`render_report`,
:func:`write_report`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from assay.errors import InputError
from assay.report.document import Document, to_html, to_markdown
from assay.report.view import StudyView

__all__ = [
    "AUDIENCES",
    "FORMATS",
    "build_report",
    "figure_dir_for",
    "render_report",
    "write_report",
]

Audience = Literal["exec", "pm", "eng"]
Format = Literal["md", "html"]
AUDIENCES: tuple[str, ...] = ("exec", "pm", "eng")
FORMATS: tuple[str, ...] = ("md", "html")


def _builder(audience: str) -> Callable[[StudyView], Document]:
    if audience == "exec":
        from assay.report.executive import executive_report

        return executive_report
    if audience == "pm":
        from assay.report.product import product_report

        return product_report
    if audience == "eng":
        from assay.report.engineering import engineering_report

        return engineering_report
    raise InputError(f"unknown audience {audience!r}; expected one of {', '.join(AUDIENCES)}")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


def build_report(view: StudyView, audience: Audience | str = "exec") -> Document:
    """The report for ``audience`` (``exec``, ``pm`` or ``eng``) as a document of
    blocks, figures included (render it with :func:`render_report`)."""
    return _builder(str(audience))(view)


def render_report(
    view: StudyView,
    audience: Audience | str = "exec",
    fmt: Format | str = "md",
    *,
    figure_dir: str = "figures",
) -> str:
    """The report as text: Markdown (figures linked as ``figure_dir/NAME.svg``,
    which :func:`write_report` writes beside the file) or one self-contained HTML
    page (figures inline)."""
    _check_format(str(fmt))
    document = build_report(view, audience)
    if fmt == "html":
        return to_html(document)
    return to_markdown(document, figure_dir=figure_dir)


def figure_dir_for(path: Path) -> Path:
    """Where the figures of a Markdown report written to ``path`` go: ``STEM-figures``
    beside it (``eng.md`` -> ``eng-figures/``)."""
    return path.with_name(f"{path.stem}-figures")


def write_report(
    view: StudyView, audience: Audience | str, fmt: Format | str, path: str | Path
) -> list[Path]:
    """Write the report to ``path`` and, for Markdown, its figures as SVG files in
    :func:`figure_dir_for` with relative links; returns every file written."""
    _check_format(str(fmt))
    target = Path(path)
    document = build_report(view, audience)
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        target.write_text(to_html(document), encoding="utf-8")
        return [target]
    written = []
    if document.figures:
        folder = figure_dir_for(target)
        folder.mkdir(exist_ok=True)
        for figure in document.figures:
            file = folder / f"{figure.name}.svg"
            file.write_text(figure.svg, encoding="utf-8")
            written.append(file)
    text = to_markdown(document, figure_dir=figure_dir_for(target).name)
    target.write_text(text, encoding="utf-8")
    return [target, *written]

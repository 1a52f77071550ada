"""``GET /reports/{audience}``: a prototype's report for executives, product or
engineering, as a page and as downloads.

``/reports/engineering?prototype=NAME`` shows the report ``assay report NAME
--audience eng`` writes, built from the record alone (criteria, evidence, decisions,
cost); ``&download=html`` gives the one self-contained HTML file and ``&download=md``
the Markdown (with its figures beside it in a zip file when it has any, as ``assay
report -o FILE.md`` writes them). Without ``prototype`` the page lists the
prototypes to report on. The JSON is ``{"prototype", "audience", "title",
"markdown", "figures"}`` (figures linked as ``figures/NAME.svg``, and served at
``/reports/{audience}/figures/NAME.svg?prototype=NAME``).

A report is built once per version of the record (the audit trail's head moves
with every write) and day, and kept in :data:`REPORTS`: the engineering report
draws its figures with matplotlib, which takes a second or more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assay.errors import InputError, NotFoundError
from assay.web.deps import RequestState, server_of, viewer
from assay.web.pages.runs import LruCache
from assay.web.render import respond, responses

if TYPE_CHECKING:
    from assay.report.document import Document
    from assay.workspace import Workspace

__all__ = ["AUDIENCES", "REPORTS", "blocks", "router"]

router = APIRouter(tags=["reports"])

AUDIENCES = {"executive": "exec", "product": "pm", "engineering": "eng"}
"""The audiences in the web's words, and ``assay report --audience``'s."""

REPORTS: LruCache[tuple[str, str, str, int, str], Document] = LruCache(16)
"""Built reports, by (store, prototype, audience, record version, day)."""


def _audience(audience: str) -> str:
    code = AUDIENCES.get(audience.lower())
    if code is None:
        code = audience.lower() if audience.lower() in AUDIENCES.values() else None
    if code is None:
        raise NotFoundError(
            f"no report for {audience[:40]!r}; the audiences are {', '.join(AUDIENCES)}"
        )
    return code


def _name(audience: str) -> str:
    return next(name for name, code in AUDIENCES.items() if code == audience)


def _build(ws: Workspace, prototype: str, audience: str) -> Document:
    from assay.report import StudyView, build_report

    study = ws.prototypes.study(prototype)
    placed = ws.radar.placements().get(study.technique.name)  # override/import, marked
    rollout = ws.rollouts.latest().get(study.technique.name)  # issue 14
    from assay.workspace.credibility import track_record  # issue 16

    view = StudyView.from_study(
        study,
        placement=placed,
        rollout=rollout.sentence() if rollout else None,
        track_record=track_record(ws, study.technique.owner),
    )
    return build_report(view, audience)


def report_of(ws: Workspace, prototype: str, audience: str) -> Document:
    """The report, built once per version of the record and day."""
    key = (str(ws.db.url), prototype, audience, ws.audit.version(), dt.date.today().isoformat())
    return REPORTS.get(key, lambda: _build(ws, prototype, audience))


def _inline(parts: Any) -> list[dict[str, str]]:
    """A block's text as ``{"kind": "text" | "strong" | "code", "text": ...}`` spans."""
    from assay.report.document import Code, Strong

    if isinstance(parts, str | Strong | Code):
        parts = (parts,)
    spans = []
    for part in parts:
        kind = "strong" if isinstance(part, Strong) else "code" if isinstance(part, Code) else ""
        spans.append({"kind": kind or "text", "text": part if isinstance(part, str) else part.text})
    return spans


def blocks(document: Document) -> list[dict[str, Any]]:
    """The report's blocks as plain data for the template (which escapes every text)."""
    from assay.report import document as d

    out: list[dict[str, Any]] = []
    for block in document.blocks:
        if isinstance(block, d.Heading):
            out.append(
                {"kind": "heading", "level": min(max(block.level, 2), 6), "text": block.text}
            )
        elif isinstance(block, d.Paragraph):
            out.append({"kind": "paragraph", "spans": _inline(block.parts)})
        elif isinstance(block, d.Bullets):
            out.append({"kind": "bullets", "items": [_inline(item) for item in block.items]})
        elif isinstance(block, d.Table):
            rows = [[_inline(cell) for cell in row] for row in block.rows]
            out.append(
                {"kind": "table", "headers": block.headers, "rows": rows, "caption": block.caption}
            )
        elif isinstance(block, d.Preformatted):
            out.append({"kind": "pre", "text": block.text})
        else:
            out.append({"kind": "figure", "name": block.name, "caption": block.caption})
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "report"


def _attachment(filename: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{filename}"'}


def _markdown_download(document: Document, stem: str) -> Response:
    """The Markdown; with figures, a zip of it and its ``STEM-figures/`` folder."""
    from assay.report.document import to_markdown

    if not document.figures:
        text = to_markdown(document, figure_dir="figures")
        headers = _attachment(f"{stem}.md")
        return Response(text, media_type="text/markdown; charset=utf-8", headers=headers)
    folder = f"{stem}-figures"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        files = [(f"{stem}.md", to_markdown(document, figure_dir=folder))]
        files += [(f"{folder}/{f.name}.svg", f.svg) for f in document.figures]
        for name, text in files:  # a fixed time: the same report gives the same bytes
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), text)
    headers = _attachment(f"{stem}.zip")
    return Response(buffer.getvalue(), media_type="application/zip", headers=headers)


def _download(document: Document, fmt: str, stem: str) -> Response:
    from assay.report.document import to_html

    if fmt == "html":
        headers = _attachment(f"{stem}.html")
        return Response(to_html(document), media_type="text/html; charset=utf-8", headers=headers)
    if fmt == "md":
        return _markdown_download(document, stem)
    raise InputError(f"download={fmt[:20]!r} is not a report format; expected md or html")


def _listing(ws: Workspace, audience: str) -> dict[str, Any]:
    found = [
        {
            "name": r.prototype.name,
            "technique": r.prototype.technique,
            "stage": r.prototype.stage.value,
            "status": r.status,
        }
        for r in ws.prototypes.list()
    ]
    return {"audience": _name(audience), "prototypes": found}


@dataclasses.dataclass(frozen=True)
class _Asked:
    audience: str
    prototype: str | None


def _asked(audience: str, prototype: str | None) -> _Asked:
    name = (prototype or "").strip()
    if len(name) > 200:
        raise InputError(f"prototype={name[:20]!r}... is {len(name)} characters; at most 200")
    return _Asked(_audience(audience), name or None)


@router.get(
    "/reports/{audience}",
    summary="A prototype's report for an audience; downloads",
    responses={
        **responses(
            "The report (`prototype`, `audience`, `title`, `markdown`, `figures`), or, without "
            "`prototype`, the prototypes to report on; or the page.",
            statuses=(303, 401, 403, 404, 422),
        ),
        200: {
            "description": "The report, its page, or with `download` the file.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/html": {"schema": {"type": "string"}},
                "text/markdown": {},
                "application/zip": {},
            },
        },
    },
)
def report_page(
    request: Request,
    audience: str,
    prototype: str | None = None,
    download: str | None = None,
    state: RequestState = viewer,
) -> Response:
    """The report of ``prototype`` for ``audience`` (executive, product, engineering);
    ``download=md`` or ``html`` for a file. Without ``prototype``: the prototypes."""
    asked = _asked(audience, prototype)
    if asked.prototype is None and download is not None:
        raise InputError("a download needs the prototype: ?prototype=NAME&download=html")
    if asked.prototype is not None and download is not None:
        document = report_of(state.ws, asked.prototype, asked.audience)
        stem = f"{_slug(asked.prototype)}-{_name(asked.audience)}"
        return _download(document, download.strip().lower(), stem)
    return server_of(request).cache.cached(request, state, lambda: _page(request, state, asked))


def _page(request: Request, state: RequestState, asked: _Asked) -> Response:
    """The report's page (or, without a prototype, the list of prototypes)."""
    from assay.report.document import to_markdown

    if asked.prototype is None:
        listing = _listing(state.ws, asked.audience)
        return respond(request, state, "reports.html", listing, audiences=list(AUDIENCES))
    document = report_of(state.ws, asked.prototype, asked.audience)
    data = {
        "prototype": asked.prototype,
        "audience": _name(asked.audience),
        "title": document.title,
        "markdown": to_markdown(document, figure_dir="figures"),
        "figures": [{"name": f.name, "caption": f.caption} for f in document.figures],
    }
    return respond(
        request, state, "report.html", data, blocks=blocks(document), audiences=list(AUDIENCES)
    )


@router.get(
    "/reports/{audience}/figures/{name}.svg",
    response_class=Response,
    summary="A figure of a report (SVG)",
    responses={
        **responses("", statuses=(303, 401, 403, 404, 422), html=False),
        200: {"description": "The figure (SVG).", "content": {"image/svg+xml": {}}},
    },
)
def report_figure(
    audience: str, name: str, prototype: str | None = None, state: RequestState = viewer
) -> Response:
    """A figure of the report of ``prototype`` for ``audience``."""
    asked = _asked(audience, prototype)
    if asked.prototype is None:
        raise InputError("a report's figure needs the prototype: ?prototype=NAME")
    document = report_of(state.ws, asked.prototype, asked.audience)
    for figure in document.figures:
        if figure.name == name:
            return Response(figure.svg, media_type="image/svg+xml")
    known = ", ".join(f.name for f in document.figures) or "none"
    raise NotFoundError(f"this report has no figure {name[:40]!r}; it has: {known}")

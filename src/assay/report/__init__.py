"""Reports built from the record: executive, product and engineering, in Markdown or
self-contained HTML, with matplotlib figures; and the radar as SVG.

>>> from assay.report import StudyView, render_report, write_report
>>> text = render_report(view, audience="exec", fmt="md")          # doctest: +SKIP
>>> write_report(view, "eng", "html", "reports/eng.html")           # doctest: +SKIP

The input is a :class:`StudyView` (the technique, the prototype with its
pre-registration and amendments, the evaluated criteria, the gate's
recommendation and decisions, the runs, the cost-benefit), made only of
lower-layer types; the workspace's ``Study`` converts with
:meth:`StudyView.from_record`. Every number comes with its interval; an
inconclusive verdict, an undetermined criterion or a wide interval is said in
words. HTML is one file: inline style and SVG, no script, nothing fetched, and
every piece of user text escaped.

This package sits in the reports layer: it imports the store, execution,
decision, statistics and base layers, never the workspace or the surfaces, and
imports matplotlib only when a figure is drawn.
"""

from __future__ import annotations

from assay.report.document import Document
from assay.report.radar import radar_svg
from assay.report.render import (
    AUDIENCES,
    FORMATS,
    build_report,
    figure_dir_for,
    render_report,
    write_report,
)
from assay.report.view import RunEvidence, StudyView

__all__ = [
    "AUDIENCES",
    "FORMATS",
    "Document",
    "RunEvidence",
    "StudyView",
    "build_report",
    "figure_dir_for",
    "radar_svg",
    "render_report",
    "write_report",
]

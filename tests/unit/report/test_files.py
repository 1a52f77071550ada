"""write_report: one HTML file, or Markdown with its figures beside it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from assay.report import StudyView, figure_dir_for, write_report


def test_markdown_report_writes_figures_beside_it_with_relative_links(
    demo_view: StudyView, tmp_path: Path
) -> None:
    target = tmp_path / "reports" / "eng.md"
    written = write_report(demo_view, "eng", "md", target)
    assert written[0] == target
    text = target.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) >= 3
    for link in links:
        assert not link.startswith(("/", "http"))
        figure = target.parent / link
        assert figure.is_file()
        assert figure in written
        root = ET.parse(figure).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert {p.parent for p in written[1:]} == {figure_dir_for(target)}
    assert figure_dir_for(target).name == "eng-figures"


def test_html_report_is_one_file(demo_view: StudyView, tmp_path: Path) -> None:
    target = tmp_path / "eng.html"
    assert write_report(demo_view, "eng", "html", target) == [target]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eng.html"]
    assert "<svg" in target.read_text(encoding="utf-8")


def test_exec_markdown_has_no_figures(demo_view: StudyView, tmp_path: Path) -> None:
    target = tmp_path / "exec.md"
    assert write_report(demo_view, "exec", "md", target) == [target]
    assert not figure_dir_for(target).exists()

"""The figures: valid, self-contained SVG, drawn from real runs, honest about clipping."""

from __future__ import annotations

import copy
import dataclasses
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from assay.bench import BenchmarkResult, Crossover
from assay.report import plots
from assay.report.svgtools import inline_svg, standalone_svg

NS = "{http://www.w3.org/2000/svg}"


def _check(svg: str | None) -> ET.Element:
    assert svg is not None
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert "<!DOCTYPE" not in svg
    assert "<metadata" not in svg
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", svg)
    assert "http" not in without_namespaces
    assert "<text" not in svg  # text is drawn as paths: no font needed to show it
    return root


def test_distributions_and_forest_of_the_demo(demo_result: BenchmarkResult) -> None:
    _check(plots.distributions(demo_result))
    _check(plots.forest(demo_result.comparisons, baseline="naive"))


def test_sweep_and_ablation_of_a_real_run(ablation_result: BenchmarkResult) -> None:
    assert ablation_result.ablation, "the benchmark declares two components"
    _check(plots.sweep(ablation_result, "n"))
    _check(plots.ablation(ablation_result.ablation))


def test_the_crossover_is_marked_on_the_sweep(ablation_result: BenchmarkResult) -> None:
    plain = plots.sweep(ablation_result, "n")
    marked = copy.copy(ablation_result)
    sentence = "careful is faster than builtin above n ≈ 500"
    marked.crossovers = [Crossover("careful", "time", "n", (), 500.0, True, sentence)]
    drawn = plots.sweep(marked, "n")
    _check(drawn)
    assert plain is not None
    assert drawn is not None
    assert drawn.count("stroke-dasharray") > plain.count("stroke-dasharray")  # the dashed line


def test_nothing_to_draw_gives_none(demo_result: BenchmarkResult) -> None:
    assert plots.forest([], baseline="naive") is None
    assert plots.ablation([]) is None
    assert plots.sweep(demo_result, "no-such-parameter") is None


def test_a_name_the_font_lacks_does_not_warn(ablation_result: BenchmarkResult) -> None:
    """pytest turns warnings into errors: a missing glyph must not be one."""
    rows = [dataclasses.replace(r, candidate="候補-𝔸") for r in ablation_result.comparisons]
    _check(plots.forest(rows, baseline="基準"))


def test_ids_are_prefixed_when_inlined(demo_result: BenchmarkResult) -> None:
    svg = plots.forest(demo_result.comparisons, baseline="naive")
    assert svg is not None
    inlined = inline_svg(svg, prefix="forest-")
    ids = re.findall(r'\bid="([^"]+)"', inlined)
    assert ids
    assert all(i.startswith("forest-") for i in ids)
    assert "xlink:" not in inlined
    assert "xmlns" not in inlined
    for target in re.findall(r'href="#([^"]+)"', inlined):
        assert target in ids
    ET.fromstring(inlined)


def test_standalone_svg_drops_the_prolog() -> None:
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<!-- made by hand -->'
        '<svg xmlns="http://www.w3.org/2000/svg"><metadata><x/></metadata><g/></svg>'
    )
    assert standalone_svg(text) == '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>\n'


def test_importing_the_package_does_not_import_matplotlib() -> None:
    code = "import sys, assay.report; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"

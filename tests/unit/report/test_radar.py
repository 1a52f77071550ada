"""The radar SVG: rings, sectors for any number of areas, numbered blips that never
overlap, and a list beside the picture naming every one."""

from __future__ import annotations

import itertools
import math
import random
import xml.etree.ElementTree as ET

import pytest

from assay.pipeline.radar import Technique
from assay.report import radar_svg
from assay.report.radar import BLIP_RADIUS
from assay.types import Ring

NS = "{http://www.w3.org/2000/svg}"


def _demo_radar() -> list[Technique]:
    """The twelve techniques of ``assay demo``, in the ring each ends in."""
    from assay.demo.radar import RADAR as _RADAR  # the demo's own list, so the test follows it

    return [Technique(entry.name, entry.area, entry.moves[-1][1]) for entry in _RADAR]


def _blips(root: ET.Element) -> list[tuple[str, float, float]]:
    found = []
    for group in root.iter(f"{NS}g"):
        if group.get("class") == "blip":
            circle = group.find(f"{NS}circle")
            assert circle is not None
            found.append((str(group.get("data-name")), float(circle.get("cx", 0)),
                          float(circle.get("cy", 0))))  # fmt: skip
    return found


def _assert_no_overlap(blips: list[tuple[str, float, float]]) -> None:
    for (a, ax, ay), (b, bx, by) in itertools.combinations(blips, 2):
        assert math.hypot(ax - bx, ay - by) >= 2 * BLIP_RADIUS, f"{a} overlaps {b}"


def _legend(root: ET.Element) -> list[tuple[float, float, str]]:
    return [
        (float(t.get("x", 0)), float(t.get("y", 0)), t.text or "")
        for t in root.iter(f"{NS}text")
        if (t.get("class") or "").startswith("legend-")
    ]


def test_the_demo_radar_parses_and_labels_every_technique_without_overlap() -> None:
    techniques = _demo_radar()
    assert len(techniques) == 12
    root = ET.fromstring(radar_svg(techniques))
    assert root.tag == f"{NS}svg"
    blips = _blips(root)
    assert sorted(name for name, _, _ in blips) == sorted(t.name for t in techniques)
    _assert_no_overlap(blips)
    legend = _legend(root)
    items = [text for _, _, text in legend if text[:1].isdigit()]
    assert len(items) == 12
    for technique in techniques:
        assert any(f". {technique.name} ({technique.ring.value})" in text for text in items)
    positions = [(x, y) for x, y, _ in legend]
    assert len(set(positions)) == len(positions)  # one line each: no two labels on top
    numbers = [text for t in root.iter(f"{NS}text") if (text := t.text) and text.isdigit()]
    assert sorted(map(int, numbers)) == list(range(1, 13))


def test_rings_are_concentric_and_named() -> None:
    root = ET.fromstring(radar_svg(_demo_radar()))
    rings = [c for c in root.iter(f"{NS}circle") if c.get("class") == "ring"]
    assert len(rings) == len(Ring)
    assert len({(c.get("cx"), c.get("cy")) for c in rings}) == 1
    radii = [float(c.get("r", 0)) for c in rings]
    assert radii == sorted(radii, reverse=True)
    labels = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "ring-label"]
    assert labels == [ring.value for ring in Ring]


def _inside_cell(svg: str, techniques: list[Technique]) -> None:
    """Every blip sits in its ring's band and its area's sector."""
    root = ET.fromstring(svg)
    rings = sorted(
        float(c.get("r", 0)) for c in root.iter(f"{NS}circle") if c.get("class") == "ring"
    )
    centre = float(
        next(c for c in root.iter(f"{NS}circle") if c.get("class") == "ring").get("cx", 0)
    )
    areas = sorted({t.area for t in techniques}, key=str.lower)
    by_name = {t.name: t for t in techniques}
    for name, x, y in _blips(root):
        technique = by_name[name]
        r = math.hypot(x - centre, y - centre)
        inner = 0.0 if technique.ring.order == 0 else rings[technique.ring.order - 1]
        assert inner <= r <= rings[technique.ring.order], name
        if len(areas) > 1:
            angle = (math.atan2(y - centre, x - centre) + math.pi / 2) % (2 * math.pi)
            assert int(angle / (2 * math.pi / len(areas))) == areas.index(technique.area), name


@pytest.mark.parametrize("areas", [1, 2, 3, 7])
def test_any_number_of_areas_is_a_sector_each(areas: int) -> None:
    rng = random.Random(areas)
    techniques = [
        Technique(f"technique {i}", f"area {i % areas}", rng.choice(list(Ring))) for i in range(25)
    ]
    svg = radar_svg(techniques)
    _inside_cell(svg, techniques)
    root = ET.fromstring(svg)
    _assert_no_overlap(_blips(root))
    area_labels = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "area-label"]
    assert sorted(area_labels) == sorted({t.area for t in techniques})


def test_a_crowded_cell_grows_the_radar_instead_of_overlapping() -> None:
    techniques = [Technique(f"crowd {i}", "inference", Ring.ADOPT) for i in range(40)]
    techniques += [Technique(f"other {i}", "serving", Ring.SKIP) for i in range(5)]
    svg = radar_svg(techniques)
    _inside_cell(svg, techniques)
    root = ET.fromstring(svg)
    _assert_no_overlap(_blips(root))
    assert float(root.get("width", 0)) > float(
        ET.fromstring(radar_svg(techniques[:3])).get("width", 0)
    )


def test_names_are_escaped_and_an_empty_radar_still_draws() -> None:
    evil = Technique('<script>alert("x")</script> & co', "a<b", Ring.TRIAL)
    svg = radar_svg([evil])
    ET.fromstring(svg)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    empty = ET.fromstring(radar_svg([]))
    assert any(t.text == "no techniques on the radar yet" for t in empty.iter(f"{NS}text"))
    assert "http" not in radar_svg([evil]).replace('xmlns="http://www.w3.org/2000/svg"', "")

"""The radar picture of issue 12: a layout that keeps blips still, never overlaps,
groups crowded cells, marks movement and evidence, links every blip, and escapes
every user string."""

from __future__ import annotations

import datetime as dt
import math
import random
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from assay.pipeline.radar import RingMove, Technique
from assay.report.radar import BLIP_RADIUS, BlipMark, radar_svg, safe_href
from assay.report.radar_layout import MAX_RADIUS, layout
from assay.types import Ring

NS = "{http://www.w3.org/2000/svg}"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def technique(i: int, area: str, ring: Ring, name: str | None = None) -> Technique:
    """A technique that entered ``ring`` on day ``i`` after ``START``."""
    move = RingMove(None, ring, START + dt.timedelta(hours=i), "ana", "")
    return Technique(name or f"technique {i}", area, ring, history=(move,))


def radar(count: int, areas: int, seed: int = 0) -> list[Technique]:
    rng = random.Random(seed)
    return [technique(i, f"area {i % areas}", rng.choice(list(Ring))) for i in range(count)]


def centres(svg: str) -> dict[str, tuple[float, float]]:
    """Every blip's and group's centre, by name (groups: ``+area/ring``)."""
    found = {}
    for group in ET.fromstring(svg).iter(f"{NS}g"):
        kind = group.get("class")
        if kind not in ("blip", "blip-group"):
            continue
        circle = group.find(f"{NS}circle")
        assert circle is not None
        key = group.get("data-name") or f"+{group.get('data-area')}/{group.get('data-ring')}"
        found[key] = (float(circle.get("cx", 0)), float(circle.get("cy", 0)))
    return found


def closest_pair(points: list[tuple[float, float]]) -> float:
    """The smallest distance between two of ``points`` (infinite for fewer than two)."""
    if len(points) < 2:
        return math.inf
    xy = np.array(points)
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    return float(gaps.min())


@pytest.mark.parametrize("areas", [3, 9])
@pytest.mark.parametrize("count", [1, 50, 2000])
def test_no_two_blips_overlap(count: int, areas: int) -> None:
    svg = radar_svg(radar(count, areas))
    found = centres(svg)
    assert closest_pair(list(found.values())) >= 2 * BLIP_RADIUS
    shown = sum(1 for key in found if not key.startswith("+"))
    grouped = [int(g.get("data-count", 0)) for g in ET.fromstring(svg).iter(f"{NS}g")
               if g.get("class") == "blip-group"]  # fmt: skip
    assert shown + sum(grouped) == count  # every technique is a blip or in a group


def test_the_overlap_check_sees_two_blips_on_top_of_each_other() -> None:
    assert closest_pair([(0.0, 0.0), (5.0, 5.0), (100.0, 0.0)]) < 2 * BLIP_RADIUS


def test_adding_a_technique_moves_no_other_blip() -> None:
    before = radar(60, 4, seed=3)
    added = technique(1000, "area 2", Ring.TRIAL, name="newcomer")
    old, new = centres(radar_svg(before)), centres(radar_svg([*before, added]))
    assert "newcomer" in new
    assert {name: new[name] for name in old} == old
    # and again into a crowded cell of a full radar: the others stay where they were
    full = radar(2000, 3, seed=4)
    crowded = technique(5000, "area 1", Ring.HOLD, name="latecomer")
    old, new = centres(radar_svg(full)), centres(radar_svg([*full, crowded]))
    assert all(new[name] == xy for name, xy in old.items() if not name.startswith("+"))


def test_moving_a_technique_moves_no_other_blip_of_its_new_cell() -> None:
    before = radar(600, 2, seed=5)
    mover = before[7]
    moved = Technique(
        mover.name, mover.area, Ring.ADOPT if mover.ring is not Ring.ADOPT else Ring.SKIP,
        history=(*mover.history, RingMove(mover.ring, Ring.ADOPT, START + dt.timedelta(days=90),
                                          "ana", "")),
    )  # fmt: skip
    old = centres(radar_svg(before))
    new = centres(radar_svg([moved if t is mover else t for t in before]))
    kept = [t.name for t in before if t.ring is moved.ring and t.area == moved.area]
    assert kept and all(new[name] == old[name] for name in kept)


def test_the_layout_is_the_same_in_any_input_order() -> None:
    techniques = radar(300, 5, seed=6)
    shuffled = list(techniques)
    random.Random(1).shuffle(shuffled)
    assert centres(radar_svg(techniques)) == centres(radar_svg(shuffled))


def test_a_cell_too_crowded_for_the_largest_radar_is_grouped() -> None:
    crowd = [technique(i, "inference", Ring.ADOPT) for i in range(400)]
    crowd += [technique(1000 + i, "serving", Ring.SKIP) for i in range(3)]
    found = layout(crowd)
    assert found.radius <= MAX_RADIUS + 1e-6
    (group,) = found.groups
    assert (group.ring_order, found.areas[group.area_index]) == (0, "inference")
    shown = [p for p in found.placed if p.technique.area == "inference"]
    assert len(shown) + len(group.hidden) == 400
    assert {t.name for t in group.hidden} == {f"technique {i}" for i in range(len(shown), 400)}
    svg = radar_svg(crowd, cell_href=lambda area, ring: f"/radar?area={area}&ring={ring.value}")
    root = ET.fromstring(svg)
    (link,) = [a for a in root.iter(f"{NS}a") if a.find(f"{NS}g[@class='blip-group']") is not None]
    assert link.get("href") == "/radar?area=inference&ring=ADOPT"
    text = link.find(f".//{NS}text")
    assert text is not None and text.text == f"+{len(group.hidden)}"
    default = ET.fromstring(radar_svg(crowd))
    hrefs = [a.get("href") for a in default.iter(f"{NS}a")]
    assert hrefs == ["?area=inference&ring=adopt"]  # blips unlinked without href
    assert any(f"+{len(group.hidden)} more (ADOPT)" == t.text for t in default.iter(f"{NS}text"))


def test_kept_positions_are_used_and_a_collision_pass_keeps_them_apart() -> None:
    techniques = [technique(i, "a", Ring.ASSESS) for i in range(5)]
    techniques.append(technique(9, "b", Ring.ADOPT, name="elsewhere"))
    inside = (0.0, -0.6)  # ASSESS band of the first (upper-right) sector: x > 0 needed
    kept = {
        "technique 0": (0.2, -0.55),
        "technique 1": (0.2 + 0.001, -0.55),  # on top of technique 0: dropped
        "technique 2": (5.0, 5.0),  # outside the radar: dropped
        "elsewhere": inside,  # not in its cell (ADOPT of area b): dropped
    }
    found = {p.technique.name: (p.x, p.y) for p in layout(techniques, kept).placed}
    radius = layout(techniques, kept).radius
    assert found["technique 0"] == pytest.approx((0.2 * radius, -0.55 * radius))
    assert found["technique 1"] != pytest.approx((0.201 * radius, -0.55 * radius))
    assert found["technique 2"] != pytest.approx((5 * radius, 5 * radius))
    assert closest_pair(list(found.values())) >= 2 * BLIP_RADIUS


def test_marks_are_drawn_and_explained_in_the_key() -> None:
    techniques = [technique(i, "a", Ring.TRIAL, name=n) for i, n in enumerate("NIOSDV")]
    marks = {
        "N": BlipMark(movement="new"),
        "I": BlipMark(movement="moved_in"),
        "O": BlipMark(movement="moved_out"),
        "S": BlipMark(stale=True),
        "D": BlipMark(overdue=True, override=True),
    }
    svg = radar_svg(techniques, marks=marks)
    root = ET.fromstring(svg)
    for kind in ("new", "moved-in", "moved-out", "stale", "overdue"):
        assert len([e for e in root.iter() if e.get("class") == f"mark-{kind}"]) == 1, kind
    key = [t.text or "" for t in root.iter(f"{NS}text") if t.get("class") == "key"]
    assert len(key) == 6 and any("override" in line for line in key)
    titles = {g.get("data-name"): g.findtext(f"{NS}title") for g in root.iter(f"{NS}g")}
    assert titles["D"] is not None and titles["D"].endswith("overdue, override")
    assert [t.text for t in ET.fromstring(radar_svg(techniques)).iter(f"{NS}text")
            if t.get("class") == "key"] == []  # fmt: skip
    with pytest.raises(ValueError, match="movement"):
        BlipMark(movement="sideways")


def test_moved_in_points_to_the_centre_and_moved_out_away() -> None:
    techniques = [technique(0, "a", Ring.HOLD, name="in"), technique(1, "b", Ring.HOLD, "out")]
    marks = {"in": BlipMark(movement="moved_in"), "out": BlipMark(movement="moved_out")}
    root = ET.fromstring(radar_svg(techniques, marks=marks, legend=False))
    ring = next(c for c in root.iter(f"{NS}circle") if c.get("class") == "ring")
    cx = float(ring.get("cx", 0))
    for group in root.iter(f"{NS}g"):
        if group.get("class") != "blip":
            continue
        circle, polygon = group.find(f"{NS}circle"), group.find(f"{NS}polygon")
        assert circle is not None and polygon is not None
        x, y = float(circle.get("cx", 0)), float(circle.get("cy", 0))
        tip = [float(v) for v in polygon.get("points", "").split()[2].split(",")]
        closer = math.hypot(tip[0] - cx, tip[1] - cx) < math.hypot(x - cx, y - cx)
        assert closer is (group.get("data-name") == "in")


EVIL = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)")


@pytest.mark.parametrize("evil", EVIL)
def test_every_user_string_is_escaped(evil: str) -> None:
    techniques = [technique(0, evil, Ring.TRIAL, name=evil), technique(1, "b", Ring.HOLD)]
    svg = radar_svg(
        techniques, title=evil, marks={evil: BlipMark(stale=True)}, href=lambda name: name,
    )  # fmt: skip
    root = ET.fromstring(svg)  # well-formed: nothing broke out of an attribute or a tag
    assert not any(e.tag.endswith(("script", "img")) for e in root.iter())
    assert all(not k.startswith("on") for e in root.iter() for k in e.attrib)
    hrefs = [a.get("href") or "" for a in root.iter(f"{NS}a")]
    assert not any(h.strip().lower().startswith("javascript:") for h in hrefs)
    names = [g.get("data-name") for g in root.iter(f"{NS}g") if g.get("class") == "blip"]
    assert evil in names  # the text itself survives, escaped
    assert root.get("aria-label", "").startswith(evil) and root.get("role") == "img"
    assert "<script>" not in svg and "<img" not in svg


def test_only_safe_addresses_are_linked() -> None:
    assert safe_href("/techniques/a%20b") == "/techniques/a%20b"
    assert safe_href("https://example.org/x") == "https://example.org/x"
    assert safe_href("?area=a&ring=trial") == "?area=a&ring=trial"
    for bad in ("javascript:alert(1)", " JavaScript:x", "java\tscript:x", "data:text/html,x",
                "vbscript:x"):  # fmt: skip
        assert safe_href(bad) is None, bad
    svg = radar_svg([technique(0, "a", Ring.TRIAL)], href=lambda name: "javascript:alert(1)")
    assert "<a " not in svg and "javascript" not in svg

"""The radar through time and filters (issue 12): as of a day, the diff between two
days, movement since a date, filters by area, owner and tag, on a real workspace
whose history is written with explicit dates."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.types import Ring
from assay.workspace import Workspace


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


D = dt.date.fromisoformat


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """Three techniques with a dated history:

    * Tiling: added 2026-01-10 in ASSESS, to HOLD on 2026-02-01, back to ASSESS on
      2026-03-01 (23:30), to SKIP on 2026-03-15;
    * Paging: added 2026-02-10 in ASSESS, tagged ``memory``, owned by ana;
    * Fusion: added 2026-03-05 in HOLD, area serving, tagged ``Memory`` and ``gpu``.
    """
    with Workspace.init(tmp_path, user="tester") as workspace:
        radar = workspace.radar
        radar.add("Tiling", area="kernels", at=at("2026-01-10"))
        radar.move("Tiling", Ring.HOLD, why="no time", at=at("2026-02-01"))
        radar.move("Tiling", Ring.ASSESS, why="time found", at=at("2026-03-01", 23))
        radar.move("Tiling", Ring.SKIP, why="slower", at=at("2026-03-15"))
        radar.add("Paging", area="kernels", owner="ana", tags=["memory"], at=at("2026-02-10"))
        radar.add(
            "Fusion", area="serving", ring=Ring.HOLD, why="later", tags=["Memory", "gpu"],
            at=at("2026-03-05"),
        )  # fmt: skip
        yield workspace


def _rings(techniques: list[object]) -> dict[str, str]:
    return {t.name: t.ring.value for t in techniques}  # type: ignore[attr-defined]


def test_as_of_a_day_shows_the_rings_of_that_day(ws: Workspace) -> None:
    assert _rings(ws.radar.as_of(D("2026-01-09"))) == {}
    assert _rings(ws.radar.as_of(D("2026-01-10"))) == {"Tiling": "ASSESS"}
    assert _rings(ws.radar.as_of(D("2026-02-10"))) == {"Tiling": "HOLD", "Paging": "ASSESS"}
    # a move late on 2026-03-01 counts for that day (the end of the day, UTC)
    assert _rings(ws.radar.as_of(D("2026-03-01")))["Tiling"] == "ASSESS"
    assert _rings(ws.radar.as_of(D("2026-03-20"))) == {
        "Tiling": "SKIP",
        "Paging": "ASSESS",
        "Fusion": "HOLD",
    }
    (tiling,) = [t for t in ws.radar.as_of(D("2026-02-15")) if t.name == "Tiling"]
    assert [m.to_ring for m in tiling.history] == [Ring.ASSESS, Ring.HOLD]


def test_a_retired_technique_leaves_the_radar_from_its_retirement_day(ws: Workspace) -> None:
    ws.corrections.retire("technique", "Paging", why="duplicate")
    today = dt.datetime.now(dt.UTC).date()
    assert "Paging" in _rings(ws.radar.as_of(today - dt.timedelta(days=1)))
    assert "Paging" not in _rings(ws.radar.as_of(today))
    shown = ws.radar.document(as_of=today - dt.timedelta(days=1))["techniques"]
    assert "Paging" in {t["name"] for t in shown}
    assert "Paging" not in {t["name"] for t in ws.radar.document()["techniques"]}
    marked = ws.radar.document(as_of=today, include_retired=True)["techniques"]
    assert {t["name"]: t["retired"] for t in marked}["Paging"] is True
    before = ws.radar.document(as_of=today - dt.timedelta(days=1), include_retired=True)
    assert {t["name"]: t["retired"] for t in before["techniques"]}["Paging"] is False
    changes = ws.radar.diff(today - dt.timedelta(days=1), today)
    assert [t.name for t in changes.removed] == ["Paging"]


def test_diff_lists_added_removed_and_moved_with_when_and_why(ws: Workspace) -> None:
    changes = ws.radar.diff(D("2026-02-05"), D("2026-03-20"))
    assert [t.name for t in changes.added] == ["Fusion", "Paging"]
    assert changes.removed == ()
    (moved,) = changes.moved
    assert (moved.name, moved.from_ring, moved.to_ring) == ("Tiling", Ring.HOLD, Ring.SKIP)
    assert (moved.at, moved.why, moved.by) == (at("2026-03-15"), "slower", "tester")
    document = changes.to_dict()
    assert document["from"] == "2026-02-05" and document["to"] == "2026-03-20"
    assert document["moved"][0] | {"at": None} == {
        "name": "Tiling", "from": "HOLD", "to": "SKIP", "at": None, "by": "tester",
        "why": "slower",
    }  # fmt: skip
    # out and back between the two days: not a move
    assert ws.radar.diff(D("2026-01-20"), D("2026-03-10")).moved == ()
    with pytest.raises(InputError, match="backwards"):
        ws.radar.diff(D("2026-03-20"), D("2026-02-05"))


def test_movement_since_a_date(ws: Workspace) -> None:
    def movement(since: str, as_of: str | None = None) -> dict[str, str | None]:
        day = None if as_of is None else D(as_of)
        found = ws.radar.document(since=D(since), as_of=day)["techniques"]
        return {t["name"]: t["movement"] for t in found}

    assert movement("2026-02-15", "2026-03-10") == {
        "Tiling": "moved_in",  # HOLD -> ASSESS
        "Paging": None,
        "Fusion": "new",
    }
    assert movement("2026-03-10") == {"Tiling": "moved_out", "Paging": None, "Fusion": None}
    # a move on the day itself counts, as in the review agenda
    assert movement("2026-03-15")["Tiling"] == "moved_out"
    assert movement("2026-03-16")["Tiling"] is None
    with pytest.raises(InputError, match="after the radar's day"):
        ws.radar.document(since=D("2026-03-10"), as_of=D("2026-03-01"))


def test_movement_counts_from_the_last_review_else_thirty_days(ws: Workspace) -> None:
    today = D("2026-03-20")
    assert ws.radar.document(today=today)["since"] == "2026-02-18"
    ws.reports.record_review(attendees=["ana"], decisions=["skip tiling"], held_on=D("2026-03-12"))
    ws.reports.record_review(attendees=["ana"], decisions=["later"], held_on=D("2026-04-01"))
    document = ws.radar.document(today=today)
    assert document["since"] == "2026-03-12"  # the review after the radar's day is not used
    assert {t["name"]: t["movement"] for t in document["techniques"]}["Tiling"] == "moved_out"
    assert ws.radar.document(as_of=D("2026-03-05"), today=today)["since"] == "2026-02-03"


def test_filters_by_area_owner_and_tag_ignore_case(ws: Workspace) -> None:
    def names(**filters: str) -> list[str]:
        return [t["name"] for t in ws.radar.document(**filters)["techniques"]]  # type: ignore[arg-type]

    assert names(area="KERNELS") == ["Paging", "Tiling"]
    assert names(owner="Ana") == ["Paging"]
    assert names(tag="memory") == ["Fusion", "Paging"]
    assert names(tag="GPU", area="serving") == ["Fusion"]
    assert names(tag="gpu", area="kernels") == []
    document = ws.radar.document(tag="gpu")
    assert document["filters"] == {"area": None, "owner": None, "tag": "gpu"}
    assert document["techniques"][0]["tags"] == ["Memory", "gpu"]
    assert [t.name for t in ws.radar.as_of(D("2026-03-20"), owner="ANA")] == ["Paging"]
    with pytest.raises(InputError, match="--area is empty"):
        ws.radar.document(area="  ")


def test_tags_are_kept_in_fields_beside_what_an_import_stored(ws: Workspace) -> None:
    path = ws.root / ".assay" / "assay.db"
    with sqlite3.connect(path) as con:
        con.execute("""UPDATE techniques SET fields = '{"byor": {"isNew": "TRUE"}}'
                       WHERE name = 'Tiling'""")
    ws.radar.edit("Tiling", tags=["legacy", "LEGACY", " kernels "])
    assert ws.radar.tags()["Tiling"] == ["legacy", "kernels"]
    with sqlite3.connect(path) as con:
        (fields,) = con.execute("SELECT fields FROM techniques WHERE name = 'Tiling'").fetchone()
    assert '"byor"' in fields and '"tags"' in fields
    ws.radar.edit("Tiling", tags=[])
    assert "Tiling" not in ws.radar.tags()
    with pytest.raises(InputError, match="control character"):
        ws.radar.edit("Paging", tags=["bad\ntag"])
    assert ws.radar.tags()["Paging"] == ["memory"]


def test_overdue_and_marks_in_the_document(ws: Workspace) -> None:
    ws.radar.set_next("Paging", "measure it", due=D("2026-03-01"))
    found = {t["name"]: t for t in ws.radar.document(today=D("2026-03-20"))["techniques"]}
    assert found["Paging"]["overdue"] is True and found["Fusion"]["overdue"] is False
    past = {t["name"]: t for t in ws.radar.document(as_of=D("2026-03-10"))["techniques"]}
    assert past["Paging"]["overdue"] is False  # marks of today are not shown on a past radar


def test_the_picture_shows_what_the_document_lists(ws: Workspace) -> None:
    svg = ws.radar.picture(tag="memory", since=D("2026-01-01"), href=lambda n: f"/t/{n}")
    assert 'data-name="Paging"' in svg and 'data-name="Fusion"' in svg
    assert 'data-name="Tiling"' not in svg
    assert 'href="/t/Paging"' in svg and 'class="mark-new"' in svg


def test_tags_read_the_same_on_sqlite_and_postgresql(tmp_path: Path, database_url: str) -> None:
    with Workspace.open(tmp_path, url=database_url, user="tester") as workspace:
        workspace.radar.add("A", area="x", tags=["one", "two"], at=at("2026-01-01"))
        workspace.radar.add("B", area="x", at=at("2026-01-01"))
        assert workspace.radar.tags() == {"A": ["one", "two"]}
        names = [t["name"] for t in workspace.radar.document(tag="TWO")["techniques"]]
        assert names == ["A"]

"""The inbox's rules (issue 16): ISO weeks and the month a week counts in, duplicate
keys of feed items, and who is behind the reading targets."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.errors import InputError
from assay.pipeline.inbox import (
    FeedItem,
    Targets,
    Week,
    behind,
    check_source_name,
    item_keys,
    normalise_url,
    parse_week,
)


def test_weeks() -> None:
    week = parse_week("2026-W49")
    assert (week.monday, week.sunday) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))
    # its Thursday is 3 December: the week counts in December
    assert week.month == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert str(week) == "2026-W49" and Week.of(dt.date(2026, 12, 6)) == week
    # 2026-W01 starts on Monday 29 December 2025; its Thursday is 1 January 2026
    first = parse_week("2026-W01")
    assert first.monday == dt.date(2025, 12, 29)
    assert first.month == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert parse_week("2024-W09").month[1] == dt.date(2024, 2, 29)


@pytest.mark.parametrize("text", ["2026-49", "2026-W54", "2025-W53", "W49", "2026-W00", ""])
def test_bad_weeks(text: str) -> None:
    with pytest.raises(InputError, match="expected YYYY-Www"):
        parse_week(text)


def test_duplicate_keys() -> None:
    assert normalise_url("https://www.arXiv.org/pdf/2211.17192.pdf") == "arxiv.org/abs/2211.17192"
    assert normalise_url("http://arxiv.org/abs/2211.17192/#x") == "arxiv.org/abs/2211.17192"
    item = FeedItem("T", url="https://arxiv.org/abs/1", arxiv_id="2211.17192", doi="10.1/A")
    assert item_keys(item) == ("arxiv:2211.17192", "doi:10.1/a", "url:arxiv.org/abs/1")
    assert item_keys(FeedItem("A  Title: on Things!")) == ("title:a title on things",)


def test_items_need_a_title_and_sources_a_name() -> None:
    with pytest.raises(InputError, match="line 4: no title"):
        FeedItem("  ", where="f.csv, line 4")
    assert check_source_name("  NeurIPS   2026 ") == "NeurIPS 2026"
    for bad in ("", "x" * 81, "<script>"):
        with pytest.raises(InputError, match="not usable"):
            check_source_name(bad)


def test_who_is_behind() -> None:
    targets = Targets(scan_per_week=10, pass2_per_week=2, pass3_per_month=1)
    rows = behind(
        ["ana", "Ben", "cy"],
        {"ana": 12, "Ben": 3, "dee": 10},
        {"ana": 2, "dee": 2},
        {"ana": 1, "dee": 1},
        targets,
    )
    found = {r.person: r for r in rows}
    assert [r.person for r in rows] == ["ana", "Ben", "cy", "dee"]  # dee read without a user
    assert not found["ana"].behind and not found["dee"].behind
    assert found["Ben"].short == ("scans 3/10", "second passes 0/2", "deep reads 0/1")
    assert found["cy"].to_dict()["behind"] is True
    assert behind(["ana"], {}, {}, {}, Targets(0, 0, 0))[0].short == ()

"""``assay workspace set`` underneath (issue 16): one key of assay.toml edited in place,
its comments kept, the value checked with the rest of the file before anything is
written, and a key the line editor cannot safely reach refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import InputError
from assay.workspace.settings import default_toml, load_settings, set_value


def test_set_keeps_comments_and_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "assay.toml"
    path.write_text(default_toml("team"), "utf-8")
    set_value(path, "cadence.scan_per_week", "15")
    set_value(path, "cadence.scan_per_week", "12")  # replaced, not repeated
    set_value(path, "radar.stale_after_days", "90")
    set_value(path, "workspace.name", 'the "core" team')
    text = path.read_text("utf-8")
    assert "# a technique whose newest evidence is older than this is marked stale" in text
    assert text.count("scan_per_week") == 1
    settings = load_settings(path)
    assert settings.cadence.scan_per_week == 12 and settings.cadence.pass2_per_week == 2
    assert settings.radar.stale_after_days == 90
    assert settings.workspace.name == 'the "core" team'


def test_a_heading_with_a_comment(tmp_path: Path) -> None:
    path = tmp_path / "assay.toml"
    path.write_text("[cadence]  # the team's targets\npass3_per_month = 2\n", "utf-8")
    assert set_value(path, "cadence.pass3_per_month", "1").cadence.pass3_per_month == 1
    assert path.read_text("utf-8").startswith("[cadence]  # the team's targets\n")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("cadence.scan_per_week", "-1", "greater than or equal to 0"),
        ("cadence.scan_per_week", "lots", "valid integer"),
        ("cadence.per_day", "3", "cadence.per_day: Extra inputs are not permitted"),
        ("cadence", "3", "expected SECTION.NAME"),
        ("nowhere.key", "1", "nowhere: Extra inputs are not permitted"),
    ],
)
def test_bad_values_write_nothing(tmp_path: Path, key: str, value: str, expected: str) -> None:
    path = tmp_path / "assay.toml"
    path.write_text(default_toml("team"), "utf-8")
    before = path.read_bytes()
    with pytest.raises(InputError, match=expected):
        set_value(path, key, value)
    assert path.read_bytes() == before


def test_a_key_written_another_way_is_refused(tmp_path: Path) -> None:
    """A dotted key at the top level is the same setting, but not under a heading: the
    line editor would write a second [cadence] table, and the check after the edit
    (the guard) refuses rather than write a broken file."""
    path = tmp_path / "assay.toml"
    path.write_text("cadence.scan_per_week = 5\n", "utf-8")
    with pytest.raises(InputError, match="set it by hand"):
        set_value(path, "cadence.scan_per_week", "6")
    assert path.read_text("utf-8") == "cadence.scan_per_week = 5\n"

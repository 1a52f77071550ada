"""prototype.toml: what the workspace reads beside the pre-registration, and its errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.workspace.prototype_file import read_prototype_file

TODAY = dt.date(2026, 6, 1)
GOOD = """
name = "tiled-attention-p99"
technique = "tiled attention"
hypothesis = "reduces P99 latency by >20% without losing more than 1 point of accuracy"
strategy = "adapted-implementation"
timebox = "5d"
success = ["effect(latency.p99) <= -20%", "not_worse(accuracy, margin=1pt)"]
evidence = ["benchmarks/attention.py"]
portfolio = "core"
candidate = "tiled"
point = "n=4096"

[kill]
hard = ["not_worse(accuracy, margin=2pt)"]
soft = ["candidate.memory.peak_rss < 40GiB"]

[facts]
declared_scale = 8192
scale_unit = "tokens"
scale_param = "n"
production_representative = true

[cost]
engineer_weeks = 3
cost_per_engineer_week = 4000
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prototype.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_file_reads(tmp_path: Path) -> None:
    read = read_prototype_file(write(tmp_path, GOOD), today=TODAY)
    assert read.prototype.name == "tiled-attention-p99"
    assert len(read.prototype.success) == 2 and len(read.prototype.kill) == 2
    assert read.prototype.timebox is not None and read.prototype.timebox.end == dt.date(2026, 6, 6)
    assert (read.portfolio, read.candidate, read.point) == ("core", "tiled", {"n": 4096})
    assert read.facts is not None and read.facts.declared_scale == 8192
    assert read.facts.production_representative and read.facts.scale_param == "n"
    assert read.cost_inputs == {"engineer_weeks": 3.0, "cost_per_engineer_week": 4000.0}
    assert read.base == tmp_path.resolve()
    assert read.prototype.evidence == ("benchmarks/attention.py",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "expected valid TOML"),
        ('name = "x"\ntechnique = "t"', "'hypothesis' is required"),
        (GOOD.replace('"core"', "3"), "portfolio must be text"),
        (GOOD.replace("declared_scale = 8192", "declared_scale = true"), "facts.declared_scale"),
        (GOOD.replace("scale_unit", "scale_units"), "unknown fact"),
        (GOOD.replace("engineer_weeks = 3", "engineer_weeks = -3"), "at least 0"),
        (GOOD.replace("engineer_weeks", "weeks"), "unknown cost input"),
        (GOOD.replace('point = "n=4096"', 'point = "4096"'), "PARAM=VALUE"),
        (GOOD.replace("<= -20%", "<= -20% and"), r"success\[0\]: invalid criterion"),
        ('owner = "x"\n' + GOOD, "unknown prototype field"),
    ],
)
def test_mistakes_name_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_prototype_file(write(tmp_path, text), today=TODAY)
    assert "\n" not in str(caught.value) or "criterion" in str(caught.value)


def test_a_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_prototype_file(tmp_path / "nope.toml", today=TODAY)

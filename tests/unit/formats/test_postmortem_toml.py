"""The post-mortem TOML file: read into the pipeline's values; errors name the file
and the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.formats.postmortem_toml import PostMortemFile, load_postmortem
from assay.pipeline.postmortem import EventKind, FailureCategory, FailurePattern
from assay.pipeline.reading import RedFlagKind

FULL = """
lessons = ["Benchmark against what production runs."]
wrong_predictions = [3]
missed_red_flags = ["weak-baselines"]

[[timeline]]
on = 2026-03-01
kind = "first seen"
text = "paper read"

[[problems]]
category = "paper evaluation"
text = "compared against naive attention only"

[[why_chains]]
problem = "the speed-up vanished"
whys = ["the baseline was naive", "nobody asked"]
pattern = "benchmark-production gap"

[[actions]]
text = "re-test beyond 32k tokens"
owner = "Aiko"
due = 2027-02-01
question = "Does it pay off beyond 32k tokens?"
technique = "Projection attention"
area = "architecture"

[[actions]]
text = "write the runbook"
owner = "Sam"
due = 2027-03-01
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pm.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_file_reads_into_the_pipelines_values(tmp_path: Path) -> None:
    file = load_postmortem(_file(tmp_path, FULL))
    [event] = file.timeline_events()
    assert (event.on, event.kind, event.text) == (dt.date(2026, 3, 1), EventKind.FIRST_SEEN,
                                                  "paper read")  # fmt: skip
    assert file.problem_items()[0].category is FailureCategory.PAPER_EVALUATION
    assert file.why_chain_items()[0].pattern is FailurePattern.BENCHMARK_PRODUCTION_GAP
    assert [a.owner for a in file.action_items()] == ["Aiko", "Sam"]
    assert file.opened_on_radar() == {0: ("Projection attention", "architecture")}
    assert file.missed_red_flags == [RedFlagKind.WEAK_BASELINES]
    assert file.wrong_predictions == [3] and file.lessons[0].startswith("Benchmark")


def test_an_empty_post_mortem_is_a_valid_start() -> None:
    empty = PostMortemFile()
    assert empty.timeline_events() == [] and empty.opened_on_radar() == {}


BAD = [
    ("[[problems]]\ncategory = 'luck'\ntext = 'x'\n", "problems.0.category"),
    ("[[actions]]\ntext = 'x'\nowner = 'a'\ndue = 'soon'\n", "actions.0.due"),
    ("colour = 'red'\n", "colour"),
    ("lessons = [\n", "expected TOML"),
    (
        "[[actions]]\ntext = 'x'\nowner = 'a'\ndue = 2027-01-01\ntechnique = 'T'\n",
        "actions.0: opening 'T' on the radar needs a question and an area",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_file_names_itself_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_postmortem(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_postmortem(tmp_path / "nope.toml")
    binary = tmp_path / "pm.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(InputError, match="byte 0 is not UTF-8; save it as UTF-8"):
        load_postmortem(binary)
    with pytest.raises(InputError, match="is a folder"):
        load_postmortem(tmp_path)

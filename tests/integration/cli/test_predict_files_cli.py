"""``assay predict import`` and ``predict export`` on Fatebook's exports (tests/data/fatebook):
every row is added, already here or skipped (the counts always add up), every bad row of
a file is reported in one run and nothing is written, and export then import then export
gives the same file (issue 13)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from assay.workspace import Workspace
from support import Run, json_ok, main_runner, new_team, table_digest

DATA = Path(__file__).parents[2] / "data" / "fatebook"
FILES = ("fatebook-export.csv", "fatebook-export-2024-03.csv", "fatebook-tournament.csv")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_team(tmp_path, monkeypatch, user="tester", columns=200)


@pytest.fixture
def cli(root: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return main_runner(capsys)


_json = json_ok


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _adds_up(result: dict[str, Any]) -> None:
    assert result["rows"] == result["rows_added"] + result["rows_merged"] + result["rows_skipped"]


@pytest.mark.parametrize("name", FILES)
def test_each_fatebook_file_is_imported_whole_and_merged_the_second_time(
    cli: Run, name: str
) -> None:
    rows = _rows(DATA / name)
    choice = sum(bool(r.get("Multiple choice option")) for r in rows)
    first = _json(cli("predict", "import", DATA / name, "--json"))
    _adds_up(first)
    assert (first["rows"], first["rows_added"], first["rows_skipped"]) == (
        len(rows),
        len(rows) - choice,
        choice,
    )
    assert first["forecasts_added"] == len(rows) - choice
    again = _json(cli("predict", "import", DATA / name, "--json"))
    _adds_up(again)
    assert (again["rows_added"], again["rows_merged"], again["new"]) == (0, len(rows) - choice, 0)
    listed = _json(cli("predict", "list", "--json"))["predictions"]
    assert sum(len(p["forecasts"]) for p in listed) == len(rows) - choice


def test_the_summary_line_names_the_file_and_its_counts(cli: Run) -> None:
    code, out, err = cli("predict", "import", DATA / "fatebook-tournament.csv")
    assert code == 0, err
    assert "fatebook-tournament.csv (Fatebook tournament export): 10 row(s): 8 added" in out
    assert "0 already here, 2 skipped" in " ".join(out.split())
    assert "multiple-choice question 'Which optimizer wins the 1B ablation?'" in err


def _corrupt(root: Path) -> Path:
    lines = (DATA / "fatebook-export-2024-03.csv").read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace(",0.3,", ",1.3,")  # line 3: forecast outside 0 to 1
    lines[4] = lines[4].replace('"YES"', '"MAYBE"')  # line 5: not an outcome
    lines[6] = lines[6].replace("2024-08-20 11:11:1", "yesterday", 1)  # line 7: no time
    bad = root / "bad.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    return bad


def test_every_bad_row_is_reported_in_one_run_and_nothing_is_written(cli: Run, root: Path) -> None:
    bad = _corrupt(root)
    before = table_digest(root)
    code, _, err = cli("predict", "import", bad)
    assert code == 2
    message = " ".join(err.split())
    assert "bad.csv: 3 of 7 row(s) cannot be imported, so nothing was imported" in message
    assert "bad.csv, line 3: Will we move CI to ARM runners by March?: forecast '1.3'" in message
    assert "bad.csv, line 5: Flash decoding lands upstream in vLLM before June:" in message
    assert "'MAYBE' is not an outcome" in message
    assert "bad.csv, line 7: Our p99 stays under 250 ms through Black Friday:" in message
    assert "Traceback" not in err
    assert table_digest(root) == before


def test_skip_invalid_imports_the_good_rows_and_lists_the_bad(cli: Run, root: Path) -> None:
    bad = _corrupt(root)
    code, out, err = cli("predict", "import", bad, "--skip-invalid", "--json")
    assert code == 0, err
    result = json.loads(out)
    _adds_up(result)
    assert (result["rows"], result["rows_added"], result["rows_skipped"]) == (7, 4, 3)
    assert [r["line"] for r in result["skipped_rows"]] == [3, 5, 7]
    assert err.count("skipped ") == 3


def test_export_import_export_gives_the_same_file(
    cli: Run, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in FILES:
        cli("predict", "import", DATA / name)
    first = root / "first.csv"
    assert cli("predict", "export", "-o", first)[0] == 0
    header = next(csv.reader(first.read_text(encoding="utf-8").splitlines()))
    assert header[:2] == ["Question title", "Your forecast (as a number between 0% and 100%)"]
    other = new_team(tmp_path / "other", monkeypatch, user="someone")
    result = _json(cli("predict", "import", first, "--json"))
    assert result["kind"] == "Fatebook import file"
    assert (result["rows_added"], result["rows_skipped"]) == (result["rows"], 0)
    second = other / "second.csv"
    assert cli("predict", "export", "-o", second)[0] == 0
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_a_resolution_that_differs_from_the_one_here_is_kept_with_a_note(cli: Run) -> None:
    name = DATA / "fatebook-export-2024-03.csv"
    cli("predict", "import", name)
    flipped = Path("flipped.csv")
    flipped.write_text(name.read_text(encoding="utf-8").replace('"NO"', '"YES"'), "utf-8")
    code, _, err = cli("predict", "import", flipped)
    assert code == 0, err
    assert "is resolved NO here and YES in the file; kept the resolution here" in " ".join(
        err.split()
    )


def test_both_stores_count_the_same(database_url: str, tmp_path: Path) -> None:
    with Workspace.open(tmp_path, url=database_url, user="tester") as ws:
        results = [ws.predictions.import_fatebook(DATA / name) for name in FILES]
        again = [ws.predictions.import_fatebook(DATA / name) for name in FILES]
        resolved = sum(p.resolution is not None for p in ws.predictions.list())
    assert [(r.rows, r.rows_added, r.rows_merged, r.rows_skipped) for r in results] == [
        (14, 12, 0, 2),
        (7, 7, 0, 0),
        (10, 8, 0, 2),
    ]
    assert [(r.rows_added, r.rows_merged) for r in again] == [(0, 12), (0, 7), (0, 8)]
    assert resolved == 3 + 3 + 2

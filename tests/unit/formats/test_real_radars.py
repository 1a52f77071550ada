"""Real radars from public repositories (tests/data/radar, sources in tests/data/README.md)
read whole and written back: records counted on their own with csv/json, records in the
file = good + merged + bad, and what the file said beyond assay's columns comes back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from assay.errors import InputError
from assay.formats import radar_formats as rf
from assay.formats.radar_file import RadarFile, RingMap
from assay.types import Ring

DATA = Path(__file__).parents[2] / "data" / "radar"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SSB_CSV_MAP = "Ta i bruk=adopt,Prøv ut=trial,Vurder=assess,Avvent=hold"
SSB_JSON_MAP = "bruk=adopt,vurder=assess,avstå=hold"


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _csv_rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(name))))


def _read(name: str, fmt: str, ring_map: str | None = None) -> RadarFile:
    return rf.read_radar_file(
        DATA / name, fmt, at=NOW, by="importer", ring_map=RingMap.parse(ring_map)
    )


def _write(file: RadarFile) -> str:
    fields = {r.technique.name.casefold(): r.fields for r in file.records}
    layout = json.loads(json.dumps(file.layout))  # as the store gives it back
    writers: dict[str, Any] = {
        "byor-csv": rf.write_byor_csv,
        "byor-json": rf.write_byor_json,
        "backstage-json": rf.write_backstage_json,
    }
    return str(writers[file.format](file.techniques, as_of=NOW, fields=fields, layout=layout))


def _adds_up(file: RadarFile, records: int) -> None:
    assert file.count == records == len(file.records) + len(file.repeats) + len(file.problems)


def test_thoughtworks_sheet_merges_the_word_for_word_repeat_and_lists_the_other() -> None:
    rows = _csv_rows("byor-sheet.csv")
    names = [r["name"].casefold() for r in rows]
    file = _read("byor-sheet.csv", "byor-csv")
    _adds_up(file, len(rows))
    assert len(file.records) == len(set(names)) == 36
    (repeat,) = file.repeats
    assert (repeat.name, repeat.line, repeat.first_line) == ("Delta Lake", 14, 13)
    assert rows[12] == rows[11]  # lines 14 and 13: the same record, word for word
    (problem,) = file.problems
    assert (problem.line, problem.key) == (31, "Databricks Overwatch")
    assert "repeats the name at line 7 with other quadrant, isNew" in problem.message
    with pytest.raises(InputError, match=r"byor-sheet.csv, line 31: Databricks Overwatch: .*"
                       r"nothing was imported.*--skip-invalid to import the other 37"):  # fmt: skip
        file.check()
    file.check(skip_invalid=True)


def test_thoughtworks_sheet_comes_back_without_the_repeats() -> None:
    file = _read("byor-sheet.csv", "byor-csv")
    lines = _text("byor-sheet.csv").splitlines(keepends=True)
    assert _write(file) == "".join(lines[:13] + lines[14:30] + lines[31:])
    rows = _csv_rows("byor-sheet.csv")
    by_name = {r["name"]: r["isNew"] for r in reversed(rows)}  # the first of each name
    written = {r["name"]: r["isNew"] for r in csv.DictReader(io.StringIO(_write(file)))}
    assert written == by_name
    assert list(written.values()).count("FALSE") == 12  # isNew=FALSE stays FALSE


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("byor-radar.csv", "byor-csv"),
        ("byor-radar.json", "byor-json"),
        ("backstage-sample.json", "backstage-json"),
    ],
)
def test_real_files_come_back_byte_for_byte(name: str, fmt: str) -> None:
    text = _text(name)
    data = json.loads(text) if fmt.endswith("json") else None
    records = len(_csv_rows(name)) if data is None else len(data if fmt == "byor-json" else
                                                              data["entries"])  # fmt: skip
    file = _read(name, fmt)
    _adds_up(file, records)
    assert not file.problems and not file.repeats
    assert _write(file) == text


def test_byor_json_reads_the_same_radar_as_its_csv() -> None:
    from_json = _read("byor-data.json", "byor-json")
    from_csv = _read("byor-sheet.csv", "byor-csv")
    _adds_up(from_json, len(json.loads(_text("byor-data.json"))))
    assert [(t.name, t.area, t.ring, t.summary) for t in from_json.techniques] == [
        (t.name, t.area, t.ring, t.summary) for t in from_csv.techniques
    ]
    lines = _text("byor-data.json").splitlines()

    def opening(name: str) -> list[int]:  # the line of each object's "{", one above its name
        return [i for i, line in enumerate(lines) if line.strip() == f'"name": "{name}",']

    assert [p.line for p in from_json.problems] == opening("Databricks Overwatch")[1:] == [205]
    assert [(r.line, r.first_line) for r in from_json.repeats] == [
        tuple(reversed(opening("Delta Lake")))
    ]


def test_backstage_sample_keeps_links_ids_moved_and_ring_descriptions() -> None:
    file = _read("backstage-sample.json", "backstage-json")
    entries = {e["title"]: e for e in json.loads(_text("backstage-sample.json"))["entries"]}
    techniques = {t.name: t for t in file.techniques}
    github = techniques["GitHub Actions"]
    assert [(m.from_ring, m.to_ring) for m in github.history] == [
        (None, Ring.TRIAL),
        (Ring.TRIAL, Ring.ADOPT),
    ]
    written = json.loads(_write(file))
    assert [q["id"] for q in written["quadrants"]] == [
        "infrastructure", "frameworks", "languages", "process"
    ]  # fmt: skip
    assert written["rings"][3]["description"] == "Esse mollitia in."
    out = {e["title"]: e for e in written["entries"]}
    assert out["JavaScript"]["links"] == entries["JavaScript"]["links"]
    assert out["TypeScript"]["timeline"][0]["moved"] == -1
    assert "moved" not in out["Force push to master"]["timeline"][0]


def test_a_team_radar_with_its_own_ring_names_needs_a_map() -> None:
    rows = _csv_rows("ssb-teknologiradar.csv")
    file = _read("ssb-teknologiradar.csv", "byor-csv")
    _adds_up(file, len(rows))
    assert len(file.problems) == len(rows) == 41  # every row, in one run
    with pytest.raises(InputError) as raised:
        file.check()
    message = str(raised.value)
    assert "41 of 41 record(s) cannot be imported" in message
    assert "ssb-teknologiradar.csv, line 2: Google Cloud Storge: ring 'Ta i bruk'" in message
    assert '--ring-map "Ta i bruk=RING,Prøv ut=RING,Vurder=RING,Avvent=RING"' in message
    mapped = _read("ssb-teknologiradar.csv", "byor-csv", SSB_CSV_MAP.upper())  # any case
    _adds_up(mapped, len(rows))
    assert not mapped.problems
    rings = [t.ring.value for t in mapped.techniques]
    assert rings.count("ADOPT") == sum(r["ring"] == "Ta i bruk" for r in rows) == 18


def test_a_team_radar_comes_back_with_its_own_ring_names() -> None:
    file = _read("ssb-teknologiradar.csv", "byor-csv", SSB_CSV_MAP)
    written = _write(file)
    assert list(csv.reader(io.StringIO(written))) == list(csv.reader(io.StringIO(
        _text("ssb-teknologiradar.csv"))))  # fmt: skip
    # byte for byte but for two cells the file quotes without need (lines 33 and 35)
    differ = [
        i + 1
        for i, (a, b) in enumerate(
            zip(written.splitlines(), _text("ssb-teknologiradar.csv").splitlines(), strict=True)
        )
        if a != b
    ]
    assert differ == [33, 35]


def test_the_backstage_radar_of_statistics_norway_comes_back_as_the_same_json() -> None:
    data = json.loads(_text("ssb-teknologiradar.json"))
    file = _read("ssb-teknologiradar.json", "backstage-json", SSB_JSON_MAP)
    _adds_up(file, len(data["entries"]))
    assert not file.problems
    assert sum(len(t.history) for t in file.techniques) == sum(
        len(e["timeline"]) for e in data["entries"]
    )
    assert json.loads(_write(file)) == data  # the file's own line breaks are not kept


def test_extra_columns_and_is_new_survive_and_cells_stay_safe() -> None:
    text = (
        "name,ring,quadrant,isNew,description,status,owner\n"
        "=cmd(),Adopt,Tools,FALSE,@SUM(1),moved in,ops\n"
        "Rust,1,Languages,true,fast,new,\n"
    )
    file = rf.read_byor_csv(text, at=NOW, by="me", ring_map=RingMap.parse("1=trial"))
    assert [t.ring for t in file.techniques] == [Ring.ADOPT, Ring.TRIAL]
    written = _write(file)
    assert written.splitlines()[1] == "'=cmd(),Adopt,Tools,FALSE,'@SUM(1),moved in,ops"
    assert written.splitlines()[2] == "Rust,1,Languages,true,fast,new,"
    again = rf.read_byor_csv(written, at=NOW, by="me", ring_map=RingMap.parse("1=trial"))
    assert again.techniques[0].name == "=cmd()" and again.techniques[0].summary == "@SUM(1)"
    assert _write(again) == written  # an extra column's formula stays quoted once


def test_an_extra_column_that_looks_like_a_formula_is_quoted_once() -> None:
    text = "name,ring,quadrant,isNew,description,owner\nX,Adopt,Q,FALSE,d,'=team()\n"
    file = rf.read_byor_csv(text, at=NOW, by="me")
    assert file.records[0].fields["byor"]["columns"] == [["owner", "=team()"]]
    assert _write(file) == text


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("1=adopt,2", "'2' is not NAME=RING"),
        ("1=later", "'later' is not a ring"),
        ("=adopt", "'=adopt' is not NAME=RING"),
    ],
)
def test_a_bad_ring_map_is_one_clear_error(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        RingMap.parse(spec)


def test_byor_json_comes_back_without_the_repeats() -> None:
    data = json.loads(_text("byor-data.json"))
    kept = [d for i, d in enumerate(data) if i not in (12, 29)]  # the second Delta Lake, Overwatch
    assert [data[12]["name"], data[29]["name"]] == ["Delta Lake", "Databricks Overwatch"]
    file = _read("byor-data.json", "byor-json")
    assert _write(file) == json.dumps(kept, indent=2, ensure_ascii=False) + "\n"

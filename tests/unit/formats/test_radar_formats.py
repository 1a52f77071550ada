"""Radar interchange: BYOR CSV and Backstage JSON, SKIP included, round trips."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from assay.errors import InputError
from assay.formats import radar_formats as rf
from assay.pipeline.radar import RingMove, Technique
from assay.types import Ring

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _move(frm: Ring | None, to: Ring, days_ago: int, why: str, by: str = "ana") -> RingMove:
    return RingMove(frm, to, NOW - dt.timedelta(days=days_ago), by, why)


RADAR = [
    Technique(
        "FlashAttention-2",
        "Inference",
        Ring.ADOPT,
        summary="Exact attention, IO-aware; 2x faster on our shapes",
        history=(
            _move(None, Ring.ASSESS, 400, "paper read, promising"),
            _move(Ring.ASSESS, Ring.TRIAL, 300, "prototype beat SDPA at 4k", by="ben"),
            _move(Ring.TRIAL, Ring.ADOPT, 100, "gate YES: production latency -31%"),
        ),
    ),
    Technique(
        "Linformer projection",
        "Inference",
        Ring.SKIP,
        summary="Slower than SDPA below 8k tokens; our traffic is 2k",
        history=(
            _move(None, Ring.ASSESS, 200, "cheap to try"),
            _move(Ring.ASSESS, Ring.SKIP, 20, "measured slower at every length we serve"),
        ),
    ),
    Technique(
        "Speculative decoding",
        "Serving, batching & caching",
        Ring.TRIAL,
        summary=None,
        history=(_move(None, Ring.TRIAL, 30, "draft model available"),),
    ),
    Technique(
        "LoRA merging",
        "Training",
        Ring.HOLD,
        summary='Quality regressions; "merge" loses 2 points',
        history=(_move(None, Ring.HOLD, 500, "regressions in eval"),),
    ),
]


def test_byor_csv_has_the_expected_columns_and_skip_as_tagged_hold() -> None:
    text = rf.write_byor_csv(RADAR, as_of=NOW)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["name", "ring", "quadrant", "isNew", "description"]
    assert [(r["name"], r["ring"], r["isNew"]) for r in rows] == [
        ("FlashAttention-2", "Adopt", "FALSE"),
        ("Linformer projection", "Hold", "FALSE"),
        ("Speculative decoding", "Trial", "TRUE"),  # entered 30 days ago
        ("LoRA merging", "Hold", "FALSE"),
    ]
    assert rows[1]["description"].startswith("[SKIP] Slower than SDPA")


def _radar(techniques: list[Technique]) -> list[tuple[str, str, Ring, str | None]]:
    return [(t.name, t.area, t.ring, t.summary) for t in techniques]


def test_byor_export_then_import_gives_the_same_radar() -> None:
    text = rf.write_byor_csv(RADAR, as_of=NOW)
    back = rf.parse_byor_csv(text, at=NOW, by="importer")
    assert _radar(back) == _radar(RADAR)
    assert back[1].ring is Ring.SKIP
    assert back[0].history == (
        RingMove(None, Ring.ADOPT, NOW, "importer", "imported from <BYOR CSV>"),
    )


def test_byor_reads_other_tools_files() -> None:
    text = (
        "Name,Ring,Quadrant,isNew,Description,status\n"
        "Rust,adopt,Languages,true,<b>fast</b>,New\n"
        "Perl,HOLD,Languages,false,,\n"
    )
    techniques = rf.parse_byor_csv(text, at=NOW, by="me")
    assert _radar(techniques) == [
        ("Rust", "Languages", Ring.ADOPT, "<b>fast</b>"),
        ("Perl", "Languages", Ring.HOLD, None),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("X,Skip,Q,false,d\n", "line 2: X: ring 'Skip' is not a BYOR ring"),
        ("X,Later,Q,false,d\n", "line 2: X: ring 'Later'.*\n.*--ring-map \"Later=RING\""),
        (",Adopt,Q,false,d\n", "line 2: 'name' is empty"),
        ("X,Adopt,,false,d\n", "line 2: X: 'quadrant' is empty"),
        (
            'X,Adopt,Q,false,"two\nlines"\nx,Trial,Q,false,d\n',
            "line 4: x: repeats the name at line 2 with other name, ring, description",
        ),
    ],
)
def test_byor_errors_name_the_line(body: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        rf.parse_byor_csv("name,ring,quadrant,isNew,description\n" + body, at=NOW, by="me")


def test_byor_refuses_more_than_four_quadrants() -> None:
    many = [
        Technique(f"T{i}", f"Area {i}", Ring.ASSESS, history=(_move(None, Ring.ASSESS, 1, "x"),))
        for i in range(5)
    ]
    with pytest.raises(InputError, match="at most 4 quadrants; this radar has 5 areas"):
        rf.write_byor_csv(many, as_of=NOW)
    with pytest.raises(InputError, match="missing column"):
        rf.parse_byor_csv("title,ring\nx,adopt\n", at=NOW, by="me")


def test_backstage_json_has_the_timeline_newest_first() -> None:
    data = json.loads(rf.write_backstage_json(RADAR, as_of=NOW))
    assert [q["name"] for q in data["quadrants"]] == [
        "Inference",
        "Serving, batching & caching",
        "Training",
    ]
    assert [r["id"] for r in data["rings"]] == ["adopt", "trial", "assess", "hold"]
    flash = data["entries"][0]
    assert (flash["key"], flash["quadrant"]) == ("flashattention-2", "inference")
    assert [(t["ringId"], t["moved"]) for t in flash["timeline"]] == [
        ("adopt", 1),
        ("trial", 1),
        ("assess", 0),
    ]
    assert flash["timeline"][0]["description"] == "gate YES: production latency -31% (by ana)"
    assert flash["timeline"][0]["date"] == "2025-11-21T12:00:00Z"
    skip = data["entries"][1]
    assert skip["timeline"][0]["ringId"] == "hold"
    assert skip["timeline"][0]["moved"] == -1
    assert skip["timeline"][0]["description"].startswith("[SKIP] measured slower")
    assert skip["description"].startswith("[SKIP] ")


def test_backstage_round_trip_keeps_rings_and_history() -> None:
    text = rf.write_backstage_json(RADAR, as_of=NOW)
    back = rf.parse_backstage_json(text, by="importer")
    assert back == RADAR


def test_backstage_reads_the_plugin_sample_shape() -> None:
    sample = {
        "quadrants": [{"id": "languages", "name": "Languages"}],
        "rings": [
            {"id": "use", "name": "USE", "color": "#93c47d"},
            {"id": "hold", "name": "HOLD", "color": "#efafa9"},
        ],
        "entries": [
            {
                "key": "javascript",
                "id": "javascript",
                "title": "JavaScript",
                "quadrant": "languages",
                "timeline": [
                    {
                        "moved": -1,
                        "ringId": "hold",
                        "date": "2022-02-08",
                        "description": "Too loose",
                    },
                    {"moved": 0, "ringId": "use", "date": "2020-08-06"},
                ],
            }
        ],
    }
    (js,) = rf.parse_backstage_json(json.dumps(sample), by="import")
    assert (js.name, js.area, js.ring, js.summary) == ("JavaScript", "Languages", Ring.HOLD, None)
    assert js.history == (
        RingMove(None, Ring.ADOPT, dt.datetime(2020, 8, 6, tzinfo=UTC), "import", ""),
        RingMove(Ring.ADOPT, Ring.HOLD, dt.datetime(2022, 2, 8, tzinfo=UTC), "import", "Too loose"),
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["entries"][0].update(quadrant="nope"), "quadrant 'nope' is not one of"),
        (lambda d: d["entries"][0].update(timeline=[]), "'timeline' is empty"),
        (lambda d: d["entries"][0]["timeline"][0].update(ringId="x"), r"timeline\[0\]: ringId"),
        (lambda d: d["entries"][0]["timeline"][0].update(date="soon"), "date 'soon' is not"),
        (
            lambda d: (
                d["rings"].append({"id": "x", "name": "Later"})
                or d["entries"][0]["timeline"][0].update(ringId="x")
            ),
            "ring 'x' is not one of assay's rings",
        ),
        (lambda d: d.pop("entries"), "'entries' is missing"),
    ],
)
def test_backstage_errors_say_where(mutate: object, message: str) -> None:
    data = json.loads(rf.write_backstage_json(RADAR[:1], as_of=NOW))
    assert callable(mutate)
    mutate(data)
    with pytest.raises(InputError, match=message):
        rf.parse_backstage_json(json.dumps(data), by="me", source="radar.json")


def test_backstage_repeats_merge_when_identical_and_are_listed_when_not() -> None:
    data = json.loads(rf.write_backstage_json(RADAR[:2], as_of=NOW))
    data["entries"] += [dict(data["entries"][0]), dict(data["entries"][1], description="other")]
    text = json.dumps(data, indent=2)
    file = rf.read_backstage_json(text, by="me", source="radar.json")
    assert file.count == 4 == len(file.records) + len(file.repeats) + len(file.problems)
    # each entry's "{" is two lines above its "key" (counted here on the text itself)
    lines = text.splitlines()
    opening = [i - 1 for i, line in enumerate(lines) if line.startswith('      "key": ')]
    assert [(r.name, r.line, r.first_line) for r in file.repeats] == [
        ("FlashAttention-2", opening[2], opening[0])
    ]
    (problem,) = file.problems
    assert (problem.key, problem.line) == ("Linformer projection", opening[3])
    assert f"repeats the title at line {opening[1]} with other content" in str(problem)
    with pytest.raises(InputError, match="Linformer projection: repeats the title"):
        rf.parse_backstage_json(text, by="me")


def test_byor_json_lists_every_bad_object_with_its_line() -> None:
    text = json.dumps(
        [
            {"name": "A", "ring": "adopt", "quadrant": "Q"},
            "not an object",
            {"name": "B", "ring": "later", "quadrant": "Q"},
            {"name": "", "ring": "hold", "quadrant": "Q"},
        ],
        indent=2,
    )
    file = rf.read_byor_json(text, at=NOW, by="me", source="b.json")
    assert [(p.line, p.key) for p in file.problems] == [(7, "[1]"), (8, "B"), (13, "")]
    with pytest.raises(InputError, match=r"b.json: 3 of 4 record\(s\) cannot be imported"):
        file.check()
    with pytest.raises(InputError, match="expected an array"):
        rf.read_byor_json("{}", at=NOW, by="me")


@pytest.mark.parametrize(
    ("read", "text", "message"),
    [
        (rf.read_byor_json, "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (rf.read_backstage_json, "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_hostile_json_is_one_clear_error(read: Any, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read(text, at=NOW, by="me") if read is rf.read_byor_json else read(text, by="me")


def test_a_ring_id_that_is_not_text_is_a_problem_not_a_crash() -> None:
    data = json.loads(rf.write_backstage_json(RADAR[:1], as_of=NOW))
    data["entries"][0]["timeline"][0]["ringId"] = ["adopt"]
    file = rf.read_backstage_json(json.dumps(data), by="me", source="r.json")
    (problem,) = file.problems
    assert "ringId is missing or not one of adopt, trial, assess, hold" in problem.message


def test_a_file_without_is_new_or_descriptions_comes_back_without_them() -> None:
    text = "Name,Ring,Quadrant\nRust,adopt,Languages\nPerl,Hold,Languages\n"
    file = rf.read_byor_csv(text, at=NOW, by="me")
    fields = {r.technique.name.casefold(): r.fields for r in file.records}
    assert rf.write_byor_csv(file.techniques, as_of=NOW, fields=fields, layout=file.layout) == text
    skip = [Technique("Perl", "Languages", Ring.SKIP, history=(_move(None, Ring.SKIP, 1, "x"),))]
    written = rf.write_byor_csv(skip, as_of=NOW, layout=file.layout)
    assert written == "Name,Ring,Quadrant,description\nPerl,Hold,Languages,[SKIP]\n"

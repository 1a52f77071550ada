"""``assay radar import`` and ``radar export`` on real radars (tests/data/radar): every
record is added, merged or skipped (the counts always add up), every problem of a file is
reported in one run with nothing written, a team's own ring names come in through
``--ring-map``, export then import then export gives the same file (issue 13), and the
import follows the evidence rule of the commands it stands for (issue 11, item 3)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from assay.workspace import Workspace
from support import Run, json_ok, main_runner, new_team, table_digest

DATA = Path(__file__).parents[2] / "data" / "radar"
SSB_MAP = "Ta i bruk=adopt,Prøv ut=trial,Vurder=assess,Avvent=hold"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_team(tmp_path, monkeypatch, user="tester", columns=200)


@pytest.fixture
def cli(root: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return main_runner(capsys)


_json = json_ok


def _refused(result: tuple[int, str, str], *needles: str) -> str:
    code, out, err = result
    assert code == 2, out + err
    assert "Traceback" not in err
    text = " ".join(err.split())
    for needle in needles:
        assert needle in text, text
    return text


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((DATA / name).read_text(encoding="utf-8"))))


def _lines(name: str) -> list[tuple[int, dict[str, str]]]:
    """Each record with the line it starts on (a description may span lines)."""
    reader = csv.DictReader(io.StringIO((DATA / name).read_text(encoding="utf-8")))
    found, line = [], 2
    for row in reader:
        found.append((line, row))
        line = reader.line_num + 1
    return found


def _adds_up(result: dict[str, Any]) -> None:
    assert result["records"] == result["added"] + len(result["merged"]) + len(result["skipped"])


def _evidence(root: Path) -> list[tuple[str, int, int, str]]:
    con = sqlite3.connect(root / ".assay" / "assay.db")
    try:
        return list(
            con.execute(
                "SELECT t.name, e.imported, e.override, m.why FROM ring_move_evidence e "
                "JOIN ring_moves m ON m.id = e.move_id JOIN techniques t ON t.id = m.technique_id "
                "ORDER BY t.name"
            )
        )
    finally:
        con.close()


def test_thoughtworks_sheet_is_refused_whole_then_imported_with_skip_invalid(
    cli: Run, root: Path, tmp_path: Path
) -> None:
    rows = _rows("byor-sheet.csv")
    before = table_digest(root)
    _refused(
        cli("radar", "import", DATA / "byor-sheet.csv"),
        "byor-sheet.csv, line 31: Databricks Overwatch: repeats the name at line 7",
        "nothing was imported",
        "--skip-invalid to import the other 37",
    )
    assert table_digest(root) == before
    result = _json(cli("radar", "import", DATA / "byor-sheet.csv", "--skip-invalid", "--json"))
    _adds_up(result)
    assert (result["records"], result["added"]) == (len(rows), 36)
    assert result["merged"] == [{"name": "Delta Lake", "line": 14, "first_line": 13}]
    assert [s["line"] for s in result["skipped"]] == [31]
    placed = {r["name"] for r in rows[:29] + rows[30:] if r["ring"] in ("Adopt", "Trial")}
    assert set(result["placed"]) == placed
    assert set(result["placed"].values()) == {"imported, no evidence on record"}
    assert [(n, i, o) for n, i, o, _ in _evidence(root)] == [(n, 1, 0) for n in sorted(placed)]
    out = tmp_path / "out.csv"
    code, _, err = cli("radar", "export", "-o", out)
    assert code == 0, err
    lines = (DATA / "byor-sheet.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert out.read_text(encoding="utf-8") == "".join(lines[:13] + lines[14:30] + lines[31:])


def test_the_summary_line_adds_up_and_names_the_merge(cli: Run) -> None:
    code, out, err = cli("radar", "import", DATA / "byor-sheet.csv", "--skip-invalid")
    assert code == 0, err
    text = " ".join(out.split())
    assert "Read 38 record(s) from" in text
    assert "36 added, 1 merged (repeated word for word), 1 skipped." in text
    assert "13 TRIAL/ADOPT placement(s) imported, no evidence on record:" in text
    assert (
        "byor-sheet.csv, line 14: 'Delta Lake' repeats line 13 word for word; merged"
        in " ".join(err.split())
    )


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("byor-radar.csv", ()),
        ("byor-radar.json", ()),
        ("backstage-sample.json", ()),
        ("ssb-teknologiradar.json", ("--ring-map", "bruk=adopt,vurder=assess,avstå=hold")),
    ],
)
def test_export_import_export_gives_the_same_file(
    cli: Run, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
    extra: tuple[str, ...],
) -> None:  # fmt: skip
    result = _json(cli("radar", "import", DATA / name, *extra, "--json"))
    _adds_up(result)
    first = tmp_path / f"first{Path(name).suffix}"
    assert cli("radar", "export", "-o", first, "--format", result["format"])[0] == 0
    original = (DATA / name).read_text(encoding="utf-8")
    if name.startswith("ssb"):  # its own line breaks are not kept; the JSON is the same
        assert json.loads(first.read_text(encoding="utf-8")) == json.loads(original)
    else:
        assert first.read_text(encoding="utf-8") == original
    fresh = tmp_path / "fresh"
    Workspace.init(fresh, user="tester").close()
    monkeypatch.chdir(fresh)
    assert cli("radar", "import", first, *extra)[0] == 0
    second = tmp_path / f"second{Path(name).suffix}"
    assert cli("radar", "export", "-o", second, "--format", result["format"])[0] == 0
    assert second.read_bytes() == first.read_bytes()


def test_a_team_radar_with_its_own_ring_names(cli: Run, root: Path, tmp_path: Path) -> None:
    rows = _rows("ssb-teknologiradar.csv")
    before = table_digest(root)
    text = _refused(
        cli("radar", "import", DATA / "ssb-teknologiradar.csv"),
        f"{len(rows)} of {len(rows)} record(s) cannot be imported",
        "line 2: Google Cloud Storge: ring 'Ta i bruk' is not a BYOR ring",
        '--ring-map "Ta i bruk=RING,Prøv ut=RING,Vurder=RING,Avvent=RING"',
    )
    assert text.count("is not a BYOR ring") == len(rows)
    assert table_digest(root) == before
    result = _json(
        cli("radar", "import", DATA / "ssb-teknologiradar.csv", "--ring-map", SSB_MAP, "--json")
    )
    _adds_up(result)
    assert result["added"] == len(rows)
    rings = [t["ring"] for t in result["imported"]]
    assert rings.count("TRIAL") == sum(r["ring"] == "Prøv ut" for r in rows)
    out = tmp_path / "ssb.csv"
    assert cli("radar", "export", "-o", out)[0] == 0
    assert [r["ring"] for r in _rows_of(out)] == [r["ring"] for r in rows]
    _refused(cli("radar", "import", DATA / "byor-radar.csv", "--ring-map", "1=later"),
             "--ring-map: 'later' is not a ring")  # fmt: skip


def _rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _team(cli: Run) -> None:
    for name, role in (("lead", "admin"), ("carl", "contributor"), ("ann", "approver"),
                       ("vic", "viewer")):  # fmt: skip
        code, _, err = cli("user", "add", name, "--role", role, "--by", "lead")
        assert code == 0, err


def test_a_contributor_cannot_import_trial_or_adopt_placements(cli: Run, root: Path) -> None:
    _team(cli)
    rows = _rows("byor-radar.csv")
    promoted = [line for line, r in _lines("byor-radar.csv") if r["ring"] in ("Adopt", "Trial")]
    before = table_digest(root)
    text = _refused(
        cli("radar", "import", DATA / "byor-radar.csv", "--by", "carl"),
        f"{len(promoted)} of {len(rows)} record(s) cannot be imported",
        "line 2: Dependency drift fitness function: placed in ADOPT, which needs a YES gate",
    )
    assert text.count("placed in ADOPT") + text.count("placed in TRIAL") == len(promoted)
    assert table_digest(root) == before
    _refused(
        cli("radar", "import", DATA / "byor-radar.csv", "--by", "carl", "--override", "--why",
            "we run it"),
        "needs the approver role",
    )  # fmt: skip
    _refused(cli("radar", "import", DATA / "byor-radar.csv", "--by", "vic"), "contributor role")
    assert table_digest(root) == before
    result = _json(
        cli("radar", "import", DATA / "byor-radar.csv", "--by", "carl", "--skip-invalid", "--json")
    )
    _adds_up(result)
    assert [s["line"] for s in result["skipped"]] == promoted
    assert result["added"] == len(rows) - len(promoted)
    assert result["placed"] == {} and _evidence(root) == []


def test_an_approver_places_trial_by_override_and_an_admin_imports_all(
    cli: Run, root: Path
) -> None:
    _team(cli)
    _refused(
        cli("radar", "import", DATA / "byor-radar.json", "--by", "ann", "--override"),
        "--override needs --why",
    )
    _refused(
        cli("radar", "import", DATA / "byor-radar.json", "--by", "ann", "--override", "--why",
            "our platform team runs Kafka"),
        "line 2: Babel: placed in ADOPT", "an override does not waive them",
    )  # fmt: skip
    why = ("--why", "our platform team runs Kafka")
    args = ("radar", "import", DATA / "byor-radar.json", "--by", "ann", "--override", *why)
    result = _json(cli(*args, "--skip-invalid", "--json"))
    assert result["format"] == "byor-json"  # told from the content of a .json file
    assert result["placed"] == {"Apache Kafka": "override"}
    assert _evidence(root) == [("Apache Kafka", 0, 1, "our platform team runs Kafka")]
    code, _, err = cli("radar", "import", DATA / "backstage-sample.json", "--by", "lead")
    assert code == 0, err
    imported = [n for n, i, _, _ in _evidence(root) if i]
    entries = json.loads((DATA / "backstage-sample.json").read_text(encoding="utf-8"))["entries"]
    assert imported == sorted(
        e["title"] for e in entries if e["timeline"][0]["ringId"] in ("adopt", "trial")
    )


def test_a_record_both_here_and_refused_is_skipped_once(cli: Run) -> None:
    _team(cli)
    args = ("radar", "import", DATA / "byor-radar.json", "--by", "carl", "--skip-invalid")
    first = _json(cli(*args, "--json"))
    assert (first["added"], len(first["skipped"])) == (2, 2)  # ASSESS and HOLD; not the others
    code, _, err = cli("radar", "import", DATA / "byor-radar.json", "--by", "lead")
    assert code == 2 and "already on the radar: Android-x86" in err
    again = _json(cli(*args, "--json"))
    _adds_up(again)
    assert (again["records"], again["added"], len(again["skipped"])) == (4, 0, 4)
    problems = [s["problem"] for s in again["skipped"]]
    assert problems.count("already on the radar") == 2


@pytest.mark.parametrize("name", ["backstage-sample.json", "byor-radar.csv"])
def test_both_stores_give_the_file_back(database_url: str, tmp_path: Path, name: str) -> None:
    fmt = "byor-csv" if name.endswith(".csv") else "backstage-json"
    with Workspace.open(tmp_path, url=database_url, user="tester") as ws:
        result = ws.radar.import_radar(DATA / name)
        assert result.records == len(result.added)
        assert ws.radar.export(fmt) == (DATA / name).read_text(encoding="utf-8")

"""``assay bench import`` on real result files of five tools: a suite's benchmarks stay
separate benchmarks (no verdict between them) unless ``--baseline`` says they compete;
a bad file or name is one line, exit 2, nothing written (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import Run, json_ok, main_runner, new_team, run_main, table_digest

SUITES = Path(__file__).parents[2] / "data" / "suites"

# benchmarks, runs (the tool's independent repetitions: trials), values; counted from
# the raw files in tests/unit/formats/test_real_suites.py
REAL = [
    ("pyperf/telco.json", 1, 40, 120),
    ("pyperf/mult_list_py36.json.gz", 3, 60, 180),
    ("pyperf/track_memory.json", 1, 3, 3),
    ("asv/results/macos-12/457cfd6f-virtualenv-py3.10.json", 40, 40, 40),
    ("asv-v1/cheetah/22b920c6-py2.7-Cython-numpy1.8.json", 21, 21, 21),
    ("google-benchmark/arrow-tensor-conversion.json", 2, 6, 6),
    ("google-benchmark/gbench-test1_run1.json", 14, 14, 14),
    ("hyperfine/1brc-hyperfine.json", 2, 6, 6),
]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_team(tmp_path, monkeypatch, user="tester", columns=200)


@pytest.fixture
def cli(root: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return main_runner(capsys)


_json = json_ok


@pytest.mark.parametrize(("name", "benchmarks", "runs", "values"), REAL)
def test_a_real_suite_is_imported_as_separate_benchmarks(
    cli: Run, name: str, benchmarks: int, runs: int, values: int
) -> None:
    info = _json(cli("bench", "import", SUITES / name, "--json"))
    assert info["kind"] == "suite"
    assert info["trials"]["completed"] == runs
    shown = _json(cli("bench", "show", info["run_id"], "--json"))
    assert shown["comparisons"] == []  # no verdict between different pieces of code
    summaries = shown["summaries"]
    assert len(summaries) == benchmarks == len(shown["spec"]["benchmarks"])
    assert {s["role"] for s in summaries} == {"benchmark"}
    assert sum(s["trials"] for s in summaries) == runs
    counted = sum(next(iter(s["metrics"].values()))["values"] for s in summaries)
    assert counted == values
    for s in summaries:  # an interval exactly where two runs or more give one
        figures = next(iter(s["metrics"].values()))
        assert ("ci_low" in figures) == (s["trials"] >= 2)
        if s["trials"] >= 2:
            assert figures["ci_low"] <= figures["compared"] <= figures["ci_high"]
    code, out, err = cli("bench", "show", info["run_id"])
    assert code == 0, err
    assert f"{benchmarks} benchmarks imported from" in out
    assert summaries[0]["method"] in out and "Geo. mean (95% interval)" in out


def test_a_pyperf_suite_shows_each_benchmark_with_its_interval(cli: Run) -> None:
    info = _json(cli("bench", "import", SUITES / "pyperf" / "mult_list_py36.json.gz", "--json"))
    assert info["name"] == "mult_list_py36"
    code, out, _ = cli("bench", "show", info["run_id"])
    assert code == 0
    rows = [line for line in out.splitlines() if "*1000" in line]
    assert len(rows) == 3  # [1]*1000, [1,2]*1000, [1,2,3]*1000, one row each
    assert all("µs (" in row and " to " in row for row in rows)
    assert "Comparisons" not in out and "baseline" not in out


def test_with_a_baseline_the_benchmarks_compete(cli: Run) -> None:
    path = SUITES / "hyperfine" / "1brc-hyperfine.json"
    base = "cargo run --release --bin 1brc measurements_1000000000.txt"
    info = _json(cli("bench", "import", path, "--baseline", base, "--json"))
    assert info["kind"] == "hyperfine"
    shown = _json(cli("bench", "show", info["run_id"], "--json"))
    assert [(s["method"], s["role"]) for s in shown["summaries"]] == [
        (base, "baseline"),
        ("cargo run --release --bin lucretiel_1brc measurements_1000000000.txt", "candidate"),
    ]
    (row,) = shown["comparisons"]
    assert row["metric"] == "time" and row["verdict"] in ("inconclusive", "equivalent")


def test_a_benchmarks_folder_imports_each_save(cli: Run) -> None:
    storage = SUITES / "pytest-benchmark" / ".benchmarks"
    saves = sorted(storage.glob("*/0*.json"))
    data = _json(cli("bench", "import", storage, "--json"))
    assert [Path(r["source"]).name for r in data["runs"]] == [s.name for s in saves]
    assert {r["kind"] for r in data["runs"]} == {"suite"}
    shown = _json(cli("bench", "show", data["runs"][0]["run_id"], "--json"))
    assert any("no raw data (only the median)" in w for w in shown["warnings"])
    assert any("no interval for them" in w for w in shown["warnings"])
    listed = _json(cli("bench", "list", "--json"))["runs"]
    assert len(listed) == len(saves) == 3


def test_an_asv_results_folder_then_compare_two_commits(cli: Run) -> None:
    data = _json(cli("bench", "import", SUITES / "asv" / "results", "--json"))
    first, second = (r["run_id"] for r in data["runs"])
    assert [Path(r["source"]).name[:8] for r in data["runs"]] == ["4996eaa7", "457cfd6f"]
    compared = _json(cli("compare", first, second, "--json"))
    assert len(compared["benchmarks"]) == 40


def test_google_benchmark_cpu_time(cli: Run) -> None:
    path = SUITES / "google-benchmark" / "arrow-tensor-conversion.json"
    rows = [r for r in json.loads(path.read_text())["benchmarks"] if r["run_type"] == "iteration"]
    info = _json(cli("bench", "import", path, "--metric", "cpu", "--json"))
    shown = _json(cli("bench", "show", info["run_id"], "--json"))
    first = shown["summaries"][0]
    cpu = sorted(r["cpu_time"] * 1e-9 for r in rows if r["run_name"] == first["method"])
    assert first["metrics"]["time"]["median"] == pytest.approx(cpu[1], rel=1e-12)
    assert shown["environment"]["metric"] == "cpu_time"


BAD = [
    (("hyperfine/1brc-hyperfine.json", "--baseline", "nope"), "no benchmark named 'nope'"),
    (("pyperf/telco.json", "--metric", "cpu"), "--metric cpu applies to Google Benchmark"),
    (("pyperf/telco.json", "--format", "hyperfine"), "telco.json is not a hyperfine JSON file"),
    (("asv-v1/cheetah/machine.json",), "machine.json is not a benchmark results file"),
    (("missing.json",), "missing.json: no such file"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_one_line_and_writes_nothing(
    cli: Run, root: Path, args: tuple[str, ...], message: str
) -> None:
    before = table_digest(root)
    code, out, err = cli("bench", "import", SUITES / args[0], *args[1:])
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert table_digest(root) == before


def test_one_bad_file_in_a_folder_refuses_the_whole_folder(
    cli: Run, root: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    for name in ("a.json", "b.json"):
        (folder / name).write_bytes((SUITES / "hyperfine" / "1brc-hyperfine.json").read_bytes())
    (folder / "c.json").write_text('{"results": [{"command": "x", "times": ["slow"]}]}')
    before = table_digest(root)
    code, _, err = cli("bench", "import", folder)
    assert code == 2 and "c.json: command 'x' times[0]: expected a number" in err
    assert table_digest(root) == before


def test_a_suite_on_sqlite_and_postgresql(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    new_team(tmp_path, monkeypatch, user="tester")
    monkeypatch.setenv("ASSAY_DATABASE_URL", database_url)
    path = SUITES / "pyperf" / "mult_list_py36.json.gz"
    code, out, err = run_main(["bench", "import", str(path), "--json"], capsys)
    assert code == 0, err
    run_id = json.loads(out)["run_id"]
    code, out, err = run_main(["bench", "show", run_id, "--json"], capsys)
    assert code == 0, err
    summaries = json.loads(out)["summaries"]
    assert [(s["method"], s["trials"]) for s in summaries] == [
        ("[1]*1000", 20),
        ("[1,2]*1000", 20),
        ("[1,2,3]*1000", 20),
    ]

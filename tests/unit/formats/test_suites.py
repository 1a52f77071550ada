"""read_suite: the format found from the content, and every bad file refused with one line
naming it and what was expected (issue 13). Real files: test_real_suites.py."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from assay.errors import InputError
from assay.formats.suites import SUITE_FORMATS, detect, read_suite, read_suites, suite_from_data

PYPERF = {
    "version": "1.0",
    "metadata": {"unit": "second"},
    "benchmarks": [
        {"metadata": {"name": "a"}, "runs": [{"warmups": [[1, 0.5]]}, {"values": [1.0, 2.0]}]},
        {"metadata": {"name": "b"}, "runs": [{"values": [3.0]}, {"values": [4.0, 5.0]}]},
    ],
}
PYTEST = {
    "machine_info": {},
    "commit_info": {},
    "benchmarks": [{"fullname": "t.py::a", "stats": {"median": 0.5}}],
}
GBENCH = {
    "context": {},
    "benchmarks": [
        {"name": "BM_a", "iterations": 10, "real_time": 5, "cpu_time": 4, "time_unit": "us"},
        {"name": "BM_a", "iterations": 10, "real_time": 7, "cpu_time": 6, "time_unit": "us"},
        {"name": "BM_a_mean", "iterations": 2, "real_time": 6, "cpu_time": 5, "time_unit": "us"},
        {"name": "BM_b", "error_occurred": True, "error_message": "boom"},
    ],
}
HYPERFINE = {"results": [{"command": "sleep 1", "times": [1.0, 1.1]}]}
ASV = {
    "commit_hash": "abc",
    "date": 5,
    "result_columns": ["result", "params", "samples"],
    "results": {
        "s.time_x": [[0.1, None], [["1", "2"]], [[0.1, 0.12], None]],
        "s.peakmem_y": [[2048], []],
        "s.time_gone": [None, []],
    },
}


def _write(tmp_path: Path, data: Any, name: str = "r.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("data", "tool"),
    [
        (PYPERF, "pyperf"),
        (PYTEST, "pytest-benchmark"),
        (GBENCH, "google-benchmark"),
        (HYPERFINE, "hyperfine"),
        (ASV, "asv"),
        ({"x": 1}, None),
        ([1, 2], None),
        ({"results": []}, None),
    ],
)
def test_the_tool_is_found_from_the_content(data: Any, tool: str | None) -> None:
    assert detect(data) == tool


def test_each_reader_on_a_small_file(tmp_path: Path) -> None:
    pyperf = read_suite(_write(tmp_path, PYPERF, "anything.txt"))
    assert [(b.name, b.groups) for b in pyperf.benchmarks] == [
        ("a", ((1.0, 2.0),)),  # the calibration run (warmups only) is no group
        ("b", ((3.0,), (4.0, 5.0))),
    ]
    gbench = read_suite(_write(tmp_path, GBENCH))
    assert [b.name for b in gbench.benchmarks] == ["BM_a"]  # BM_a_mean: an aggregate
    assert gbench.benchmarks[0].values == pytest.approx((5e-6, 7e-6), rel=1e-12)
    assert gbench.meta["error_rows"] == ["BM_b"] and gbench.meta["aggregate_rows"] == 1
    cpu = suite_from_data(GBENCH, "g.json", metric="cpu")
    assert cpu.benchmarks[0].values == pytest.approx((4e-6, 6e-6), rel=1e-12)
    asv = read_suite(_write(tmp_path, ASV))
    assert [(b.name, b.unit, b.groups) for b in asv.benchmarks] == [
        ("s.time_x(1)", "second", ((0.1, 0.12),)),  # samples kept
        ("s.peakmem_y", "byte", ((2048.0,),)),
    ]
    assert asv.meta["not_measured"] == ["s.time_x(2)", "s.time_gone"]
    assert read_suite(_write(tmp_path, PYTEST)).benchmarks[0].meta["summarised"] is True


def test_commands_named_alike_are_kept_apart() -> None:
    twice = {"results": [{"command": "ls", "times": [1.0]}, {"command": "ls", "times": [2.0]}]}
    suite = suite_from_data(twice, "h.json")
    assert [b.name for b in suite.benchmarks] == ["ls", "ls (2)"]
    assert suite.benchmarks[1].meta["name_in_file"] == "ls"


def test_a_forced_format_reads_only_that_tool(tmp_path: Path) -> None:
    path = _write(tmp_path, HYPERFINE)
    assert read_suite(path, fmt="hyperfine").tool == "hyperfine"
    with pytest.raises(
        InputError, match=re.escape("r.json is not a pyperf JSON file: no 'benchmarks' list")
    ):
        read_suite(path, fmt="pyperf")
    with pytest.raises(InputError, match="unknown format 'nope'; expected one of pyperf"):
        read_suite(path, fmt="nope")
    assert "hyperfine" in SUITE_FORMATS


BAD = [
    ("not json at all", "r.json is not JSON \\(line 1\\)"),
    ("[" * 100_000, "nested too deeply|is not JSON"),
    ('{"x": 1}', "r.json is not a benchmark results file \\(pyperf, pytest-benchmark"),
    ('{"benchmarks": []}', "r.json holds no benchmarks"),
    ('{"results": [{"command": "a"}]}', "r.json is not a benchmark results file"),
    (
        json.dumps({"results": [{"command": "a", "times": [1, "x"]}]}),
        "command 'a' times\\[1\\]: expected a number, found 'x'",
    ),
    (
        json.dumps(
            {"context": {}, "benchmarks": [{"name": "a", "real_time": 1, "time_unit": "h"}]}
        ),
        "benchmark 'a': time_unit 'h'; expected ns, us, ms or s",
    ),
    (
        json.dumps({"context": {}, "benchmarks": [{"name": "a", "time_unit": "ns"}]}),
        "benchmark 'a' real_time: expected a number, found None",
    ),
    (
        json.dumps(
            {"version": "1.0", "metadata": {}, "benchmarks": [{"runs": [{"values": [True]}]}]}
        ),
        "benchmark 'benchmark-0' run 0 values\\[0\\]: expected a number, found True",
    ),
    (
        '{"version": "1.0", "metadata": {}, "benchmarks": [{"runs": [{"values": [NaN]}]}]}',
        "expected a finite number, found nan",
    ),
    (
        json.dumps(
            {
                "commit_hash": "a",
                "result_columns": ["result", "params"],
                "results": {"t.time_a": [[1.0], [["1", "2"]]]},
            }
        ),
        "benchmark 't.time_a' has 1 results for 2 parameter combinations",
    ),
    (
        json.dumps({"machine_info": {}, "benchmarks": [{"name": "a", "stats": {}}]}),
        "has no stats.median",
    ),
    (json.dumps({"machine_info": {}, "benchmarks": [7]}), "benchmark 0: expected a JSON object"),
    (
        json.dumps(
            {
                "context": {},
                "benchmarks": [
                    {
                        "name": "a_mean",
                        "run_name": "a",
                        "run_type": "aggregate",
                        "aggregate_name": "mean",
                        "real_time": 1,
                    }
                ],
            }
        ),
        "r.json holds only aggregate rows .* without --benchmark_report_aggregates_only",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD)
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        read_suite(path)
    assert "\n" not in str(caught.value)


def test_gzip_errors_and_missing_files(tmp_path: Path) -> None:
    broken = tmp_path / "r.json.gz"
    broken.write_bytes(gzip.compress(b'{"benchmarks": [1]}')[:-6])
    with pytest.raises(InputError, match=re.escape("r.json.gz: a broken gzip file")):
        read_suite(broken)
    text = tmp_path / "t.json.gz"
    text.write_bytes(gzip.compress(b"hello"))
    with pytest.raises(InputError, match=re.escape("t.json.gz is not JSON")):
        read_suite(text)
    with pytest.raises(
        InputError, match=re.escape("missing.json: no such file; expected a benchmark")
    ):
        read_suite(tmp_path / "missing.json")


def test_metric_cpu_is_for_google_benchmark_only(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--metric cpu applies to Google Benchmark files"):
        read_suite(_write(tmp_path, HYPERFINE), metric="cpu")
    with pytest.raises(InputError, match="unknown metric 'wall'"):
        read_suite(_write(tmp_path, GBENCH), metric="wall")


def test_folders(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="a folder without result files"):
        read_suites(empty)
    storage = tmp_path / ".benchmarks" / "Linux-CPython-3.12-64bit"
    storage.mkdir(parents=True)
    for number in (2, 1):
        data = {**PYTEST, "datetime": f"2026-01-0{number}"}
        _write(storage, data, f"000{number}_abc.json")
    (storage / "notes.json").write_text("{}")  # not a save: left alone
    suites = read_suites(tmp_path / ".benchmarks")
    assert [s.meta["datetime"] for s in suites] == ["2026-01-01", "2026-01-02"]
    assert read_suites(storage) == suites
    machine = tmp_path / "results" / "box"
    machine.mkdir(parents=True)
    (machine / "machine.json").write_text('{"machine": "box"}')
    _write(machine, {**ASV, "date": 9, "commit_hash": "new"}, "b-env.json")
    _write(machine, {**ASV, "date": 1, "commit_hash": "old"}, "a-env.json")
    hashes = [s.meta["commit_hash"] for s in read_suites(tmp_path / "results")]
    assert hashes == ["old", "new"]
    assert read_suite(machine).meta["commit_hash"] == "new"
    _write(machine, {"x": 1}, "c-env.json")
    with pytest.raises(InputError, match=re.escape("c-env.json is not a benchmark results file")):
        read_suites(machine)  # one bad file refuses the folder

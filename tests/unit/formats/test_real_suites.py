"""Real result files of five benchmark tools read as suites (tests/data/suites, their
sources in tests/data/README.md); every count is made here from the raw JSON, apart
from the reader (issue 13)."""

from __future__ import annotations

import gzip
import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest

from assay.formats.samples import read_sample
from assay.formats.suites import Suite, read_suite, read_suites

SUITES = Path(__file__).parents[2] / "data" / "suites"
PYPERF = SUITES / "pyperf"
ASV = SUITES / "asv" / "results" / "macos-12"
GBENCH = SUITES / "google-benchmark"
HYPERFINE = SUITES / "hyperfine" / "1brc-hyperfine.json"
STORAGE = SUITES / "pytest-benchmark" / ".benchmarks"
SAVE_DATA = Path(__file__).parents[2] / "unit" / "bench" / "data"


def _raw(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _pyperf_counts(raw: dict[str, Any]) -> tuple[int, list[int], int]:
    """Benchmarks, worker runs with values per benchmark, and values, counted raw."""
    runs = [[r for r in b["runs"] if r.get("values")] for b in raw["benchmarks"]]
    return (
        len(raw["benchmarks"]),
        [len(r) for r in runs],
        sum(len(x["values"]) for r in runs for x in r),
    )


def _values(suite: Suite) -> int:
    return sum(len(b.values) for b in suite.benchmarks)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("telco.json", (1, [40], 120)),
        ("mult_list_py36.json", (3, [20, 20, 20], 180)),
        ("mult_list_py36.json.gz", (3, [20, 20, 20], 180)),
        ("track_memory.json", (1, [3], 3)),
    ],
)
def test_pyperf_files_every_worker_run_a_group(name: str, expected: tuple[Any, ...]) -> None:
    path = PYPERF / name
    raw = _raw(path)
    assert _pyperf_counts(raw) == expected
    suite = read_suite(path)
    assert suite.tool == "pyperf"
    assert (
        len(suite.benchmarks),
        [len(b.groups) for b in suite.benchmarks],
        _values(suite),
    ) == expected
    measured = [r for r in raw["benchmarks"][0]["runs"] if r.get("values")]
    assert suite.benchmarks[0].groups[0] == tuple(measured[0]["values"])


def test_pyperf_units_and_names() -> None:
    mult = read_suite(PYPERF / "mult_list_py36.json")
    assert [b.name for b in mult.benchmarks] == ["[1]*1000", "[1,2]*1000", "[1,2,3]*1000"]
    assert {b.unit for b in mult.benchmarks} == {"second"}
    assert read_suite(PYPERF / "track_memory.json").benchmarks[0].unit == "byte"
    assert read_suite(PYPERF / "telco.json").benchmarks[0].name == "telco"


def test_gzip_is_found_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    plain = read_suite(PYPERF / "mult_list_py36.json")
    zipped = read_suite(PYPERF / "mult_list_py36.json.gz")
    assert [(b.name, b.groups) for b in zipped.benchmarks] == [
        (b.name, b.groups) for b in plain.benchmarks
    ]
    renamed = tmp_path / "results.json"
    renamed.write_bytes((PYPERF / "mult_list_py36.json.gz").read_bytes())
    assert _values(read_suite(renamed)) == 180


def test_a_benchmarks_folder_is_a_history_oldest_first() -> None:
    files = sorted(STORAGE.glob("*/*.json"))
    assert len(files) == 3
    suites = read_suites(STORAGE)
    assert [Path(s.source).name for s in suites] == [f.name for f in files]
    for suite, file in zip(suites, files, strict=True):
        raw = _raw(file)
        assert suite.tool == "pytest-benchmark"
        assert [b.name for b in suite.benchmarks] == [b["fullname"] for b in raw["benchmarks"]]
        # saved without --benchmark-save-data: the median alone, said so
        assert suite.benchmarks[0].values == (raw["benchmarks"][0]["stats"]["median"],)
        assert suite.benchmarks[0].meta["summarised"] is True
        assert suite.meta["commit_info"] == raw["commit_info"]
    assert read_suite(STORAGE).source == suites[-1].source  # the newest


def test_pytest_benchmark_with_saved_data_keeps_every_round() -> None:
    (path,) = SAVE_DATA.glob("pytest-benchmark-*-save-data.json")
    raw = _raw(path)
    suite = read_suite(path)
    assert len(suite.benchmarks) == len(raw["benchmarks"])
    for bench, item in zip(suite.benchmarks, raw["benchmarks"], strict=True):
        assert bench.groups == (tuple(item["stats"]["data"]),)
        assert bench.meta["stats"]["rounds"] == item["stats"]["rounds"]


def test_asv_results_folder_by_commit_date() -> None:
    files = sorted(ASV.glob("*-virtualenv-py3.10.json"))
    raws = sorted((_raw(f) for f in files), key=lambda r: r["date"])
    suites = read_suites(ASV)
    assert [s.meta["commit_hash"] for s in suites] == [r["commit_hash"] for r in raws]
    assert read_suites(ASV.parent) == suites  # results/ holds the machine folders
    for suite, raw in zip(suites, raws, strict=True):
        column = raw["result_columns"].index("result")
        results = {name: row[column] for name, row in raw["results"].items()}
        assert len(results) == 40 and all(len(r) == 1 for r in results.values())
        assert suite.tool == "asv"
        assert {b.name: b.values for b in suite.benchmarks} == {
            name: (r[0],) for name, r in results.items()
        }
        assert {b.unit for b in suite.benchmarks} == {"second"}  # all time_*
        assert suite.meta["not_measured"] == []


def test_asv_format_1_with_parameters_failures_and_skips() -> None:
    path = SUITES / "asv-v1" / "cheetah" / "22b920c6-py2.7-Cython-numpy1.8.json"
    text = path.read_text()
    raw = json.loads(text)
    expected: dict[str, float] = {}
    missing = []
    for name, value in raw["results"].items():
        if isinstance(value, dict):
            params = value.get("params") or []
            combos = list(itertools.product(*params)) if params else []
            results = value["result"] if isinstance(value["result"], list) else [value["result"]]
            labels = [f"{name}({', '.join(c)})" for c in combos] if combos else [name]
            expected.update(zip(labels, results, strict=True))
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            missing.append(name)
        else:
            expected[name] = value
    suite = read_suite(path)
    assert len(expected) == len(suite.benchmarks) == 21
    assert {b.name: b.values[0] for b in suite.benchmarks} == expected
    assert suite.meta["not_measured"] == missing == ["time_AAA_failure", "time_AAA_skip"]
    units = {b.name: b.unit for b in suite.benchmarks}
    assert units["time_units.mem_unit"] == "byte"
    assert units["time_secondary.track_value"] == "value"
    assert units["time_other.time_parameterized(2)"] == "second"
    ci = next(b for b in suite.benchmarks if b.name == "time_ci_big")
    assert ci.meta["stats"]["ci_99_a"] == 0.5


def test_google_benchmark_repetitions_are_groups_and_aggregates_are_not_values() -> None:
    path = GBENCH / "arrow-tensor-conversion.json"
    raw = _raw(path)
    rows = raw["benchmarks"]
    iterations = [r for r in rows if r["run_type"] == "iteration"]
    assert (len(rows), len(iterations)) == (10, 6)
    names = list(dict.fromkeys(r["run_name"] for r in iterations))
    for metric in ("real", "cpu"):
        suite = read_suite(path, metric=metric)
        assert [b.name for b in suite.benchmarks] == names
        for bench in suite.benchmarks:
            mine = [r for r in iterations if r["run_name"] == bench.name]
            assert [r["repetition_index"] for r in mine] == [0, 1, 2]
            assert bench.groups == tuple((r[f"{metric}_time"] * 1e-9,) for r in mine)
    suite = read_suite(path)
    assert suite.meta["aggregate_rows"] == 4
    first = suite.benchmarks[0]
    assert set(first.meta["aggregates"]) == {"mean", "median", "stddev", "cv"}
    assert first.meta["group_details"][2]["repetition_index"] == 2


def test_google_benchmark_time_units_are_honoured() -> None:
    path = GBENCH / "gbench-test1_run1.json"
    rows = _raw(path)["benchmarks"]
    plain = [r for r in rows if r.get("run_type") != "aggregate"]
    assert (len(rows), len(plain)) == (16, 14)
    suite = read_suite(path)
    scale = {"ns": 1e-9, "s": 1.0}
    assert {b.name: b.values for b in suite.benchmarks} == {
        r["name"]: (r["real_time"] * scale[r["time_unit"]],) for r in plain
    }
    assert dict(zip(
        (b.name for b in suite.benchmarks), (b.values[0] for b in suite.benchmarks), strict=True
    ))["BM_NotBadTimeUnit"] == 0.4  # fmt: skip
    assert suite.meta["aggregate_rows"] == 2  # BigO and RMS: not values


def test_hyperfine_each_command_a_benchmark_each_run_a_group() -> None:
    raw = _raw(HYPERFINE)
    suite = read_suite(HYPERFINE)
    assert suite.tool == "hyperfine"
    assert [b.name for b in suite.benchmarks] == [r["command"] for r in raw["results"]]
    assert [b.groups for b in suite.benchmarks] == [
        tuple((t,) for t in r["times"]) for r in raw["results"]
    ]
    assert _values(suite) == sum(len(r["times"]) for r in raw["results"]) == 6
    assert suite.benchmarks[0].meta["group_details"] == [{"exit_code": 0}] * 3
    assert suite.benchmarks[0].meta["mean"] == raw["results"][0]["mean"]


def test_compare_reads_a_gzipped_one_benchmark_pyperf_file(tmp_path: Path) -> None:
    zipped = tmp_path / "telco.json.gz"
    zipped.write_bytes(gzip.compress((PYPERF / "telco.json").read_bytes()))
    plain = read_sample(str(PYPERF / "telco.json"))
    again = read_sample(str(zipped))
    assert again.values == plain.values and len(plain.values) == 40  # one per worker run

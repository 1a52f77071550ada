"""pyperf and pytest-benchmark JSON files as runs (fixtures written by the real tools)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assay.bench.analysis import analyse
from assay.bench.importers import analyse_imported, suite_run
from assay.errors import InputError
from assay.formats.suites import Suite, SuiteBenchmark
from assay.workspace.runs import read_pyperf, read_pytest_benchmark

DATA = Path(__file__).parent / "data"
PYPERF = DATA / "pyperf-2.11-two-benchmarks.json"
(PYTEST_BENCHMARK,) = DATA.glob("pytest-benchmark-*-save-data.json")


def test_pyperf_runs_become_trials_with_raw_values() -> None:
    run = read_pyperf(PYPERF)
    raw = json.loads(PYPERF.read_text())
    assert run.header.spec["baseline"] == "sorted"
    assert run.header.spec["candidates"] == ["reversed"]
    assert run.header.options["pairing"] == "none"
    assert run.header.environment["tool"] == "pyperf"
    sorted_trials = [t for t in run.trials if t.key.method == "sorted"]
    measured = [r for r in raw["benchmarks"][0]["runs"] if r.get("values")]
    assert len(sorted_trials) == len(measured)
    first = sorted_trials[0]
    assert np.array_equal(first.samples["time"], measured[0]["values"])
    assert first.values["time"] == np.median(measured[0]["values"])
    assert first.details["metadata"]["mem_max_rss"] == measured[0]["metadata"]["mem_max_rss"]


def test_pyperf_comparisons_are_unpaired() -> None:
    run = read_pyperf(PYPERF, baseline="reversed")
    result = analyse(run.header, run.trials)
    row = result.comparison("sorted", "time")
    assert row.paired is False
    assert row.verdict in ("better", "worse", "equivalent", "inconclusive")


def test_pytest_benchmark_keeps_raw_data_and_warns() -> None:
    run = read_pytest_benchmark(PYTEST_BENCHMARK)
    raw = json.loads(PYTEST_BENCHMARK.read_text())
    assert [t.key.method for t in run.trials] == [b["fullname"] for b in raw["benchmarks"]]
    first = run.trials[0]
    assert np.array_equal(first.samples["time"], raw["benchmarks"][0]["stats"]["data"])
    assert first.details["stats"]["rounds"] == raw["benchmarks"][0]["stats"]["rounds"]
    assert "one trial per method cannot give a verdict" in run.header.warnings[0]
    row = analyse(run.header, run.trials).comparisons[0]
    assert row.verdict is None
    assert row.to_dict()["verdict"] == "not compared"


def test_pytest_benchmark_without_raw_data(tmp_path: Path) -> None:
    raw = json.loads(PYTEST_BENCHMARK.read_text())
    for bench in raw["benchmarks"]:
        del bench["stats"]["data"]
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(raw))
    run = read_pytest_benchmark(path)
    assert run.trials[0].values["time"] == raw["benchmarks"][0]["stats"]["median"]
    assert any("no raw data" in w for w in run.header.warnings)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"x": 1}', "no 'benchmarks' list"),
        ('{"benchmarks": []}', "holds no benchmarks"),
    ],
)
def test_bad_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_pyperf(path)


def test_missing_file_and_unknown_baseline(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.json: no such file"):
        read_pyperf(tmp_path / "missing.json")
    with pytest.raises(InputError, match="no benchmark named 'nope'"):
        read_pyperf(PYPERF, baseline="nope")


def _suite() -> Suite:
    return Suite(
        "suite.json",
        "hyperfine",
        (
            SuiteBenchmark("a", "second", ((1.0,), (1.2,), (1.1,))),
            SuiteBenchmark("b", "byte", ((2048.0, 4096.0),), {"summarised": True}),
        ),
    )


def test_a_suite_keeps_its_benchmarks_apart() -> None:
    run = suite_run(_suite())
    assert run.is_suite and run.header.spec["baseline"] is None
    assert run.header.spec["benchmarks"] == ["a", "b"]
    assert [(t.key.method, t.key.seed) for t in run.trials] == [
        ("a", 0), ("a", 1), ("a", 2), ("b", 0),
    ]  # fmt: skip
    assert run.trials[3].values == {"peak_rss": 3072.0}
    result = analyse_imported(run)
    assert result.comparisons == []  # no verdict between different pieces of code
    a, b = result.summaries
    assert (a.role, b.role) == ("benchmark", "benchmark")
    low, high = a.metrics["time"]["ci_low"], a.metrics["time"]["ci_high"]
    logs = np.log([1.0, 1.2, 1.1])
    half = 4.302652729911275 * logs.std(ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert (low, high) == pytest.approx(np.exp([logs.mean() - half, logs.mean() + half]))
    assert a.metrics["time"]["values"] == 3
    assert "ci_low" not in b.metrics["peak_rss"]  # one run: no interval
    assert any("1 of 2 benchmarks hold one group" in w for w in run.header.warnings)


def test_a_suite_with_a_baseline_competes() -> None:
    run = suite_run(_suite(), baseline="b")
    assert not run.is_suite
    assert (run.header.spec["baseline"], run.header.spec["candidates"]) == ("b", ["a"])
    with pytest.raises(
        InputError, match=r"no benchmark named 'c' in suite.json; it has \['a', 'b'\]"
    ):
        suite_run(_suite(), baseline="c")

"""Trial values from CSV, JSON lists, pyperf and pytest-benchmark files; errors name
the file and the line, item or column."""

from __future__ import annotations

import json
from pathlib import Path

import pyperf
import pytest

from assay.errors import InputError
from assay.formats.samples import read_sample


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_one_number_per_line_with_comments_and_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", "# warm machine\n1.5\n\n2.5\n3\n")
    sample = read_sample(path)
    assert sample.values == [1.5, 2.5, 3.0]
    assert sample.label == path and sample.warnings == ()


def test_a_named_column_or_the_metric_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "runs.csv", "seed,ms,acc\n1,10.5,0.8\n2,11.0,0.81\n")
    assert read_sample(f"{path}:acc").values == [0.8, 0.81]
    by_metric = read_sample(path, metric="ms")
    assert by_metric.values == [10.5, 11.0] and by_metric.label == f"{path}:ms"
    assert read_sample(_write(tmp_path / "one.csv", "ms\n1\n2\n")).values == [1.0, 2.0]


def test_a_file_whose_name_holds_a_colon_is_read_whole(tmp_path: Path) -> None:
    path = _write(tmp_path / "a:b.csv", "1\n2\n")
    assert read_sample(path).values == [1.0, 2.0]


def test_a_json_list(tmp_path: Path) -> None:
    assert read_sample(_write(tmp_path / "a.json", "[1, 2.5, 3]")).values == [1.0, 2.5, 3.0]


def test_pyperf_one_trial_per_worker_run(tmp_path: Path) -> None:
    suite = []
    for name, scale in (("old", 1.0), ("new", 0.5)):
        runs = [
            pyperf.Run([scale * (1 + i), scale * (2 + i), scale * (9 + i)],
                       warmups=[(1, 1.0)], metadata={"name": name, "loops": 1},
                       collect_metadata=False)
            for i in range(4)
        ]  # fmt: skip
        suite.append(pyperf.Benchmark(runs))
    path = str(tmp_path / "suite.json")
    pyperf.BenchmarkSuite(suite).dump(path)
    sample = read_sample(f"{path}:new")
    assert sample.values == [1.0, 1.5, 2.0, 2.5]  # the median of each run's values
    assert sample.label == f"{path}:new"


def _pytest_benchmark(path: Path, data: list[float] | None) -> str:
    stats: dict[str, object] = {"median": 1.0}
    if data is not None:
        stats["data"] = data
    bench = {"name": "test_a", "fullname": "tests/test_x.py::test_a", "stats": stats}
    return _write(path, json.dumps({"benchmarks": [bench], "version": "4.0"}))


def test_pytest_benchmark_rounds_with_a_warning(tmp_path: Path) -> None:
    path = _pytest_benchmark(tmp_path / "pb.json", [1.0, 1.1, 0.9])
    sample = read_sample(f"{path}:test_a")  # the part after :: names it when unique
    assert sample.values == [1.0, 1.1, 0.9]
    assert sample.label == f"{path}:tests/test_x.py::test_a"
    assert "one process" in sample.warnings[0]


BAD = [
    ("empty.csv", "", "", "empty.csv: the file is empty"),
    ("word.csv", "1\nabc\n", "", "word.csv line 2: 'abc' is not a number"),
    ("nan.csv", "1\nnan\n", "", "nan.csv line 2: 'nan' is not a finite number"),
    ("comma.csv", "10,1\n10,2\n", "", "comma.csv line 1: '10,1' has 2 cells"),
    ("cols.csv", "a,b\n1,2\n", "", "cols.csv: 2 columns (a, b); name one"),
    ("cols.csv", "a,b\n1,2\n", ":c", "cols.csv: no column 'c'"),
    ("plain.csv", "1\n2\n", ":c", "plain.csv: no header row"),
    ("one.csv", "1\n", "", "one.csv: 1 value; a comparison needs at least 2"),
    ("bad.json", "[1, 2,", "", "bad.json line 1: not valid JSON"),
    ("item.json", '[1, "two"]', "", "item.json item 1: 'two' is not a number"),
    ("list.json", "[1, 2]", ":x", "list.json: a plain JSON list has no benchmark 'x'"),
    ("odd.json", '{"a": 1}', "", "odd.json: expected a JSON list of numbers, or a pyperf"),
    ("none.json", '{"benchmarks": []}', "", "none.json: holds no benchmarks"),
    ("binary.csv", "\udcff", "", "binary.csv: byte 0 is not UTF-8; save it as UTF-8"),
]


@pytest.mark.parametrize(("name", "text", "suffix", "message"), BAD, ids=[b[3] for b in BAD])
def test_bad_input_names_the_file_and_where(
    tmp_path: Path, name: str, text: str, suffix: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(InputError) as caught:
        read_sample(str(path) + suffix)
    assert str(caught.value).startswith(str(tmp_path))
    assert message in str(caught.value)


def test_a_missing_file_and_a_missing_benchmark(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        read_sample(str(tmp_path / "nope.csv"))
    path = _pytest_benchmark(tmp_path / "pb.json", [1.0, 1.1])
    with pytest.raises(InputError, match="no benchmark 'test_b'; it holds"):
        read_sample(f"{path}:test_b")
    summary = _pytest_benchmark(tmp_path / "summary.json", None)
    with pytest.raises(InputError, match="--benchmark-save-data"):
        read_sample(summary)

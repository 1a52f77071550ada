"""``assay compare``: file formats, output, and exit code 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyperf
import pytest

from support import run_main as _run


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


@pytest.fixture
def arms(tmp_path: Path) -> tuple[str, str]:
    base = _write(tmp_path / "base.csv", "10.1\n10.3\n9.9\n10.2\n10.0\n10.4\n")
    cand = _write(tmp_path / "cand.csv", "9.1\n9.3\n8.9\n9.2\n9.0\n9.4\n")
    return base, cand


def test_json_document(arms: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["compare", *arms, "--metric", "latency", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {
        "metric", "lower_is_better", "baseline", "candidate", "effect", "test",
        "margin", "verdict", "needed_trials", "warnings",
    }  # fmt: skip
    assert data["metric"] == "latency"
    assert data["verdict"] == "better"
    assert set(data["baseline"]) >= {"n", "mean", "median", "std", "p50", "p90", "p99"}
    assert data["baseline"]["n"] == 6
    assert set(data["effect"]) == {
        "relative", "ci", "confidence", "ratio", "ratio_low", "ratio_high",
    }  # fmt: skip
    assert data["effect"]["ratio"] == pytest.approx(1 + data["effect"]["relative"])
    assert data["effect"]["ci"][1] < 0
    assert {"name", "p_value"} <= set(data["test"])


def test_panel_for_people(arms: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["compare", *arms], capsys)
    assert code == 0
    assert "BETTER" in out
    assert "lower than the baseline" in out


def test_direction_margin_confidence_and_test(
    arms: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["compare", *arms, "--higher-is-better", "--margin", "2%", "--confidence", "0.9"]
    code, out, _ = _run([*argv, "--test", "mann-whitney", "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["verdict"] == "worse"
    assert data["margin"] == pytest.approx(0.02)
    assert data["effect"]["confidence"] == pytest.approx(0.9)
    assert data["test"]["name"] == "mann-whitney"


def test_paired(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _write(tmp_path / "a.csv", "0.851\n0.842\n0.860\n0.848\n0.855\n")
    cand = _write(tmp_path / "b.csv", "0.856\n0.846\n0.866\n0.852\n0.861\n")
    code, out, _ = _run(["compare", base, cand, "--paired", "--higher-is-better", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["test"]["name"] == "paired-t"
    assert data["verdict"] == "better"


def test_named_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = _write(
        tmp_path / "runs.csv", "seed,acc_a,acc_b\n1,0.80,0.83\n2,0.81,0.84\n3,0.79,0.83\n"
    )
    code, out, err = _run(
        ["compare", f"{table}:acc_a", f"{table}:acc_b", "--higher-is-better", "--json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["baseline"]["mean"] == pytest.approx(0.80)
    assert data["verdict"] == "better"
    # --metric picks the column when none is named
    code, out, _ = _run(["compare", table, f"{table}:acc_b", "--metric", "acc_a", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["baseline"]["source"].endswith(":acc_a")


def test_json_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _write(tmp_path / "a.json", "[1.0, 1.1, 0.9, 1.05]")
    cand = _write(tmp_path / "b.json", "[2.0, 2.1, 1.9, 2.05]")
    code, out, _ = _run(["compare", base, cand, "--json"], capsys)
    assert code == 0
    assert json.loads(out)["verdict"] == "worse"


def _pyperf_file(path: Path) -> str:
    suite = []
    for name, scale in (("old", 1.0), ("new", 0.7)):
        runs = [
            pyperf.Run(
                [scale * (1e-3 + 1e-5 * i + 1e-6 * j) for j in range(3)],
                warmups=[(1, scale * 1e-3)],
                metadata={"name": name, "loops": 1},
                collect_metadata=False,
            )
            for i in range(6)
        ]
        suite.append(pyperf.Benchmark(runs))
    pyperf.BenchmarkSuite(suite).dump(str(path))
    return str(path)


def test_pyperf_file_one_trial_per_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = _pyperf_file(tmp_path / "suite.json")
    code, out, err = _run(["compare", f"{suite}:old", f"{suite}:new", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["baseline"]["n"] == 6  # worker runs, not the 18 inner values
    assert data["verdict"] == "better"
    code, _, err = _run(["compare", suite, f"{suite}:new"], capsys)
    assert code == 2
    assert "name one" in err


def _pytest_benchmark_file(path: Path, with_data: bool = True) -> str:
    benchmarks = []
    for name, shift in (("test_old", 0.0), ("test_new", 0.5)):
        values = [1.0 + shift + 0.01 * (i % 7) for i in range(30)]
        stats = {"min": min(values), "max": max(values), "median": sorted(values)[15]}
        if with_data:
            stats["data"] = values
        benchmarks.append({"name": name, "fullname": f"test_x.py::{name}", "stats": stats})
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": benchmarks, "version": "5.1"}))
    return str(path)


def test_pytest_benchmark_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = _pytest_benchmark_file(tmp_path / "pb.json")
    code, out, err = _run(["compare", f"{saved}:test_old", f"{saved}:test_new", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "worse"
    assert any("one process" in w for w in data["warnings"])
    summary_only = _pytest_benchmark_file(tmp_path / "summary.json", with_data=False)
    code, _, err = _run(["compare", f"{summary_only}:test_old", f"{saved}:test_new"], capsys)
    assert code == 2
    assert "--benchmark-save-data" in err


BAD_INPUTS = [
    ("empty file", "", "10\n11\n", [], "empty"),
    ("non-numeric cell", "1.0\nabc\n2.0\n", "10\n11\n", [], "line 2: 'abc' is not a number"),
    ("NaN", "1.0\nnan\n2.0\n", "10\n11\n", [], "line 2: 'nan' is not a finite number"),
    ("infinity", "1.0\n2.0\ninf\n", "10\n11\n", [], "line 3: 'inf' is not a finite number"),
    ("single value", "1.0\n", "10\n11\n", [], "1 value"),
    ("unequal pairs", "1.0\n2.0\n3.0\n", "10\n11\n", ["--paired"], "--paired"),
    ("unknown test", "1.0\n2.0\n", "10\n11\n", ["--test", "t"], "'--test'|'t' is not one of"),
    ("bad margin", "1.0\n2.0\n", "10\n11\n", ["--margin", "abc"], "--margin 'abc'"),
    ("bad confidence", "1.0\n2.0\n", "10\n11\n", ["--confidence", "95"], "--confidence '95'"),
    ("unknown column", "ms\n1.0\n2.0\n", "10\n11\n", [":us"], "no column 'us'"),
    ("two columns", "a,b\n1,2\n3,4\n", "10\n11\n", [], "name one"),
]


@pytest.mark.parametrize(
    ("base_text", "cand_text", "extra", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    base_text: str,
    cand_text: str,
    extra: list[str],
    message: str,
) -> None:
    base = _write(tmp_path / "base.csv", base_text)
    cand = _write(tmp_path / "cand.csv", cand_text)
    if extra[:1] == [":us"]:
        base, extra = base + ":us", []
    code, out, err = _run(["compare", base, cand, *extra], capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert all(part in lines[0] for part in message.split("|"))  # each part, in one line
    if "--" not in message:
        assert "base.csv" in lines[0]  # names the file


def test_missing_file_and_bad_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path / "good.csv", "1\n2\n")
    code, _, err = _run(["compare", str(tmp_path / "nope.csv"), good], capsys)
    assert code == 2
    assert "no such file" in err
    broken = _write(tmp_path / "broken.json", "[1, 2,")
    code, _, err = _run(["compare", broken, good], capsys)
    assert code == 2
    assert "broken.json line 1" in err
    words = _write(tmp_path / "words.json", '[1, "two", 3]')
    code, _, err = _run(["compare", words, good], capsys)
    assert code == 2
    assert "item 1" in err


def test_values_near_the_float_limit_do_not_overflow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import warnings

    high = _write(tmp_path / "h2.txt", "1.7e308\n1.6e308\n1.5e308\n")
    low = _write(tmp_path / "h1.txt", "1e308\n1e308\n1.5e308\n")
    mixed = _write(tmp_path / "h3.txt", "-1e308\n1.7e308\n-1.5e308\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, out, err = _run(["compare", high, low, "--json"], capsys)
        assert code == 0, err
        data = json.loads(out)
        assert data["baseline"]["mean"] == pytest.approx(1.6e308)
        assert data["effect"]["relative"] == pytest.approx(-0.2836, abs=1e-3)
        code, out, err = _run(["compare", mixed, high], capsys)
        assert code == 0, err
        for test in ("welch", "mann-whitney", "permutation"):
            code, out, err = _run(["compare", high, low, "--test", test], capsys)
            assert code == 0, err
            assert "nan" not in out and "inf" not in out


def test_values_spanning_the_whole_float_range_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = _write(tmp_path / "tiny.txt", "1e-300\n2e-300\n1.5e-300\n")
    big = _write(tmp_path / "big.txt", "1e300\n2e300\n1.5e300\n")
    code, _, err = _run(["compare", tiny, big], capsys)
    assert code == 2
    assert "orders of magnitude" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("latency\n10,1\n10,3\n9,9\n", "line 2: '10,1' has 2 cells"),
        ("10,1\n10,3\n9,9\n", "line 1: '10,1' has 2 cells"),
        ("10\n11\n10,5\n", "line 3: '10,5' has 2 cells"),
        ("latency;other\n10,1;3\n10,3;4\n", "only ',' separates columns"),
        ("a,b\n1,2\n3,4,5\n", "line 3: '3,4,5' has 3 cells"),
    ],
)
def test_extra_cells_are_an_error_not_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str
) -> None:
    bad = _write(tmp_path / "comma.csv", text)
    good = _write(tmp_path / "good.csv", "10\n11\n12\n")
    argument = f"{bad}:a" if text.startswith("a,b") else bad
    code, _, err = _run(["compare", argument, good], capsys)
    assert code == 2
    assert where in err
    assert "decimal comma" in err
    assert len(err.strip().splitlines()) == 1


def test_trailing_empty_cell_is_tolerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _write(tmp_path / "base.csv", "10,\n11,\n12,\n")
    cand = _write(tmp_path / "cand.csv", "10\n11\n12\n")
    code, _, err = _run(["compare", base, cand], capsys)
    assert code == 0, err


def test_metric_must_name_a_column_of_a_file_with_a_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _write(tmp_path / "base.csv", "latency\n10\n11\n12\n")
    cand = _write(tmp_path / "cand.csv", "latency\n10\n11\n13\n")
    code, _, err = _run(["compare", base, cand, "--metric", "nosuch"], capsys)
    assert code == 2
    assert "--metric 'nosuch'" in err and "latency" in err
    # FILE:COLUMN reads another column under the --metric label
    code, out, err = _run(
        ["compare", f"{base}:latency", f"{cand}:latency", "--metric", "nosuch", "--json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["metric"] == "nosuch"
    assert data["baseline"]["source"].endswith(":latency")
    code, _, err = _run(["compare", base, cand, "--metric", "latency"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("margin", ["200%", "100%", "1", "1.5", "-5%", "0", "0%", "nan"])
def test_margin_range_is_the_same_for_fractions_and_percentages(
    arms: tuple[str, str], capsys: pytest.CaptureFixture[str], margin: str
) -> None:
    code, _, err = _run(["compare", *arms, "--margin", margin], capsys)
    assert code == 2
    assert "--margin" in err and "below 100%" in err


def test_identical_arms_read_as_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _write(tmp_path / "base.csv", "10\n11\n12\n")
    code, out, _ = _run(["compare", base, base], capsys)
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    assert "candidate is the same as the baseline (95% CI" in flat
    assert "than baseline" not in flat

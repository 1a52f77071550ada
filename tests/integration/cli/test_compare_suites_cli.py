"""``assay compare BASE HEAD`` on two whole suites (issue 13): pyperf files written by
pyperf itself, real result files from public projects (tests/data/suites), and runs
stored in a workspace on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyperf
import pytest
from rich.console import Console

from assay import Workspace
from assay.bench import analysis as bench_analysis
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.cli import output
from assay.store import runs as run_rows
from support import run_main

SUITES = Path(__file__).parents[2] / "data" / "suites"
LONG = "regex_compile_a_long_pattern_with_many_named_groups"


def _pyperf(path: Path, factors: dict[str, float], names: list[str], unit: str = "") -> str:
    """A pyperf suite: 8 worker processes of 3 values per benchmark, seeded."""
    rng = np.random.default_rng(len(names) + int(sum(factors.values()) * 100))
    benchmarks = []
    for name in names:
        runs = []
        for _ in range(8):
            process = rng.normal(0.0, 0.03)
            values = [
                float(factors.get(name, 1.0) * 1e-3 * np.exp(process + rng.normal(0.0, 0.01)))
                for _ in range(3)
            ]
            metadata: dict[str, Any] = {"name": name, "loops": 1}
            if unit:
                metadata["unit"] = unit
            runs.append(
                pyperf.Run(
                    values, warmups=[(1, values[0])], metadata=metadata, collect_metadata=False
                )
            )
        benchmarks.append(pyperf.Benchmark(runs))
    pyperf.BenchmarkSuite(benchmarks).dump(str(path), replace=True)
    return str(path)


@pytest.fixture
def suites(tmp_path: Path) -> tuple[str, str]:
    """BASE and HEAD: json_dumps 30% slower, sort 2x faster, one name on each side only."""
    base = _pyperf(
        tmp_path / "base.json", {}, ["json_dumps", "json_loads", LONG, "sort_10k", "unpickle"]
    )
    head = _pyperf(
        tmp_path / "head.json",
        {"json_dumps": 1.3, "sort_10k": 0.5},
        ["json_dumps", "json_loads", LONG, "sort_10k", "startup"],
    )
    return base, head


def _holm(p: list[float]) -> list[float]:
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def test_terminal_table_fits_80_columns(
    suites: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(output, "console", Console(width=80, soft_wrap=True))
    code, out, err = run_main(["compare", *suites], capsys)
    assert code == 0, err
    assert all(len(line) <= 80 for line in out.splitlines()), out
    flat = re.sub(r"\s+", " ", out)
    assert "1 slower, 1 faster, 2 inconclusive of 4 benchmarks; 1 only in BASE, 1 only in HEAD" in (
        flat
    )
    assert "Holm-adjusted" in flat and "A trial is one repetition (its mean)" in flat
    assert "Only in BASE: unpickle" in flat and "Only in HEAD: startup" in flat
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if "│" in line}
    assert "WORSE" in rows["json_dumps"] and "+3" in rows["json_dumps"]
    assert "BETTER" in rows["sort_10k"] and "2.0x faster" in rows["sort_10k"]
    assert "~" in rows["json_loads"]


def test_markdown_for_a_pull_request(
    suites: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(["compare", *suites, "--format", "markdown"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("**1 slower, 1 faster, 2 inconclusive of 4 benchmarks")
    assert "| Benchmark | BASE | HEAD | Change (95% CI) | Verdict |" in lines
    assert "|---|---:|---:|---|---|" in lines
    table = {line.split(" | ")[0][3:-1]: line for line in lines if line.startswith("| `")}
    assert table["json_dumps"].endswith("| **WORSE** |")
    assert table["sort_10k"].endswith("| **BETTER** |")
    assert table["json_loads"].endswith("| ~ |") and table[LONG].endswith("| ~ |")
    assert re.search(r"\| \+\d+% \(\+\d+% to \+\d+%\) \|", table["json_dumps"])
    assert "`~`: no claim." in out and "Only in HEAD: startup" in out


def test_json_for_machines_with_holm_adjusted_pvalues(
    suites: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(["compare", *suites, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["base"]["tool"] == "pyperf" and data["adjustment"] == "holm"
    assert data["counts"] == {"better": 1, "worse": 1, "equivalent": 0, "inconclusive": 2}
    assert [b["name"] for b in data["benchmarks"]] == ["json_dumps", "json_loads", LONG, "sort_10k"]
    assert data["only_base"] == ["unpickle"] and data["only_head"] == ["startup"]
    p = [b["p_value"] for b in data["benchmarks"]]
    assert [b["p_adjusted"] for b in data["benchmarks"]] == pytest.approx(_holm(p), rel=1e-12)
    dumps = data["benchmarks"][0]
    assert dumps["units"] == "repetitions" and dumps["n_base"] == 8  # processes, not 24 values
    assert dumps["ci"][0] < dumps["effect"] < dumps["ci"][1]
    assert data["summary"].startswith("1 slower, 1 faster")
    code, out, _ = run_main(
        ["compare", *suites, "--json", "--adjust", "bh", "--margin", "5%"], capsys
    )
    data = json.loads(out)
    assert data["adjustment"] == "bh" and data["margin"] == 0.05


def test_real_files_from_public_projects(capsys: pytest.CaptureFixture[str]) -> None:
    """pyperf's own test file, plain and gzipped (the same data: no claim of change),
    and a hyperfine export compared with itself."""
    plain, packed = (
        SUITES / "pyperf" / "mult_list_py36.json",
        SUITES / "pyperf" / "mult_list_py36.json.gz",
    )
    code, out, err = run_main(["compare", str(plain), str(packed), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert [b["name"] for b in data["benchmarks"]] == ["[1]*1000", "[1,2]*1000", "[1,2,3]*1000"]
    assert all(b["verdict"] == "inconclusive" and b["effect"] == 0 for b in data["benchmarks"])
    hyperfine = SUITES / "hyperfine" / "1brc-hyperfine.json"
    code, out, err = run_main(["compare", str(hyperfine), str(hyperfine), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["base"]["tool"] == "hyperfine" and len(data["benchmarks"]) == 2
    assert data["summary"] == "0 slower, 0 faster, 2 inconclusive of 2 benchmarks"


def test_one_benchmark_files_still_compare_as_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _pyperf(tmp_path / "old.json", {}, ["old"])
    head = _pyperf(tmp_path / "new.json", {"new": 0.7}, ["new"])
    code, out, err = run_main(["compare", base, head, "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["verdict"] == "better"  # the two-sample document, as before
    code, _, err = run_main(["compare", base, head, "--suite"], capsys)
    assert code == 2 and "no benchmark in common" in err
    same = _pyperf(tmp_path / "same.json", {"old": 0.7}, ["old"])
    code, out, err = run_main(["compare", base, same, "--suite", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["counts"]["better"] == 1


def _bad(tmp_path: Path, suites: tuple[str, str]) -> dict[str, tuple[list[str], str]]:
    csv = tmp_path / "values.csv"
    csv.write_text("1.0\n2.0\n3.0\n")
    other = _pyperf(tmp_path / "other.json", {}, ["a", "b"])
    memory = _pyperf(tmp_path / "memory.json", {}, ["json_dumps", "json_loads"], unit="byte")
    return {
        "not a suite": ([str(csv), suites[1], "--format", "markdown"], "values.csv: not a suite"),
        "nothing in common": ([suites[0], other], "no benchmark in common"),
        "units differ": ([suites[0], memory], "'second' in BASE but 'byte' in HEAD"),
        "paired": ([*suites, "--paired"], "--paired and --test compare two samples"),
        "test": ([*suites, "--test", "mann-whitney"], "--paired and --test"),
        "format": ([*suites, "--format", "html"], "--format"),
        "run id outside a workspace": (["20260101-abcdef", suites[1]], "no assay workspace"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "not a suite",
        "nothing in common",
        "units differ",
        "paired",
        "test",
        "format",
        "run id outside a workspace",
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    case: str,
    tmp_path: Path,
    suites: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    argv, message = _bad(tmp_path, suites)[case]
    code, out, err = run_main(["compare", *argv], capsys)
    assert code == 2, (out, err)
    assert out == ""
    assert message in err
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err


# -- runs of a workspace -------------------------------------------------------------


def _run(ws: Workspace, times: dict[str, float], *, finish: bool = True) -> str:
    """A run of three methods at two sweep points, five trials each, stored with its
    analysis as ``bench run`` stores it."""
    header = RunHeader(
        spec={"name": "sorting", "baseline": "builtin", "candidates": ["heap", "merge"],
              "metrics": []},
        options={"plan_seed": 1, "confidence": 0.95},
        environment={},
        planned=30,
    )  # fmt: skip
    at = dt.datetime.now(dt.UTC)
    trials = [
        TrialResult(
            TrialKey(method, (("n", n),), seed),
            TrialStatus.OK,
            seed,
            0,
            values={"time": t * n / 1000 * (1 + 0.01 * seed), "peak_rss": 2.0**20},
        )
        for method, t in times.items()
        for n in (1000, 10000)
        for seed in range(5)
    ]
    with ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="sorting", source="/sort_bench.py", kind="bench", header=header,
            by="priya", at=at,
        )  # fmt: skip
        for trial in trials:
            run_rows.add_trial(session, run_id, trial)
        if finish:
            result = bench_analysis.analyse(header, trials).to_dict()
            run_rows.finish_run(session, run_id, result, at)
    return str(run_id)


@pytest.fixture
def workspace(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workspace]:
    monkeypatch.setenv("ASSAY_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSAY_USER", "priya")
    monkeypatch.chdir(tmp_path)
    ws = Workspace.open(tmp_path, url=database_url, user="priya")
    yield ws
    ws.close()


def test_two_runs_compare_as_suites(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _run(workspace, {"builtin": 1e-3, "heap": 3e-3, "merge": 2e-3})
    head = _run(workspace, {"builtin": 1e-3, "heap": 1.5e-3, "merge": 2e-3})
    code, out, err = run_main(["compare", base, head, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["base"] == {"source": f"run {base}", "tool": "assay", "benchmarks": 6}
    verdicts = {b["name"]: b["verdict"] for b in data["benchmarks"]}
    assert verdicts["heap[n=1000]"] == verdicts["heap[n=10000]"] == "better"
    assert verdicts["builtin[n=1000]"] == "inconclusive"  # the same values: no change
    assert all(b["units"] == "repetitions" and b["n_base"] == 5 for b in data["benchmarks"])
    code, out, err = run_main(["compare", base, head, "--metric", "peak_rss", "--json"], capsys)
    assert code == 0, err
    assert {b["unit"] for b in json.loads(out)["benchmarks"]} == {"byte"}
    unfinished = _run(workspace, {"builtin": 1e-3}, finish=False)
    code, out, err = run_main(["compare", base, unfinished], capsys)
    assert code == 2 and out == ""
    assert f"run {unfinished} is" in err and "compare finished runs" in err
    code, out, err = run_main(["compare", base, "20260101-abcdef"], capsys)
    assert code == 2 and out == "" and "unknown run '20260101-abcdef'" in err


def _pytest_benchmark(path: Path, shift: float) -> str:
    """A pytest-benchmark save with its rounds (--benchmark-save-data): one process."""
    benchmarks = []
    for name in ("test_parse[a|b]", "test_render"):
        data = [1e-3 * (1 + shift * (name == "test_render") + 0.001 * (i % 7)) for i in range(40)]
        benchmarks.append(
            {"name": name, "fullname": f"tests/test_x.py::{name}", "stats": {"data": data}}
        )
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": benchmarks, "version": "4.0.0"}))
    return str(path)


def test_pytest_benchmark_rounds_are_values_of_one_process_and_markdown_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _pytest_benchmark(tmp_path / "0001_base.json", 0.0)
    head = _pytest_benchmark(tmp_path / "0002_head.json", 0.2)
    code, out, err = run_main(["compare", base, head, "--format", "markdown"], capsys)
    assert code == 0, err
    assert "| `tests/test_x.py::test_parse[a\\|b]` |" in out  # the pipe cannot end the cell
    assert "one value in 2" in out
    assert "BASE holds 1 repetition of 40 values" in out  # the interval may be too narrow
    render = next(line for line in out.splitlines() if "test_render" in line)
    assert render.endswith("| **WORSE** |")

"""``bench run --gpu-graph`` reaches the run's stored options; CPU methods are timed on
the CPU as ever (the mode applies to methods that use CUDA, see docs/gpu.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import Run, json_ok, main_runner, new_team

BENCH = """
import assay.bench as assay

@assay.workload
def data(seed):
    return list(range(100))

@assay.baseline
def total(xs):
    return sum(xs)

@assay.candidate
def total_again(xs):
    return sum(xs)
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_team(tmp_path, monkeypatch, user="tester", columns=200)


@pytest.fixture
def cli(root: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return main_runner(capsys)


@pytest.mark.parametrize("flag", [[], ["--gpu-graph"]])
def test_the_flag_is_stored_with_the_run(cli: Run, root: Path, flag: list[str]) -> None:
    path = root / "sums.py"
    path.write_text(BENCH)
    args = ("bench", "run", path, "--trials", "2", "--isolation", "in-process", *flag)
    report = json_ok(cli(*args, "--json"))
    assert report["options"]["gpu_graph"] is bool(flag)
    shown = json_ok(cli("bench", "show", report["run_id"], "--json"))
    assert shown["options"]["gpu_graph"] is bool(flag)  # read back from the store
    assert report["comparisons"]  # CPU methods compared as ever

"""``assay load ... --store``: a load result kept as a run of kind "load" in a real
SQLite workspace, read back as measured; refusals write nothing and send nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from support import run_assay


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    result = run_assay(tmp_path, "init", ".")
    assert result.returncode == 0, result.stderr
    return tmp_path


def runs(cwd: Path) -> list[dict]:  # type: ignore[type-arg]
    result = run_assay(cwd, "bench", "list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return data if isinstance(data, list) else data["runs"]  # type: ignore[no-any-return]


def test_a_stored_ab_is_a_run_with_its_comparisons(
    workspace: Path, target: Callable[..., str]
) -> None:
    fast = target("fast")
    args = ["--vs", fast + "/b", "--rate", "100", "--duration", "2", "--store", "--name", "ab1"]
    result = run_assay(workspace, "load", "run", fast, *args, "--json")
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout)
    run_id = measured["run_id"]
    shown = json.loads(run_assay(workspace, "load", "show", run_id, "--json").stdout)
    assert shown["run_id"] == run_id and shown["name"] == "ab1"
    # Read back exactly as measured: nothing recomputed.
    assert shown["arms"] == measured["arms"] and shown["comparison"] == measured["comparison"]
    bench = json.loads(run_assay(workspace, "bench", "show", run_id, "--json").stdout)
    rows = bench["result"]["comparisons"] if "result" in bench else bench["comparisons"]
    assert {r["metric"] for r in rows} == {"latency_p50_ms", "latency_p90_ms"}
    assert [r["kind"] for r in runs(workspace) if r["run_id"] == run_id] == ["load"]
    # As text, `bench show` shows the load run as `load show` does, not a benchmark's
    # layout (no trials, no advice to pin CPUs).
    text = run_assay(workspace, "bench", "show", run_id)
    assert text.returncode == 0, text.stderr
    assert text.stdout == run_assay(workspace, "load", "show", run_id).stdout
    assert f"Load run {run_id} (ab1)" in text.stdout and "trials" not in text.stdout
    assert "pin CPUs" not in text.stderr
    # Stored like every finished run: its latencies extend the watched series of "ab1".
    watched = json.loads(run_assay(workspace, "watch", "--json").stdout)["series"]
    ours = {(s["metric"], s["points"]) for s in watched if s["benchmark"] == "ab1"}
    assert ours and all(points == 1 for _, points in ours), watched


def test_a_stored_slo_search_and_its_text(workspace: Path, target: Callable[..., str]) -> None:
    fast = target("fast")
    args = ["--p99", "500", "--start-rate", "400", "--max-rate", "400", "--probe", "1"]
    result = run_assay(workspace, "load", "slo", fast, *args, "--confirm", "1", "--store")
    assert result.returncode == 0, result.stderr
    assert "stored as run" in result.stdout
    run_id = result.stdout.split("stored as run ")[1].split()[0]
    shown = run_assay(workspace, "load", "show", run_id)
    assert shown.returncode == 0 and "highest rate with P99 <= 500 ms: 400/s" in shown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "--prototype", "nope"], "unknown prototype 'nope'"),
        (["--name", "x"], "--name and --prototype: expected --store"),
        (["--store", "--rate", "0"], "--rate: expected"),
    ],
)
def test_refusals_store_nothing(workspace: Path, args: list[str], message: str) -> None:
    before = runs(workspace)
    result = run_assay(workspace, "load", "run", "http://127.0.0.1:9/", "--duration", "1", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert runs(workspace) == before


def test_show_refuses_a_run_of_another_kind(workspace: Path) -> None:
    result = run_assay(workspace, "load", "show", "20260101-000000")
    assert result.returncode == 2 and "error:" in result.stderr


def test_a_viewer_may_not_store_and_nothing_is_sent(
    workspace: Path, target: Callable[..., str]
) -> None:
    assert run_assay(workspace, "user", "add", "tester", "--role", "admin").returncode == 0
    assert run_assay(workspace, "user", "add", "vic", "--role", "viewer").returncode == 0
    before = runs(workspace)
    fast = target("fast")
    result = run_assay(
        workspace, "load", "run", fast, "--duration", "1", "--store", env={"ASSAY_USER": "vic"}
    )
    assert result.returncode == 2 and "contributor" in result.stderr, result.stderr
    assert result.stdout == ""  # refused before the run: no table, no load sent
    assert runs(workspace) == before

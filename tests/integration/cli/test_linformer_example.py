"""The bundled Linformer example, run on the CPU at tiny sizes through the real CLI.

Two lengths far apart (64 and 2048 tokens, Linformer projecting to 32) so that,
on a busy two-core machine, every time verdict is decided: Linformer's two
extra matrix products cost more than they save at 64 and much less at 2048,
and naive attention is about twice exact attention's time at both. The run
must report Linformer's crossover against exact attention, with its interval,
and flag naive attention as a weak baseline. torch is optional for assay but CI
installs its CPU wheel, so this test only skips on a machine without torch
(where a skip in CI would fail the build; see tests/conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import run_assay

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "linformer" / "bench_attention.py"


@pytest.mark.slow  # about a minute: 48 forked trials
def test_the_linformer_example_finds_the_crossover_and_flags_naive_as_weak(
    tmp_path: Path,
) -> None:
    pytest.importorskip("torch")
    assert run_assay(tmp_path, "init").returncode == 0
    env = {
        "LINFORMER_DEVICE": "cpu",
        "LINFORMER_SWEEP": "64,2048",
        "LINFORMER_K": "32",
    }
    args = ("bench", "run", str(EXAMPLE), "--trials", "8", "--threads", "1", "--seed", "7")
    done = run_assay(tmp_path, *args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)

    verdicts = {
        (row["candidate"], row["params"]["n"]): row["verdict"]
        for row in report["comparisons"]
        if row["metric"] == "time"
    }
    assert verdicts == {
        ("linformer", 64): "worse",
        ("linformer", 2048): "better",
        ("naive", 64): "worse",
        ("naive", 2048): "worse",
    }
    (crossover,) = report["crossovers"]
    assert crossover["candidate"] == "linformer"
    assert crossover["wins_above"] is True
    low, high = crossover["interval"]
    assert 64 <= low <= crossover["at"] <= high <= 2048
    assert crossover["sentence"].startswith("linformer is faster than exact above n ≈ ")
    assert "(95% interval " in crossover["sentence"]

    (weak,) = [w for w in report["warnings"] if w.startswith("WEAK BASELINE")]
    assert weak.startswith("WEAK BASELINE: naive is slower than exact at every one of its 2 points")
    # Linformer pays for its speed in accuracy, so it is a trade-off, never "weak"
    errors = {
        row["candidate"]: row["verdict"]
        for row in report["comparisons"]
        if row["metric"] == "max_abs_error" and row["params"]["n"] == 2048
    }
    assert errors == {"linformer": "worse", "naive": "equivalent"}

    # what a person sees: the same run shown as text
    shown = run_assay(tmp_path, "bench", "show", report["run_id"])
    assert shown.returncode == 0, shown.stderr
    assert "crossover: linformer is faster than exact above n ≈" in " ".join(shown.stdout.split())
    # warnings go to stderr, as every warning of the CLI does
    assert "WEAK BASELINE: naive is slower than exact" in " ".join(shown.stderr.split())

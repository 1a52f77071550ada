"""Issue 10, problem 1, end to end: an ``--until-decided`` run of a 100x effect decides
within a handful of trials, says why it stopped (``bench run`` and ``bench show``), and,
linked to a prototype, is the evidence ``gate review`` judges its criterion on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import run_assay

BIG_EFFECT = """
import assay

@assay.workload(params={"n": [100_000]})
def data(seed, n):
    return n

@assay.baseline
def full_sum(data):
    return sum(range(data))

@assay.candidate
def small_sum(data):
    return sum(range(data // 100))
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    assert run_assay(tmp_path, "init").returncode == 0
    assert run_assay(tmp_path, "user", "add", "tester", "--role", "admin").returncode == 0
    (tmp_path / "sum_bench.py").write_text(BIG_EFFECT)
    return tmp_path


def test_an_until_decided_run_is_evidence_for_the_gate(ws: Path) -> None:
    assert run_assay(ws, "technique", "add", "Short sums", "--area", "algorithms").returncode == 0
    made = run_assay(
        ws, "prototype", "new", "Short sums", "short-sums",
        "--hypothesis", "summing a hundredth of the range is at least twice as fast",
        "--success", "effect(time) <= -50%", "--timebox", "5d",
        "--evidence", "sum_bench.py", "--candidate", "small_sum", "--at", "n=100000",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    ran = run_assay(
        ws, "bench", "run", "sum_bench.py", "--until-decided", "--trials", "5", "--budget", "2m"
    )
    assert ran.returncode == 0, ran.stderr
    said = " ".join(ran.stdout.split())  # sentences wrap at the terminal's width
    assert "stopped: every primary comparison reached its sequential verdict" in said
    assert "1 BETTER (after 5 trials per arm)" in said

    listed = json.loads(run_assay(ws, "bench", "list", "--json").stdout)["runs"]
    run_id = listed[0]["run_id"]
    shown = run_assay(ws, "bench", "show", run_id, "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["stopped"].startswith("every primary comparison reached its sequential verdict")
    (row,) = [r for r in data["comparisons"] if r["metric"] == "time"]
    assert row["verdict"] == "better"
    effect = row["effect"]  # {"relative", "ci", "ratio", ...}, or a number beside "ci"
    ci = effect["ci"] if isinstance(effect, dict) else row["ci"]
    assert ci is not None and ci[1] < -0.5
    assert "stopped: every primary comparison" in run_assay(ws, "bench", "show", run_id).stdout

    review = run_assay(ws, "gate", "review", "short-sums", "--json")
    assert review.returncode == 0, review.stderr
    text = json.dumps(json.loads(review.stdout))
    assert "no evidence for effect(time)" not in text
    assert run_id in text
    (criterion,) = json.loads(review.stdout)["criteria"]
    assert criterion["outcome"] == "PASS", criterion

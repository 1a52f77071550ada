"""State that cannot leak between timed calls, and the interleaving chosen for the workload.

Real benchmark files, their trials in forked processes: the user's case through
``assay bench run`` in a subprocess against a real workspace database, the rest
through :func:`assay.bench.run_benchmark`.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from assay.bench import BenchmarkResult, load_benchmark, run_benchmark
from support import run_assay

from .conftest import fast_options

# The user's case from issue 10: a tokenizer behind functools.lru_cache came out
# "BETTER -93%" because every timed call hit the cache the first call filled.
TOKENIZER = """
import functools
import random
import assay

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]

@assay.workload
def text(seed):
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(3000))

def _tokenize(text):
    return [w.lower().strip(".,") for w in text.split()]

@assay.baseline
def plain(text):
    return _tokenize(text)

@assay.candidate
@functools.lru_cache(maxsize=None)
def tokenize(text):
    return _tokenize(text)
"""

STEADY = """
import assay

@assay.workload
def data(seed):
    return list(range(2000))

@assay.baseline
def loop(data):
    total = 0
    for x in data:
        total += x * x
    return total

@assay.candidate
def loop_again(data):
    total = 0
    for x in data:
        total += x * x
    return total
"""

IN_PLACE = """
import assay

@assay.workload
def data(seed):
    return list(range(500, 0, -1))

def fresh(data):
    return list(data)

@assay.baseline(setup=fresh)
def sort_in_place(data):
    if data[0] < data[-1]:
        raise AssertionError("the input was already sorted: a call saw the last call's state")
    data.sort()
    return data[0]

@assay.candidate(setup=fresh)
def sorted_copy(data):
    if data[0] < data[-1]:
        raise AssertionError("the input was already sorted")
    return sorted(data)[0]
"""

COMMAND = """
import assay

@assay.workload
def data(seed):
    return seed

assay.baseline(assay.command("true"), name="true")

@assay.candidate
def python(data):
    return data
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    assert run_assay(tmp_path, "init").returncode == 0
    return tmp_path


def bench(ws: Path, source: str, *args: str) -> dict[str, Any]:
    """Run a benchmark file over the CLI; its JSON."""
    (ws / "bench_it.py").write_text(textwrap.dedent(source))
    done = run_assay(ws, "bench", "run", "bench_it.py", "--seed", "5", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def show(ws: Path, run_id: str) -> str:
    """What ``bench show`` prints for people (stdout and stderr, spaces folded)."""
    shown = run_assay(ws, "bench", "show", run_id)
    assert shown.returncode == 0, shown.stderr
    return " ".join((shown.stdout + shown.stderr).split())


def time_row(data: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in data["comparisons"] if r["metric"] == "time")


def test_a_cached_method_warns_and_cold_runs_measure_it_honestly(ws: Path) -> None:
    assert run_assay(ws, "technique", "add", "Token cache", "--area", "nlp").returncode == 0
    (ws / "bench_it.py").write_text(textwrap.dedent(TOKENIZER))  # the evidence must exist
    made = run_assay(
        ws, "prototype", "new", "Token cache", "token-cache",
        "--hypothesis", "caching tokens makes tokenizing 20% faster",
        "--success", "effect(time) <= -20%", "--evidence", "bench_it.py",
        "--candidate", "tokenize",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    warm = bench(ws, TOKENIZER, "--trials", "3")
    first_call = [w for w in warm["warnings"] if "first call" in w]
    assert first_call, warm["warnings"]
    assert first_call[0].startswith("tokenize: first call ")
    assert "consider --cold or a setup hook" in first_call[0]
    shown = show(ws, warm["run_id"])
    assert "tokenize: first call" in shown
    assert "interleave: samples (Python methods" in shown
    assert time_row(warm)["effect"]["relative"] < -0.9  # the cache hit, as the user saw
    report = run_assay(
        ws, "report", "token-cache", "--audience", "eng", "--format", "html", "-o", "eng.html"
    )
    assert report.returncode == 0, report.stderr
    assert "tokenize: first call" in (ws / "eng.html").read_text()

    cold = bench(ws, TOKENIZER, "--trials", "3", "--cold")
    assert cold["options"]["cold"] is True
    assert cold["options"]["interleave"] == "trials"
    shown = show(ws, cold["run_id"])
    assert "cold: each method's setup (and cache_clear) ran before every timed call" in shown
    assert "interleave: trials (--cold times one call per sample" in shown
    assert not [w for w in cold["warnings"] if "first call" in w], cold["warnings"]
    effect = time_row(cold)["effect"]["relative"]
    assert abs(effect) < 0.5, effect  # the same tokenizer, cache emptied before each call


def run(write_bench: Any, source: str, **options: Any) -> BenchmarkResult:
    return run_benchmark(load_benchmark(write_bench(source)), fast_options(**options))


def test_a_steady_method_does_not_warn(write_bench: Any) -> None:
    result = run(write_bench, STEADY, trials=3)
    assert result.failed == 0
    assert not [w for w in result.warnings if "first call" in w], result.warnings


def test_a_setup_gives_every_call_a_fresh_input(write_bench: Any) -> None:
    result = run(write_bench, IN_PLACE, trials=2)
    assert result.failed == 0, [t.reason for t in result.trials if not t.ok]
    assert result.header.options["interleave"] == "trials"
    assert "a setup hook" in result.header.options["interleave_reason"]
    assert all(t.details["timer"]["loops"] == 1 for t in result.trials)
    assert result.header.spec["setups"] == {"sort_in_place": "fresh", "sorted_copy": "fresh"}
    # without the setup the second call sees a sorted list and the method fails
    no_setup = IN_PLACE.replace("@assay.baseline(setup=fresh)", "@assay.baseline")
    broken = run(write_bench, no_setup, trials=2)
    failed = [t for t in broken.trials if t.key.method == "sort_in_place"]
    assert failed and all(not t.ok and "already sorted" in (t.reason or "") for t in failed)


def test_auto_interleaving_is_chosen_for_the_workload_and_said(write_bench: Any) -> None:
    python = run(write_bench, STEADY, trials=2)
    assert "setups" not in python.header.spec
    assert python.header.options["interleave"] == "samples"
    assert python.header.options["interleave_reason"].startswith("Python methods")
    assert all(t.details.get("interleaved_with") == 2 for t in python.trials)

    command = run(write_bench, COMMAND, trials=2)
    assert command.header.options["interleave"] == "trials"
    assert command.header.options["interleave_reason"] == (
        "true is a command, timed in processes of its own"
    )
    assert all("interleaved_with" not in t.details for t in command.trials)

    asked = run(write_bench, STEADY, trials=2, interleave="trials")
    assert asked.header.options["interleave"] == "trials"
    assert asked.header.options["interleave_reason"] == "asked for with --interleave trials"
    assert all("interleaved_with" not in t.details for t in asked.trials)


LONG = """
import time
import assay

@assay.workload
def data(seed):
    return seed

@assay.baseline
def quick(data):
    return data + 1

@assay.candidate
def slow(data):
    time.sleep(0.11)
    return data + 1
"""


def test_long_calls_turn_an_automatic_samples_run_to_trials(write_bench: Any) -> None:
    result = run(write_bench, LONG, trials=3)
    assert result.header.options["interleave"] == "samples"
    assert "once a call takes 0.1 s or more" in result.header.options["interleave_reason"]
    first = [t for t in result.trials if t.block == 0]
    later = [t for t in result.trials if t.block > 0]
    assert all(t.details.get("interleaved_with") == 2 for t in first)
    assert later and all("interleaved_with" not in t.details for t in later)

    asked = run(write_bench, LONG, trials=2, interleave="samples")  # as asked, to the end
    assert all(t.details.get("interleaved_with") == 2 for t in asked.trials)

"""Shell commands as methods: timed as processes, output fed to metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assay.bench import load_benchmark, run_benchmark

from .conftest import fast_options

SOURCE = """
    import assay.bench as assay

    @assay.workload(params={"n": [3, 5]})
    def text(seed, n):
        return "x" * n

    assay.baseline(assay.command("sh -c 'cat; sleep 0.005'"), name="cat")
    assay.candidate(assay.command("head -c {n}"), name="head")
    assay.candidate(assay.command("sh -c 'cat; sleep 0.03'"), name="slow-cat")

    @assay.metric(higher_is_better=True)
    def length(output):
        return len(output)
"""


def test_commands_run_as_processes(write_bench: Callable[..., Path]) -> None:
    spec = load_benchmark(write_bench(SOURCE))
    assert spec.describe()["commands"]["head"] == "head -c {n}"
    result = run_benchmark(spec, fast_options(trials=3))
    assert result.failed == 0
    cat = next(t for t in result.trials if t.key.method == "cat" and t.key.params == (("n", 5),))
    assert cat.values["length"] == 5.0
    assert cat.details["timer"]["label"] == "process"
    assert cat.details["timer"]["spawn_overhead_ns"] > 0
    assert cat.values["peak_rss"] > 0
    assert "-c" in next(t for t in result.trials if t.key.method == "head").details["argv"]
    slow = result.comparison("slow-cat", "time", (("n", 3),))
    assert slow.effect is not None
    assert slow.effect > 0  # 30 ms of sleep per run is slower than 5 ms
    same = result.comparison("head", "length", (("n", 3),))
    assert same.verdict == "equivalent"


def test_a_failing_command_is_a_failed_trial(write_bench: Callable[..., Path]) -> None:
    source = SOURCE.replace('assay.command("head -c {n}")', 'assay.command("false")')
    result = run_benchmark(load_benchmark(write_bench(source)), fast_options(trials=2))
    failed = [t for t in result.trials if t.key.method == "head"]
    assert all(not t.ok for t in failed)
    assert "CalledProcessError" in (failed[0].reason or "")


def test_a_relative_program_is_found_beside_the_benchmark(
    write_bench: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "serve.sh"
    script.write_text("#!/bin/sh\nprintf 'served %s' \"$1\"\n")
    script.chmod(0o755)
    source = SOURCE.replace('assay.command("head -c {n}")', 'assay.command("./serve.sh {n}")')
    spec = load_benchmark(write_bench(source))
    monkeypatch.chdir("/")  # the run happens elsewhere; ./serve.sh is the file beside it
    result = run_benchmark(spec, fast_options(trials=2))
    served = [t for t in result.trials if t.key.method == "head"]
    for trial in served:
        assert trial.ok, trial.reason
        assert trial.values["length"] == len(f"served {dict(trial.key.params)['n']}")
    assert any("script run by /bin/sh" in w for w in result.warnings)

"""The demo study end to end: outputs agree, the tiled version saves memory."""

from __future__ import annotations

import pytest

from assay.bench import load_module, run_benchmark
from assay.demo_study import MODULE, demo_options

pytestmark = pytest.mark.slow


def test_demo_study_runs() -> None:
    result = run_benchmark(load_module(MODULE), demo_options(trials=2, plan_seed=5))
    assert result.failed == 0
    assert result.completed == result.planned == 2 * 2 * 5
    for row in result.comparisons:
        if row.metric == "matches_reference":
            assert row.verdict == "equivalent"
    memory = result.comparison("tiled", "peak_heap", (("n", 4096),))
    assert memory.verdict == "better"
    assert memory.effect is not None
    assert memory.effect < -0.5
    fits = {(f.method, f.metric): f.exponent for f in result.scaling}
    assert fits[("naive", "peak_heap")] > fits[("tiled", "peak_heap")]

"""The Methods table of ``bench run``/``bench show`` shows the statistic the verdict
compares, labelled as such, with the per-call percentiles in their own columns.

The user's case (issue 10, problem 4): each trial's per-call times are skewed (a few
slow calls), so the pooled per-call P50 (7.88 ms in their run) is not the trial-level
figure the comparison uses (5.93 ms); the table showed the first as "Time P50".
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from rich.console import Console

from assay.bench.analysis import analyse
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.cli.bench import _fmt_time, _summary_table


def _header() -> RunHeader:
    spec = {
        "name": "tokenize",
        "baseline": "plain_tokenizer",
        "candidates": ["cached_tokenizer"],
        "workload": {"name": "data", "params": {}},
        "metrics": [],
        "variants": {},
    }
    options = {"confidence": 0.95, "time_margin": 0.02, "memory_margin": 0.01}
    return RunHeader(spec, options, {}, [], None)


def _trials() -> list[TrialResult]:
    """Eight paired trials per method; each trial's value is the median of its calls,
    and its calls are skewed, so pooled percentiles differ from the trial figures."""
    rng = np.random.default_rng(7)
    out = []
    for method, scale in (("plain_tokenizer", 6.0e-3), ("cached_tokenizer", 4.5e-3)):
        for seed in range(8):
            calls = scale * (1 + 0.1 * seed) * rng.lognormal(0.0, 0.6, 200)
            out.append(
                TrialResult(
                    TrialKey(method, (), seed),
                    TrialStatus.OK,
                    block=seed,
                    position=0 if method == "plain_tokenizer" else 1,
                    values={"time": float(np.median(calls[:50])), "peak_rss": 2.0**25},
                    samples={"time": calls},
                )
            )
    return out


def _rendered(summaries: list[dict[str, object]]) -> str:
    console = Console(width=80, record=True, color_system=None)
    console.print(_summary_table(summaries))  # type: ignore[arg-type]
    return console.export_text()


def _row(text: str, method: str) -> list[str]:
    (line,) = [line for line in text.splitlines() if f" {method} " in line]
    return [cell.strip() for cell in re.split(r"[│┃]", line)[1:-1]]


def test_the_methods_table_shows_the_compared_statistic() -> None:
    result = analyse(_header(), _trials())
    data = result.to_dict()
    text = _rendered(data["summaries"])
    assert "Compared" in text and "Call P50" in text and "Call P99" in text
    assert "geometric mean over trials" in text  # the label says what it is
    (row,) = [r for r in result.comparisons if r.metric == "time"]
    assert row.effect is not None
    shown: dict[str, float] = {}
    for summary in data["summaries"]:
        time = summary["metrics"]["time"]
        cells = _row(text, summary["method"])
        compared, p50, p99 = cells[2], cells[3], cells[4]
        # the figure shown is the stored compared statistic, not a per-call percentile
        assert compared == _fmt_time(time["compared"])
        assert p50 == _fmt_time(time["per_call_p50"]) and p99 == _fmt_time(time["per_call_p99"])
        assert compared != p50, "the case must tell the two statistics apart"
        shown[summary["role"]] = time["compared"]
    # and it is what the verdict compares: candidate / baseline = 1 + effect
    assert shown["candidate"] / shown["baseline"] == pytest.approx(1 + row.effect, rel=1e-9)


def test_a_stored_summary_without_the_compared_figure_falls_back_to_the_trial_median() -> None:
    data = analyse(_header(), _trials()).to_dict()
    for summary in data["summaries"]:
        del summary["metrics"]["time"]["compared"]
    text = _rendered(data["summaries"])
    for summary in data["summaries"]:
        assert _row(text, summary["method"])[2] == _fmt_time(summary["metrics"]["time"]["median"])

"""A prototype's candidate, sweep point and criteria metrics are checked against its
evidence benchmark before anything is registered (and later frozen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay import InputError, Workspace
from assay.pipeline.prototype import Prototype, Registration

BENCH = """
import assay

@assay.workload(params={"n": [1000, 10000]})
def data(seed, n):
    return list(range(n))

@assay.baseline
def builtin(data):
    return sorted(data)

@assay.candidate
def mine(data):
    return sorted(data)

@assay.metric(higher_is_better=True)
def accuracy(output):
    return 1.0
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    (tmp_path / "bench.py").write_text(BENCH)
    workspace = Workspace.init(tmp_path / "w", user="tester")
    workspace.radar.add("T", area="a")
    yield workspace  # type: ignore[misc]
    workspace.close()


def _register(ws: Workspace, tmp_path: Path, name: str, success: str, **kw: object) -> None:
    prototype = Prototype(
        name=name,
        technique="T",
        registration=Registration.build(hypothesis="h", success=[success]),
        evidence=(str(tmp_path / "bench.py"),),
    )
    ws.prototypes.new(prototype, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("success", "options", "message"),
    [
        ("effect(tme) <= -20%", {}, "never measures"),
        ("candidate.accuracy.mean >= 0.9", {"candidate": "mien"}, "not a candidate"),
        ("effect(time) <= -20%", {"point": {"n": 12345}}, "at 1000, 10000 only"),
        ("effect(time) <= -20%", {"point": {"m": 10000}}, "sweeps n"),
    ],
)
def test_typos_are_refused_before_registration(
    ws: Workspace, tmp_path: Path, success: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        _register(ws, tmp_path, "p", success, **options)
    assert ws.prototypes.list() == []


def test_what_the_benchmark_measures_is_accepted(ws: Workspace, tmp_path: Path) -> None:
    for index, success in enumerate(
        [
            "effect(latency.p99) <= -20%",
            "candidate.accuracy.mean >= 0.9",
            "not_worse(memory.peak_rss, margin=5%)",
        ]
    ):
        _register(ws, tmp_path, f"p{index}", success, candidate="mine", point={"n": 10000})
    assert len(ws.prototypes.list()) == 3


def test_the_review_carries_the_comparisons_warnings(ws: Workspace, tmp_path: Path) -> None:
    from assay.bench import BenchOptions, Isolation, load_benchmark

    _register(ws, tmp_path, "p", "effect(time) <= -20%", candidate="mine", point={"n": 1000})
    spec = load_benchmark(tmp_path / "bench.py")
    ws.runs.start(None, BenchOptions(trials=3, isolation=Isolation.IN_PROCESS), spec=spec)
    review = ws.prototypes.review("p")
    assert any("only 3 trials" in w and ", time:" in w for w in review.warnings), review.warnings

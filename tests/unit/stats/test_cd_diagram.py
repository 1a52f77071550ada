"""The critical-difference diagram draws with matplotlib, imported only then."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from assay.stats import critical_difference_diagram, nemenyi
from assay.stats.cd_diagram import cliques


def test_cliques_join_methods_within_the_critical_difference() -> None:
    assert cliques([1.0, 1.5, 2.0, 3.5, 3.9], 1.0) == [(0, 2), (3, 4)]
    assert cliques([1.0, 3.0, 5.0], 1.0) == []
    assert cliques([1.0, 1.8, 2.6], 1.0) == [(0, 1), (1, 2)]


def test_diagram_is_a_figure_with_every_method(tmp_path) -> None:  # type: ignore[no-untyped-def]
    scores = np.random.default_rng(0).normal(size=(12, 5)) + np.arange(5)
    result = nemenyi(scores, names=["a", "b", "c", "d", "e"])
    figure = critical_difference_diagram(result, title="five methods")
    texts = [t.get_text() for t in figure.axes[0].texts]
    for name in "abcde":
        assert any(t.startswith(f"{name} (") for t in texts)
    assert any(t.startswith("CD = ") for t in texts)
    path = tmp_path / "cd.png"
    figure.savefig(path)
    assert path.stat().st_size > 1000


def test_importing_stats_does_not_import_matplotlib() -> None:
    code = "import sys, assay.stats; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

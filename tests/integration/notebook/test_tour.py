"""The tour notebook runs in a real Jupyter kernel, and its results render as tables.

nbclient executes ``tour.ipynb`` with an ipykernel started from this interpreter (a
kernelspec written to a temporary folder names ``sys.executable``, so the kernel is
the virtual environment's Python, never another ``python3`` on the machine). The
notebook builds a workspace in a temporary folder through the Python API, runs a
small benchmark, and shows a result, a comparison, a stored run, a gate review, the
radar and a DataFrame; the test reads the outputs the kernel sent back.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

NOTEBOOK = Path(__file__).with_name("tour.ipynb")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The executed notebook's code cells, keyed by their source's first line."""
    tmp = tmp_path_factory.mktemp("tour")
    kernels = tmp / "kernels"
    spec = kernels / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "assay tour", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    manager = KernelManager(
        kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)])
    )
    home = tmp / "home"
    home.mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSAY_TOUR_DIR", str(home))
        patch.setenv("ASSAY_USER", "priya")
        patch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no path-migration warning
        client = nbclient.NotebookClient(
            notebook, km=manager, timeout=300, resources={"metadata": {"path": str(tmp)}}
        )
        try:
            client.execute()
        finally:  # nbclient leaves a kernel manager it was given running: stop it here
            if client.kc is not None:
                client.kc.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
    assert manager.kernel_spec is not None and manager.kernel_spec.argv[0] == sys.executable
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    return {c.source.splitlines()[0]: c for c in cells}


def output(cell: dict[str, Any], mime: str) -> str:
    """The cell's ``mime`` output (its result, or what it printed for text/plain)."""
    for out in cell["outputs"]:
        if out["output_type"] == "execute_result" and mime in out["data"]:
            return str(out["data"][mime])
        if out["output_type"] == "stream" and out["name"] == "stdout" and mime == "text/plain":
            return str(out["text"])
    raise AssertionError(f"no {mime} output in {cell['source']!r}: {cell['outputs']}")


def test_no_cell_raised(executed: dict[str, dict[str, Any]]) -> None:
    for cell in executed.values():
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert not errors, errors


@pytest.mark.parametrize(
    ("first_line", "caption"),
    [
        ('run_id, result = ws.runs.start(home / "sort_bench.py", BenchOptions(trials=4))', None),
        ("result.comparisons[0]", "ComparisonRow"),
        ("ws.runs.report(run_id)", "RunReport"),
        ('ws.prototypes.review("heap-sort")', "GateReview"),
        ("table(ws.radar.list())", "Technique table"),
    ],
)
def test_each_result_shows_as_an_html_table(
    executed: dict[str, dict[str, Any]], first_line: str, caption: str | None
) -> None:
    html = output(executed[first_line], "text/html")
    assert "<table>" in html and "</table>" in html
    assert f"<caption style='text-align:left'>{caption or 'BenchmarkResult'}" in html


def test_the_result_table_holds_the_verdict_and_the_review_judges_the_criterion(
    executed: dict[str, dict[str, Any]],
) -> None:
    result = output(executed['run_id, result = ws.runs.start(home / "sort_bench.py", '
                           'BenchOptions(trials=4))'], "text/html")  # fmt: skip
    assert "<td>heap_sort</td><td>n=2000</td><td>time</td><td>worse</td>" in result
    review = output(executed['ws.prototypes.review("heap-sort")'], "text/html")
    assert "effect(time) &lt;= -20%" in review and "<td>FAIL</td>" in review
    radar = output(executed["table(ws.radar.list())"], "text/html")
    assert "<td>Heap sort</td>" in radar and "<td>Timsort</td>" in radar


def test_the_repr_is_short(executed: dict[str, dict[str, Any]]) -> None:
    text = output(executed["print(repr(result))"], "text/plain")
    assert text.startswith("BenchmarkResult(benchmark='sort_bench.py', trials=(planned=8, ")
    assert len(text) < 1000 and len(text.splitlines()) <= 1 + 8


def test_the_dataframe_has_one_row_per_comparison(executed: dict[str, dict[str, Any]]) -> None:
    frame = output(executed["frame = result.to_pandas()"], "text/html")
    assert "<table" in frame and "heap_sort" in frame
    rows, comparisons = ast.literal_eval(
        output(executed["len(frame), len(result.comparisons)"], "text/plain")
    )
    assert rows == comparisons >= 1

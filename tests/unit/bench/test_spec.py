"""Loading benchmark files: what is accepted and what gets a clear error."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from assay.bench.spec import BenchmarkSpec, SpecSource, load_benchmark, load_source
from assay.errors import InputError

GOOD = textwrap.dedent(
    """
    import random
    import assay.bench as assay

    @assay.workload(params={"n": [10, 20]})
    def data(seed, n):
        rng = random.Random(seed)
        return [rng.random() for _ in range(n)]

    @assay.baseline
    def builtin_sort(data):
        return sorted(data)

    @assay.candidate
    def my_sort(data):
        return sorted(data, reverse=True)[::-1]

    @assay.metric(higher_is_better=True)
    def smallest(output):
        return output[0]
"""
)

Loader = Callable[..., BenchmarkSpec]


def test_a_good_file(load_bench: Loader) -> None:
    spec = load_bench(GOOD)
    assert spec.name == "bench_file.py"
    assert spec.baseline.name == "builtin_sort"
    assert [m.name for m in spec.candidates] == ["my_sort"]
    assert spec.method("my_sort").bind()([3, 1, 2]) == [1, 2, 3]
    assert len(spec.fingerprint) == 64
    described = spec.describe()
    assert described["workload"]["params"] == {"n": [10, 20]}
    assert described["metrics"][0]["name"] == "smallest"
    assert spec.directory() == Path(spec.source.ref).parent


def test_reloading_a_file_starts_from_an_empty_registry(write_bench: Callable[..., Path]) -> None:
    path = write_bench(GOOD)
    load_benchmark(path)
    assert len(load_benchmark(path).candidates) == 1
    assert load_source(SpecSource("file", str(path))).baseline.name == "builtin_sort"


def test_unknown_method(load_bench: Loader) -> None:
    with pytest.raises(InputError, match="no method is named 'nope'"):
        load_bench(GOOD).method("nope")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            GOOD.replace("@assay.baseline", "@assay.candidate"),
            "declares no baseline; decorate the method to compare against with @assay.baseline",
        ),
        (
            GOOD.replace("@assay.candidate", "@assay.baseline"),
            r"declares 2 baselines \('builtin_sort', 'my_sort'\)",
        ),
        (GOOD.replace('@assay.workload(params={"n": [10, 20]})', ""), "declares no workload"),
        (GOOD.replace("@assay.candidate", ""), "declares no candidate"),
        (
            GOOD.replace("@assay.candidate", '@assay.candidate(name="builtin_sort")'),
            "two methods named 'builtin_sort'",
        ),
        (
            GOOD.replace("higher_is_better=True)", 'higher_is_better=True, name="time")'),
            "taken by a built-in metric",
        ),
        (
            GOOD + "\nassay.candidate(assay.command('sleep {delay}'), name='cmd')\n",
            r"uses \{delay\}, which is neither seed nor a workload parameter",
        ),
        (
            GOOD + "\n@assay.workload\ndef other(seed):\n    return seed\n",
            "declares 2 workloads",
        ),
    ],
)
def test_bad_benchmarks_get_clear_errors(load_bench: Loader, source: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_bench(source)


def test_import_failure_is_trimmed_to_user_code(write_bench: Callable[..., Path]) -> None:
    write_bench("def helper():\n    raise RuntimeError('boom in helper')\n", "helper_mod.py")
    path = write_bench("import helper_mod\n\nx = 1\nhelper_mod.helper()\n")
    with pytest.raises(InputError) as caught:
        load_benchmark(path)
    text = str(caught.value)
    first, *rest = text.splitlines()
    assert first == "bench_file.py failed to import (line 4): RuntimeError: boom in helper"
    trace = "\n".join(rest)
    assert "bench_file.py" in trace
    assert "helper_mod.py" in trace
    assert "importlib" not in trace
    assert "assay" not in trace.replace(str(path.parent), "")


def test_a_missing_module(load_bench: Loader) -> None:
    with pytest.raises(InputError, match="No module named 'no_such_module_xyz'"):
        load_bench("import no_such_module_xyz\n")


def test_a_syntax_error(load_bench: Loader) -> None:
    with pytest.raises(InputError) as caught:
        load_bench("def broken(:\n    pass\n")
    assert caught.value.args[0].startswith("bench_file.py failed to import: SyntaxError")
    assert "line 1" in str(caught.value)


def test_decorator_errors_name_the_line(load_bench: Loader) -> None:
    with pytest.raises(InputError, match=r"failed to import \(line 3\): a metric needs"):
        load_bench("import assay.bench as assay\n\n@assay.metric\ndef m(output):\n    return 1\n")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "import assay.bench as assay\n\n@assay.workload(params={'n': []})\n"
            "def w(seed, n):\n    return n\n",
            "bench_file.py failed to import (line 3): parameter 'n' needs a non-empty list",
        ),
        (
            "import assay.bench as assay\n\n@assay.workload(params={'n': [1]})\n"
            "def w(seed, m):\n    return m\n",
            "bench_file.py failed to import (line 3): workload 'w' must accept (seed, n)",
        ),
    ],
)
def test_mistakes_in_using_assay_are_one_line_without_assays_frames(
    load_bench: Loader, source: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_bench(source)
    text = str(caught.value)
    assert text.startswith(message)
    assert len(text.splitlines()) == 1, text
    assert "Traceback" not in text and "registry.py" not in text


def test_files_that_are_not_there_or_not_python(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_benchmark(tmp_path / "nope.py")
    text = tmp_path / "bench.txt"
    text.write_text("x")
    with pytest.raises(InputError, match="not a Python file"):
        load_benchmark(text)


def test_inline_sources_cannot_be_reloaded() -> None:
    with pytest.raises(InputError, match="only run in-process"):
        load_source(SpecSource("inline", "notebook"))


def test_module_sources_load_by_name() -> None:
    spec = load_source(SpecSource("module", "assay.demo_study.attention"))
    assert spec.source.kind == "module"
    with pytest.raises(InputError, match="cannot be imported"):
        load_source(SpecSource("module", "assay.no_such_module"))

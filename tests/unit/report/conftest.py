"""Fixtures for the report tests: real records from :mod:`records` (see there)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from assay.bench import BenchmarkResult
from assay.report import Document, StudyView, build_report
from assay.report.document import to_html, to_markdown


def load_records() -> ModuleType:
    """``records.py`` beside this file, imported once by path."""
    name = "assay_report_test_records"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("records.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


records = load_records()


@pytest.fixture(scope="session")
def record_builder() -> ModuleType:
    """The :mod:`records` module, for tests that build a variant of the record."""
    return records


@pytest.fixture(scope="session")
def demo_result() -> BenchmarkResult:
    result: BenchmarkResult = records.run_demo()
    return result


@pytest.fixture(scope="session")
def ablation_result(tmp_path_factory: pytest.TempPathFactory) -> BenchmarkResult:
    result: BenchmarkResult = records.run_sorting(tmp_path_factory.mktemp("bench"))
    return result


@pytest.fixture(scope="session")
def demo_view(demo_result: BenchmarkResult) -> StudyView:
    view: StudyView = records.build_view(demo_result)
    return view


@pytest.fixture(scope="session")
def rendered(demo_view: StudyView) -> Callable[[str, str], str]:
    """``rendered(audience, fmt)``: the demo's report, drawn once per session (the
    engineering report's figures take a second or two)."""
    documents: dict[str, Document] = {}

    def render(audience: str, fmt: str) -> str:
        if audience not in documents:
            documents[audience] = build_report(demo_view, audience)
        document = documents[audience]
        return to_html(document) if fmt == "html" else to_markdown(document)

    return render

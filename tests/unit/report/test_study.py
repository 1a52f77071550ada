"""A report from the record itself: ``ws.prototypes.study(name)`` -> StudyView -> reports.

The whole path on a real SQLite workspace: a technique, a prototype registered
before its run, the run (the small sorting benchmark, in-process), the gate's
review, a decision by an approver, an amendment after the freeze, and the study
the store gathers, converted with ``StudyView.from_study``.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

import pytest

from assay.bench import load_benchmark
from assay.pipeline.prototype import Prototype
from assay.report import RunEvidence, StudyView, build_report, render_report
from assay.report.document import to_html, to_markdown
from assay.workspace import Workspace


@pytest.fixture(scope="module")
def study_view(tmp_path_factory: pytest.TempPathFactory, record_builder: ModuleType) -> StudyView:
    tmp_path = tmp_path_factory.mktemp("study")
    bench = tmp_path / "bench_sorting.py"
    bench.write_text(record_builder.BENCH_FILE)
    ws = Workspace.init(tmp_path / "ws", user="Priya")
    try:
        ws.users.add("Priya", "admin")
        ws.users.add("Sam", "approver")
        ws.radar.add("Careful sorting", area="infra", summary="Sort, then check the order.")
        registered = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        prototype = Prototype.from_dict(
            {
                "name": "careful-sort",
                "technique": "Careful sorting",
                "hypothesis": "Checking the order costs less than 10% of the time",
                "timebox": "2w",
                "success": ["effect(time) <= 10%"],
                "kill": {"hard": ["verdict(in_order) != worse"]},
            },
            today=registered.date(),
        )
        ws.prototypes.new(
            prototype,
            candidate="careful",
            point={"n": 1024},
            cost_inputs={"engineer_weeks": 1, "cost_per_engineer_week": 4000},
            at=registered,
        )
        run_id, _ = ws.runs.start(None, record_builder._options(), spec=load_benchmark(bench))
        ws.prototypes.link_run("careful-sort", run_id)
        ws.prototypes.amend(
            "careful-sort", success=["effect(time) <= 20%"], why="the check is worth 20% to us"
        )
        recommended = ws.prototypes.review("careful-sort").recommendation.answer
        ws.learnings.add(  # a NO waits for the prototype's learnings (issue 16)
            "careful-sort",
            learned="the in-order check costs time",
            surprises="none",
            implicit="none",
            advice="measure the check alone first",
        )
        ws.user = "Sam"
        ws.prototypes.decide("careful-sort", recommended, why="as the evidence says")
        study = ws.prototypes.study("careful-sort")
    finally:
        ws.close()
    return StudyView.from_study(study)


def test_a_stored_study_converts_and_reports(study_view: StudyView) -> None:
    assert study_view.technique.name == "Careful sorting"
    assert study_view.prototype.name == "careful-sort"
    assert study_view.frozen is not None
    assert len(study_view.amendments) == 1
    assert study_view.decisions
    assert study_view.runs
    assert all(isinstance(run, RunEvidence) for run in study_view.runs)
    assert study_view.chosen_candidate == "careful"
    assert dict(study_view.chosen_point) == {"n": 1024}
    exec_md = render_report(study_view, "exec", "md")
    assert "The expected benefit" in exec_md
    assert "amended 1 time since" in exec_md
    assert "the check is worth 20% to us" in exec_md
    document = build_report(study_view, "eng")
    eng = to_markdown(document)
    for review in study_view.evaluations:
        assert f"`{review.criterion.canonical}`" in eng
    assert "### Amendment 1:" in eng
    assert f"## Run {study_view.runs[0].run_id}" in eng
    html = to_html(document)
    assert "https://" not in html
    assert "http://" not in html


def test_from_record_reads_the_same_field_names(study_view: StudyView) -> None:
    again = StudyView.from_record(study_view)
    assert again == study_view
    with pytest.raises(ValueError, match="needs the study's technique and prototype"):
        StudyView.from_record(object())

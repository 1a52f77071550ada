"""The three reports of the demo study, built from a real run and a real record."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from html.parser import HTMLParser
from types import ModuleType

import pytest

from assay.bench import BenchmarkResult
from assay.pipeline.prototype import Registration
from assay.report import StudyView, build_report, render_report
from assay.report import phrasing as say
from assay.report.document import Paragraph
from assay.stats import Verdict


def _markdown_paragraphs(text: str) -> list[str]:
    blocks = [b.strip() for b in text.strip().split("\n\n")]
    return [b for b in blocks if b and not b.startswith("#")]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def _tags(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


Render = Callable[[str, str], str]


# -- exec ------------------------------------------------------------------------------


def test_exec_report_is_two_paragraphs_at_most(demo_view: StudyView, rendered: Render) -> None:
    markdown = rendered("exec", "md")
    assert 1 <= len(_markdown_paragraphs(markdown)) <= 2
    html = rendered("exec", "html")
    tags = _tags(html)
    assert 1 <= tags.count("p") <= 2
    assert not {"ul", "table", "pre", "figure", "h2"} & set(tags)
    document = build_report(demo_view, "exec")
    assert all(isinstance(block, Paragraph) for block in document.blocks)


def test_exec_report_names_the_benefit_with_its_interval(
    rendered: Render, demo_result: BenchmarkResult
) -> None:
    row = demo_result.comparison("tiled", "peak_heap", (("n", 1024),))
    assert row.effect is not None
    assert row.ci is not None
    text = rendered("exec", "md")
    said = say.change(row.effect, "peak_heap")
    benefit = f"The expected benefit is peak heap memory {said} than naive"
    assert benefit in text
    assert say.change_interval(*row.ci, effect=row.effect, metric="peak_heap") in text
    assert "at n=1024" in text
    assert "meets the pre-registered target" in text


def test_exec_report_says_cost_risk_recommendation_and_amendment(rendered: Render) -> None:
    text = rendered("exec", "md")
    assert "Adopting it costs about $12,000 once (3 engineer-weeks" in text
    assert "**Key risk:**" in text
    assert "**Recommendation: " in text
    assert "recorded as an override" in text
    assert "amended 1 time since: on 2026-05-08 14:00 UTC by Priya" in text
    assert "Tiled attention cuts peak memory" in text  # the hypothesis, as registered


def _with_time(
    result: BenchmarkResult, verdict: str, effect: float, ci: tuple[float, float]
) -> BenchmarkResult:
    """The real run with its time comparison at n=1024 set to known figures."""
    rows = [
        dataclasses.replace(row, verdict=Verdict(verdict), effect=effect, ci=ci, needed_trials=40)
        if row.metric == "time" and row.params == (("n", 1024),)
        else row
        for row in result.comparisons
    ]
    return dataclasses.replace(result, comparisons=rows)


@pytest.mark.parametrize(
    ("verdict", "effect", "ci", "expected"),
    [
        (
            "inconclusive",
            0.1,
            (-0.3, 0.6),
            "The expected benefit is not established: the estimate is time per call 10% slower "
            "than naive at n=1024, but the 95% confidence interval runs between 30% faster and "
            "60% slower, so it may be no benefit at all, which does not yet settle the "
            "pre-registered target effect(time) <= -20%; about ",
        ),
        (
            "worse",
            0.4,
            (0.2, 0.6),
            "The expected benefit did not materialise: time per call 40% slower than naive at "
            "n=1024 (95% confidence interval: between 20% and 60% slower), which misses",
        ),
        (
            "inconclusive",
            0.5,
            (0.1, 1.2),
            "The expected benefit did not materialise: time per call 1.5x slower than naive",
        ),
        (
            "better",
            -0.35,
            (-0.4, -0.3),
            "The expected benefit is time per call 1.5x faster than naive at n=1024 (95% "
            "confidence interval: between 1.4x and 1.7x faster), which meets the pre-registered",
        ),
        (
            "inconclusive",
            -0.6,
            (-0.9, 0.8),
            "the interval is wide",
        ),
    ],
)
def test_the_benefit_is_said_as_the_evidence_allows(
    demo_result: BenchmarkResult,
    record_builder: ModuleType,
    verdict: str,
    effect: float,
    ci: tuple[float, float],
    expected: str,
) -> None:
    time_only = Registration.build(
        hypothesis="Tiled attention is at least 20% faster.",
        success=["effect(time) <= -20%"],
    )
    result = _with_time(demo_result, verdict, effect, ci)
    view = record_builder.build_view(result, registration=time_only, decided=False)
    text = render_report(view, "exec", "md")
    assert len(_markdown_paragraphs(text)) <= 2
    if expected == "the interval is wide":  # an open question is said so, wide or not
        assert "The expected benefit is not established" in text
        assert "between 10x faster and 1.8x slower" in text
    else:
        assert expected in text
    assert "awaits a decision by an approver" in text


def test_a_study_without_runs_says_so(demo_view: StudyView) -> None:
    empty = dataclasses.replace(
        demo_view, runs=(), evaluations=(), recommendation=None, decisions=(), cost=None
    )
    text = render_report(empty, "exec", "md")
    assert "No benefit can be stated yet: no run has measured it." in text
    assert "No criterion has been evaluated yet." in text
    assert "Its cost has not been estimated yet" in text
    assert "The gate has not been reviewed yet" in text
    for audience in ("pm", "eng"):
        assert "tiled-attention" in render_report(empty, audience, "html")


# -- pm --------------------------------------------------------------------------------


def test_pm_report_is_one_page_of_plain_sections(rendered: Render) -> None:
    text = rendered("pm", "md")
    for section in (
        "## What it does",
        "## What users would notice",
        "## Timeline",
        "## What we need from you",
    ):
        assert section in text
    assert "Time-box: 2026-05-04 to 2026-05-29; 10 days left." in text
    assert (
        "Discovery gate (current stage): “Should we invest more time in this?”; answered YES"
        in text
    )
    assert "**Benefits**" in text
    assert "peak heap memory at n=1024 is" in text
    assert "the conditions of the discovery decision: re-run against a fused library kernel" in text
    assert "amended 1 time since" in text
    assert len(text.split()) < 900  # about a page


def test_pm_inconclusive_results_are_not_called_benefits(rendered: Render) -> None:
    text = rendered("pm", "md")
    benefits = text.split("**Benefits**", 1)[1].split("**", 1)[0]
    assert "inconclusive" not in benefits
    for line in text.splitlines():
        if " is inconclusive:" in line:
            assert "the data cannot yet say which way it goes" in line


# -- eng -------------------------------------------------------------------------------


def test_eng_report_shows_every_criterion_with_its_evaluation(
    demo_view: StudyView, rendered: Render
) -> None:
    text = rendered("eng", "md")
    prototype = demo_view.prototype
    criteria = [c.canonical for c in prototype.success]
    criteria += [k.criterion.canonical for k in prototype.kill]
    assert len(criteria) == 4
    table = text.split("## Criteria and their evaluation", 1)[1].split("## Gate", 1)[0]
    for review in demo_view.evaluations:
        row = next(line for line in table.splitlines() if f"`{review.criterion.canonical}`" in line)
        assert f"**{review.outcome.value}**" in row
        if review.evaluation.trials_needed is not None:
            assert str(review.evaluation.trials_needed) in row
        if review.evaluation.estimates:
            assert "[" in row  # the interval
    for canonical in criteria:
        assert f"`{canonical}`" in table


def test_eng_report_shows_amendments_dated_and_attributed(
    demo_view: StudyView, rendered: Render
) -> None:
    text = rendered("eng", "md")
    assert "### Amendment 1: 2026-05-08 14:00 UTC by Priya" in text
    assert "**Reason:** 20% was the paper's figure on a GPU" in text
    assert "- success: effect(time) <= -20%\n+ success: effect(time) <= -10%" in text
    assert demo_view.frozen is not None
    assert f"content hash {demo_view.frozen.content_hash[:12]}" in text
    assert "success: effect(time) <= -20%" in text.split("The frozen registration:")[1]


def test_eng_report_has_method_environment_tables_and_figures(
    rendered: Render, demo_result: BenchmarkResult, demo_view: StudyView
) -> None:
    text = rendered("eng", "md")
    for heading in ("### Method", "### Environment", "### Comparisons", "### Figures"):
        assert heading in text
    assert "| baseline | naive |" in text
    assert "| isolation | in-process |" in text
    assert demo_result.header.environment["python"]["version"] in text
    for figure in ("distributions", "forest", "sweep-n"):
        assert f"](figures/{figure}.svg)" in text
    decision = demo_view.decisions[0]
    recommended = f"{decision.recommended.label} (OVERRIDDEN)"
    assert f"| Marco (approver) | {decision.answer.label} | {recommended} |" in text
    assert "## Cost-benefit" in text
    assert "Sensitivity: one input varied at a time" in text


def test_eng_report_says_inconclusive_and_wide_results_in_words(
    demo_result: BenchmarkResult, record_builder: ModuleType
) -> None:
    result = _with_time(demo_result, "inconclusive", 0.1, (-0.3, 0.6))
    control = (
        "better on its own (p = 0.02) but not after false-discovery control across 10 "
        "comparisons (adjusted p = 0.08); run more trials or compare fewer things"
    )
    changed = {
        ("peak_heap", 256): {"verdict": Verdict.BETTER, "effect": -0.5, "ci": (-0.8, -0.2)},
        ("max_abs_error", 256): {
            "verdict": Verdict.INCONCLUSIVE,
            "effect": -0.1,
            "ci": (-0.19, -0.02),
            "warnings": (control,),
            "needed_trials": 12,
        },
    }
    wide = [
        dataclasses.replace(row, **changed.get((row.metric, dict(row.params)["n"]), {}))
        for row in result.comparisons
    ]
    view = record_builder.build_view(dataclasses.replace(result, comparisons=wide))
    text = render_report(view, "eng", "md")
    words = text.split("What these figures cannot say (inconclusive or wide):", 1)[1]
    words = words.split("###", 1)[0]
    assert (
        "- tiled: time per call at n=1024 is inconclusive: the estimate is 10% slower than "
        "naive, but the 95% confidence interval runs between 30% faster and 60% slower, so the "
        "data cannot yet say which way it goes; about 40 trials per arm would likely settle it"
    ) in words
    assert (
        "- tiled: peak heap memory at n=256 is 2.0x less than naive (95% confidence interval: "
        "between 1.2x and 5.0x less): better; the interval is wide, so the figure is rough"
    ) in words
    assert (
        "- tiled: max abs error at n=256 is inconclusive although its interval excludes no "
        "change: the estimate is 10% lower than naive (95% confidence interval: between 2.0% "
        f"and 19% lower), but {control}; about 12 trials per arm would likely settle it"
    ) in words
    inconclusive = [r for r in wide if r.verdict == "inconclusive"]
    for row in inconclusive:  # every other inconclusive comparison of the real run, too
        point = dict(row.params)["n"]
        assert f"tiled: {say.metric_label(row.metric)} at n={point} is inconclusive" in words


def test_the_same_record_gives_the_same_report(demo_view: StudyView, rendered: Render) -> None:
    for audience in ("exec", "pm", "eng"):
        assert render_report(demo_view, audience, "html") == rendered(audience, "html")


def test_unknown_audience_or_format_is_an_input_error(demo_view: StudyView) -> None:
    from assay.errors import InputError

    with pytest.raises(InputError, match="unknown audience 'cto'; expected one of exec, pm, eng"):
        render_report(demo_view, "cto")
    with pytest.raises(InputError, match="unknown report format 'pdf'; expected one of md, html"):
        render_report(demo_view, "exec", "pdf")


def test_no_number_is_printed_without_words_when_the_interval_is_wide() -> None:
    assert say.is_wide(-0.9, 0.5)
    assert not say.is_wide(-0.35, -0.25)
    sentence = say.change_interval(-0.72, 3.5)  # in the unit of its middle, +12%
    assert re.search(r"between 72% lower and 350% higher", sentence)
    sentence = say.change_interval(-0.72, 3.5, effect=1.0)  # in the unit of a 2x estimate
    assert re.search(r"between 3\.6x lower and 4\.5x higher", sentence)

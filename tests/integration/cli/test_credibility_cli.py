"""Issue 16's credibility page, self-assessment, write-up and integration loop, end to
end on SQLite and a real PostgreSQL server: ``assay credibility`` (predicted against
measured, with intervals read from the stored evidence; forecasters' calibration;
adoptions and owned failures), ``assay self`` (private: another contributor is
refused, exit 2), ``assay writeup``, ``assay coverage`` and ``assay question open``
(from a post-mortem's action and from a reopened decision), with bad input refused
in one line, exit 2, nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from assay import Workspace
from assay.workspace.credibility import credibility
from support import CliChecks, Run, hyperfine_file, store_cli

UTC = dt.UTC
TABLES = (
    "self_ratings", "growth_areas", "techniques", "ring_moves", "postmortem_actions",
    "audit_entries",
)  # fmt: skip
BIB = "@article{dao2022, title={FlashAttention: tiled attention}, author={Dao, Tri}, year={2022}}\n"
PM = """
lessons = ["Measure at production scale before the gate."]

[[actions]]
text = "re-test beyond 32k tokens"
owner = "priya"
due = 2099-02-01
question = "Does paging pay off beyond 32k tokens?"
"""


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    return store_cli(database_url, tmp_path, monkeypatch, capsys)


ok, as_json, refused = CliChecks(TABLES).functions()


def _predictions(database_url: str) -> None:
    """Forecasts made and resolved in the past (the CLI takes only future dates)."""
    ws = Workspace.open(Path.cwd(), url=database_url, user="marco")
    try:
        at = dt.datetime(2026, 1, 5, tzinfo=UTC)
        fast = ws.predictions.add(
            "Tiling makes the kernel at least 20% faster", 0.8, dt.date(2026, 2, 1), at=at
        )
        paging = ws.predictions.add("Paging halves the time", 0.7, dt.date(2026, 2, 1), at=at)
        ws.user = "priya"
        ws.predictions.forecast(int(paging.id or 0), 0.4, at=at)
        done = dt.datetime(2026, 2, 2, tzinfo=UTC)
        ws.predictions.resolve(int(fast.id or 0), ws_outcome("yes"), at=done)
        ws.predictions.resolve(int(paging.id or 0), ws_outcome("no"), at=done)
    finally:
        ws.close()


def ws_outcome(text: str) -> Any:
    from assay.pipeline.predictions import Outcome

    return Outcome.parse(text)


@pytest.fixture
def story(cli: Run, tmp_path: Path, database_url: str) -> dict[str, str]:
    """Tiling adopted (YES at validation, its criterion PASSED), Paging rejected (NO,
    its criterion FAILED, a post-mortem by priya with a research question), two papers
    read, past predictions resolved."""
    for name, role in (("priya", "admin"), ("marco", "contributor"), ("apu", "approver"),
                       ("vic", "viewer"), ("cora", "contributor")):  # fmt: skip
        ok(cli, "user", "add", name, "--role", role)
    (tmp_path / "refs.bib").write_text(BIB, "utf-8")
    (tmp_path / "pm.toml").write_text(PM, "utf-8")
    hyperfine_file(tmp_path / "hyperfine.json")
    ok(cli, "technique", "add", "Tiling", "--area", "kernels", "--owner", "marco")
    ok(cli, "technique", "add", "Paging", "--area", "kernels", "--owner", "priya")
    ok(cli, "paper", "add", "--bibtex", tmp_path / "refs.bib")
    ok(cli, "paper", "add", "--title", "Sparse everything", "--year", "2024")
    ok(cli, "paper", "link", "dao2022", "Tiling")
    read = ("--pass", "1", "--claim", "tiling is fast", "--decision", "continue",
            "--reason", "relevant")  # fmt: skip
    ok(cli, "paper", "read", "dao2022", *read, by="marco")
    sparse = as_json(cli, "paper", "list")["papers"]
    other = next(p["key"] for p in sparse if p["key"] != "dao2022")
    ok(cli, "paper", "read", other, *read, by="priya")
    for name, tech, hypothesis, success in (
        ("tiling-p1", "Tiling", "tiling is four times faster", "effect(time) <= -20%"),
        ("paging-p1", "Paging", "paging makes it ten times faster", "effect(time) <= -90%"),
    ):
        ok(cli, "prototype", "new", tech, name, "--hypothesis", hypothesis, "--success", success,
           "--timebox", "2w", "--stage", "validation", by="marco")  # fmt: skip
    run = as_json(cli, "bench", "import", tmp_path / "hyperfine.json", "--baseline", "naive")
    for name in ("tiling-p1", "paging-p1"):  # a run after the pre-registration judges it
        ok(cli, "prototype", "evidence", name, run["run_id"], by="marco")
    ok(cli, "gate", "decide", "tiling-p1", "yes", "--why", "4x faster", "--override", by="apu")
    ok(cli, "learning", "add", "paging-p1", "--learned", "paging alone is not enough",
       "--surprises", "the copy dominates", "--implicit", "warm the cache first",
       "--advice", "measure the copy", by="marco")  # fmt: skip
    decided = as_json(cli, "gate", "decide", "paging-p1", "no", "--why", "not 10x",
                      "--revisit-when", "on 2020-01-01", by="apu")  # fmt: skip
    ok(cli, "postmortem", "new", "Paging", "--from", tmp_path / "pm.toml")
    _predictions(database_url)
    return {"run": run["run_id"], "decision": str(decided["id"])}


def test_credibility_predicted_against_measured(
    cli: Run, story: dict[str, str], database_url: str
) -> None:
    page = as_json(cli, "credibility")
    by_name = {t["name"]: t for t in page["techniques"]}
    assert set(by_name) == {"Tiling", "Paging"}
    tiling, paging = by_name["Tiling"], by_name["Paging"]
    assert (tiling["verdict"], tiling["held"]) == ("adopted", True)
    assert (paging["verdict"], paging["held"]) == ("rejected", False)
    assert tiling["decision"]["decided_by"] == "apu" and tiling["decision"]["stage"] == "validation"
    # predicted: the pre-registration and the predictions that mention it
    sources = {p["source"] for p in tiling["predicted"]}
    assert sources == {"pre-registration", "prediction"}
    pre = next(p for p in tiling["predicted"] if p["source"] == "pre-registration")
    assert pre["criteria"] == ["effect(time) <= -20%"]
    # measured: the stored evaluation with its interval, from the stored snapshot
    bench = next(m for m in tiling["measured"] if m["source"] == "benchmark")
    assert bench["outcome"] == "PASS" and bench["runs"] == [story["run"]]
    effect = bench["estimates"][0]
    assert effect["low"] <= effect["value"] <= effect["high"] < -0.2, effect  # -75%: 4x faster
    failed = next(m for m in paging["measured"] if m["source"] == "benchmark")
    assert failed["outcome"] == "FAIL"
    assert page["summary"] == {
        "adopted": 1, "rejected": 1, "predictions_held": 1, "predictions_settled": 2,
    }  # fmt: skip
    assert [a["technique"] for a in page["adoptions"]] == ["Tiling"]
    assert [(f["subject"], f["author"]) for f in page["failures"]] == [("Paging", "priya")]
    assert page["failures"][0]["lessons"] == ["Measure at production scale before the gate."]
    text = ok(cli, "credibility")
    assert "### Tiling: adopted" in text and "What was pre-registered held." in text
    assert "### Paging: rejected" in text and "What was pre-registered did not hold." in text
    assert "effect(time) = -75% (95% interval -75.3% to -74.6%)" in text  # with its interval
    # the executive report says the record, and the owner's calibration once scored
    report = " ".join(ok(cli, "report", "tiling-p1", "--audience", "exec").split())
    assert (
        "Track record: 1 technique(s) adopted and 1 rejected; pre-registered predictions "
        "held 1 of 2 times; 1 failure(s) owned in post-mortems." in report
    )


def test_calibration_of_those_who_predicted(story: dict[str, str], database_url: str) -> None:
    ws = Workspace.open(Path.cwd(), url=database_url, user="priya")
    try:
        page = credibility(ws, today=dt.date(2026, 6, 1))
        people = {p["person"]: p for p in page["people"]}
        # marco: 0.8 on YES, 0.7 on NO; priya: 0.4 on NO
        assert people["marco"]["count"] == 2
        assert people["marco"]["brier"] == pytest.approx((0.2**2 + 0.7**2) / 2)
        assert people["priya"]["brier"] == pytest.approx(0.4**2)
        assert people["marco"]["on_these"]["count"] == 2
        mine = credibility(ws, person="priya", today=dt.date(2026, 6, 1))
        assert [p["person"] for p in mine["people"]] == ["priya"]
        assert {t["name"] for t in mine["techniques"]} == {"Paging"}  # owner and forecaster
        assert [f["subject"] for f in mine["failures"]] == ["Paging"]
        assert mine["adoptions"] == []
    finally:
        ws.close()


def test_person_filter_and_an_empty_record(cli: Run, story: dict[str, str]) -> None:
    apu = as_json(cli, "credibility", "--person", "apu")
    assert {t["name"] for t in apu["techniques"]} == {"Tiling", "Paging"}  # decided both
    vic = as_json(cli, "credibility", "--person", "vic")
    assert vic["techniques"] == [] and vic["failures"] == [] and vic["people"] == []
    assert "No technique has been adopted or rejected yet." in ok(
        cli, "credibility", "--person", "vic"
    )


def test_self_assessment_is_private(cli: Run, story: dict[str, str], database_url: str) -> None:
    ok(cli, "self", "rate", "benchmarking", "2", "--note", "new to it", by="marco")
    ok(cli, "self", "rate", "Benchmarking", "4", by="marco")
    ok(cli, "self", "rate", "production judgement", "3", by="marco")
    ok(cli, "self", "growth", "add", "statistics", "--practice", "a chapter a week",
       "--measure", "explain an interval to a PM", "--due", "2099-03-01", by="marco")  # fmt: skip
    page = as_json(cli, "self", "show", by="marco")
    rows = {c["capability"]: c for c in page["capabilities"]}
    assert rows["benchmarking"]["score"] == 4
    assert [h["score"] for h in rows["benchmarking"]["history"]] == [2, 4]
    assert rows["benchmarking"]["history"][0]["note"] == "new to it"
    assert rows["communication"]["score"] is None
    assert [g["area"] for g in page["growth"]] == ["statistics"]
    assert page["record"]["adoptions"] == ["Tiling"]  # beside the record
    # an admin reads it; another contributor and a viewer are refused
    assert as_json(cli, "self", "show", "--person", "marco")["person"] == "marco"
    said = refused(cli, database_url, "self", "show", "--person", "marco", by="cora")
    assert "marco's self-assessment is private: only marco and admins may read it" in said
    refused(cli, database_url, "self", "show", "--person", "marco", by="vic")
    # nobody rates another but an admin
    said = refused(cli, database_url, "self", "rate", "reproduction", "3", "--person", "marco",
                   by="cora")  # fmt: skip
    assert "needs the admin role" in said
    assert as_json(cli, "self", "rate", "reproduction", "3", "--person", "marco")["by"] == "priya"
    table = ok(cli, "self", "show", by="marco")
    assert "Self-assessment of marco (private)" in table and "2 (" in table
    assert cli("audit", "verify")[0] == 0  # ratings and growth areas are on the trail
    logged = as_json(cli, "audit", "log", "--record", "self_ratings:1")
    assert logged, logged


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("self", "rate", "benchmarking", "6"), "score 6 is out of range"),
        (("self", "rate", "cooking", "3"), "unknown capability 'cooking'"),
        (("self", "show", "--person", "mar\x00co"), "control character"),
        (("self", "rate", "reproduction", "3", "--person", "ma\x00"), "control character"),
        (
            (
                "self",
                "growth",
                "add",
                "stats",
                "--practice",
                " ",
                "--measure",
                "m",
                "--due",
                "2099-01-01",
            ),
            "--practice is empty",
        ),
        (
            (
                "self",
                "growth",
                "add",
                "stats",
                "--practice",
                "p",
                "--measure",
                "m",
                "--due",
                "2020-01-01",
            ),
            "is in the past",
        ),
        (("question", "open", "Long context", "--area", "kernels"), "say where the question"),
        (
            ("question", "open", "Long context", "--area", "kernels", "--from-postmortem", "9"),
            "9",
        ),
        (
            ("question", "open", "Long context", "--area", "kernels", "--from-watch", "9" * 25),
            "ids run from 1 to",
        ),
        (
            ("question", "open", "Long context", "--area", "kernels", "--from-watch", "999"),
            "decision 999 is not reopened",
        ),
    ],
)
def test_bad_input_writes_nothing(
    cli: Run, story: dict[str, str], database_url: str, args: tuple[str, ...], expected: str
) -> None:
    assert expected in refused(cli, database_url, *args, by="marco")


def test_question_from_a_postmortem_and_from_a_regression(
    cli: Run, story: dict[str, str], database_url: str
) -> None:
    opened = as_json(cli, "question", "open", "Long-context paging", "--area", "kernels",
                     "--from-postmortem", "1", by="marco")  # fmt: skip
    assert opened["ring"] == "ASSESS" and opened["question"] == (
        "Does paging pay off beyond 32k tokens?"
    )
    assert opened["next_action"].startswith("frame the question") and opened["due"]
    actions = as_json(cli, "postmortem", "actions")["actions"]
    assert [a["technique"] for a in actions] == ["Long-context paging"]
    said = refused(cli, database_url, "question", "open", "Again", "--area", "kernels",
                   "--from-postmortem", "1")  # fmt: skip
    assert "no action with a research question still to open" in said
    # a decision reopened (its revisit date passed) opens a question from production
    back = as_json(cli, "question", "open", "Paging regression", "--area", "kernels",
                   "--from-watch", story["decision"], "--next", "profile the copy",
                   "--due", "2099-01-10")  # fmt: skip
    assert back["next_action"] == "profile the copy" and back["due"] == "2099-01-10"
    assert "Paging" in back["question"] and "revisit-when" in back["question"]
    shown = as_json(cli, "technique", "show", "Paging regression")
    assert "production regression: decision" in shown["history"][0]["why"]


def test_writeup_from_the_record(cli: Run, story: dict[str, str], tmp_path: Path) -> None:
    text = ok(cli, "writeup", "Tiling")
    assert text.startswith("# Tiling: write-up")
    for expected in ("FlashAttention: tiled attention", "tiling is four times faster",
                     "`effect(time) <= -20%` PASS", "YES at the validation gate by apu",
                     "Not rolled out."):  # fmt: skip
        assert expected in text, expected
    ok(cli, "writeup", "Paging", "--out", tmp_path / "paging.html", "--format", "html")
    html = (tmp_path / "paging.html").read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "paging alone is not enough" in html
    assert "Measure at production scale before the gate." in html
    code, _, err = cli("writeup", "Paging", "--out", tmp_path / "paging.html")
    assert code == 2 and "exists" in err  # never overwritten without --force
    doc = as_json(cli, "writeup", "Paging")
    assert [entry["advice"] for entry in doc["learnings"]] == ["measure the copy"]
    code, _, err = cli("writeup", "Nothing")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_coverage_funnel(cli: Run, story: dict[str, str]) -> None:
    doc = as_json(cli, "coverage")
    assert doc["team"] | {"prototype_rate": None, "production_rate": None} == {
        "who": "team", "read": 2, "prototyped": 1, "production": 1,
        "prototype_rate": None, "production_rate": None,
    }  # fmt: skip
    people = {p["who"]: p for p in doc["people"]}
    assert (people["marco"]["read"], people["marco"]["production"]) == (1, 1)
    assert (people["priya"]["read"], people["priya"]["prototyped"]) == (1, 0)
    mine = as_json(cli, "coverage", "--person", "marco")
    assert [p["who"] for p in mine["people"]] == ["marco"]
    assert [p["key"] for p in mine["papers"]] == ["dao2022"]
    assert "Papers read → prototypes → production" in ok(cli, "coverage")

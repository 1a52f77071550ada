"""One document per read (issue 12): every ``--json`` read prints exactly what its
function in :mod:`assay.workspace.documents` returns (the web serves the same), on a
demo-like record (papers with notes, flags and claims, a prototype judged by runs,
amended and decided, a second one awaiting its gate, predictions, a post-mortem,
artifacts, an override and a retirement), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.store.test_pinned_evidence import DAY, T0, register, store_run
from tests.support import json_ok, run_main

from assay import Workspace, encoding
from assay.formats.bibtex import bibtex_papers, parse_bibtex
from assay.pipeline.postmortem import ActionItem, PostMortem
from assay.pipeline.prototype import Prototype
from assay.pipeline.reading import Decision, RedFlagKind, Severity
from assay.types import Ring
from assay.workspace import documents

TECHNIQUE = "Top-k by argpartition"
HOSTILE = "<script>alert(1)</script> \"><img src=x onerror=alert(1)> '; DROP TABLE users; --"
"""User text that a page must escape and the store must keep verbatim."""

BIB = """@article{musser1997introsort,
  title   = {Introspective Sorting and Selection Algorithms},
  author  = {Musser, David R.},
  journal = {Software: Practice and Experience},
  year    = 1997,
}
"""


def build(ws: Workspace) -> dict[str, str]:
    """The record: what the demo holds, in small; returns the ids the tests look up."""
    ws.users.add("priya", "admin")
    ws.users.add("marco", "contributor")
    ws.radar.add(TECHNIQUE, area="numpy", summary=HOSTILE, at=T0 - 10 * DAY)
    ws.radar.add("Heap top-k", area="numpy", at=T0 - 9 * DAY)
    ws.radar.add("Bogo top-k", area="numpy", at=T0 - 9 * DAY)
    ws.corrections.retire("technique", "Bogo top-k", why="entered twice")
    papers = ws.papers
    papers.add(bibtex_papers(parse_bibtex(BIB, source="t.bib")))
    papers.link("musser1997introsort", TECHNIQUE)
    papers.read(
        "musser1997introsort",
        [(1, {"relevance": HOSTILE}, Decision.CONTINUE, "worth it", T0.date())],
        note={"date_read": T0.date(), "relevance": 4, "summary": HOSTILE},
    )
    papers.flag(
        "musser1997introsort",
        RedFlagKind.WEAK_BASELINES,
        severity=Severity.LOW,
        evidence=["Table 2: heapsort only"],
    )
    register(ws)  # topk-argpartition: effect(time) <= -30%, a 30-day time-box from T0
    fast = store_run(ws, at=T0 + DAY, ratio=0.5)
    claim = ws.claims.add("musser1997introsort", metric="speed-up", value=2.0, unit="x")
    ws.claims.link_run(claim.id, fast, [1.9, 2.0, 2.1])
    ws.prototypes.decide("topk-argpartition", "yes", why=HOSTILE, at=T0 + 2 * DAY)
    ws.radar.move(TECHNIQUE, Ring.TRIAL, why="YES at discovery", at=T0 + 2 * DAY)
    store_run(ws, at=T0 + 3 * DAY, ratio=0.6)
    ws.prototypes.amend(
        "topk-argpartition", success=["effect(time) <= -20%"], why="be fair", at=T0 + 4 * DAY
    )
    waiting = Prototype.from_dict(
        {
            "name": "heap-topk",
            "technique": "Heap top-k",
            "hypothesis": "a heap beats a sort for small k",
            "success": ["effect(time) <= -10%"],
            "timebox": "14d",
        },
        today=T0.date(),
    )
    ws.prototypes.new(waiting, at=T0)  # its time-box expired long ago: awaiting a decision
    ws.radar.move("Heap top-k", Ring.TRIAL, why="the team likes it", override=True)
    prediction = ws.predictions.add(
        f"{TECHNIQUE} ships by next year", 0.7, T0.date() + 300 * DAY, tags=("numpy",)
    )
    ws.predictions.add("Something else entirely", 0.2, T0.date() + 300 * DAY)
    ws.postmortems.add(
        PostMortem(
            subject=TECHNIQUE,
            timeline=(),
            lessons=("Measure against what production runs.",),
            actions=(ActionItem("re-run on the serving shapes", "marco", T0.date() + 60 * DAY),),
            wrong_predictions=(str(prediction.id),),
            author="priya",
        )
    )
    ws.radar.attach_text(TECHNIQUE, "runbook", "runbook.md", f"# Runbook\n{HOSTILE}\n")
    return {"fast": fast}


@pytest.fixture
def record(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[Workspace, dict[str, str], Callable[..., Any]]]:
    """The record on SQLite or PostgreSQL, and ``cli(*args)``: the JSON a read prints."""
    monkeypatch.setenv("ASSAY_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSAY_USER", "priya")
    monkeypatch.chdir(tmp_path)
    ws = Workspace.open(tmp_path, url=database_url, user="priya")
    ids = build(ws)

    def cli(*args: str) -> Any:
        return json_ok(run_main([*args, "--json"], capsys))

    yield ws, ids, cli
    ws.close()


def plain(document: Any) -> Any:
    """The document as its JSON reads back."""
    return json.loads(encoding.dumps(document))


def test_every_json_read_prints_its_document(record: Any) -> None:
    ws, ids, cli = record
    run_id = ids["fast"]
    pairs = {
        "technique show": (("technique", "show", TECHNIQUE), documents.technique(ws, TECHNIQUE)),
        "bench show": (("bench", "show", run_id), documents.run(ws, run_id)),
        "bench list": (("bench", "list"), documents.runs(ws)),
        "bench list --include-retired": (
            ("bench", "list", "--include-retired"),
            documents.runs(ws, include_retired=True),
        ),
        "gate review": (
            ("gate", "review", "topk-argpartition"),
            documents.gate_review(ws, "topk-argpartition"),
        ),
        "predict list": (("predict", "list"), documents.predictions(ws)),
        "predict score": (("predict", "score"), documents.calibration(ws) | {"plot": None}),
        "predict score --person": (
            ("predict", "score", "--person", "priya"),
            documents.calibration(ws, "priya") | {"plot": None},
        ),
        "postmortem list": (("postmortem", "list"), documents.postmortems(ws)),
        "review agenda": (("review", "agenda"), documents.review_agenda(ws)),
        "search": (("search", "top-k"), documents.search(ws, "top-k")),
        "status": (("status",), documents.status(ws)),
    }
    for what, (args, document) in pairs.items():
        assert cli(*args) == plain(document), what
    assert documents.search(ws, "top-k")["hits"], "the search found nothing: a vacuous check"


def test_the_technique_document_holds_everything_its_page_shows(record: Any) -> None:
    _, ids, cli = record
    doc = cli("technique", "show", "TOP-K BY ARGPARTITION")  # any case
    # today's keys, kept
    assert doc["name"] == TECHNIQUE and doc["ring"] == "TRIAL"
    assert [m["to"] for m in doc["history"]] == ["ASSESS", "TRIAL"]
    assert doc["overrides"] == [] and doc["retired"] is None and doc["imported"] is False
    (decided,) = doc["decisions"]
    assert decided["prototype"] == "topk-argpartition" and ids["fast"] in json.dumps(decided)
    # user text verbatim: a document is data, escaping is the page's job
    assert doc["summary"] == HOSTILE
    (paper,) = doc["papers"]
    assert paper["key"] == "musser1997introsort" and paper["note"]["summary"] == HOSTILE
    assert [f["kind"] for f in paper["red_flags"]] == ["weak-baselines"]
    (claim,) = doc["claims"]
    assert claim["claimed"] == 2.0 and claim["reproduced"]["value"] == pytest.approx(2.0)
    (proto,) = doc["prototypes"]
    assert proto["name"] == "topk-argpartition" and proto["frozen"] is not None
    assert [a["reason"] for a in proto["amendments"]] == ["be fair"]
    assert proto["review"]["prototype"] == "topk-argpartition" and len(proto["review"]["runs"]) == 2
    assert (
        [d["why"] for d in proto["decisions"]]
        == [HOSTILE]
        == [d["why"] for d in doc["gate_decisions"]]
    )
    assert [r["run_id"] for r in doc["runs"]] == proto["review"]["runs"]  # newest first
    assert all(
        r["judges"] == ["topk-argpartition"] and r["state"] == "finished" for r in doc["runs"]
    )
    (prediction,) = doc["predictions"]
    assert prediction["question"].startswith(TECHNIQUE)
    (pm,) = doc["postmortems"]
    assert pm["subject"] == TECHNIQUE
    assert [a["text"] for a in doc["actions"]] == ["re-run on the serving shapes"]
    (artifact,) = doc["artifacts"]
    assert artifact["kind"] == "runbook" and artifact["name"] == "runbook.md"
    assert artifact["size"] == len(f"# Runbook\n{HOSTILE}\n".encode()) and "content" not in artifact


def test_a_retired_or_overridden_technique_is_marked(record: Any) -> None:
    ws, _, cli = record
    retired = cli("technique", "show", "Bogo top-k")
    assert retired["retired"]["why"] == "entered twice" and retired["prototypes"] == []
    heap = documents.technique(ws, "Heap top-k")
    assert heap["override"]["why"] == "the team likes it" and heap["predictions"] == []


def test_the_gate_inbox_lists_what_status_awaits_with_the_stored_review(record: Any) -> None:
    ws, _, cli = record
    inbox = documents.gate_inbox(ws)
    awaiting = cli("status")["awaiting_decision"]
    assert [g["prototype"] for g in inbox["gates"]] == [a["prototype"] for a in awaiting]
    assert "heap-topk" in [g["prototype"] for g in inbox["gates"]]
    for gate in inbox["gates"]:
        review = cli("gate", "review", gate["prototype"])
        assert plain(gate["review"]) == review
        assert gate["recommended"] == review["answer"]


def test_run_trials_are_flat_rows_with_the_same_keys(record: Any) -> None:
    ws, ids, _ = record
    rows = documents.run_trials(ws, ids["fast"])
    assert len(rows) == 10
    assert {tuple(row) for row in rows} == {
        (
            "method", "block", "position", "seed", "status", "error", "wall_time",
            "param.n", "metric.time",
        )
    }  # fmt: skip
    assert {row["method"] for row in rows} == {"base", "cand"}
    assert all(row["param.n"] == 100000 and row["status"] == "ok" for row in rows)
    base = sorted(row["metric.time"] for row in rows if row["method"] == "base")
    assert base == pytest.approx(sorted((0.100, 0.102, 0.098, 0.101, 0.099)))
    assert plain(rows) == rows  # plain JSON values already


def test_an_unknown_record_is_one_clear_error(record: Any, capsys: Any) -> None:
    assert record  # the workspace, on each database
    code, out, err = run_main(["technique", "show", "nope", "--json"], capsys)
    assert code == 2 and out == "" and "nope" in err
    code, out, err = run_main(["bench", "show", "20990101-000000-zzzz", "--json"], capsys)
    assert code == 2 and out == "" and "unknown run" in err


def _heavy_after(module: str) -> list[str]:
    """Which of SQLAlchemy and NumPy a fresh interpreter holds after importing ``module``."""
    code = (
        f"import sys, {module}\n"
        "print(','.join(m for m in ('sqlalchemy', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in done.stdout.strip().split(",") if m]


def test_the_documents_module_imports_neither_the_orm_nor_numpy() -> None:
    assert _heavy_after("assay.workspace.documents") == []
    assert _heavy_after("assay.workspace.runs") == ["sqlalchemy", "numpy"]  # the probe sees them

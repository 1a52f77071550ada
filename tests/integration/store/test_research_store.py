"""The research record's store, run alike against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from assay import DuplicateError, InputError, NotFoundError, Ring, Workspace
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.pipeline.claims import Direction, ReproStatus
from assay.pipeline.papers import Paper
from assay.pipeline.postmortem import (
    ActionItem,
    EventKind,
    FailureCategory,
    FailurePattern,
    PostMortem,
    Problem,
    TimelineEvent,
    WhyChain,
)
from assay.pipeline.predictions import Outcome, Prediction
from assay.pipeline.reading import Decision, Level, RedFlagKind, Severity, ViabilityDimension
from assay.store import runs as run_rows
from assay.store.reproductions import FromRun

DATA = Path(__file__).parents[2] / "unit" / "formats" / "data"
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
TABLES = (
    "papers", "paper_techniques", "reading_passes", "paper_notes", "viability_scores",
    "adoption_factors", "claims", "claim_runs", "claim_findings", "red_flags", "predictions",
    "forecasts", "postmortems", "postmortem_actions",
)  # fmt: skip


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="tester")
    yield workspace
    workspace.close()


@pytest.fixture
def r(ws: Workspace) -> Workspace:
    return ws


def digest(ws: Workspace) -> str:
    """Every row of every table: proof that a refused command wrote nothing."""
    h = hashlib.sha256()
    with ws.db.read() as session:
        names = sorted(inspect(session.connection()).get_table_names())
        for name in names:
            for row in session.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')).all():
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


# -- schema -----------------------------------------------------------------------------


def test_models_match_the_migration(ws: Workspace) -> None:
    import importlib
    import pkgutil

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import assay.store
    from assay.store.models import Base

    for module in pkgutil.iter_modules(assay.store.__path__):
        if module.name.endswith("_models"):  # every table, also those pointing at ours
            importlib.import_module(f"assay.store.{module.name}")

    with ws.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if any(t in repr(d) for t in TABLES)]
    assert ours == []


# -- papers -----------------------------------------------------------------------------


def test_bibtex_import_cleans_titles_keeps_raw_and_merges_the_duplicate(
    r: Workspace,
) -> None:
    result = r.papers.import_bibtex(DATA / "refs.bib")
    # the file's fourth entry is the first again (same arXiv id): reported as a merge
    assert [a.merged_by for a in result.added] == [None, None, None, "arxiv:2205.14135"]
    assert result.added[3].incoming_key == "DBLP:journals/corr/abs-2205-14135"
    assert (result.records, result.new, result.merged) == (4, 3, 1)
    papers = {p.paper.key: p.paper for p in r.papers.list()}
    assert set(papers) == {"dao2022flashattention", "muller2021linear", "noyear"}
    flash = papers["dao2022flashattention"]
    assert flash.title == (
        "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
    )
    assert flash.raw_title.startswith("Flash{A}ttention")
    assert flash.doi == "10.48550/arxiv.2205.14135"  # filled from the duplicate entry
    assert flash.authors[-1].family == "Ré"
    muller = papers["muller2021linear"]
    assert muller.title.startswith("Linear Transformers are über-Efficient")
    assert muller.authors[0].family == "Müller"
    assert papers["noyear"].year is None
    again = r.papers.import_bibtex(DATA / "refs.bib")
    assert all(a.merged_by for a in again.added)
    assert len(r.papers.list()) == 3


def test_atom_and_csl_merge_into_the_bibtex_paper(r: Workspace) -> None:
    r.papers.import_bibtex(DATA / "refs.bib", key="dao2022flashattention")
    atom = r.papers.import_atom(DATA / "arxiv_2205.14135.xml")
    assert atom.added[0].merged_by == "arxiv:2205.14135"
    csl = r.papers.import_csl(DATA / "zotero.json")
    assert any(a.merged_by for a in csl.added)
    flash = r.papers.get("2205.14135").paper
    assert flash.key == "dao2022flashattention"
    assert flash.abstract  # filled from arXiv
    assert flash.source == "bibtex"


def test_a_malformed_bibtex_file_names_the_line_and_imports_nothing(
    ws: Workspace, r: Workspace, tmp_path: Path
) -> None:
    r.papers.import_bibtex(DATA / "refs.bib", key="noyear")
    before = digest(ws)
    bad = write(
        tmp_path, "bad.bib", "@article{a,\n  title = {Fine},\n}\n@article{b,\n  title = {x} y\n}\n"
    )
    with pytest.raises(InputError, match=r"bad\.bib, line 5"):
        r.papers.import_bibtex(bad)
    one_bad_entry = write(
        tmp_path, "doi.bib", "@article{ok, title={Good}}\n@article{nodoi, title={T}, doi={nope}}\n"
    )
    with pytest.raises(InputError, match="nodoi"):
        r.papers.import_bibtex(one_bad_entry)
    assert digest(ws) == before


def test_papers_are_found_by_key_doi_arxiv_or_title(r: Workspace) -> None:
    r.papers.import_bibtex(DATA / "refs.bib")
    assert r.papers.get("dao2022flashattention").paper.arxiv_id == "2205.14135"
    assert r.papers.get("DAO2022").paper.key == "dao2022flashattention"  # key prefix, any case
    assert r.papers.get("https://doi.org/10.5555/JMLR.2021.0042").paper.key == "muller2021linear"
    assert r.papers.get("arXiv:2205.14135v2").paper.key == "dao2022flashattention"
    assert r.papers.get("über-EFFICIENT").paper.key == "muller2021linear"
    assert r.papers.get("streaming").paper.key == "noyear"
    with pytest.raises(InputError, match="ambiguous: 3 papers match") as info:
        r.papers.get("attention")
    assert "dao2022flashattention" in str(info.value)
    with pytest.raises(NotFoundError, match="assay paper list"):
        r.papers.get("no such words")


def test_like_wildcards_in_a_title_search_are_literal(r: Workspace) -> None:
    r.papers.add([Paper(title="A 100% result"), Paper(title="A 1000 result")])
    assert r.papers.get("100%").paper.title == "A 100% result"
    with pytest.raises(NotFoundError):
        r.papers.get("1_0")  # "_" matches itself, not any character


def test_papers_link_to_techniques_many_to_many(ws: Workspace, r: Workspace) -> None:
    r.papers.import_bibtex(DATA / "refs.bib")
    ws.radar.add("FlashAttention", area="inference")
    ws.radar.add("Linear attention", area="architecture")
    r.papers.link("dao2022", "flashattention")
    r.papers.link("muller2021linear", "FlashAttention")
    record, new = r.papers.link("dao2022", "Linear attention")
    assert new
    assert record.techniques == ("FlashAttention", "Linear attention")
    assert not r.papers.link("dao2022", "FLASHATTENTION")[1]
    before = digest(ws)
    with pytest.raises(NotFoundError, match="did you mean 'FlashAttention'"):
        r.papers.link("dao2022", "FlashAtention")
    assert digest(ws) == before


# -- reading ------------------------------------------------------------------------------


def test_reading_passes_in_order_and_a_stop_is_a_good_outcome(ws: Workspace, r: Workspace) -> None:
    r.papers.import_bibtex(DATA / "refs.bib")
    before = digest(ws)
    with pytest.raises(InputError, match="pass 2 needs pass 1 first"):
        r.papers.read("noyear", [(2, {"technique": "x"}, Decision.CONTINUE, "go", None)])
    assert digest(ws) == before
    record = r.papers.read(
        "noyear", [(1, {"claim": "sinks"}, Decision.STOP, "not our problem", None)]
    )
    assert record.status == (
        "stopped",
        "stopped after pass 1: not our problem "
        "(a good outcome: the paper was screened out cheaply)",
    )
    with pytest.raises(InputError, match="decided to stop"):
        r.papers.read("noyear", [(2, {"technique": "x"}, Decision.CONTINUE, "go", None)])
    day = dt.date(2026, 2, 1)
    r.papers.read(
        "dao2022",
        [
            (1, {"claim": "fast"}, Decision.CONTINUE, "relevant", day),
            (2, {"technique": "tiling", "can_implement": "yes"}, Decision.CONTINUE, "go", day),
            (3, {"ablations": "block size"}, Decision.CONTINUE, "prototype", day),
        ],
    )
    assert r.papers.get("dao2022").status[0] == "complete"
    reread = r.papers.read(
        "dao2022", [(1, {"claim": "fast, exact"}, Decision.CONTINUE, "again", day)]
    )
    assert [p.number for p in reread.passes] == [1]
    assert reread.passes[0].by == "tester"


def test_the_note_is_updated_field_by_field(ws: Workspace, r: Workspace) -> None:
    r.papers.import_bibtex(DATA / "refs.bib")
    before = digest(ws)
    with pytest.raises(InputError, match="needs --relevance and --summary"):
        r.papers.note("dao2022", key_insight="IO")
    with pytest.raises(InputError, match="relevance 7"):
        r.papers.note("dao2022", relevance=7, summary="x")
    assert digest(ws) == before
    r.papers.note(
        "dao2022", relevance=4, summary="Tiled exact attention.", date_read=dt.date(2026, 1, 2)
    )
    note = r.papers.note("dao2022", key_insight="memory traffic, not FLOPs").note
    assert note is not None
    assert (note.relevance, note.summary, note.key_insight) == (
        4,
        "Tiled exact attention.",
        "memory traffic, not FLOPs",
    )
    assert note.date_read == dt.date(2026, 1, 2)


def test_flags_checklist_viability_and_adoption(ws: Workspace, r: Workspace) -> None:
    r.papers.import_bibtex(DATA / "refs.bib")
    r.papers.flag(
        "dao2022", RedFlagKind.WEAK_BASELINES, severity=Severity.LOW, evidence=["Table 2"]
    )
    record = r.papers.flag(
        "dao2022",
        RedFlagKind.WEAK_BASELINES,
        severity=Severity.HIGH,
        evidence=["Table 2: eager PyTorch only", "§4"],
    )
    (flag,) = record.flags
    assert flag.severity is Severity.HIGH
    assert [(e.where, e.what) for e in flag.evidence] == [
        ("Table 2", "eager PyTorch only"),
        ("§4", ""),
    ]
    with pytest.raises(InputError, match="needs evidence"):
        r.papers.flag("dao2022", RedFlagKind.TOY_DATASETS, severity=Severity.LOW, evidence=[])
    assert r.papers.unflag("dao2022", RedFlagKind.WEAK_BASELINES).flags == ()
    checklist = r.papers.checklist(
        "dao2022", {"training_code": True, "dependencies": True}
    ).checklist
    assert checklist is not None
    assert checklist.score == 2
    assert r.papers.checklist("dao2022", {"dependencies": False}).checklist.score == 1  # type: ignore[union-attr]
    before = digest(ws)
    d = ViabilityDimension
    with pytest.raises(InputError, match="missing integration-complexity, robustness"):
        r.papers.viability("dao2022", scores={d.COMPUTATIONAL_EFFICIENCY: 5, d.MAINTAINABILITY: 4})
    with pytest.raises(InputError, match="also give --maturity"):
        r.papers.viability("dao2022", factors={"reversibility": Level.HIGH,
                           "expected_gain": Level.LOW, "criticality": Level.LOW,
                           "shadow_mode": True})  # fmt: skip
    assert digest(ws) == before
    full = {d.COMPUTATIONAL_EFFICIENCY: 5, d.INTEGRATION_COMPLEXITY: 1, d.ROBUSTNESS: 4,
            d.MAINTAINABILITY: 4}  # fmt: skip
    r.papers.viability("dao2022", scores=full, notes={d.ROBUSTNESS: "fp16 only"})
    record = r.papers.viability(
        "dao2022",
        scores={d.INTEGRATION_COMPLEXITY: 3},
        red={d.MAINTAINABILITY: ["custom CUDA"]},
        factors={"reversibility": Level.HIGH, "expected_gain": Level.HIGH,
                 "maturity": Level.LOW, "criticality": Level.MEDIUM, "shadow_mode": True},
    )  # fmt: skip
    viability = record.viability
    assert viability is not None
    assert viability.overall == pytest.approx(4.0)
    assert record.scores[d.ROBUSTNESS].notes == "fp16 only"  # kept
    assert record.scores[d.MAINTAINABILITY].red_flags == ("custom CUDA",)
    advice = record.advice
    assert advice is not None
    assert advice.timing.value == "trial"  # 3 points, capped by immature implementations
    again = r.papers.viability("dao2022", factors={"maturity": Level.HIGH}).advice
    assert again is not None
    assert again.timing.value == "adopt early"


# -- claims -------------------------------------------------------------------------------


def test_a_claim_with_reproducing_runs_shows_gap_status_and_the_automatic_flag(
    ws: Workspace, r: Workspace
) -> None:
    r.papers.import_bibtex(DATA / "refs.bib")
    claim = r.claims.add("dao2022", metric="speed-up", value=3.0, setting="GPT-2 1K", unit="x")
    assert claim.assessment.status is ReproStatus.UNTESTED
    # Hand calculation: mean 2.2, sd 0.2, t(0.975, 2) = 4.302653 -> half-width 0.496827.
    linked = r.claims.link_run(claim.id, "run-a", [2.0, 2.2, 2.4])
    a = linked.assessment
    assert a.reproduction is not None
    assert a.reproduction.value == pytest.approx(2.2)
    assert a.reproduction.low == pytest.approx(2.2 - 0.496827, abs=1e-6)
    assert a.reproduction.high == pytest.approx(2.2 + 0.496827, abs=1e-6)
    assert a.gap == pytest.approx(-0.8)
    assert a.relative_gap == pytest.approx(-0.8 / 3)
    assert a.status is ReproStatus.PARTIALLY  # favourable end 10% short, point 27% short
    (flag,) = r.papers.get("dao2022").flags
    assert (flag.kind, flag.severity, flag.origin) == (
        RedFlagKind.REPRODUCIBILITY,
        Severity.MEDIUM,
        "auto",
    )
    assert "run-a" in flag.evidence[0].what
    worse = r.claims.link_run(claim.id, "run-a", [1.0, 1.1, 1.2])  # the same run, new values
    assert worse.assessment.status is ReproStatus.NOT_REPRODUCED
    assert [f.severity for f in r.papers.get("dao2022").flags] == [Severity.HIGH]  # replaced
    good = r.claims.link_run(claim.id, "run-b", [2.9, 3.0, 3.1, 3.0, 3.05, 2.95, 3.1, 2.9, 3.0])
    assert [lr.run for lr in good.runs] == ["run-a", "run-b"]
    assert good.assessment.status is ReproStatus.PARTIALLY  # pooled: both runs count
    r.claims.link_run(claim.id, "run-a", [3.0, 3.1, 2.9])
    assert r.claims.get(claim.id).assessment.status is ReproStatus.REPRODUCED
    assert r.papers.get("dao2022").flags == ()  # the gap closed: the flag is withdrawn
    finding = r.claims.add_finding(claim.id, "  layer-norm eps must be 1e-5  ")
    assert [f.text for f in finding.claim.findings] == ["layer-norm eps must be 1e-5"]
    assert finding.to_dict()["findings"][0]["by"] == "tester"
    assert [c.id for c in r.claims.list("dao2022")] == [claim.id]


def test_bad_claims_and_links_change_nothing(ws: Workspace, r: Workspace) -> None:
    r.papers.import_bibtex(DATA / "refs.bib")
    claim = r.claims.add("dao2022", metric="accuracy", value=0.9, direction=Direction.EITHER)
    before = digest(ws)
    with pytest.raises(InputError, match="claimed value of 0"):
        r.claims.add("dao2022", metric="x", value=0.0)
    with pytest.raises(InputError, match="not a finite number"):
        r.claims.link_run(claim.id, "run", [1.0, math.nan])
    with pytest.raises(NotFoundError, match="no claim 99"):
        r.claims.link_run(99, "run", [1.0, 2.0])
    with pytest.raises(NotFoundError, match="not in this workspace"):
        r.claims.link_run(claim.id, "unknown-run")
    assert digest(ws) == before
    one = r.claims.link_run(claim.id, "single", [0.9])
    assert one.assessment.status is ReproStatus.UNTESTED
    assert "cannot give an interval" in one.assessment.explanation


def _trial(method: str, n: int, seed: int, heap: float, time: float) -> TrialResult:
    return TrialResult(
        key=TrialKey(method, (("n", n),), seed),
        status=TrialStatus.OK,
        block=seed,
        position=0,
        values={"peak_heap": heap, "time": time},
    )


def _store_run(ws: Workspace) -> str:
    header = RunHeader(
        spec={"name": "attn", "baseline": "naive", "candidates": ["tiled"], "fingerprint": "f"},
        options={"trials": 3},
        environment={},
        planned=12,
    )
    with ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="attn", source="attn.py", kind="bench", header=header, by="tester",
            at=T0, run_id="run-attn", state="finished",
        )  # fmt: skip
        for seed, jitter in ((1, 0.0), (2, 0.1), (3, -0.1)):
            for n, heap in ((256, 1.0), (2048, 100.0)):
                run_rows.add_trial(session, run_id, _trial("naive", n, seed, heap, 2.0 + jitter))
                run_rows.add_trial(session, run_id, _trial("tiled", n, seed, heap / 10, 1.0))
    return run_id


def test_a_claim_reads_its_trial_values_from_a_stored_run(ws: Workspace, r: Workspace) -> None:
    run_id = _store_run(ws)
    r.papers.import_bibtex(DATA / "refs.bib")
    memory = r.claims.add("dao2022", metric="memory saving", value=10.0, unit="x")
    before = digest(ws)
    with pytest.raises(InputError, match="no metric 'memory saving'; it measured peak_heap, time"):
        r.claims.link_run(memory.id, run_id)
    with pytest.raises(InputError, match=r"several sweep points .*n=2048.*pick one with --where"):
        r.claims.link_run(memory.id, run_id, from_run=FromRun("peak_heap", as_="times-smaller"))
    with pytest.raises(InputError, match="no sweep point n=999"):
        r.claims.link_run(memory.id, run_id, from_run=FromRun("peak_heap", where={"n": "999"}))
    with pytest.raises(InputError, match="say how with --as"):
        FromRun("peak_heap", against="naive")
    assert digest(ws) == before
    spec = FromRun("peak_heap", as_="times-smaller", where={"n": "2048"})
    linked = r.claims.link_run(memory.id, run_id, from_run=spec)
    (run,) = linked.runs
    assert run.values == (10.0, 10.0, 10.0)
    assert run.source == "peak_heap, naive ÷ tiled at n=2048, 3 paired trials"
    assert linked.assessment.status is ReproStatus.REPRODUCED
    speed = r.claims.add("dao2022", metric="latency reduction", value=0.5)
    by_seed = r.claims.link_run(
        speed.id, run_id, from_run=FromRun("time", as_="reduction", where={"n": "256"})
    )
    assert sorted(by_seed.runs[0].values or ()) == pytest.approx([1 - 1 / 1.9, 0.5, 1 - 1 / 2.1])
    plain = r.claims.add("dao2022", metric="time", value=1.0, direction=Direction.LOWER)
    values = (
        r.claims.link_run(plain.id, run_id, from_run=FromRun(where={"n": "256"})).runs[0].values
    )
    assert values == (1.0, 1.0, 1.0)  # the candidate's own values


# -- predictions ----------------------------------------------------------------------------


def _forecast_set(ws: Workspace, r: Workspace) -> list[int]:
    ids = []
    day = dt.date(2026, 1, 31)
    for question, p, outcome, who in (
        ("A ships", 0.8, Outcome.YES, "ana"),
        ("B ships", 0.3, Outcome.NO, "ana"),
        ("C ships", 0.6, Outcome.NO, "ben"),
        ("D ships", 0.9, Outcome.YES, "ben"),
        ("E is ambiguous", 0.5, Outcome.AMBIGUOUS, "ben"),
    ):
        ws.user = who
        made = r.predictions.add(question, p, day, tags=["infra"] if who == "ana" else [], at=T0)
        assert made.id is not None
        r.predictions.resolve(int(made.id), outcome, at=T0 + dt.timedelta(days=40))
        ids.append(int(made.id))
    ws.user = "ana"
    early = r.predictions.add("F resolved before its date", 0.9, dt.date(2027, 1, 1), at=T0)
    r.predictions.resolve(int(early.id or 0), Outcome.YES, at=T0 + dt.timedelta(days=1))
    r.predictions.add("G never resolved", 0.4, dt.date(2026, 2, 1), at=T0)
    return ids


def test_scores_match_a_hand_calculation(ws: Workspace, r: Workspace) -> None:
    _forecast_set(ws, r)
    report = r.predictions.score(dt.date(2026, 3, 1))
    overall = report.overall
    assert overall.count == 4  # ambiguous and early-resolved ones do not count
    assert overall.brier == pytest.approx((0.04 + 0.09 + 0.36 + 0.01) / 4)
    expected_log = (math.log(0.8) + math.log(0.7) + math.log(0.4) + math.log(0.9)) / 4
    assert overall.log == pytest.approx(expected_log)
    counts = [b.count for b in overall.calibration]
    assert counts == [0, 0, 0, 1, 0, 0, 1, 0, 1, 1]
    assert [b.observed for b in overall.calibration if b.count] == [0.0, 0.0, 1.0, 1.0]
    assert report.by_person["ana"].brier == pytest.approx((0.04 + 0.09) / 2)
    assert report.by_person["ben"].brier == pytest.approx((0.36 + 0.01) / 2)
    assert report.by_tag["infra"].count == 2
    assert [p.question for p in report.overdue] == ["G never resolved"]
    only_ben = r.predictions.score(dt.date(2026, 3, 1), person="ben")
    assert only_ben.overall.count == 2
    assert list(only_ben.by_person) == ["ben"]


def test_resolution_rules_and_forecasts(ws: Workspace, r: Workspace) -> None:
    made = r.predictions.add(
        "X ships", 0.6, dt.date(2026, 6, 30), tags=["Infra", "infra", " "], at=T0
    )
    assert made.tags == ("infra",)
    ident = int(made.id or 0)
    ws.user = "ben"
    updated = r.predictions.forecast(ident, 0.7)
    assert [(f.by, f.p) for f in updated.forecasts] == [("tester", 0.6), ("ben", 0.7)]
    resolved = r.predictions.resolve(ident, Outcome.NO)
    assert resolved.resolution is not None
    assert resolved.resolution.by == "ben"
    before = digest(ws)
    with pytest.raises(InputError, match="already resolved no"):
        r.predictions.resolve(ident, Outcome.YES)
    with pytest.raises(InputError, match="would not count"):
        r.predictions.forecast(ident, 0.2)
    with pytest.raises(InputError, match="not a probability"):
        r.predictions.add("Y", 1.5, dt.date(2026, 6, 30), at=T0)
    with pytest.raises(InputError, match="column"):
        r.predictions.add(
            "Y", 0.5, dt.date(2026, 6, 30), at=T0, criterion="effect(latency.p99 <= -20%"
        )
    with pytest.raises(NotFoundError, match="no prediction 42"):
        r.predictions.resolve(42, Outcome.YES)
    assert digest(ws) == before


def test_a_new_prediction_may_not_resolve_before_the_day_it_is_made(
    ws: Workspace, r: Workspace
) -> None:
    before = digest(ws)
    today = dt.date.today()
    with pytest.raises(InputError) as caught:
        r.predictions.add("Q", 0.7, dt.date(2020, 1, 1))
    message = str(caught.value)
    assert message == (
        f"resolve-by date 2020-01-01 is in the past; expected today ({today.isoformat()}) "
        "or a later date"
    )
    with pytest.raises(InputError, match="expected the day it is made \\(2026-01-05\\)"):
        r.predictions.add("Q", 0.7, dt.date(2026, 1, 4), at=T0)
    assert digest(ws) == before
    assert r.predictions.add("due today", 0.7, today).resolve_by == today
    assert (
        r.predictions.add("made back then", 0.7, dt.date(2026, 1, 5), at=T0).resolve_by == T0.date()
    )


def test_a_criterion_prediction_resolves_itself_from_evidence(r: Workspace) -> None:
    from assay.criteria import InMemoryEvidence

    made = r.predictions.add("p99 drops 20%", 0.7, dt.date(2026, 6, 30), at=T0,
                     criterion="effect( latency.p99 )<=-20%")  # fmt: skip
    assert made.criterion == "effect(latency.p99) <= -20%"
    other = r.predictions.add("no criterion", 0.5, dt.date(2026, 6, 30), at=T0)
    undecided = InMemoryEvidence.from_dict(
        {"effects": {"latency.p99": {"relative": {"value": -0.2, "low": -0.3, "high": -0.1,
                                                  "n": 5}, "lower_is_better": True}}}
    )  # fmt: skip
    (check,) = r.predictions.check(undecided)
    assert (check.outcome, check.resolved) == ("UNDETERMINED", False)
    with pytest.raises(InputError, match="has no criterion"):
        r.predictions.check(undecided, [int(other.id or 0)])
    decided = InMemoryEvidence.from_dict(
        {"effects": {"latency.p99": {"relative": {"value": -0.3, "low": -0.35, "high": -0.25,
                                                  "n": 10}, "lower_is_better": True}}}
    )  # fmt: skip
    (check,) = r.predictions.check(decided)
    assert check.resolved
    resolution = r.predictions.list()[0].resolution
    assert resolution is not None
    assert resolution.outcome is Outcome.YES
    assert resolution.by == "criterion: effect(latency.p99) <= -20%"
    assert r.predictions.check(decided) == []  # nothing left open


def _shape(p: Prediction) -> tuple[object, ...]:
    outcome = p.resolution.outcome if p.resolution else None
    return p.question, p.resolve_by, [(f.by, f.p) for f in p.forecasts], outcome


def test_fatebook_import_merges_and_export_round_trips(
    ws: Workspace, r: Workspace, database_url: str, tmp_path: Path
) -> None:
    first = r.predictions.import_fatebook(DATA / "fatebook.csv")
    assert first.new >= 1
    assert first.skipped
    second = r.predictions.import_fatebook(DATA / "fatebook.csv")
    assert (second.new, second.forecasts_added) == (0, 0)
    _forecast_set(ws, r)
    exported = write(tmp_path, "out.csv", r.predictions.export_fatebook())
    other_root = tmp_path / "other"
    other_root.mkdir()
    (tmp_path / "other.db").touch()
    with Workspace.open(other_root, url=f"sqlite:///{tmp_path / 'other.db'}", user="x") as fresh:
        fresh.predictions.import_fatebook(exported)
        theirs = [_shape(p) for p in fresh.predictions.list()]
    assert theirs == [_shape(p) for p in r.predictions.list()]


def test_a_bad_fatebook_file_imports_nothing(ws: Workspace, r: Workspace, tmp_path: Path) -> None:
    before = digest(ws)
    good = (DATA / "fatebook.csv").read_text(encoding="utf-8").splitlines()
    bad = write(tmp_path, "bad.csv", "\n".join([*good, good[1].replace("0.", "x.", 1)]) + "\n")
    with pytest.raises(InputError, match=r"bad\.csv, line \d+"):
        r.predictions.import_fatebook(bad)
    assert digest(ws) == before


# -- post-mortems ---------------------------------------------------------------------------


def _postmortem(subject: str, **changes: object) -> PostMortem:
    base: dict[str, object] = {
        "subject": subject,
        "timeline": (),
        "problems": (Problem(FailureCategory.PROTOTYPE, "benchmarked against naive attention"),),
        "why_chains": (
            WhyChain(
                "speed-up vanished",
                ("naive baseline", "nobody asked what prod runs"),
                FailurePattern.BENCHMARK_PRODUCTION_GAP,
            ),
        ),
        "lessons": ("Benchmark against production.",),
        "actions": (
            ActionItem("add a baseline check", "Priya", dt.date(2026, 1, 1)),
            ActionItem(
                "retest beyond 32k",
                "Aiko",
                dt.date(2027, 1, 1),
                question="Does it pay off beyond 32k tokens?",
            ),
        ),
        "missed_red_flags": (RedFlagKind.WEAK_BASELINES,),
    }
    base.update(changes)
    return PostMortem(**base)  # type: ignore[arg-type]


def test_a_postmortem_takes_its_timeline_from_the_radar_and_opens_a_question(
    ws: Workspace, r: Workspace
) -> None:
    ws.radar.add("Linformer", area="architecture", at=T0)
    ws.radar.move("Linformer", Ring.HOLD, why="wait for kernels", at=T0 + dt.timedelta(days=30))
    ws.radar.move("Linformer", Ring.SKIP, why="vanished against FA", at=T0 + dt.timedelta(days=90))
    wrong = r.predictions.add("Linformer ships", 0.7, dt.date(2026, 3, 1), at=T0)
    stored = r.postmortems.add(
        _postmortem("linformer", wrong_predictions=(wrong.id,)),
        open_on_radar={1: ("Projection attention at 32k", "architecture")},
    )
    assert stored.subject == "Linformer"  # the technique's own name
    assert [(e.kind, e.on) for e in stored.timeline] == [
        (EventKind.FIRST_SEEN, T0.date()),
        (EventKind.MILESTONE, (T0 + dt.timedelta(days=30)).date()),
        (EventKind.OUTCOME, (T0 + dt.timedelta(days=90)).date()),
    ]
    opened = ws.radar.get("Projection attention at 32k")
    assert opened.ring is Ring.ASSESS
    assert opened.summary == "Does it pay off beyond 32k tokens?"
    assert "post-mortem of Linformer" in opened.history[0].why
    actions = r.postmortems.actions(dt.date(2026, 6, 1))
    assert [(a.action.text, a.overdue(dt.date(2026, 6, 1)), a.technique) for a in actions] == [
        ("add a baseline check", True, None),
        ("retest beyond 32k", False, "Projection attention at 32k"),
    ]
    closed = r.postmortems.close_action(actions[0].id, dt.date(2026, 6, 2))
    assert closed.action.done_on == dt.date(2026, 6, 2)
    with pytest.raises(InputError, match="already done"):
        r.postmortems.close_action(actions[0].id)
    assert [a.id for a in r.postmortems.actions()] == [actions[1].id]
    with pytest.raises(DuplicateError, match="already opened"):
        r.postmortems.open_question(actions[1].id, "Another", "architecture")


def test_a_failing_postmortem_writes_nothing(ws: Workspace, r: Workspace) -> None:
    ws.radar.add("Taken", area="architecture")
    ws.radar.add("proto-x", area="architecture")
    before = digest(ws)
    with pytest.raises(NotFoundError, match="no technique or prototype named 'nowhere'"):
        r.postmortems.add(_postmortem("nowhere"))
    with pytest.raises(NotFoundError, match="no prediction 77"):
        r.postmortems.add(_postmortem("proto-x", wrong_predictions=("77",)))
    with pytest.raises(DuplicateError, match="already exists"):  # the question's technique
        r.postmortems.add(_postmortem("proto-x"), open_on_radar={1: ("taken", "architecture")})
    with pytest.raises(InputError, match="no research question"):
        r.postmortems.add(_postmortem("proto-x"), open_on_radar={0: ("New", "architecture")})
    with pytest.raises(InputError, match="before it was first seen"):
        _postmortem(
            "x",
            timeline=(
                TimelineEvent(dt.date(2026, 2, 1), EventKind.FIRST_SEEN, "a"),
                TimelineEvent(dt.date(2026, 1, 1), EventKind.MILESTONE, "b"),
            ),
        )
    assert digest(ws) == before


def test_patterns_count_postmortems_not_mentions(r: Workspace) -> None:
    gap = FailurePattern.BENCHMARK_PRODUCTION_GAP
    twice = (WhyChain("a", ("Nobody asked what prod runs.",), gap),
             WhyChain("b", ("nobody asked what prod runs",), gap))  # fmt: skip
    for subject in ("proto-1", "proto-2", "proto-3"):
        r.radar.add(subject, area="architecture")
    r.postmortems.add(_postmortem("proto-1", why_chains=twice))
    r.postmortems.add(_postmortem("proto-2"))
    r.postmortems.add(_postmortem("proto-3", why_chains=(), missed_red_flags=()))
    report = r.postmortems.patterns()
    assert report.total == 3
    assert report.patterns[gap] == 2
    assert report.missed_red_flags[RedFlagKind.WEAK_BASELINES] == 2
    assert report.recurring_causes == [("Nobody asked what prod runs.", 2)]
    assert [pm.subject for pm in r.postmortems.list()] == ["proto-1", "proto-2", "proto-3"]
    assert r.postmortems.get(2).subject == "proto-2"
    with pytest.raises(NotFoundError):
        r.postmortems.get(9)


# -- radar interchange -------------------------------------------------------------------------


def _radar(ws: Workspace) -> None:
    ws.radar.add("FlashAttention", area="inference", summary="IO-aware", at=T0)
    ws.radar.move("FlashAttention", Ring.HOLD, why="wait for sm90", at=T0 + dt.timedelta(days=5))
    ws.radar.add("Linformer", area="architecture", summary="projection", at=T0)
    ws.radar.move("Linformer", Ring.HOLD, why="unclear", at=T0 + dt.timedelta(days=7))
    ws.radar.move("Linformer", Ring.SKIP, why="vanished", at=T0 + dt.timedelta(days=9))


def _same(ws: Workspace) -> list[tuple[str, str, Ring, str | None]]:
    return [(t.name, t.area, t.ring, t.summary) for t in ws.radar.list()]


@pytest.mark.parametrize(("fmt", "suffix"), [("byor-csv", "csv"), ("backstage-json", "json")])
def test_radar_export_then_import_gives_the_same_radar(
    ws: Workspace, tmp_path: Path, fmt: str, suffix: str
) -> None:
    _radar(ws)
    path = write(tmp_path, f"radar.{suffix}", ws.radar.export(fmt))
    (tmp_path / "fresh.db").touch()
    with Workspace.open(
        tmp_path, url=f"sqlite:///{tmp_path / 'fresh.db'}", user="importer"
    ) as fresh:
        imported = fresh.radar.import_file(path, fmt)
        assert [t.name for t in imported] == ["FlashAttention", "Linformer"]
        assert _same(fresh) == _same(ws)
        if fmt == "backstage-json":
            history = [(m.from_ring, m.to_ring, m.at, m.by, m.why)
                       for m in fresh.radar.get("Linformer").history]  # fmt: skip
            assert history == [
                (m.from_ring, m.to_ring, m.at, m.by, m.why)
                for m in ws.radar.get("Linformer").history
            ]
        before = digest(fresh)
        with pytest.raises(DuplicateError, match="already on the radar: FlashAttention, Linformer"):
            fresh.radar.import_file(path, fmt)
        assert digest(fresh) == before


# -- search ------------------------------------------------------------------------------------


def test_search_finds_every_kind_of_record_case_insensitively(ws: Workspace, r: Workspace) -> None:
    r.papers.import_bibtex(DATA / "refs.bib")
    ws.radar.add("Linformer", area="architecture", summary="projection of keys")
    ws.radar.move("Linformer", Ring.SKIP, why="the SPEED-UP vanished against the fused kernel")
    r.papers.note("dao2022", relevance=5, summary="Fused kernel, exact.")
    claim = r.claims.add("dao2022", metric="speed-up", value=3, setting="fused kernel off")
    r.claims.add_finding(claim.id, "fp32 takes the slow kernel path")
    r.predictions.add("The fused kernel ships", 0.7, dt.date(2026, 6, 1), at=T0)
    ws.radar.add("proto", area="architecture")
    r.postmortems.add(_postmortem("proto", lessons=("Compare with the fused kernel.",)))
    r.papers.read("noyear", [(1, {"relevance": "no fused kernel here"}, Decision.STOP, "no", None)])
    r.papers.flag("dao2022", RedFlagKind.WEAK_BASELINES, severity=Severity.LOW,
           evidence=["Table 2: no fused KERNEL baseline"])  # fmt: skip
    kinds = [h.kind for h in r.papers.search("Fused Kernel")]
    assert kinds == [
        "reading pass", "note", "red flag", "claim", "prediction", "post-mortem", "ring move",
    ]  # fmt: skip
    assert [h.kind for h in r.papers.search("slow kernel")] == ["finding"]
    assert r.papers.search("whys") == []  # a JSON key, not content
    assert r.papers.search("100%") == []  # LIKE wildcards are literal
    (hit,) = r.papers.search("vanished against the fused")
    assert (hit.kind, hit.ref, hit.field) == ("ring move", "Linformer", "why")
    assert len(r.papers.search("kernel", limit=2)) == 2
    with pytest.raises(InputError, match="too short"):
        r.papers.search(" x ")


def test_times_read_back_aware_utc(r: Workspace) -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    made = r.predictions.add(
        "Q", 0.5, dt.date(2026, 6, 1), at=dt.datetime(2026, 3, 1, 18, tzinfo=tokyo)
    )
    back = r.predictions.list()[0]
    assert back.created_at == made.created_at
    assert back.created_at.utcoffset() == dt.timedelta(0)
    assert back.created_at.hour == 9


def _stopped_prototype(ws: Workspace) -> None:
    from assay.pipeline.prototype import Prototype, Registration

    ws.radar.add("Linformer", area="architecture", at=T0)
    registration = Registration.build("projection halves P99 latency at 8k tokens")
    ws.prototypes.new(Prototype("linformer-proto", "Linformer", registration), at=T0)
    ws.users.add("tester", "admin")
    ws.learnings.add("linformer-proto", learned="l", surprises="s", implicit="i", advice="a")
    ws.prototypes.decide(
        "linformer-proto", "no", why="slower than FlashAttention below 8k tokens",
        override=True, at=T0 + dt.timedelta(days=20),
    )  # fmt: skip


def test_search_covers_prototypes_and_gate_decisions(ws: Workspace, r: Workspace) -> None:
    _stopped_prototype(ws)
    (prototype,) = r.papers.search("HALVES p99")
    assert (prototype.kind, prototype.ref, prototype.field) == (
        "prototype",
        "linformer-proto",
        "registration",
    )
    (decision,) = r.papers.search("slower than flashattention")
    assert decision.kind == "gate decision"
    assert decision.title.endswith(": no (2026-01-25)")


def test_a_prototype_postmortem_takes_its_timeline_from_the_gates(
    ws: Workspace, r: Workspace
) -> None:
    _stopped_prototype(ws)
    stored = r.postmortems.add(_postmortem("LINFORMER-PROTO"))
    assert stored.subject == "linformer-proto"
    assert [(e.kind, e.on) for e in stored.timeline] == [
        (EventKind.FIRST_SEEN, T0.date()),
        (EventKind.OUTCOME, (T0 + dt.timedelta(days=20)).date()),
    ]
    assert "NO" in stored.timeline[-1].text
    with ws.db.read() as session:
        linked = session.execute(text("SELECT technique_id FROM postmortems")).scalar_one()
        technique = session.execute(
            text("SELECT id FROM techniques WHERE name = 'Linformer'")
        ).scalar_one()
    assert linked == technique

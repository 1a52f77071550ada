"""The decision layer in the store, on SQLite and PostgreSQL alike: users and roles,
pre-registration and amendments, evidence from runs, gates, the radar's evidence
rule, stale blips, cost-benefit, the team rhythm and the study for reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine, func, select, text

from assay import Workspace
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import DuplicateError, InputError, NotFoundError, PermissionDeniedError
from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Prototype, Stage
from assay.store import runs as run_rows
from assay.store.decision_models import DecisionRow, PrototypeRow, UserRow
from assay.store.models import RingMoveRow
from assay.types import Ring

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
SAMPLE_SHAPE = np.array([0.9, 1.0, 1.0, 1.1, 1.5])


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="priya")
    workspace.radar.add("Tiling", area="inference", at=T0 - 10 * DAY)
    yield workspace
    workspace.close()


def store_run(
    ws: Workspace,
    *,
    at: dt.datetime,
    base: Sequence[float] = (0.1,) * 5,
    cand: Sequence[float] = (0.07,) * 5,
    accuracy: Mapping[str, Sequence[float]] | None = None,
    source: str = "/bench/tiling.py",
    kind: str = "bench",
    failed: int = 0,
    params: tuple[tuple[str, Any], ...] = (("n", 64),),
) -> str:
    """A finished run stored as if it began at ``at``: per-trial times of each arm
    (five per-call samples shaped like SAMPLE_SHAPE around each), optional accuracy,
    and ``failed`` extra candidate trials that crashed."""
    header = RunHeader(
        spec={
            "name": "tiling",
            "source": {"kind": "file", "ref": source},
            "fingerprint": "f",
            "baseline": "base",
            "candidates": ["cand"],
            "workload": {"name": "w", "params": {}},
            "metrics": [
                {"name": "accuracy", "higher_is_better": True, "margin": None, "primary": False}
            ],
        },
        options={"plan_seed": 1, "confidence": 0.95},
        environment={},
        planned=len(base) + len(cand) + failed,
    )
    trials = []
    for method, times in (("base", base), ("cand", cand)):
        for seed, t in enumerate(times):
            values = {"time": float(t)}
            if accuracy is not None:
                values["accuracy"] = float(accuracy[method][seed])
            trials.append(
                TrialResult(
                    key=TrialKey(method, params, seed),
                    status=TrialStatus.OK,
                    block=seed,
                    position=0 if method == "base" else 1,
                    values=values,
                    samples={"time": t * SAMPLE_SHAPE},
                )
            )
    for extra in range(failed):
        trials.append(
            TrialResult(
                key=TrialKey("cand", params, 100 + extra),
                status=TrialStatus.CRASH,
                block=100 + extra,
                position=0,
                reason="killed by SIGSEGV",
            )
        )
    with ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="tiling", source=source, kind=kind, header=header, by="marco", at=at
        )
        for trial in trials:
            run_rows.add_trial(session, run_id, trial)
        run_rows.finish_run(session, run_id, {}, at + dt.timedelta(minutes=5))
    return run_id


def register(
    ws: Workspace,
    name: str = "tiling-p1",
    *,
    success: Sequence[str] = ("effect(latency) <= -20%",),
    kill: Sequence[str] = ("candidate.latency.p99 < 1s",),
    at: dt.datetime = T0,
    evidence: Sequence[str] = (),
    **extra: Any,
) -> Any:
    prototype = Prototype.from_dict(
        {
            "name": name,
            "technique": "tiling",
            "hypothesis": "tiling cuts latency by a fifth",
            "success": list(success),
            "kill": list(kill),
            "timebox": "30d",
            "evidence": list(evidence),
        },
        today=at.date(),
    )
    return ws.prototypes.new(prototype, at=at, **extra)


def count(ws: Workspace, table: Any) -> int:
    with ws.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def team(ws: Workspace) -> None:
    ws.user = "priya"
    ws.users.add("priya", "admin")
    ws.users.add("sam", "approver")
    ws.users.add("marco", "contributor")
    ws.users.add("vera", "viewer")


# -- schema and users ----------------------------------------------------------------------


def _table_of(diff: Any) -> str:
    """The table an Alembic autogenerate difference is about."""
    if isinstance(diff, list):  # modify_* differences come as lists of tuples
        return _table_of(diff[0])
    kind, target = diff[0], diff[1]
    if kind.endswith("_table"):
        return str(target.name)
    if hasattr(target, "table"):
        return str(target.table.name)
    return str(diff[2])


def test_migration_0004_matches_the_models(ws: Workspace) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from assay.store import decision_models
    from assay.store.models import Base

    mine = {
        table.name
        for table in Base.metadata.sorted_tables
        if table.name
        in {m.__tablename__ for m in vars(decision_models).values() if hasattr(m, "__tablename__")}
    }
    assert {"users", "prototypes", "gate_decisions", "ring_move_evidence"} <= mine
    engine = create_engine(ws.db.url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert [d for d in diffs if _table_of(d) in mine] == []
    assert ws.schema_status().up_to_date


def test_the_first_user_is_an_admin_who_then_adds_the_others(ws: Workspace) -> None:
    with pytest.raises(InputError, match="first user must be an admin"):
        ws.users.add("priya", "approver")
    assert count(ws, UserRow) == 0
    team(ws)
    ws.user = "sam"
    with pytest.raises(PermissionDeniedError, match="adding a user needs the admin role"):
        ws.users.add("zoe", "viewer")
    ws.user = "priya"
    with pytest.raises(DuplicateError):
        ws.users.add("SAM", "viewer")
    assert [(u.name, u.role.value) for u in ws.users.list()] == [
        ("marco", "contributor"),
        ("priya", "admin"),
        ("sam", "approver"),
        ("vera", "viewer"),
    ]
    assert ws.users.set_role("vera", "contributor").role.value == "contributor"


# -- prototypes, pre-registration, amendments -----------------------------------------------


def test_a_prototype_round_trips_and_names_are_unique(ws: Workspace) -> None:
    record = register(ws, portfolio="core", candidate="cand", point={"n": 64})
    again = ws.prototypes.get("TILING-P1")
    assert again == record
    assert again.technique == "Tiling"
    assert again.stage is Stage.DISCOVERY and again.status == "active"
    assert [c.canonical for c in again.registration.success] == ["effect(latency) <= -20%"]
    assert again.registered_at == T0 and again.freeze is None
    assert (
        again.prototype.timebox is not None and again.prototype.timebox.end == T0.date() + 30 * DAY
    )
    with pytest.raises(DuplicateError):
        register(ws)
    stray = Prototype.from_dict(
        {"name": "x", "technique": "nope", "hypothesis": "h"}, today=T0.date()
    )
    with pytest.raises(NotFoundError, match="unknown technique"):
        ws.prototypes.new(stray)
    with pytest.raises(InputError, match="unknown portfolio"):
        register(ws, "other", portfolio="moonshot")
    assert count(ws, PrototypeRow) == 1
    assert [r.name for r in ws.prototypes.list()] == ["tiling-p1"]


def test_a_run_that_began_before_the_criteria_cannot_judge_them(ws: Workspace) -> None:
    early = store_run(ws, at=T0 - DAY)
    register(ws)
    with pytest.raises(InputError, match="before the criteria of tiling-p1 were registered"):
        ws.prototypes.link_run("tiling-p1", early)
    record = ws.prototypes.get("tiling-p1")
    assert record.links == () and record.freeze is None
    review = ws.prototypes.review("tiling-p1", today=T0.date())
    assert review.runs == () and review.recommendation.answer is Answer.NOT_YET


def test_the_first_judging_run_freezes_the_criteria_and_later_changes_are_amendments(
    ws: Workspace,
) -> None:
    register(ws)
    edited, amendment = ws.prototypes.amend(
        "tiling-p1", success=["effect(latency) <= -25%"], at=T0 + DAY
    )
    assert amendment is None and edited.registered_at == T0 + DAY and edited.amendments == ()
    run = store_run(ws, at=T0 + 2 * DAY)
    linked = ws.prototypes.link_run("tiling-p1", run)
    assert linked.freeze is not None
    assert linked.freeze.at == T0 + 2 * DAY
    assert linked.freeze.content_hash == edited.registration.content_hash()
    with pytest.raises(InputError, match="needs a reason"):
        ws.prototypes.amend("tiling-p1", success=["effect(latency) <= -10%"])
    assert ws.prototypes.get("tiling-p1").amendments == ()
    ws.user = "marco"
    record, amendment = ws.prototypes.amend(
        "tiling-p1",
        success=["effect(latency) <= -10%"],
        why="-25% was a typo for the paper's -10%",
        at=T0 + 3 * DAY,
    )
    assert amendment is not None and amendment.by == "marco"
    assert amendment.old_hash == linked.freeze.content_hash
    assert amendment.new_hash == record.registration.content_hash()
    assert amendment.changes == (
        "- success: effect(latency) <= -25%",
        "+ success: effect(latency) <= -10%",
    )
    assert record.freeze == linked.freeze  # the freeze itself never moves
    assert record.amendments == (amendment,)
    review = ws.prototypes.review("tiling-p1", today=T0.date())
    assert any("amended" in w and run in w for w in review.warnings)


def test_runs_of_a_declared_benchmark_file_count_from_the_registration_on(
    ws: Workspace, tmp_path: Path
) -> None:
    bench = tmp_path / "tiling.py"
    store_run(ws, at=T0 - DAY, source=str(bench))
    register(ws, evidence=[str(bench)])
    assert ws.prototypes.get("tiling-p1").freeze is None
    later = store_run(ws, at=T0 + DAY, source=str(bench))
    record = ws.prototypes.get("tiling-p1")
    assert record.freeze is not None and record.freeze.at == T0 + DAY
    assert ws.prototypes.review("tiling-p1", today=T0.date()).runs == (later,)


# -- evidence and gates ---------------------------------------------------------------------


def test_the_review_evaluates_every_criterion_against_the_runs(ws: Workspace) -> None:
    register(
        ws,
        success=["effect(latency) <= -20%", "not_worse(accuracy, margin=1pt)"],
        kill=["candidate.latency.p99 < 1s"],
    )
    accuracy = {"base": [0.80, 0.81, 0.80, 0.82, 0.81], "cand": [0.80, 0.81, 0.80, 0.82, 0.81]}
    run = store_run(ws, at=T0 + DAY, accuracy=accuracy)
    ws.prototypes.link_run("tiling-p1", run)
    review = ws.prototypes.review("tiling-p1", today=T0.date() + DAY)
    assert review.recommendation.answer is Answer.YES
    outcomes = {r.criterion.canonical: r.outcome.value for r in review.criteria}
    assert outcomes == {
        "effect(latency) <= -20%": "PASS",
        "not_worse(accuracy, margin=1pt)": "PASS",
        "candidate.latency.p99 < 1s": "PASS",
    }
    effect = review.evidence["effects"]["latency"]["relative"]
    assert effect["value"] == pytest.approx(-0.3) and effect["n"] == 5
    p99 = review.evidence["candidate"]["latency.p99"]
    assert p99["value"] == pytest.approx(0.07 * np.quantile(SAMPLE_SHAPE, 0.99))
    assert p99["unit"] == "s"
    assert review.sources["effect latency"] == f"run {run}: cand against base at n=64"
    assert review.frozen and review.runs == (run,)


def test_a_kill_criterion_that_fails_makes_it_no_and_gate_check_names_it(ws: Workspace) -> None:
    register(ws, kill=["candidate.latency.p99 < 50ms"])
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY))
    review = ws.prototypes.review("tiling-p1", today=T0.date() + DAY)
    assert review.recommendation.answer is Answer.NO
    (check,) = ws.prototypes.check(today=T0.date() + DAY)
    assert [r.criterion.canonical for r in check.fired] == ["candidate.latency.p99 < 50ms"]


def test_only_an_approver_decides_and_a_refusal_leaves_no_trace(ws: Workspace) -> None:
    team(ws)
    ws.user = "marco"
    register(ws)
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY))
    for user, message in (
        ("vera", "needs the approver role .* vera has the viewer role"),
        ("marco", "needs the approver role .* marco has the contributor role"),
        ("stranger", "stranger is not a registered user"),
    ):
        ws.user = user
        with pytest.raises(PermissionDeniedError, match=message):
            ws.prototypes.decide("tiling-p1", "yes", why="looks good")
    ws.user = "sam"
    with pytest.raises(InputError, match="goes against it and needs an override"):
        ws.prototypes.decide("tiling-p1", "no", why="I do not trust it", today=T0.date())
    assert count(ws, DecisionRow) == 0
    assert ws.prototypes.get("tiling-p1").stage is Stage.DISCOVERY

    ws.learnings.add("tiling-p1", learned="l", surprises="s", implicit="i", advice="a")
    decided = ws.prototypes.decide(
        "tiling-p1",
        "no",
        why="I do not trust one run",
        override=True,
        advocates=[("marco", "yes"), ("priya", "no")],
        revisit_when="a second machine confirms it",
        today=T0.date(),
    )
    assert decided.decision.override and decided.decision.recommended is Answer.YES
    assert decided.decision.role.value == "approver"
    assert decided.recommendation["answer"] == "yes"
    after = ws.prototypes.get("tiling-p1")
    assert after.status == "stopped"
    with pytest.raises(InputError, match="no open gate"):
        ws.prototypes.decide("tiling-p1", "yes", why="again")
    (stored,) = ws.prototypes.decisions("tiling-p1")
    assert stored.decision.override and stored.decision.advocates == (
        ("marco", "yes"),
        ("priya", "no"),
    )


def test_a_yes_moves_the_prototype_to_the_next_stage(ws: Workspace) -> None:
    team(ws)
    register(ws)
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY))
    ws.user = "sam"
    ws.prototypes.decide("tiling-p1", "yes", why="all criteria pass", today=T0.date())
    record = ws.prototypes.get("tiling-p1")
    assert record.stage is Stage.VALIDATION and record.status == "active"
    review = ws.prototypes.review("tiling-p1", today=T0.date())
    assert review.recommendation.answer is Answer.NOT_YET
    assert {c.name for c in review.recommendation.checks if not c.passed} == {
        "tested at the largest declared scale",
        "production-representative data",
        "strongest available baseline",
    }
    ws.prototypes.set_facts(
        "tiling-p1",
        declared_scale=64,
        scale_param="n",
        production_representative=True,
        baseline_strongest=True,
        baseline_justification="the fused kernel we serve with",
    )
    assert ws.prototypes.review("tiling-p1", today=T0.date()).recommendation.answer is Answer.YES
    with pytest.raises(InputError, match="needs a justification"):
        ws.prototypes.set_facts("tiling-p1", baseline_strongest=True, baseline_justification=" ")


def test_an_imported_run_counts_as_the_online_ab_comparison(ws: Workspace) -> None:
    register(ws, at=T0)
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY, kind="pyperf"))
    facts = ws.prototypes.review("tiling-p1", today=T0.date()).facts
    assert facts.online_ab


# -- the radar bound to evidence ------------------------------------------------------------


def test_trial_and_adopt_need_a_yes_gate_or_a_recorded_override(ws: Workspace) -> None:
    moves = count(ws, RingMoveRow)
    with pytest.raises(InputError, match="needs a YES gate decision"):
        ws.radar.move("tiling", Ring.TRIAL)
    with pytest.raises(InputError, match="an override needs --why"):
        ws.radar.move("tiling", Ring.TRIAL, override=True)
    assert ws.radar.get("tiling").ring is Ring.ASSESS and count(ws, RingMoveRow) == moves
    ws.radar.move("tiling", Ring.TRIAL, override=True, why="the vendor already ships it")
    ws.radar.move("tiling", Ring.ASSESS, why="back to assessing")  # a demotion needs nothing
    with pytest.raises(InputError, match="missing: implementation, decision-record, runbook"):
        ws.radar.move("tiling", Ring.ADOPT, override=True, why="just do it")
    from assay.store import gates as gate_rows
    from assay.workspace.judging import technique_row

    with ws.db.read() as session:
        (evidence,) = gate_rows.move_evidence(session, technique_row(session, "tiling").id)
    assert evidence.override and evidence.decision_id is None and evidence.to_ring == "TRIAL"
    assert evidence.waived == ("a YES gate decision",)


def test_a_yes_gate_and_the_three_artifacts_allow_adopt(ws: Workspace, tmp_path: Path) -> None:
    team(ws)
    register(ws)
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY))
    ws.user = "sam"
    decided = ws.prototypes.decide("tiling-p1", "yes", why="criteria pass", today=T0.date())
    moved = ws.radar.move("tiling", Ring.TRIAL)
    assert "YES at the discovery gate of tiling-p1" in moved.why
    doc = tmp_path / "runbook.md"
    doc.write_text("# Runbook\n\nroll back with the flag\n", encoding="utf-8")
    for kind in ("implementation", "decision-record"):
        ws.radar.attach_text("tiling", kind, f"{kind}.md", f"# {kind}\n")
    with pytest.raises(InputError, match="missing: runbook"):
        ws.radar.move("tiling", Ring.ADOPT)
    artifact = ws.radar.attach("tiling", "runbook", doc)
    assert artifact.filename == "runbook.md" and artifact.by == "sam"
    ws.radar.move("tiling", Ring.ADOPT)
    assert ws.radar.get("tiling").ring is Ring.ADOPT
    from assay.store import gates as gate_rows
    from assay.workspace.judging import technique_row

    with ws.db.read() as session:
        backing = gate_rows.move_evidence(session, technique_row(session, "tiling").id)
    assert [b.decision_id for b in backing] == [decided.id, decided.id]
    assert not any(b.override for b in backing)


def test_an_override_needs_an_approver_once_users_exist(ws: Workspace) -> None:
    team(ws)
    ws.user = "marco"
    with pytest.raises(PermissionDeniedError, match="overriding the evidence rule"):
        ws.radar.move("tiling", Ring.TRIAL, override=True, why="trust me")
    assert ws.radar.get("tiling").ring is Ring.ASSESS


def test_artifacts_are_checked_before_anything_is_stored(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown artifact kind"):
        ws.radar.attach_text("tiling", "poster", "p.md", "x")
    with pytest.raises(InputError, match="cannot read"):
        ws.radar.attach("tiling", "runbook", tmp_path / "missing.md")
    binary = tmp_path / "blob.md"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not UTF-8"):
        ws.radar.attach("tiling", "runbook", binary)
    assert ws.radar.artifacts("tiling") == {}


def test_stale_blips_old_evidence_no_evidence_and_a_contradicting_run(ws: Workspace) -> None:
    team(ws)
    register(ws)
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY))
    ws.user = "sam"
    ws.prototypes.decide("tiling-p1", "yes", why="criteria pass", at=T0 + 2 * DAY, today=T0.date())
    ws.radar.move("tiling", Ring.TRIAL, at=T0 + 2 * DAY)
    assert ws.radar.stale(today=T0.date() + 3 * DAY) == []
    (old,) = ws.radar.stale(today=T0.date() + 400 * DAY)
    assert old.technique == "Tiling" and "newest evidence is 399 days old" in old.reasons[0]

    ws.user = "priya"
    ws.radar.add("Quantisation", area="inference", at=T0 - 300 * DAY)
    ws.radar.move(
        "Quantisation", Ring.TRIAL, override=True, why="shipped before assay", at=T0 - 250 * DAY
    )
    ws.radar.add("Pruning", area="training", ring=Ring.HOLD, why="no gain", at=T0 - 300 * DAY)
    stale = {s.technique: s for s in ws.radar.stale(today=T0.date())}
    assert set(stale) == {"Quantisation"}
    assert "no evidence on record" in stale["Quantisation"].reasons[0]

    ws.user = "marco"
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + 5 * DAY, cand=(0.1,) * 5))
    stale = {s.technique: s for s in ws.radar.stale(today=T0.date() + 6 * DAY)}
    contradicted = stale["Tiling"]
    assert "contradict it: effect(latency) <= -20% now FAIL" in contradicted.reasons[0]


# -- cost, study, rhythm, MADR ------------------------------------------------------------


def test_cost_benefit_matches_the_hand_calculation(ws: Workspace) -> None:
    register(ws, cost_inputs={"engineer_weeks": 6, "cost_per_engineer_week": 4000})
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY))  # time per call -30%, exactly
    report = ws.prototypes.cost(
        "tiling-p1",
        {
            "infrastructure_one_off": 6000,
            "maintenance_per_month": 1000,
            "price_per_compute_hour": 2.5,
            "requests_per_month": 300e6,
            "seconds_per_request": 0.12,
        },
    )
    # C = 6 * 4000 + 6000 = 30,000; H = 300e6 * 0.12 / 3600 = 10,000 h costing 25,000 a month;
    # -30% saves 7,500; less 1,000 of maintenance, B = 6,500; payback 30,000 / 6,500 months;
    # ROI (12 * 6,500 - 30,000) / 30,000 = 1.6.
    r = report.result
    assert r.one_off_cost == 30_000
    assert r.compute_hours_per_month == pytest.approx(10_000)
    assert r.monthly_benefit.value == pytest.approx(6_500)
    assert r.payback_months.value == pytest.approx(30_000 / 6_500)
    assert r.roi_12_months.value == pytest.approx(1.6)
    assert r.verdict.value == "judgement call"
    assert report.sources["engineer_weeks"] == "prototype"
    assert report.sources["seconds_per_request"] == "flag"
    assert report.sources["effect time_per_request"].startswith("run ")
    assert ws.prototypes.get("tiling-p1").cost_inputs == {
        "engineer_weeks": 6,
        "cost_per_engineer_week": 4000,
    }
    register(ws, "bare")
    with pytest.raises(InputError, match="needs cost_per_engineer_week"):
        ws.prototypes.cost("bare", {"engineer_weeks": 1})
    with pytest.raises(InputError, match="must be a number, at least 0"):
        ws.prototypes.cost("tiling-p1", {"memory_gib": -1}, save=True)
    assert ws.prototypes.get("tiling-p1").cost_inputs == {
        "engineer_weeks": 6,
        "cost_per_engineer_week": 4000,
    }


def test_the_study_gathers_what_a_report_needs(ws: Workspace) -> None:
    team(ws)
    register(ws, cost_inputs={"engineer_weeks": 2, "cost_per_engineer_week": 4000})
    first = store_run(ws, at=T0 + DAY)
    second = store_run(ws, at=T0 + 2 * DAY)
    ws.prototypes.link_run("tiling-p1", first)
    ws.prototypes.link_run("tiling-p1", second)
    ws.user = "sam"
    ws.prototypes.decide("tiling-p1", "yes", why="criteria pass", today=T0.date())
    study = ws.prototypes.study("tiling-p1", today=T0.date())
    assert study.technique.name == "Tiling"
    assert study.prototype.name == "tiling-p1" and study.record.name == "tiling-p1"
    assert [run.run_id for run in study.runs] == [first, second]  # oldest first
    assert study.review.runs == (second, first)  # consulted newest first
    assert [d.answer for d in study.decisions] == [Answer.YES]
    assert study.frozen is not None and study.amendments == ()
    assert study.cost is not None and study.cost_inputs is not None
    assert {e.criterion.canonical for e in study.evaluations} == {
        "effect(latency) <= -20%",
        "candidate.latency.p99 < 1s",
    }
    data = study.to_dict()
    assert data["prototype"]["name"] == "tiling-p1" and data["cost"]["verdict"]
    from assay.report import StudyView

    view = StudyView.from_record(study)
    assert view.main_run is not None and view.main_run.run_id == second
    assert view.decision is not None and view.decision.answer is Answer.YES


def test_status_agenda_and_portfolio(ws: Workspace) -> None:
    team(ws)
    ws.user = "marco"
    today = T0.date() + 40 * DAY
    register(ws, "killed", kill=["candidate.latency.p99 < 50ms"], portfolio="core")
    register(ws, "ready", portfolio="adjacent", at=T0 + 20 * DAY)
    register(ws, "loose", at=T0 + 20 * DAY)
    ws.prototypes.link_run("killed", store_run(ws, at=T0 + DAY))
    ws.prototypes.link_run("ready", store_run(ws, at=T0 + 21 * DAY))
    status = ws.reports.status(today=today)
    assert [f.prototype for f in status.killed] == ["killed"]
    assert [f.prototype for f in status.expired] == ["killed"]
    assert [a.prototype for a in status.awaiting] == ["killed", "ready"]

    ws.user = "sam"
    ws.prototypes.decide("ready", "yes", why="passes", revisit_when="traffic doubles", today=today)
    ws.reports.record_review(
        attendees=["priya", "sam"], decisions=["stop killed"], held_on=today - 5 * DAY
    )
    agenda = ws.reports.agenda(today=today)
    assert agenda.since == today - 5 * DAY
    assert [a.prototype for a in agenda.awaiting] == ["killed"]
    assert [p.prototype for p in agenda.past_timebox] == ["killed"]
    assert ("ready", "prototype") in {(d.subject, d.kind) for d in agenda.deep_dives}
    assert agenda.last_review is not None and agenda.last_review.decisions == ("stop killed",)
    with pytest.raises(InputError, match="at least one --decision"):
        ws.reports.record_review(attendees=["sam"], decisions=[" "])

    portfolio = ws.reports.portfolio(today=today)
    shares = {s.category: s for s in portfolio.shares}
    assert shares["core"].days == 31 and shares["adjacent"].days == 31
    assert shares["core"].share == pytest.approx(0.5) and shares["core"].position == "below"
    assert shares["adjacent"].position == "above" and shares["exploratory"].position == "below"
    assert portfolio.uncategorised == ("loose",)


def test_the_madr_record_carries_the_decision_and_its_drivers(ws: Workspace) -> None:
    team(ws)
    register(ws)
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY))
    with pytest.raises(InputError, match="no decision is recorded for tiling-p1"):
        ws.prototypes.madr("tiling-p1")
    ws.user = "sam"
    ws.prototypes.decide(
        "tiling-p1",
        "not-yet",
        why="one machine is not enough",
        override=True,
        advocates=[("marco", "yes: the effect is large")],
        today=T0.date(),
    )
    text = ws.prototypes.madr("tiling-p1")
    front = text.split("---")[1]
    assert "status: proposed" in front and 'decision-makers: ["sam"]' in front
    assert 'consulted: ["marco"]' in front and "date: " in front
    for heading in (
        "## Context and Problem Statement",
        "## Decision Drivers",
        "## Considered Options",
        "## Decision Outcome",
        "### Consequences",
        "### Confirmation",
    ):
        assert heading in text
    assert "`effect(latency) <= -20%` — PASS" in text
    assert 'Chosen option: "NOT YET"' in text and "**override**" in text
    assert "assay gate check tiling-p1" in text


def test_everything_written_is_one_transaction(ws: Workspace, database_url: str) -> None:
    """A refused decision or move leaves the tables exactly as they were."""
    team(ws)
    register(ws)
    ws.prototypes.link_run("tiling-p1", store_run(ws, at=T0 + DAY))

    def snapshot() -> dict[str, list[Any]]:
        tables = ("prototypes", "gate_decisions", "ring_moves", "ring_move_evidence", "users")
        with ws.db.read() as session:
            return {
                t: [tuple(r) for r in session.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
                for t in tables
            }

    before = snapshot()
    ws.user = "vera"
    with pytest.raises(PermissionDeniedError):
        ws.prototypes.decide("tiling-p1", "yes", why="x")
    ws.user = "sam"
    with pytest.raises(InputError):
        ws.prototypes.decide("tiling-p1", "maybe", why="x")
    with pytest.raises(InputError):
        ws.prototypes.decide("tiling-p1", "yes", why="  ")
    with pytest.raises(InputError):
        ws.radar.move("tiling", Ring.ADOPT)
    assert snapshot() == before

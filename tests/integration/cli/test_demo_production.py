"""The demo's production story (issue 14), on a workspace built from its own steps:
benchmark and A/B evidence judged at the Integration gate, the rollout, and a
regression in the nightly benchmark that reopens the decision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay.demo import decisions
from assay.demo.context import DemoContext
from assay.demo.production import FLAG, PRODUCTION_PROTOTYPE, PRODUCTION_TECHNIQUE, production_step
from assay.demo.radar import TEAM, radar_step
from assay.pipeline.gates import Answer
from assay.types import Ring
from assay.workspace import Workspace

pytestmark = pytest.mark.slow


def test_the_production_story_ends_with_a_reopened_decision(tmp_path: Path) -> None:
    today = dt.date(2026, 11, 26)  # an earlier "today", as the demo's tests use
    ctx = DemoContext(root=tmp_path, today=today, quick=True)
    with Workspace.init(tmp_path, user=TEAM[0], demo=True) as ws:
        radar_step(ws, ctx)
        decisions._users(ws, ctx)
        production_step(ws, ctx)

        # the gate said YES on benchmark and A/B evidence, and the radar followed
        (decision,) = [d for d in ws.prototypes.decisions(PRODUCTION_PROTOTYPE)]
        assert decision.answer is Answer.YES
        assert ws.radar.get(PRODUCTION_TECHNIQUE).ring is Ring.ADOPT
        ab_runs = [info for info in ws.runs.list() if info.kind == "ab"]
        assert sorted(info.name for info in ab_runs) == ["ab-chat-25pct", "ab-chat-5pct"]

        # the ramp: 5% then 25%, each step with its own A/B run
        (rollout,) = ws.rollouts.history(PRODUCTION_TECHNIQUE)
        assert rollout.flag == FLAG
        assert [step.percent for step in rollout.steps] == [5.0, 25.0]
        assert [len(step.evidence) for step in rollout.steps] == [1, 1]
        assert all(step.override is None for step in rollout.steps)

        # the nightly series found the driver upgrade, and the decision is reopened once
        reopened = [
            r for r in ws.watch.reopened(today=today) if r.prototype == PRODUCTION_PROTOTYPE
        ]
        assert len(reopened) == 1
        assert "latency regressed" in reopened[0].line()
        radar = ws.radar.document(today=today)
        (entry,) = [t for t in radar["techniques"] if t["name"] == PRODUCTION_TECHNIQUE]
        assert entry["reopened"]
        assert entry["rollout"] is not None
        agenda = ws.reports.agenda(today=today)
        assert [r.prototype for r in agenda.reopened] == [PRODUCTION_PROTOTYPE]
    assert any(line.startswith("watch: ") for line in ctx.log)

"""The demo's decision step on a fresh workspace: it runs the attention study itself
when the benchmark step has not, and tells the story from prototype to radar move."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay import Workspace
from assay.demo import DemoContext
from assay.demo.decisions import DEMO_PROTOTYPE, DEMO_TECHNIQUE, decisions_step
from assay.pipeline.gates import Answer
from assay.types import Ring


@pytest.mark.slow
def test_the_decision_step_tells_the_whole_story(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path, user="Priya", demo=True)
    try:
        ctx = DemoContext(root=tmp_path, today=dt.date.today(), quick=True)
        decisions_step(ws, ctx)
        assert "attention" in ctx.runs  # it ran the study itself
        record = ws.prototypes.get(DEMO_PROTOTYPE)
        assert record.freeze is not None and record.freeze.at > record.registered_at
        (decision,) = ws.prototypes.decisions(DEMO_PROTOTYPE)
        assert decision.decision.decided_by == "Sam" and decision.answer is Answer.YES
        assert not decision.decision.override
        assert ws.radar.get(DEMO_TECHNIQUE).ring is Ring.TRIAL
        assert record.stage.value == "validation"
        madr = (tmp_path / f"{DEMO_PROTOTYPE}.madr.md").read_text(encoding="utf-8")
        assert "status: accepted" in madr
        assert set(ws.radar.artifacts(DEMO_TECHNIQUE)) == {"decision-record"}
        study = ws.prototypes.study(DEMO_PROTOTYPE)
        assert study.cost is not None and len(study.runs) == 1
        assert len(ctx.log) == 8 and ctx.log[4].startswith("decision: Sam (approver) answered YES")
        assert "demo password" in ctx.log[0] and set(ctx.passwords) == {
            "Priya",
            "Sam",
            "Marco",
            "Aiko",
        }
    finally:
        ws.close()

"""The documents of :mod:`assay.workspace.documents` on a small SQLite workspace: the
shapes the web relies on (every key present on an empty record), raw trials as flat
rows, and which predictions a technique's page shows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assay import Workspace, encoding
from assay.bench.header import RunHeader
from assay.bench.plan import TrialKey
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import NotFoundError
from assay.store import runs as run_rows
from assay.workspace import documents

TECHNIQUE_KEYS = {
    # what ``technique show --json`` printed before issue 12
    "name", "area", "ring", "owner", "summary", "next_action", "due", "history",
    "overrides", "decisions", "override", "imported", "retired",
    # what the technique's page needs
    "papers", "claims", "prototypes", "gate_decisions", "runs", "predictions",
    "postmortems", "actions", "artifacts",
    # issue 14: its production rollouts
    "rollouts",
    # issue 16: its prototypes' learnings, the owner of its area
    "learnings", "area_owner",
}  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(tmp_path / "team", user="priya")
    workspace.users.add("priya", "admin")
    yield workspace
    workspace.close()


def _trial(method: str, n: int, seed: int, **values: float) -> TrialResult:
    return TrialResult(
        TrialKey(method, (("n", n),), seed),
        TrialStatus.OK,
        seed,
        0 if method == "base" else 1,
        values=dict(values),
        samples={"time": np.array([values.get("time", 0.0)])},
    )


def _store(ws: Workspace, trials: list[TrialResult]) -> str:
    header = RunHeader(
        spec={"name": "sweep", "baseline": "base", "candidates": ["cand"], "metrics": []},
        options={"plan_seed": 1, "confidence": 0.95},
        environment={},
        planned=len(trials),
    )
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    with ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="sweep", source="/s.py", kind="bench", header=header, by="p", at=at
        )
        run_rows.add_trials(session, run_id, trials)
    return run_id


def test_an_empty_technique_has_every_key_of_its_page(ws: Workspace) -> None:
    ws.radar.add("Tiling", area="kernels")
    doc = documents.technique(ws, "tiling")
    assert set(doc) == TECHNIQUE_KEYS
    assert doc["name"] == "Tiling" and doc["retired"] is None and doc["override"] is None
    for key in TECHNIQUE_KEYS - {"name", "area", "ring", "owner", "summary", "next_action"}:
        assert doc[key] in ([], None, False) or key == "history", key
    assert json.loads(encoding.dumps(doc)) == doc  # plain JSON values


def test_an_unknown_technique_or_run_is_not_found(ws: Workspace) -> None:
    with pytest.raises(NotFoundError, match="unknown technique"):
        documents.technique(ws, "nothing")
    with pytest.raises(NotFoundError, match="unknown run"):
        documents.run_trials(ws, "20990101-000000-zzzz")


def test_run_trials_rows_share_their_keys_and_keep_failures(ws: Workspace) -> None:
    failed = TrialResult(
        TrialKey("cand", (("n", 8), ("k", 2)), 3),
        TrialStatus.ERROR,
        1,
        1,
        reason="ValueError: k > n <script>",
    )
    run_id = _store(
        ws,
        [
            _trial("base", 8, 3, time=0.1, accuracy=float("nan")),
            _trial("cand", 8, 3, time=0.07, accuracy=0.9),
            failed,
        ],
    )
    rows = documents.run_trials(ws, run_id)
    keys = [
        "method", "block", "position", "seed", "status", "error", "wall_time",
        "param.n", "param.k", "metric.time", "metric.accuracy",
    ]  # fmt: skip
    assert [list(row) for row in rows] == [keys] * 3
    base, cand, error = rows
    assert base["metric.accuracy"] is None  # NaN: an empty cell, JSON null
    assert base["param.k"] is None and error["param.k"] == 2
    assert cand["metric.time"] == 0.07 and cand["status"] == "ok" and cand["error"] is None
    assert error["status"] == "error" and error["error"] == "ValueError: k > n <script>"
    assert error["metric.time"] is None
    assert json.loads(encoding.dumps(rows)) == rows


def test_predictions_shown_on_a_page_name_the_technique_as_a_word(ws: Workspace) -> None:
    ws.radar.add("LoRA", area="training")
    ws.radar.add("QLoRA", area="training")
    day = dt.date(2030, 1, 1)
    ws.predictions.add("LoRA stays within 0.5 points", 0.9, day)
    ws.predictions.add("QLoRA fits on one GPU", 0.6, day)
    ws.predictions.add("Adapters win", 0.5, day, tags=("lora",))
    ws.predictions.add("Nothing to do with it", 0.5, day, notes="see the lora-paper")
    lora = [p["question"] for p in documents.technique(ws, "LoRA")["predictions"]]
    assert lora == ["LoRA stays within 0.5 points", "Adapters win", "Nothing to do with it"]
    qlora = [p["question"] for p in documents.technique(ws, "QLoRA")["predictions"]]
    assert qlora == ["QLoRA fits on one GPU"]


def test_an_empty_workspace_has_an_empty_inbox_and_no_postmortems(ws: Workspace) -> None:
    inbox = documents.gate_inbox(ws, today=dt.date(2026, 12, 6))
    assert inbox == {"today": "2026-12-06", "gates": []}
    assert documents.postmortems(ws, today=dt.date(2026, 12, 6)) == {
        "postmortems": [],
        "today": "2026-12-06",
        "actions": [],
    }
    assert documents.runs(ws) == {"runs": []}
    assert documents.search(ws, "xyz", limit=3) == {"query": "xyz", "hits": []}


@pytest.mark.parametrize(
    ("name", "mentioned", "not_mentioned"),
    [
        ("Échantillonnage", "ÉCHANTILLONNAGE rapide", "Echantillonnage sans accent"),
        ("top_k 50%", "we ship TOP_K 50% soon", "we ship topXk 50 soon"),
        ('say "hi"', 'they say "HI" to us', "they say hi"),
    ],
)
def test_a_name_with_accents_wildcards_or_quotes_finds_its_predictions(
    ws: Workspace, name: str, mentioned: str, not_mentioned: str
) -> None:
    ws.radar.add(name, area="x")
    day = dt.date(2030, 1, 1)
    ws.predictions.add(mentioned, 0.5, day)
    ws.predictions.add(not_mentioned, 0.5, day)
    found = [p["question"] for p in documents.technique(ws, name)["predictions"]]
    assert found == [mentioned]

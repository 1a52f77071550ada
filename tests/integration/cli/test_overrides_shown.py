"""Placements without evidence are shown wherever the technique appears (issue 11): a
ring reached by override (who approved it, why, what was waived) and a ring taken
from an imported radar ("imported, no evidence on record") are marked in ``radar``
and ``radar --json``, ``technique show``, ``review agenda`` and every report, until
a YES gate decision backs them. On SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from assay import Workspace
from assay.store.decision_models import RadarEvidenceRow
from assay.store.models import RingMoveRow, TechniqueRow
from support import run_main

HYPOTHESIS = ("--hypothesis", "it cuts time per call by a fifth")
CRITERIA = ("--success", "effect(latency) <= -20%", "--timebox", "2w")


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    monkeypatch.setenv("ASSAY_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSAY_USER", "priya")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> str:
        capsys.readouterr()
        code, out, err = run_main(list(args), capsys)
        assert code == 0, (args, err)
        return " ".join(out.split())  # tables and prose wrap: compare words

    return run


def mark_imported(database_url: str, technique: str) -> None:
    """What importing a radar records for a placement it brings in: the technique's
    newest move carries ``imported`` and no evidence."""
    ws = Workspace.open(Path.cwd(), url=database_url, user="priya")
    try:
        with ws.db.write() as session:
            move_id = session.scalar(
                select(RingMoveRow.id)
                .join(TechniqueRow, TechniqueRow.id == RingMoveRow.technique_id)
                .where(TechniqueRow.key == technique.casefold())
                .order_by(RingMoveRow.id.desc())
                .limit(1)
            )
            session.add(
                RadarEvidenceRow(
                    move_id=move_id, decision_id=None, override=False, imported=True, waived=[]
                )
            )
    finally:
        ws.close()


@pytest.fixture
def radar(cli: Any, database_url: str) -> None:
    """Tiling in TRIAL by override, Legacy in TRIAL from an imported radar, Plain in
    ASSESS; a prototype on each of the first two."""
    cli("user", "add", "priya", "--role", "admin")
    cli("technique", "add", "Tiling", "--area", "inference", "--ring", "trial",
        "--override", "--why", "the lead vouches for it")  # fmt: skip
    cli("technique", "add", "Legacy", "--area", "inference")
    cli("radar", "move", "Legacy", "hold", "--why", "as the old radar had it")
    mark_imported(database_url, "Legacy")
    cli("technique", "add", "Plain", "--area", "inference")
    cli("prototype", "new", "Tiling", "tiling-p1", *HYPOTHESIS, *CRITERIA)
    cli("prototype", "new", "Legacy", "legacy-p1", *HYPOTHESIS, *CRITERIA)


def as_json(cli: Any, *args: str) -> Any:
    return json.loads(cli(*args, "--json"))


OVERRIDE_WORDS = "TRIAL by override (priya,"
IMPORTED_WORDS = "HOLD imported, no evidence on record"


def test_the_radar_marks_them_with_a_legend(cli: Any, radar: None) -> None:
    shown = cli("radar")
    assert "Tiling (override)" in shown and "Legacy (imported)" in shown
    assert "Plain (" not in shown
    assert f"override: Tiling: {OVERRIDE_WORDS}" in shown
    assert "waived a YES gate decision; why: the lead vouches for it" in shown
    assert f"imported: Legacy: {IMPORTED_WORDS}" in shown


def test_radar_json_carries_override_and_imported(cli: Any, radar: None) -> None:
    found = {t["name"]: t for t in as_json(cli, "radar")["techniques"]}
    override = found["Tiling"]["override"]
    assert override["by"] == "priya" and override["why"] == "the lead vouches for it"
    assert override["waived"] == ["a YES gate decision"] and override["recommended"] == "ASSESS"
    assert found["Tiling"]["imported"] is False
    assert found["Legacy"]["override"] is None and found["Legacy"]["imported"] is True
    assert found["Plain"]["override"] is None and found["Plain"]["imported"] is False


def test_technique_show_and_review_agenda(cli: Any, radar: None) -> None:
    assert f"override: {OVERRIDE_WORDS}" in cli("technique", "show", "tiling")
    assert f"imported: {IMPORTED_WORDS}" in cli("technique", "show", "legacy")
    assert as_json(cli, "technique", "show", "legacy")["imported"] is True
    assert as_json(cli, "technique", "show", "tiling")["override"]["by"] == "priya"
    agenda = cli("review", "agenda")
    assert "Placed by override or import, no YES gate since (2)" in agenda
    assert f"Tiling: {OVERRIDE_WORDS}" in agenda and f"Legacy: {IMPORTED_WORDS}" in agenda
    listed = as_json(cli, "review", "agenda")["without_evidence"]
    assert [(p["technique"], p["kind"]) for p in listed] == [
        ("Legacy", "imported"),
        ("Tiling", "override"),
    ]


@pytest.mark.parametrize("audience", ["exec", "pm", "eng"])
def test_every_report_says_so(cli: Any, radar: None, audience: str, tmp_path: Path) -> None:
    out = tmp_path / f"{audience}.html"
    cli("report", "tiling-p1", "--audience", audience, "--format", "html", "-o", str(out))
    text = " ".join(out.read_text(encoding="utf-8").split())
    assert "Tiling sits in TRIAL by override, approved by priya" in text
    assert "against the recommended ASSESS; it waived a YES gate decision" in text
    out.unlink()
    cli("report", "legacy-p1", "--audience", audience, "--format", "html", "-o", str(out))
    text = " ".join(out.read_text(encoding="utf-8").split())
    assert "imported, no evidence on record" in text


def test_a_yes_gate_decision_backs_the_placement(cli: Any, radar: None) -> None:
    cli("gate", "decide", "tiling-p1", "yes", "--why", "measured: 30% faster", "--override")
    found = {t["name"]: t for t in as_json(cli, "radar")["techniques"]}
    assert found["Tiling"]["override"] is None
    assert found["Legacy"]["imported"] is True
    assert "Tiling (override)" not in cli("radar")
    # The move itself stays on the record as an override.
    (moved,) = as_json(cli, "technique", "show", "Tiling")["overrides"]
    assert moved["by"] == "priya" and moved["why"] == "the lead vouches for it"

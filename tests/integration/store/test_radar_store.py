"""The radar's store, run alike against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from assay import DuplicateError, InputError, NotFoundError, Ring, SchemaTooNewError, Workspace

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Workspace:
    workspace = Workspace.open(tmp_path, url=database_url, user="tester")
    yield workspace  # type: ignore[misc]
    workspace.close()


def _counts(ws: Workspace) -> tuple[int, int]:
    with ws.db.read() as session:
        techniques = session.execute(text("SELECT count(*) FROM techniques")).scalar_one()
        moves = session.execute(text("SELECT count(*) FROM ring_moves")).scalar_one()
    return int(techniques), int(moves)


def test_add_starts_in_assess_with_first_placement(ws: Workspace) -> None:
    technique = ws.radar.add("FlashAttention", area="inference", at=T0)
    assert technique.ring is Ring.ASSESS
    assert technique.owner == "tester"
    (first,) = technique.history
    assert first.from_ring is None
    assert first.to_ring is Ring.ASSESS
    assert first.by == "tester"
    assert first.at == T0


def test_history_is_kept_in_order_with_aware_utc_times(ws: Workspace) -> None:
    ws.radar.add("LoRA", area="training", at=T0)
    ws.radar.move(
        "lora", Ring.TRIAL, why="prototype works", at=T0 + dt.timedelta(days=3), override=True
    )
    ws.user = "lead"
    ws.radar.move("LORA", Ring.HOLD, why="license unclear", at=T0 + dt.timedelta(days=9))
    technique = ws.radar.get("LoRA")
    assert technique.ring is Ring.HOLD
    assert [(m.from_ring, m.to_ring) for m in technique.history] == [
        (None, Ring.ASSESS),
        (Ring.ASSESS, Ring.TRIAL),
        (Ring.TRIAL, Ring.HOLD),
    ]
    assert [m.by for m in technique.history] == ["tester", "tester", "lead"]
    assert all(
        m.at.tzinfo is not None and m.at.utcoffset() == dt.timedelta(0) for m in technique.history
    )
    assert technique.history[-1].at == T0 + dt.timedelta(days=9)


def test_times_in_other_zones_are_stored_as_the_same_instant(ws: Workspace) -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    at = dt.datetime(2026, 3, 1, 18, 0, tzinfo=tokyo)
    ws.radar.add("X", area="a", at=at)
    assert ws.radar.get("x").history[0].at == at
    assert ws.radar.get("x").history[0].at.hour == 9


def test_duplicate_name_is_refused_regardless_of_case(ws: Workspace) -> None:
    ws.radar.add("PagedAttention", area="serving")
    before = _counts(ws)
    with pytest.raises(DuplicateError, match="already exists"):
        ws.radar.add("pagedattention", area="serving")
    assert _counts(ws) == before


def test_unknown_technique_suggests_the_closest_name(ws: Workspace) -> None:
    ws.radar.add("Speculative decoding", area="inference")
    with pytest.raises(NotFoundError, match="did you mean 'Speculative decoding'"):
        ws.radar.get("speculative decodng")
    with pytest.raises(NotFoundError):
        ws.radar.move("nope", Ring.HOLD, why="x")


@pytest.mark.parametrize("ring", [Ring.HOLD, Ring.SKIP])
def test_hold_and_skip_need_a_reason(ws: Workspace, ring: Ring) -> None:
    ws.radar.add("MoE", area="architecture")
    before = _counts(ws)
    with pytest.raises(InputError, match="needs --why"):
        ws.radar.move("MoE", ring, why="   ")
    assert _counts(ws) == before
    ws.radar.move("MoE", ring, why="load imbalance on our nodes")
    assert ws.radar.get("MoE").ring is ring


def test_moving_to_the_same_ring_is_refused(ws: Workspace) -> None:
    ws.radar.add("MoE", area="architecture")
    with pytest.raises(InputError, match="already in ASSESS"):
        ws.radar.move("MoE", Ring.ASSESS, why="x")


def test_edit_and_rename_keep_history(ws: Workspace) -> None:
    ws.radar.add("Linformer", area="attention")
    ws.radar.move("Linformer", Ring.HOLD, why="slow below 8k tokens")
    ws.radar.add("Performer", area="attention")
    with pytest.raises(DuplicateError):
        ws.radar.edit("Linformer", new_name="performer")
    edited = ws.radar.edit("Linformer", new_name="Linformer-style attention", owner="Aiko")
    assert edited.owner == "Aiko"
    assert len(ws.radar.get("linformer-style attention").history) == 2


def test_next_action_and_overdue(ws: Workspace) -> None:
    ws.radar.add("A", area="x")
    ws.radar.add("B", area="x")
    ws.radar.add("C", area="x")
    ws.radar.set_next("A", "read pass 1", due=dt.date(2026, 1, 1))
    ws.radar.set_next("B", "benchmark", due=dt.date(2026, 3, 1))
    ws.radar.set_next("C", "older", due=dt.date(2025, 12, 1))
    late = ws.radar.overdue(dt.date(2026, 2, 1))
    assert [t.name for t in late] == ["C", "A"]
    with pytest.raises(InputError, match="needs --due"):
        ws.radar.set_next("A", "something", due=None)
    ws.radar.set_next("A", "", due=None)
    assert ws.radar.get("A").next_action is None
    assert [t.name for t in ws.radar.overdue(dt.date(2026, 2, 1))] == ["C"]


def test_a_failed_write_leaves_nothing(ws: Workspace) -> None:
    ws.radar.add("A", area="x")
    before = _counts(ws)

    def crash_mid_write() -> None:
        with ws.db.write() as session:
            session.execute(
                text(
                    "INSERT INTO ring_moves (technique_id, from_ring, to_ring, at, by, why) "
                    "SELECT id, 'ASSESS', 'TRIAL', created_at, 'x', 'x' FROM techniques"
                )
            )
            raise RuntimeError("crash in the middle of a write")

    with pytest.raises(RuntimeError):
        crash_mid_write()
    assert _counts(ws) == before


def test_database_from_a_newer_assay_is_refused(
    ws: Workspace, database_url: str, tmp_path: Path
) -> None:
    with ws.db.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaTooNewError, match="newer assay"):
        Workspace.open(tmp_path, url=database_url)


def test_schema_status_reports_head(ws: Workspace) -> None:
    status = ws.schema_status()
    assert status.up_to_date
    assert status.pending == ()


_OPEN = """
import sys
from pathlib import Path
from assay import Workspace
with Workspace.open(Path(sys.argv[2]), url=sys.argv[1]) as ws:
    print(ws.schema_status().current)
"""


def test_concurrent_first_opens_migrate_once(database_url: str, tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN, database_url, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], results
    revisions = {out.strip() for out, _ in results}
    assert len(revisions) == 1
    assert revisions != {""}


def test_entering_trial_or_adopt_directly_follows_the_evidence_rule(ws: Workspace) -> None:
    before = _counts(ws)
    with pytest.raises(InputError, match="cannot enter ADOPT"):
        ws.radar.add("A", area="x", ring=Ring.ADOPT, why="we use it")
    with pytest.raises(InputError, match="needs a YES gate"):
        ws.radar.add("T", area="x", ring=Ring.TRIAL, why="promising")
    assert _counts(ws) == before
    added = ws.radar.add("T", area="x", ring=Ring.TRIAL, why="in production", override=True)
    assert added.ring is Ring.TRIAL
    assert added.history[0].why == "in production"

"""The audit trail (issue 11): every write on a hash chain, and tampering shown.

Each test writes through assay, then changes the database behind assay's back with
a plain SQLAlchemy engine of its own (as ``sqlite3`` or ``psql`` would: none of
assay's listeners), on SQLite and PostgreSQL alike, and checks that verification
names what was changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from tests.integration.store.test_pinned_evidence import DAY, T0, register, store_run

from assay import Workspace
from assay.store import audit
from assay.store.sql import Sql

NAME = "topk-argpartition"


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="priya")
    workspace.ctx.via = "test"
    workspace.users.add("priya", "admin")
    workspace.users.add("marco", "contributor")
    workspace.radar.add("Top-k by argpartition", area="numpy", at=T0 - 10 * DAY)
    yield workspace
    workspace.close()


def behind_the_back(ws: Workspace, statement: str) -> None:
    """Run ``statement`` on the store through an engine of its own, committed."""
    engine = create_engine(ws.db.url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def studied(ws: Workspace) -> str:
    """A registered prototype, a run that froze its criteria, an amendment."""
    register(ws)
    run_id = store_run(ws, at=T0 + DAY, ratio=0.5)
    ws.user = "marco"
    ws.prototypes.amend(NAME, success=["effect(time) <= -20%"], why="be fair", at=T0 + 2 * DAY)
    ws.user = "priya"
    return run_id


def genesis(ws: Workspace) -> int:
    """What the 0008 migration does for a store made before the audit trail."""
    with ws.db.write() as session:
        return audit.genesis(Sql.of_session(session), T0)


def problems(ws: Workspace) -> list[str]:
    return [p.message for p in ws.audit.verify().problems]


def test_every_write_is_on_the_chain_and_an_untouched_store_verifies(ws: Workspace) -> None:
    run_id = studied(ws)
    ws.radar.set_next("Top-k by argpartition", "measure at 1M", due=dt.date(2027, 1, 5))
    result = ws.audit.verify()
    assert result.ok, result.problems
    assert result.records > 5 and result.entries >= result.records
    tables = {e.record_table for e in ws.audit.log()}
    assert {"users", "techniques", "ring_moves", "prototypes", "runs"} <= tables
    assert {"prototype_amendments", "prototype_file_freezes"} <= tables
    assert not tables & set(audit.DERIVED)  # no trial, sample or cache rows
    (amended,) = ws.audit.log(record="prototype_amendments:1")
    assert (amended.actor, amended.via, amended.action) == ("marco", "test", "insert")
    run = ws.audit.log(record=f"runs:{run_id}")
    assert run[-1].action == "insert" and json.loads(run[0].after or "")["state"] == "finished"
    assert "sha256" in json.loads(run[0].after or "")["result"]  # a digest, not the result
    (nxt, *_) = ws.audit.log(record="Top-k by argpartition")
    assert nxt.action == "update" and json.loads(nxt.after or "")["next_action"] == "measure at 1M"
    with ws.ctx.sql_read() as sql:
        head = sql.one("SELECT entry_id, hash, count FROM audit_head WHERE id = 1")
    newest = ws.audit.log(limit=1)[0]
    assert head == (newest.id, newest.hash, result.entries)


def test_the_chain_links_each_entry_to_the_one_before(ws: Workspace) -> None:
    entries = list(reversed(ws.audit.log()))
    assert entries[0].prev_hash == ""
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash and after.id == before.id + 1
        assert audit.entry_hash(after.fields()) == after.hash


def test_a_criterion_edited_in_the_database_is_named_and_gate_review_warns(ws: Workspace) -> None:
    studied(ws)
    assert not any("no longer match" in w for w in ws.prototypes.review(NAME).warnings)
    cast = "::text" if ws.db.dialect == "postgresql" else ""
    back = "::jsonb" if ws.db.dialect == "postgresql" else ""
    behind_the_back(
        ws,
        f"UPDATE prototypes SET registration = replace(registration{cast}, '<= -20%', "
        f"'<= -99%'){back}",
    )
    found = problems(ws)
    assert any(m.startswith(f"prototypes:{NAME} differs") and "registration" in m for m in found)
    assert any("stored criteria of topk-argpartition no longer match" in m for m in found)
    warnings = ws.prototypes.review(NAME).warnings
    assert any("no longer match their frozen hash" in w for w in warnings)


def test_a_deleted_amendment_is_named(ws: Workspace) -> None:
    studied(ws)
    behind_the_back(ws, "DELETE FROM prototype_amendments")
    found = problems(ws)
    assert any(m.startswith("prototype_amendments:1 is missing") for m in found), found
    assert any("no amendment records the change" in m for m in found)
    assert any("no longer match" in w for w in ws.prototypes.review(NAME).warnings)


def test_a_deleted_audit_entry_breaks_the_chain_there(ws: Workspace) -> None:
    studied(ws)
    behind_the_back(ws, "DELETE FROM audit_entries WHERE id = 3")
    first = ws.audit.verify().problems[0]
    assert first.kind == "entry" and first.entry == 4
    assert "does not follow the entry before it" in first.message


def test_the_newest_audit_entry_deleted_is_seen_at_the_head(ws: Workspace) -> None:
    newest = ws.audit.log(limit=1)[0]
    behind_the_back(ws, f"DELETE FROM audit_entries WHERE id = {newest.id}")
    first = ws.audit.verify().problems[0]
    assert first.kind == "head" and "entries were deleted or added" in first.message


def test_an_edited_audit_entry_is_named(ws: Workspace) -> None:
    behind_the_back(ws, "UPDATE audit_entries SET actor = 'mallory' WHERE id = 2")
    first = ws.audit.verify().problems[0]
    assert (first.kind, first.entry) == ("entry", 2)
    assert "audit entry #2" in first.message and "was edited" in first.message


def test_a_row_inserted_behind_the_back_has_no_entry(ws: Workspace) -> None:
    at = "'2026-03-01 00:00:00'"
    behind_the_back(
        ws,
        "INSERT INTO techniques (name, key, area, ring, created_at, updated_at) "
        f"VALUES ('Sneaky', 'sneaky', 'numpy', 'ADOPT', {at}, {at})",
    )
    assert problems(ws) == [
        "techniques:sneaky has no audit entry: it was inserted behind assay's back"
    ]


def test_a_stored_result_edited_shows_through_its_digest(ws: Workspace) -> None:
    run_id = studied(ws)
    cast = "::text" if ws.db.dialect == "postgresql" else ""
    back = "::jsonb" if ws.db.dialect == "postgresql" else ""
    version = "'\"format_version\": 2', '\"format_version\": 3'"
    behind_the_back(ws, f"UPDATE runs SET result = replace(result{cast}, {version}){back}")
    behind_the_back(ws, f"UPDATE runs SET pid = 4242 WHERE run_id = '{run_id}'")  # not record
    found = problems(ws)
    assert len(found) == 1 and found[0].startswith(f"runs:{run_id} differs"), found
    assert "changed: result" in found[0]


def test_a_store_without_entries_takes_its_records_by_genesis(ws: Workspace) -> None:
    studied(ws)
    behind_the_back(ws, "DELETE FROM audit_entries")
    behind_the_back(ws, "UPDATE audit_head SET entry_id = NULL, hash = '', count = 0")
    assert all("has no audit entry" in m for m in problems(ws))
    taken = genesis(ws)
    result = ws.audit.verify()
    assert result.ok and taken == result.records == result.entries
    assert {e.via for e in ws.audit.log()} == {audit.GENESIS_VIA}
    assert genesis(ws) == 0  # once


def test_every_table_is_either_the_record_or_named_as_not(ws: Workspace) -> None:
    engine = create_engine(ws.db.url)
    try:
        names = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert names == set(audit.TABLES) | set(audit.DERIVED)


def test_append_reads_the_head_not_the_chain(ws: Workspace) -> None:
    """An append chains to ``audit_head`` alone: with the log's rows gone (and the head
    kept), the next entry still follows the head's hash and id."""
    head = ws.audit.log(limit=1)[0]
    behind_the_back(ws, "DELETE FROM audit_entries")
    with ws.db.write() as session:
        change = audit.Change("radar_meta", "k", None, "{}")
        audit.append(Sql.of_session(session), audit.Who("priya"), [change], T0)
    (entry,) = ws.audit.log()
    assert (entry.id, entry.prev_hash) == (head.id + 1, head.hash)


def test_sql_images_agree_with_what_the_capture_stored(ws: Workspace) -> None:
    studied(ws)
    with ws.ctx.sql_read() as sql:
        assert isinstance(sql, Sql)
        current = audit.images(sql, "prototypes")
    (key, image), *_ = current.values()
    newest = ws.audit.log(record=f"prototypes:{key}", limit=1)[0]
    assert newest.after == image
    data = json.loads(image)
    assert data["frozen_at"].endswith("+00:00")  # ISO times


def test_concurrent_writers_keep_one_chain(
    ws: Workspace, database_url: str, tmp_path: Path
) -> None:
    """Two workspaces writing at once (threads, own connections): the head's lock makes
    their appends serial, and the chain stays whole."""
    import threading

    failures: list[BaseException] = []

    def writer(who: str) -> None:
        try:
            with Workspace.open(tmp_path, url=database_url, user="priya") as mine:
                for i in range(6):
                    mine.radar.add(f"{who} {i}", area="load")
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    result = ws.audit.verify()
    assert result.ok, result.problems
    assert len(ws.audit.log(record="left 5")) == 1


def test_upgrading_a_workspace_from_0_1_puts_its_records_on_the_log(tmp_path: Path) -> None:
    """Migration 0008 gives an older workspace's records a genesis: verify covers them."""
    import shutil

    from tests.integration.store.test_store_upgrade_0_1 import FIXTURE

    home = tmp_path / "team" / ".assay"
    home.mkdir(parents=True)
    shutil.copy(FIXTURE, home / "assay.db")
    with Workspace.open(tmp_path / "team", user="priya") as old:
        result = old.audit.verify()
        assert result.ok, result.problems
        assert result.entries == result.records > 10
        assert {e.via for e in old.audit.log(limit=None)} == {audit.GENESIS_VIA}
        with old.ctx.sql_read() as sql:
            prototypes = sql.scalar("SELECT count(*) FROM prototypes")
        taken = [e for e in old.audit.log(limit=None) if e.record_table == "prototypes"]
        assert prototypes and len(taken) == prototypes


def test_a_deleted_head_is_rebuilt_from_the_newest_entry(ws: Workspace) -> None:
    behind_the_back(ws, "DELETE FROM audit_head")
    ws.radar.add("After the head", area="numpy")
    result = ws.audit.verify()
    assert result.ok, result.problems


def test_a_nul_in_a_filter_is_refused(ws: Workspace) -> None:
    from assay.errors import InputError

    with pytest.raises(InputError, match="NUL"):
        ws.audit.log(who="pri\x00ya")

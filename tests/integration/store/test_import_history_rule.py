"""Bringing in a radar's history through Python follows ``radar import``'s rule: a
technique that ends in TRIAL or ADOPT needs an admin and is marked imported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay import Ring, Workspace
from assay.errors import PermissionDeniedError
from assay.pipeline.radar import RingMove, Technique

AT = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def _technique(name: str, *rings: Ring) -> Technique:
    moves, before = [], None
    for i, ring in enumerate(rings):
        moves.append(RingMove(before, ring, AT + dt.timedelta(days=i), "kim", "kept elsewhere"))
        before = ring
    return Technique(name=name, area="serving", ring=rings[-1], history=tuple(moves))


def _flags(ws: Workspace) -> dict[str, tuple[bool, bool]]:
    with ws.ctx.sql_read() as sql:
        rows = sql.rows(
            "SELECT t.name, e.override, e.imported FROM ring_move_evidence e "
            "JOIN ring_moves m ON m.id = e.move_id JOIN techniques t ON t.id = m.technique_id"
        )
    return {name: (bool(override), bool(imported)) for name, override, imported in rows}


def test_an_admin_brings_placements_in_marked_imported(database_url: str, tmp_path: Path) -> None:
    with Workspace.init(tmp_path, url=database_url, user="ada") as ws:
        ws.users.add("ada", "admin")
        history = [
            _technique("kv-cache", Ring.ASSESS, Ring.TRIAL, Ring.ADOPT),
            _technique("lora", Ring.ASSESS),
        ]
        ws.radar.import_techniques(history)
        assert ws.radar.get("kv-cache").ring is Ring.ADOPT
        assert _flags(ws) == {"kv-cache": (False, True)}


def test_a_contributor_cannot_bring_in_trial_or_adopt(database_url: str, tmp_path: Path) -> None:
    with Workspace.init(tmp_path, url=database_url, user="ada") as ws:
        ws.users.add("ada", "admin")
        ws.users.add("cy", "contributor")
        ws.user = "cy"
        with pytest.raises(PermissionDeniedError, match=r"kv-cache.*only an admin"):
            ws.radar.import_techniques(
                [_technique("kv-cache", Ring.TRIAL), _technique("lora", Ring.ASSESS)]
            )
        assert ws.radar.list() == []  # nothing imported, not even the ASSESS one
        ws.radar.import_techniques([_technique("lora", Ring.ASSESS)])
        assert [t.name for t in ws.radar.list()] == ["lora"]
        assert _flags(ws) == {}

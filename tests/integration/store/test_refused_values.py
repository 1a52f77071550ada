"""A value the database refuses (PostgreSQL's text takes no NUL byte) is bad input on
every store and every kind of unit of work: InputError, nothing written, no 500."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assay.errors import InputError, NotFoundError
from assay.workspace import Workspace


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="priya")
    with workspace:
        yield workspace


def _lookups(ws: Workspace) -> list[Callable[[], Any]]:
    return [
        lambda: ws.radar.get("Lo\x00RA"),  # a plain-SQL read
        lambda: ws.papers.search("lo\x00ra"),
        lambda: ws.runs.info("run\x00"),  # an ORM read
    ]


def test_a_nul_in_a_lookup_is_bad_input_not_a_crash(ws: Workspace, database_url: str) -> None:
    ws.radar.add("LoRA", area="fine-tuning")
    for lookup in _lookups(ws):
        if database_url.startswith("postgresql"):
            with pytest.raises(InputError, match="the database refused a value"):
                lookup()
            continue
        with contextlib.suppress(NotFoundError):  # SQLite compares the NUL, finds nothing
            assert not lookup()


def test_a_nul_in_a_write_changes_nothing(ws: Workspace, database_url: str) -> None:
    ws.radar.add("LoRA", area="fine-tuning")
    before = ws.radar.documents()
    if database_url.startswith("postgresql"):
        with pytest.raises(InputError, match="the database refused a value"):
            ws.radar.edit("LoRA", summary="low\x00rank")
        assert ws.radar.documents() == before
    else:  # SQLite keeps the byte, verbatim
        ws.radar.edit("LoRA", summary="low\x00rank")
        assert ws.radar.get("LoRA").summary == "low\x00rank"

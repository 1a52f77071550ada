"""The workspace is made of services: no public method takes or returns a database
session, no service holds the Workspace, and units of work nest."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from assay.errors import DuplicateError
from assay.workspace import Workspace
from assay.workspace.claims import Claims
from assay.workspace.papers import Papers
from assay.workspace.postmortems import PostMortems
from assay.workspace.predictions import Predictions
from assay.workspace.prototypes import Prototypes
from assay.workspace.radar import Radar
from assay.workspace.reports import Reports
from assay.workspace.runs import RunBook
from assay.workspace.users import Users

SERVICES = (Radar, Papers, Claims, Predictions, PostMortems, Prototypes, RunBook, Users, Reports)


def session_leaks(cls: type) -> list[str]:
    """The public methods of ``cls`` whose signature names a database session."""
    leaks = []
    for name, function in inspect.getmembers(cls, inspect.isfunction):
        signature = str(inspect.signature(function))
        if not name.startswith("_") and ("Session" in signature or "Workspace" in signature):
            leaks.append(f"{cls.__name__}.{name}{signature}")
    return leaks


def test_no_public_method_of_a_service_takes_or_returns_a_session() -> None:
    assert [leak for cls in SERVICES for leak in session_leaks(cls)] == []


def test_the_check_finds_a_method_that_takes_a_session() -> None:
    class Leaky:
        def count(self, session: Session) -> int:
            return 0

    assert session_leaks(Leaky) == ["Leaky.count(self, session: 'Session') -> 'int'"]


def test_services_are_built_on_the_context_not_the_workspace() -> None:
    for cls in SERVICES:
        parameters = inspect.signature(cls.__init__).parameters
        assert "ctx" in parameters, cls
        assert all("Workspace" not in str(p.annotation) for p in parameters.values()), cls


def test_the_workspace_assembles_every_service(tmp_path: Path) -> None:
    with Workspace.init(tmp_path, user="ana") as ws:
        for attribute, cls in [
            ("radar", Radar), ("papers", Papers), ("claims", Claims),
            ("predictions", Predictions), ("postmortems", PostMortems),
            ("prototypes", Prototypes), ("runs", RunBook), ("users", Users),
            ("reports", Reports),
        ]:  # fmt: skip
            service = getattr(ws, attribute)
            assert isinstance(service, cls)
            assert service.ctx is ws.ctx
        ws.user = "ben"
        assert ws.ctx.user == "ben"  # every service acts as the new user


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path, user="ana") as workspace:
        yield workspace


def _count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM techniques")).scalar_one())


def test_a_service_called_inside_a_unit_of_work_joins_it(ws: Workspace) -> None:
    with ws.ctx.write() as session:
        ws.radar.add("Heap sort", area="algorithms")
        assert _count(session) == 1  # the same transaction sees the nested write
        with ws.ctx.read() as inner:
            assert inner is session


def _add_twice(ws: Workspace) -> None:
    with ws.ctx.write():
        ws.radar.add("Heap sort", area="algorithms")
        ws.radar.add("heap SORT", area="algorithms")  # refused: the name is taken


def test_a_failure_after_a_nested_write_rolls_back_both(ws: Workspace) -> None:
    with pytest.raises(DuplicateError):
        _add_twice(ws)
    assert ws.radar.list() == []


def test_a_write_inside_a_read_is_refused(ws: Workspace) -> None:
    with ws.ctx.read(), pytest.raises(RuntimeError, match="inside a read-only unit of work"):
        ws.radar.add("Heap sort", area="algorithms")
    assert ws.radar.list() == []


def test_units_of_work_end_with_their_block(ws: Workspace) -> None:
    with ws.ctx.read() as first:
        pass
    with ws.ctx.read() as second:
        assert second is not first

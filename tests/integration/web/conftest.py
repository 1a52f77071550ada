"""Fixtures of the web app's integration tests: one team workspace, one live
``assay serve`` and a signed-in client per role, shared by the whole test process
(see :mod:`support.web`)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support.web import LiveServer, Team, clients, shared_server, shared_team, stop_shared


@pytest.fixture(scope="session")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    """The workspace the server serves."""
    return shared_team(tmp_path_factory)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``assay serve`` over :func:`team`, on a free port of 127.0.0.1."""
    yield shared_server(tmp_path_factory)
    stop_shared()


@pytest.fixture(scope="session")
def who(server: LiveServer, team: Team) -> Iterator[dict[str, httpx.Client]]:
    """A client per column of the matrix: ``anonymous``, one signed in per role, and
    ``token`` (the contributor ci-bot's API token as ``Authorization: Bearer``)."""
    anonymous = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    bearer = {"Authorization": f"Bearer {team.token}"}
    token = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60, headers=bearer)
    with clients(server) as signed_in:
        yield {"anonymous": anonymous, **signed_in, "token": token}
    anonymous.close()
    token.close()

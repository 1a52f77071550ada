"""Schemathesis against the live server's ``/openapi.json``: no operation answers 500.

Every operation the schema describes gets a bounded number of generated requests
(:data:`EXAMPLES` each, so the whole test stays under about a minute) with the
viewer's API token, and the POSTs with the contributor ci-bot's (so uploads pass the
role check and reach validation). ``POST /login`` is left out: generated names and
passwords are failed logins, and the login rate limit (20 failures per client in 15
minutes) would then refuse every later test's login from 127.0.0.1; the login form
has its own tests. Schemathesis also checks each answer against the schema's
declared statuses and content types; only server errors fail this test.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from support.web import LiveServer, Team

EXAMPLES = 15
LEFT_OUT = {("POST", "/login")}


def _operations(server: LiveServer) -> list[Any]:
    schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if (op.method.upper(), op.path) not in LEFT_OUT]


def _server_errors(
    operation: Any, server: LiveServer, headers: dict[str, str], statuses: list[int]
) -> list[str]:
    """The generated requests of ``operation`` that the server answered with a 5xx
    (every answer's status is appended to ``statuses``)."""
    errors: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        response = case.call(base_url=server.url, headers=headers, allow_redirects=False)
        statuses.append(response.status_code)
        if response.status_code >= 500:
            errors.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

    call()
    return errors


def test_no_generated_request_gets_a_server_error(server: LiveServer, team: Team) -> None:
    operations = _operations(server)
    assert len(operations) >= 20, [f"{op.method} {op.path}" for op in operations]
    viewer = {"Authorization": f"Bearer {team.viewer_token}", "Accept": "application/json"}
    contributor = {"Authorization": f"Bearer {team.token}", "Accept": "application/json"}
    errors = []
    for operation in operations:
        headers = contributor if operation.method.upper() == "POST" else viewer
        statuses: list[int] = []
        errors += _server_errors(operation, server, headers, statuses)
        assert statuses, f"no request was made to {operation.method} {operation.path}"
    assert errors == []

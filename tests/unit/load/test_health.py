"""The client's warnings about itself, each fired by the figure it guards."""

from __future__ import annotations

from typing import Any

import pytest

from assay.load.report import Health, health


def summary(achieved: float = 500.0, offered: float = 500.0) -> dict[str, Any]:
    return {
        "achieved_rate": achieved,
        "offered_rate": offered,
        "achieved_fraction": achieved / offered,
    }


def client(lag_p99: float = 1.0, cpu: tuple[float, ...] = (0.2,)) -> dict[str, Any]:
    return {"send_lag": {"count": 10, "p99_ms": lag_p99}, "cpu_per_process": list(cpu)}


def test_a_healthy_client_says_nothing() -> None:
    assert health(summary(), client(), Health()) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"lag_p99": 10.5}, "send lag P99 10.5 ms > 10 ms"),
        ({"cpu": (0.3, 0.95)}, "client CPU 95% of a core"),
    ],
)
def test_client_warnings(args: dict[str, Any], expected: str) -> None:
    (warning,) = health(summary(), client(**args), Health())
    assert expected in warning


def test_achieved_below_95_percent_of_offered() -> None:
    (warning,) = health(summary(achieved=470.0), client(), Health())
    assert "achieved 470/s is 94% of the offered 500/s" in warning
    assert health(summary(achieved=476.0), client(), Health()) == []


def test_limits_are_settings() -> None:
    assert health(summary(), client(lag_p99=3.0), Health(send_lag_p99_ms=2.0))
    assert not health(summary(), client(lag_p99=3.0), Health(send_lag_p99_ms=5.0))

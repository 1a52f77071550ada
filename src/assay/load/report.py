"""What a load run found, and whether the client can be trusted to have found it.

:func:`summarise` turns a merged :class:`~assay.load.engine.Tally` into a plain
document: per endpoint the latency percentiles (from the *intended* send time),
errors by kind, achieved against offered rate, streaming metrics when the endpoint
streamed; for the client its send lag and CPU; and health warnings when the client,
not the server, may have shaped the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assay.load.engine import ArmTally, Tally

__all__ = ["Health", "arm_summary", "health", "summarise"]


@dataclass(frozen=True)
class Health:
    """The limits past which the client warns about itself."""

    send_lag_p99_ms: float = 10.0
    achieved_fraction: float = 0.95
    cpu_fraction: float = 0.9


def _elapsed(tally: Tally, arm: ArmTally, duration: float) -> float:
    """Seconds from the start to the last reply (or the planned end, if later)."""
    return max(duration, arm.last_done - tally.start, tally.last_send - tally.start, 1e-9)


def arm_summary(tally: Tally, arm: ArmTally, *, duration: float, offered: float) -> dict[str, Any]:
    """One endpoint's figures."""
    elapsed = _elapsed(tally, arm, duration)
    answered = arm.ok + sum(arm.errors.values())
    out: dict[str, Any] = {
        "latency": arm.latency.summary(),
        "ok": arm.ok,
        "errors": dict(sorted(arm.errors.items())),
        "error_count": sum(arm.errors.values()),
        "achieved_rate": answered / elapsed,
        "ok_rate": arm.ok / elapsed,
        "offered_rate": offered,
        "achieved_fraction": answered / elapsed / offered if offered else None,
    }
    if arm.streamed:
        out["streaming"] = {
            "streamed": arm.streamed,
            "tokens": arm.tokens,
            "ttft": arm.ttft.summary(),
            "itl": arm.itl.summary(),
            "tpot": arm.tpot.summary(),
            "goodput": arm.good / elapsed,
            "good": arm.good,
        }
    return out


def health(summary: dict[str, Any], client: dict[str, Any], limits: Health) -> list[str]:
    """Warnings about the client itself: it fell behind its schedule, it did not reach
    the offered rate, or it used a whole core (so it may be the bottleneck)."""
    warnings: list[str] = []
    lag = client["send_lag"].get("p99_ms")
    if lag is not None and lag > limits.send_lag_p99_ms:
        warnings.append(
            f"send lag P99 {lag:.1f} ms > {limits.send_lag_p99_ms:g} ms: the client fell "
            "behind its schedule (more --processes, or a lower rate)"
        )
    fraction = summary.get("achieved_fraction")
    if fraction is not None and fraction < limits.achieved_fraction:
        warnings.append(
            f"achieved {summary['achieved_rate']:.0f}/s is {fraction:.0%} of the offered "
            f"{summary['offered_rate']:.0f}/s (< {limits.achieved_fraction:.0%})"
        )
    busiest = max(client["cpu_per_process"], default=0.0)
    if busiest >= limits.cpu_fraction:
        warnings.append(
            f"client CPU {busiest:.0%} of a core in its busiest process: the client may be "
            "the bottleneck (more --processes)"
        )
    return warnings


def summarise(
    tally: Tally,
    *,
    urls: list[str],
    duration: float,
    offered: float,
    mode: str = "open",
    limits: Health | None = None,
) -> dict[str, Any]:
    """The run's document: ``arms`` (one per URL), ``client`` and ``warnings``."""
    limits = limits or Health()
    cpu = [c / w for c, w in zip(tally.cpu_s, tally.wall_s, strict=True)]
    client = {
        "mode": mode,
        "processes": len(tally.cpu_s),
        "sent": tally.sent,
        "send_lag": tally.send_lag.summary(),
        "cpu_per_process": cpu,
    }
    arms = [
        {"url": url, **arm_summary(tally, arm, duration=duration, offered=offered)}
        for url, arm in zip(urls, tally.arms, strict=True)
    ]
    warnings: list[str] = []
    if mode == "open":
        for arm in arms:
            for warning in health(arm, client, limits):
                if warning not in warnings:
                    warnings.append(warning)
    return {"arms": arms, "client": client, "warnings": warnings}

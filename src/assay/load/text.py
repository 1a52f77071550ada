"""A stored load document in sentences: what ``assay load show`` prints and the web's
run page shows, written once (plain text; each surface adds its own emphasis).

Only formatting of the stored document: nothing is recomputed. No import beyond the
standard library, so the web app and the command line can use it without the
``load`` extra.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "arm_cells",
    "client_sentence",
    "ms",
    "serial_sentence",
    "streaming_sentence",
    "window_sentences",
]

WARN_INFLATION = 2.0
"""A variance factor from which the widening for correlated windows is said (kept equal
to :data:`assay.stats.serial.WARN_INFLATION`; a test checks it)."""


def ms(value: Any, dash: str = "-") -> str:
    """Milliseconds with one decimal and thousands separators; ``dash`` for none."""
    return dash if value is None else f"{value:,.1f}"


def arm_cells(arm: dict[str, Any], dash: str = "-") -> list[str]:
    """An endpoint's (or a rate's) row after its label: offered and achieved rates,
    P50, P90, P99, P99.9 and Max in ms, errors by kind."""
    latency = arm.get("latency", {})
    offered = arm.get("offered_rate")
    return [
        f"{offered:,.0f}" if offered else dash,
        f"{arm.get('achieved_rate', 0.0):,.0f}",
        *(ms(latency.get(f"{p}_ms"), dash) for p in ("p50", "p90", "p99", "p99_9", "max")),
        ", ".join(f"{k} {v}" for k, v in arm.get("errors", {}).items()) or "0",
    ]


def client_sentence(client: dict[str, Any], dash: str = "-") -> str:
    """The client's health: how it sent, its send lag and its CPU."""
    cpu = ", ".join(f"{c:.0%}" for c in client.get("cpu_per_process", ()))
    lag = client.get("send_lag", {})
    lag_text = (
        f"send lag P50 {ms(lag.get('p50_ms'), dash)} ms, P99 {ms(lag.get('p99_ms'), dash)} ms; "
        if lag.get("count")
        else ""
    )
    return (
        f"client ({client.get('mode')} loop, {client.get('processes')} process(es), "
        f"{client.get('sent', 0):,} sent): {lag_text}CPU {cpu} of a core"
    )


def streaming_sentence(arm: dict[str, Any], dash: str = "-") -> str | None:
    """An endpoint's streaming metrics, or ``None`` when it did not stream."""
    s = arm.get("streaming")
    if not s:
        return None
    return (
        f"streaming {arm['url']}: {s['streamed']:,} streams, {s['tokens']:,} tokens; "
        f"TTFT P50 {ms(s['ttft'].get('p50_ms'), dash)} / P99 {ms(s['ttft'].get('p99_ms'), dash)}"
        f" ms, inter-token P50 {ms(s['itl'].get('p50_ms'), dash)} / "
        f"P99 {ms(s['itl'].get('p99_ms'), dash)} ms, TPOT P50 {ms(s['tpot'].get('p50_ms'), dash)}"
        f" ms; goodput {s['goodput']:,.1f}/s ({s['good']:,} within the SLO)"
    )


def _pct(value: float | None, dash: str) -> str:
    return dash if value is None else f"{value:+.1%}"


def serial_sentence(stat: str, found: dict[str, Any], windows: int) -> str | None:
    """What correlated windows did to the interval, when it is worth saying (runs
    stored before the correction have no ``serial``: ``None``)."""
    serial = found.get("serial")
    if not serial or serial["variance_inflation"] < WARN_INFLATION:
        return None
    return (
        f"A/B {stat.upper()}: adjacent windows are correlated (lag-1 r = "
        f"{serial['lag1']:.2f}, {serial['lag1_corrected']:.2f} corrected for a short series); "
        f"the interval is {serial['variance_inflation'] ** 0.5:.1f}x "
        f"as wide as if they were independent (worth {serial['effective_pairs']:.0f} of "
        f"{windows} windows); a longer run narrows it"
    )


def window_sentences(
    comparison: dict[str, Any], dash: str = "-"
) -> list[tuple[str, str | None, str | None]]:
    """The A/B's lines: ``(text, verdict, note)`` per statistic (the verdict in
    capitals, to be emphasised; the note from :func:`serial_sentence`), and
    ``(error, None, None)`` first when the comparison could not be made."""
    lines: list[tuple[str, str | None, str | None]] = []
    if "error" in comparison:
        lines.append((f"A/B: {comparison['error']}", None, None))
    for stat in ("p50", "p90"):
        found = comparison.get(stat)
        if not found:
            continue
        low, high = found["effect"]["ci"]
        text = (
            f"A/B {stat.upper()} over {comparison['windows']} paired "
            f"{comparison['window_s']:g}-s windows: B/A {found['effect']['relative']:+.1%} "
            f"({_pct(low, dash)} to {_pct(high, dash)})"
        )
        note = serial_sentence(stat, found, comparison["windows"])
        lines.append((text, str(found["verdict"]).upper(), note))
    return lines

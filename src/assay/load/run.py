"""The load runs ``assay load`` offers, from validated settings to a result document.

:func:`check_spec` refuses bad settings before anything is sent (one line naming the
option, exit code 2 on the command line): a rate or duration that is not above 0,
an unknown arrival process, a URL that is not http(s), and a host that is not a
loopback address unless ``allow_remote`` (load tests are traffic, and traffic to a
machine you do not own is an attack; the flag is the explicit "I own it").
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from assay.errors import InputError
from assay.load import engine, schedule
from assay.load.histogram import Histogram, require_extra
from assay.load.report import Health, summarise
from assay.load.slo import search

__all__ = ["LoadSpec", "ab", "check_spec", "check_url", "closed", "curve", "open_run", "slo"]

MAX_PROCESSES = 64


@dataclass(frozen=True)
class LoadSpec:
    """Everything one load run needs (all validated by :func:`check_spec`)."""

    url: str
    rate: float = 100.0
    duration: float = 10.0
    arrivals: str = "poisson"
    trace_file: Path | None = None
    seed: int = 0
    processes: int = 1
    method: str = "GET"
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    timeout_s: float = 10.0
    connections: int = 512
    ttft_ms: float | None = None
    tpot_ms: float | None = None
    vs: str | None = None
    allow_remote: bool = False
    window_s: float | None = None
    send_lag_limit_ms: float = 10.0
    client: str = "wire"
    margin: float = 0.03
    """A/B: the smallest change in a window latency that matters (see :func:`ab`)."""

    def settings(self) -> dict[str, Any]:
        out = asdict(self)
        out["trace_file"] = str(self.trace_file) if self.trace_file else None
        out["body"] = None if self.body is None else f"{len(self.body)} bytes"
        out["headers"] = dict(self.headers)
        return out


def check_url(url: str, *, allow_remote: bool, field: str = "URL") -> str:
    """``url`` if it is http(s) with a host, on a loopback address unless
    ``allow_remote``; the host is checked as written, never resolved."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{field}: expected an http:// or https:// URL with a host, got {url!r}")
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError:
        raise InputError(f"{field}: the port of {url!r} is not a number in 0..65535") from None
    host = parts.hostname
    loopback = host == "localhost" or host.endswith(".localhost")
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if not loopback and not allow_remote:
        raise InputError(
            f"{field}: {host} is not a loopback address; assay load sends traffic to "
            "127.0.0.1/::1/localhost only unless you pass --allow-remote for a host you own"
        )
    return url


def check_spec(spec: LoadSpec) -> LoadSpec:
    """``spec`` if every setting is usable; else :class:`InputError` naming the option."""
    check_url(spec.url, allow_remote=spec.allow_remote)
    if spec.vs is not None:
        check_url(spec.vs, allow_remote=spec.allow_remote, field="--vs")
    if spec.arrivals not in schedule.ARRIVALS:
        raise InputError(
            f"--arrivals: expected one of {', '.join(schedule.ARRIVALS)}, got {spec.arrivals!r}"
        )
    if spec.arrivals != "trace":
        schedule.check_rate(spec.rate)
        schedule.check_duration(spec.duration)
    if not 1 <= spec.processes <= MAX_PROCESSES:
        raise InputError(f"--processes: expected 1..{MAX_PROCESSES}, got {spec.processes}")
    if not math.isfinite(spec.timeout_s) or spec.timeout_s <= 0:
        raise InputError(f"--timeout: expected seconds above 0, got {spec.timeout_s:g}")
    if spec.client not in ("wire", "aiohttp"):
        raise InputError(f"--client: expected wire or aiohttp, got {spec.client!r}")
    if spec.connections < 1:
        raise InputError(f"--connections: expected at least 1, got {spec.connections}")
    if not math.isfinite(spec.send_lag_limit_ms) or spec.send_lag_limit_ms <= 0:
        raise InputError(
            f"--send-lag-limit: expected milliseconds above 0, got {spec.send_lag_limit_ms:g}"
        )
    for name, value in (("--ttft", spec.ttft_ms), ("--tpot", spec.tpot_ms)):
        if value is not None and (not math.isfinite(value) or value <= 0):
            raise InputError(f"{name}: expected milliseconds above 0, got {value:g}")
    if spec.method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"):
        raise InputError(
            f"--method: expected GET, POST, PUT, PATCH, DELETE or HEAD, got {spec.method!r}"
        )
    return replace(spec, method=spec.method.upper())


def _schedule(spec: LoadSpec) -> tuple[schedule.Offsets, float]:
    offsets = schedule.build(
        spec.arrivals,
        rate=spec.rate,
        duration=spec.duration,
        seed=spec.seed,
        trace_file=spec.trace_file,
    )
    if spec.arrivals == "trace":
        duration = max(float(offsets[-1]), 1e-3)
        return offsets, duration
    return offsets, spec.duration


def _options(spec: LoadSpec, **extra: Any) -> engine.Options:
    return engine.Options(
        timeout_s=spec.timeout_s,
        connections=spec.connections,
        client=spec.client,
        ttft_s=None if spec.ttft_ms is None else spec.ttft_ms / 1e3,
        tpot_s=None if spec.tpot_ms is None else spec.tpot_ms / 1e3,
        **extra,
    )


def _request(spec: LoadSpec, url: str) -> engine.Request:
    return engine.Request(url, spec.method, spec.body, spec.headers)


def _document(kind: str, spec: LoadSpec, offsets: Any, duration: float) -> dict[str, Any]:
    return {
        "kind": kind,
        "settings": spec.settings(),
        "schedule": {
            "arrivals": spec.arrivals,
            "requests": len(offsets),
            "duration_s": duration,
            "offered_rate": len(offsets) / duration,
            "seed": spec.seed,
        },
    }


def open_run(spec: LoadSpec) -> dict[str, Any]:
    """One open-loop run of ``spec`` (a paired A/B when ``spec.vs`` is set)."""
    spec = check_spec(spec)
    require_extra()
    offsets, duration = _schedule(spec)
    if spec.vs is not None:
        return ab(spec, offsets, duration)
    doc = _document("open", spec, offsets, duration)
    tally = engine.run_open(
        [_request(spec, spec.url)], offsets, processes=spec.processes, options=_options(spec)
    )
    doc.update(
        summarise(
            tally,
            urls=[spec.url],
            duration=duration,
            offered=len(offsets) / duration,
            limits=Health(send_lag_p99_ms=spec.send_lag_limit_ms),
        )
    )
    return doc


def closed(spec: LoadSpec) -> dict[str, Any]:
    """The closed-loop client on ``spec.url`` for ``spec.duration`` seconds."""
    spec = check_spec(spec)
    require_extra()
    tally = engine.run_closed(_request(spec, spec.url), spec.duration, options=_options(spec))
    doc: dict[str, Any] = {"kind": "closed", "settings": spec.settings()}
    doc.update(
        summarise(tally, urls=[spec.url], duration=spec.duration, offered=0.0, mode="closed")
    )
    return doc


def curve(spec: LoadSpec, rates: list[float]) -> dict[str, Any]:
    """Latency against load: one open-loop run per rate, in the order given."""
    if not rates:
        raise InputError("--rates: expected at least one rate, e.g. 100,200,400")
    for rate in rates:
        schedule.check_rate(rate, field="--rates")
    points = [open_run(replace(spec, rate=rate)) for rate in rates]
    return {"kind": "curve", "settings": check_spec(spec).settings(), "points": points}


def _window_stat(hist: Histogram, stat: str) -> float:
    return hist.percentile(50.0 if stat == "p50" else 90.0)


def ab(spec: LoadSpec, offsets: Any, duration: float) -> dict[str, Any]:
    """A/B: every arrival is sent to both endpoints at the same intended time, so both
    see the same schedule and the same moments of the machine's noise. The run is cut
    into windows by intended send time; each window gives one P50 and one P90 per
    endpoint, and the windows are compared as pairs (the unit is the window, not the
    request: requests within a window are not independent). Adjacent windows are not
    independent either (a slow stretch spans several), so the paired t-test is widened
    by the lag-1 correlation of the window differences (``serial=True``,
    :mod:`assay.stats.serial`). B is WORSE or BETTER only beyond ``spec.margin`` (3% by
    default): two processes serving the same code differ by a few percent for their
    life, a constant offset no number of windows removes."""
    from assay.stats.comparison import compare

    assert spec.vs is not None
    window = spec.window_s or max(duration / 20, 0.25)
    doc = _document("ab", spec, offsets, duration)
    tally = engine.run_open(
        [_request(spec, spec.url), _request(spec, spec.vs)],
        offsets,
        processes=spec.processes,
        options=_options(spec, window_s=window),
    )
    doc.update(
        summarise(
            tally,
            urls=[spec.url, spec.vs],
            duration=duration,
            offered=len(offsets) / duration,
            limits=Health(send_lag_p99_ms=spec.send_lag_limit_ms),
        )
    )
    a, b = tally.arms
    shared = sorted(set(a.windows) & set(b.windows))
    comparisons: dict[str, Any] = {"window_s": window, "windows": len(shared)}
    if len(shared) < 3:
        comparisons["error"] = f"only {len(shared)} windows answered by both; need 3 or more"
    else:
        for stat in ("p50", "p90"):
            base = np.array([_window_stat(a.windows[i], stat) for i in shared])
            cand = np.array([_window_stat(b.windows[i], stat) for i in shared])
            comparisons[stat] = compare(
                base, cand, paired=True, lower_is_better=True, margin=spec.margin, serial=True
            ).to_dict()
    doc["comparison"] = comparisons
    return doc


def slo(
    spec: LoadSpec,
    *,
    p99_ms: float,
    start_rate: float,
    max_rate: float,
    probe_s: float,
    confirm_s: float,
    precision: float = 0.05,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """The highest rate with P99 <= ``p99_ms`` (:func:`assay.load.slo.search`), each
    probe a real open-loop run of ``spec`` at that rate, Poisson arrivals."""
    if not math.isfinite(p99_ms) or p99_ms <= 0:
        raise InputError(f"--p99: expected milliseconds above 0, got {p99_ms:g}")
    spec = check_spec(replace(spec, rate=start_rate, duration=probe_s))
    schedule.check_rate(max_rate, field="--max-rate")
    schedule.check_duration(confirm_s, field="--confirm")
    require_extra()
    options = _options(spec, threshold_s=p99_ms / 1e3)
    counter = iter(range(1_000_000))

    def probe(rate: float, duration: float) -> tuple[int, int]:
        offsets = schedule.poisson(rate, duration, spec.seed + next(counter))
        tally = engine.run_open(
            [_request(spec, spec.url)], offsets, processes=spec.processes, options=options
        )
        arm = tally.arms[0]
        return arm.above, arm.ok + sum(arm.errors.values())

    result = search(
        probe,
        start_rate=start_rate,
        max_rate=max_rate,
        min_rate=min(1.0, start_rate),
        probe_s=probe_s,
        max_probe_s=max(probe_s * 4, probe_s),
        confirm_s=confirm_s,
        precision=precision,
        alpha=alpha,
    )
    return {
        "kind": "slo",
        "settings": spec.settings(),
        "p99_ms": p99_ms,
        "alpha": alpha,
        **result.to_dict(),
    }

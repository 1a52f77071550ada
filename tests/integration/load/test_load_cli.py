"""``assay load`` through the real command line against real servers on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from support import run_assay

Target = Callable[..., str]
CONSTANT = ("--arrivals", "constant")


def load(tmp_path: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = run_assay(tmp_path, "load", *args, "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.slow
def test_open_loop_sees_the_stall_that_a_closed_loop_hides(tmp_path: Path, target: Target) -> None:
    """The coordinated-omission demo: the stall target freezes 200 ms every 2 s. At
    500 req/s about a tenth of requests are due during a freeze, so the open loop's
    P99 is near 180 ms; the closed loop sends nothing while it waits and sees ~ms."""
    url = target("stall")
    opened = load(tmp_path, "run", url, "--rate", "500", "--duration", "6", "--seed", "1")
    closed = load(tmp_path, "run", url, "--duration", "6", "--closed-loop")
    open_p99 = opened["arms"][0]["latency"]["p99_ms"]
    closed_p99 = closed["arms"][0]["latency"]["p99_ms"]
    assert open_p99 >= 150, opened
    assert closed_p99 < open_p99 / 4, (closed_p99, open_p99)
    assert closed["arms"][0]["latency"]["max_ms"] >= 150  # it did meet the freeze, once
    assert opened["client"]["sent"] == opened["schedule"]["requests"]


def test_processes_share_one_schedule(tmp_path: Path, target: Target) -> None:
    url = target("fast")
    doc = load(
        tmp_path,
        "run",
        url,
        "--rate",
        "200",
        "--duration",
        "2",
        "--processes",
        "3",
        "--arrivals",
        "constant",
    )
    assert doc["schedule"]["requests"] == 400
    assert doc["client"]["processes"] == 3 and len(doc["client"]["cpu_per_process"]) == 3
    arm = doc["arms"][0]
    assert doc["client"]["sent"] == 400 and arm["ok"] == 400 and arm["latency"]["count"] == 400
    assert doc["client"]["send_lag"]["count"] == 400
    assert arm["achieved_rate"] == pytest.approx(200, rel=0.1)


def test_trace_replay_sends_exactly_the_trace(tmp_path: Path, target: Target) -> None:
    url = target("fast")
    trace = tmp_path / "arrivals.csv"
    trace.write_text("offset_s\n" + "".join(f"{i * 0.01:.2f}\n" for i in range(50)))
    doc = load(tmp_path, "run", url, "--trace", str(trace))
    assert doc["schedule"]["arrivals"] == "trace" and doc["schedule"]["requests"] == 50
    assert doc["arms"][0]["ok"] == 50


@pytest.mark.parametrize("client", ["wire", "aiohttp"])
def test_streaming_metrics_and_goodput(tmp_path: Path, target: Target, client: str) -> None:
    url = target("stream", "--tokens", "8", "--gap-ms", "4")
    args = ("--rate", "50", "--duration", "2", "--ttft", "1000", "--tpot", "0.5")
    doc = load(tmp_path, "run", url, *args, "--client", client)
    stream = doc["arms"][0]["streaming"]
    assert stream["streamed"] == doc["arms"][0]["ok"] > 0
    assert stream["tokens"] == 8 * stream["streamed"]
    assert stream["ttft"]["p50_ms"] >= 3.5  # the first token comes after one 4-ms gap
    assert stream["tpot"]["p50_ms"] >= 3.5
    # TPOT of ~4 ms never meets 0.5 ms: no request is good, goodput is zero.
    assert stream["good"] == 0 and stream["goodput"] == 0
    relaxed_args = ("--rate", "50", "--duration", "1", "--tpot", "1000", "--client", client)
    relaxed = load(tmp_path, "run", url, *relaxed_args)
    assert relaxed["arms"][0]["streaming"]["good"] == relaxed["arms"][0]["ok"]


def test_ab_pairs_two_endpoints_on_one_schedule(tmp_path: Path, target: Target) -> None:
    fast = target("fast")
    stall = target("stall", "--stall-ms", "0")  # about 1 ms per answer, never frozen
    doc = load(tmp_path, "run", fast, "--vs", stall, "--rate", "200", "--duration", "4")
    a, b = doc["arms"]
    assert a["ok"] == b["ok"] == doc["schedule"]["requests"]
    comparison = doc["comparison"]
    assert comparison["windows"] >= 10
    # B sleeps 1 ms per request, A answers at once: B is slower at the median.
    assert comparison["p50"]["effect"]["relative"] > 0
    assert comparison["p50"]["verdict"] in ("worse", "inconclusive")
    # The windows are tested as a series: widened by their lag-1 correlation.
    for stat in ("p50", "p90"):
        serial = comparison[stat]["serial"]
        assert comparison[stat]["test"]["name"] == "paired-t-serial"
        assert serial["variance_inflation"] >= 1.0
        assert serial["effective_pairs"] == pytest.approx(
            comparison["windows"] / serial["variance_inflation"]
        )


def test_correlated_windows_are_said_in_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    """The text names the widening when the windows were correlated (a stored A/B's
    comparison, its serial part set as a strongly correlated run would leave it)."""
    from assay.cli import load as load_cli

    found = {
        "verdict": "inconclusive",
        "effect": {"relative": 0.02, "ci": [-0.05, 0.09]},
        "serial": {
            "lag1": 0.6,
            "lag1_corrected": 0.6,
            "variance_inflation": 4.0,
            "effective_pairs": 5.0,
        },
    }
    comparison = {"windows": 20, "window_s": 0.25, "p50": found}
    load_cli._print_comparison(comparison)
    err = capsys.readouterr().err
    assert "A/B P50: adjacent windows are correlated (lag-1 r = 0.60, 0.60 corrected" in err
    assert "2.0x as wide" in err and "worth 5 of 20 windows" in err
    capsys.readouterr()
    load_cli._print_comparison({**comparison, "p50": {**found, "serial": None}})
    assert "correlated" not in capsys.readouterr().err  # runs stored before: no line


def test_latency_against_load_curve(tmp_path: Path, target: Target) -> None:
    url = target("fast")
    args = ("--rates", "50,100", "--duration", "1", *CONSTANT)
    doc = load(tmp_path, "run", url, *args)
    assert [round(p["schedule"]["offered_rate"]) for p in doc["points"]] == [50, 100]
    text = run_assay(tmp_path, "load", "run", url, *args)
    assert text.returncode == 0 and "Latency against load" in text.stdout


def test_slo_search_finds_a_confirmed_rate(tmp_path: Path, target: Target) -> None:
    url = target("fast")
    doc = load(
        tmp_path,
        "slo",
        url,
        "--p99",
        "200",
        "--start-rate",
        "400",
        "--max-rate",
        "800",
        "--probe",
        "1",
        "--confirm",
        "1",
    )
    # A fast target keeps P99 far below 200 ms at these rates; on a busy machine a
    # probe may still stall, so the found rate is anywhere in the bracket, confirmed.
    assert doc["confirmed"] and 400 <= doc["rate"] <= 800
    phases = [p["phase"] for p in doc["probes"]]
    assert phases[0] == "bracket" and phases[-1] == "confirm"
    assert doc["probes"][-1]["verdict"] == "pass" and doc["probes"][-1]["upper"] < 0.01


def test_slo_that_nothing_meets_exits_1(tmp_path: Path, target: Target) -> None:
    url = target("stream", "--tokens", "3", "--gap-ms", "20")  # every answer takes ~60 ms
    result = run_assay(
        tmp_path,
        "load",
        "slo",
        url,
        "--p99",
        "5",
        "--start-rate",
        "4",
        "--max-rate",
        "8",
        "--probe",
        "1",
        "--confirm",
        "1",
    )
    assert result.returncode == 1, result.stderr
    assert "no rate tried kept P99 <= 5 ms" in result.stdout


def test_text_output_shows_the_health_of_the_client(tmp_path: Path, target: Target) -> None:
    url = target("fast")
    result = run_assay(tmp_path, "load", "run", url, "--rate", "100", "--duration", "1")
    assert result.returncode == 0, result.stderr
    assert "intended send time" in result.stdout and "send lag" in result.stdout
    assert "CPU" in result.stdout


def test_out_writes_the_document(tmp_path: Path, target: Target) -> None:
    url = target("fast")
    out = tmp_path / "r.json"
    args = ("--rate", "50", "--duration", "1", "--out", str(out))
    result = run_assay(tmp_path, "load", "run", url, *args)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["kind"] == "open"
    refused = run_assay(tmp_path, "load", "run", url, *args)
    assert refused.returncode == 2 and "add --force" in refused.stderr
    again = run_assay(tmp_path, "load", "run", url, *args, "--force")  # replaces it
    assert again.returncode == 0, again.stderr
    assert json.loads(out.read_text())["kind"] == "open"


def test_the_send_lag_warning_fires_in_a_real_run(tmp_path: Path, target: Target) -> None:
    url = target("fast")
    # No client keeps to a schedule within 1 us: the warning must fire.
    args = ("--rate", "100", "--duration", "1", "--send-lag-limit", "0.001")
    doc = load(tmp_path, "run", url, *args)
    assert any(w.startswith("send lag P99") for w in doc["warnings"]), doc["warnings"]
    result = run_assay(tmp_path, "load", "run", url, *args)
    assert result.returncode == 0 and "warning: send lag P99" in result.stderr

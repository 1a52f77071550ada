"""The run page of a load run and of an A/B analysis (FastAPI's TestClient, a signed-in
viewer, a real SQLite workspace): each is shown as ``assay load show`` and ``assay ab
show`` show it, not in a benchmark's layout (no "0 of until decided" trials, no Methods
table of dashes, no trials downloads), while its JSON stays ``assay bench show --json``.

The runs are made by the real command line: ``assay load run --vs`` (and ``--rates``,
a streaming run, and ``assay load slo``) against the bundled targets on 127.0.0.1,
stored with ``--store``; ``assay ab analyze`` of Kohavi, Tang & Xu's sample-ratio mismatch and of a
valid per-unit file linked to a prototype.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assay import encoding
from assay.workspace import Workspace, documents
from support import run_assay
from support.web import form_fields

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2, which has the same API
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "viewer-correct-horse-battery"
PROTOTYPE = "checkout-v2"
JSON = {"accept": "application/json"}
AS_ADMIN = {"ASSAY_USER": "admin"}


class _Tables(HTMLParser):
    """Each ``<table>`` of a page: its caption and its rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            rows = self.tables[-1][1]
            self.tables[-1] = (" ".join("".join(self._caption).split()), rows)
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """The page's tables by caption: rows of cell texts, the header row first."""
    parser = _Tables()
    parser.feed(html)
    return dict(parser.tables)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    """The page's text, each tag as a space, white space folded."""

    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _target(kind: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    """The bundled target ``kind`` on a free port of 127.0.0.1, and its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "assay.load.targets", kind, "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "listening on http://127.0.0.1:PORT"
    assert line.startswith("listening on "), line
    return proc, line.split()[-1]


def _json(root: Path, *args: str) -> dict[str, Any]:
    result = run_assay(root, *args, "--json", env=AS_ADMIN)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _ab_file(path: Path) -> Path:
    """Per-unit rows, 3,000 a arm: conversion exactly 30% against 40%, latency alike
    in both arms, revenue with a pre-period covariate; rows shuffled."""
    rng = np.random.default_rng(5)
    n = 3000
    arm = np.repeat([0, 1], n)
    conversion = np.zeros(2 * n, dtype=int)
    conversion[: 9 * n // 30] = 1
    conversion[n : n + 4 * n // 10] = 1
    latency = rng.gamma(25.0, 8.0, 2 * n)
    pre = rng.normal(50, 10, 2 * n)
    revenue = pre + rng.normal(0, 5, 2 * n)
    names = ("control", "treatment")
    lines = ["user,arm,conversion,latency,revenue,revenue_pre"]
    for i in rng.permutation(2 * n):
        lines.append(
            f"u{i},{names[arm[i]]},{conversion[i]},{latency[i]:.3f},{revenue[i]:.3f},{pre[i]:.3f}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _workspace(root: Path) -> dict[str, dict[str, Any]]:
    """The workspace: an admin, a viewer, a prototype; the runs, each as stored."""
    Workspace.init(root, user="admin").close()
    with Workspace.open(root, user="admin") as ws:
        ws.users.add("admin", "admin")
        ws.users.add("viewer", "viewer")
        ws.accounts.set_password("viewer", PASSWORD)
        ws.radar.add("Checkout v2", area="product", owner="admin", summary="a shorter checkout")
        from assay.pipeline.prototype import Prototype

        prototype = Prototype.from_dict(
            {
                "name": PROTOTYPE,
                "technique": "Checkout v2",
                "hypothesis": "the new checkout lifts conversion by at least 1%",
                "success": ["effect(conversion) >= +1%"],
                "timebox": "2w",
            },
            today=dt.date.today(),
        )
        ws.prototypes.new(prototype)
    proc, url = _target("fast")
    streams, stream_url = _target("stream", "--tokens", "5", "--gap-ms", "2")
    try:
        store = ("--store", "--duration", "2")
        made = {
            "ab": _json(root, "load", "run", url, "--vs", url + "/b", "--rate", "100", *store,
                        "--name", "ab1"),
            "curve": _json(root, "load", "run", url, "--rates", "50,100", "--duration", "1",
                           "--store", "--name", "curve1"),
            "slo": _json(root, "load", "slo", url, "--p99", "500", "--start-rate", "400",
                         "--max-rate", "400", "--probe", "2", "--confirm", "2", "--store",
                         "--name", "slo1"),
            "stream": _json(root, "load", "run", stream_url, "--rate", "20", "--duration", "1",
                            "--ttft", "100", "--tpot", "10", "--store", "--name", "stream1"),
        }  # fmt: skip
    finally:
        for running in (proc, streams):
            running.terminate()
            running.wait(timeout=10)
            if running.stdout is not None:
                running.stdout.close()
    srm = root / "kohavi.csv"
    srm.write_text("arm,units,conversions\ncontrol,821588,41000\ntreatment,815482,41500\n")
    made["srm"] = _json(root, "ab", "analyze", str(srm), "--arm", "arm", "--metric", "conversions")
    valid = _ab_file(root / "checkout.csv")
    made["valid"] = _json(root, "ab", "analyze", str(valid), "--arm", "arm", "--unit", "user",
                          "--metric", "conversion", "--metric", "revenue",
                          "--covariate", "revenue=revenue_pre", "--guardrail", "latency:5%",
                          "--lower-is-better", "latency", "--prototype", PROTOTYPE)  # fmt: skip
    return made


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[str, dict[str, Any]], Path]]:
    """A viewer's signed-in client, the stored runs' documents and the workspace's root."""
    from assay.web import create_app

    root = tmp_path_factory.mktemp("kinds") / "team"
    made = _workspace(root)
    app = create_app(root)
    client = TestClient(app, follow_redirects=False)
    try:
        form = form_fields(client.get("/login").text)
        data = {"name": "viewer", "password": PASSWORD, "csrf": form["csrf"], "next": "/runs"}
        assert client.post("/login", data=data).status_code == 303
        yield client, made, root
    finally:
        client.close()
        app.state.server.shared.close()


Site = tuple[TestClient, dict[str, dict[str, Any]], Path]


def _page(client: TestClient, run_id: str) -> str:
    answer = client.get(f"/runs/{run_id}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html: str = answer.text
    # Not a benchmark's layout: no trials, no Methods table, no trials to download.
    assert "until decided" not in html and ">Methods</h2>" not in html
    assert "trials.csv" not in html and "Call P99" not in html
    assert "<script>" not in html and "<script " not in html.replace('<script src="', "")
    return html


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _row(label: str, arm: dict[str, Any]) -> list[str]:
    lat = arm["latency"]
    offered = f"{arm['offered_rate']:,.0f}" if arm["offered_rate"] else "—"
    errors = ", ".join(f"{k} {v}" for k, v in arm["errors"].items()) or "0"
    percentiles = [_ms(lat.get(f"{p}_ms")) for p in ("p50", "p90", "p99", "p99_9", "max")]
    return [label, offered, f"{arm['achieved_rate']:,.0f}", *percentiles, errors]


def test_a_load_ab_run_is_shown_as_measured(site: Site) -> None:
    client, made, _ = site
    doc = made["ab"]
    html = _page(client, doc["run_id"])
    text = text_of(html)
    assert "Kind load" in text and "Measured open loop, two endpoints (A/B)" in text
    found = tables(html)
    caption = "Open loop: latency from each request's intended send time"
    assert caption in found, list(found)
    header, *rows = found[caption]
    assert header == ["Endpoint", "Offered/s", "Achieved/s", "P50 ms", "P90 ms", "P99 ms",
                      "P99.9 ms", "Max ms", "Errors"]  # fmt: skip
    a, b = doc["arms"]
    assert rows == [_row(f"A {a['url']}", a), _row(f"B {b['url']}", b)]
    lag = doc["client"]["send_lag"]
    assert f"send lag P50 {_ms(lag['p50_ms'])} ms, P99 {_ms(lag['p99_ms'])} ms" in text
    comparison = doc["comparison"]
    for stat in ("p50", "p90"):
        effect = comparison[stat]["effect"]
        line = (
            f"A/B {stat.upper()} over {comparison['windows']} paired "
            f"{comparison['window_s']:g}-s windows: B/A {effect['relative']:+.1%} "
            f"({effect['ci'][0]:+.1%} to {effect['ci'][1]:+.1%}), "
            f"{comparison[stat]['verdict'].upper()}"
        )
        assert line in text, (line, text)
    for warning in doc["warnings"]:
        assert warning in text


def test_a_latency_curve_has_a_row_per_rate(site: Site) -> None:
    client, made, _ = site
    doc = made["curve"]
    html = _page(client, doc["run_id"])
    assert "latency against load" in text_of(html)
    header, *rows = tables(html)["Latency against load (from intended send times)"]
    assert header[0] == "Rate"
    assert rows == [_row(f"{p['settings']['rate']:,g}/s", p["arms"][0]) for p in doc["points"]]


def test_a_streaming_run_shows_its_token_metrics(site: Site) -> None:
    client, made, _ = site
    doc = made["stream"]
    html = _page(client, doc["run_id"])
    (arm,) = doc["arms"]
    s = arm["streaming"]
    line = (
        f"Streaming {arm['url']}: {s['streamed']:,} streams, {s['tokens']:,} tokens; "
        f"TTFT P50 {_ms(s['ttft']['p50_ms'])} / P99 {_ms(s['ttft']['p99_ms'])} ms"
    )
    assert line in text_of(html) and f"goodput {s['goodput']:,.1f}/s" in html
    _, row = tables(html)["Open loop: latency from each request's intended send time"]
    assert row == _row(arm["url"], arm)


def test_an_slo_search_shows_the_rate_and_the_probes(site: Site) -> None:
    client, made, _ = site
    doc = made["slo"]
    html = _page(client, doc["run_id"])
    text = text_of(html)
    assert "Measured SLO search" in text
    assert "highest rate with P99 <= 500 ms: 400/s" in text
    (caption,) = [c for c in tables(html) if c.startswith("Probes:")]
    header, *rows = tables(html)[caption]
    assert header == ["Phase", "Rate/s", "Seconds", "Slower", "Requests", "Upper bound",
                      "Verdict"]  # fmt: skip
    assert rows == [
        [p["phase"], f"{p['rate']:,.0f}", f"{p['duration_s']:g}", f"{p['above']:,}",
         f"{p['total']:,}", f"{p['upper']:.2%}", p["verdict"].upper()]
        for p in doc["probes"]
    ]  # fmt: skip


def test_an_invalid_ab_analysis_shows_the_sample_ratio_mismatch(site: Site) -> None:
    client, made, _ = site
    doc = made["srm"]
    html = _page(client, doc["run_id"])
    text = text_of(html)
    assert f"kohavi.csv, 2 rows (aggregates), sha256 {doc['source']['sha256'][:12]}" in text
    assert "Sample ratio: control 821,588 / treatment 815,482 units (planned 50/50)" in text
    assert f"chi-square p = {doc['srm']['p_value']:.3g} < 0.001: INVALID" in text
    assert "no effect is reported" in text
    assert not [c for c in tables(html) if c.startswith("Treatment against control")]


def test_a_valid_ab_analysis_shows_its_metrics_and_guardrails(site: Site) -> None:
    client, made, _ = site
    doc = made["valid"]
    html = _page(client, doc["run_id"])
    text = text_of(html)
    assert "Sample ratio: control 3,000 / treatment 3,000 units (planned 50/50)" in text
    assert ": OK" in text
    header, *rows = tables(html)["Treatment against control, with 95% intervals"]
    assert header == ["Metric", "Control", "Treatment", "Difference", "Lift", "p", "Verdict"]
    by_metric = {row[0]: row for row in rows}
    assert set(by_metric) == {"conversion", "revenue", "latency (lower is better)"}
    conversion = by_metric["conversion"]
    assert conversion[1:3] == ["30.00%", "40.00%"]
    assert conversion[3].startswith("+10.00 pt (") and conversion[4].startswith("+33.3% (")
    assert conversion[6] == "BETTER"
    for found in doc["metrics"]:
        name = found["metric"] + (" (lower is better)" if found["lower_is_better"] else "")
        assert by_metric[name][6] == found["verdict"].upper()
    assert "revenue: CUPED with revenue_pre reduced the variance of the difference by" in text
    (rails,) = [c for c in tables(html) if c.startswith("Guardrails:")]
    (rail,) = tables(html)[rails][1:]
    expected = "holds" if doc["guardrails"]["guardrails"][0]["holds"] else "FAILS"
    assert rail[0] == "latency" and rail[1] == "5.0%" and rail[-1] == expected
    assert f'href="/gates/{PROTOTYPE}"' in html  # the prototype it is evidence for


def test_the_json_is_still_bench_show_json(site: Site) -> None:
    client, made, root = site
    with Workspace.open(root, user="viewer") as ws:
        for doc in made.values():
            answer = client.get(f"/runs/{doc['run_id']}", headers=JSON)
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "application/json"
            expected = json.loads(encoding.dumps(documents.run(ws, doc["run_id"])))
            assert answer.json() == expected
            assert answer.json()["trials"] == {"planned": None, "completed": 0, "failed": 0}

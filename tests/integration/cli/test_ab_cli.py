"""``assay ab analyze`` and ``ab show`` end to end, on SQLite and PostgreSQL alike: an A/B
file becomes a run of kind "ab", linked to a prototype, and the Integration gate judges
``effect(conversion) >= +1%`` and ``not_worse(p99_latency, margin=5%)`` from it; bad
input exits 2 with one line and writes nothing; Kohavi et al.'s SRM example from a file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from assay import Workspace
from support import store_cli

NAME = "checkout-v2"
UNITS = 150_000  # per arm: the +3% lift's interval clears +1%

Run = Callable[..., tuple[int, str, str]]


def write_experiment(path: Path, *, latency_lift: float, seed: int = 11) -> Path:
    """Per-unit rows: conversion exactly 30.0% vs 30.9% (+3%), latency flat or raised,
    revenue with a pre-period covariate, rows shuffled."""
    rng = np.random.default_rng(seed)
    arm = np.repeat([0, 1], UNITS)
    conversion = np.zeros(2 * UNITS, dtype=int)
    conversion[:45_000] = 1
    conversion[UNITS : UNITS + 46_350] = 1
    latency = rng.gamma(25.0, 8.0, 2 * UNITS) * np.where(arm == 1, 1 + latency_lift, 1.0)
    pre = rng.normal(50, 10, 2 * UNITS)
    revenue = pre + rng.normal(0, 5, 2 * UNITS)
    order = rng.permutation(2 * UNITS)
    names = np.array(["control", "treatment"])
    with path.open("w", encoding="utf-8") as handle:
        handle.write("user,arm,conversion,p99_latency,revenue,revenue_pre\n")
        for i in order:
            handle.write(
                f"u{i},{names[arm[i]]},{conversion[i]},{latency[i]:.3f},{revenue[i]:.3f},"
                f"{pre[i]:.3f}\n"
            )
    return path


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    ws = Workspace.open(tmp_path, url=database_url, user="priya")
    ws.users.add("priya", "admin")
    ws.close()
    return store_cli(database_url, tmp_path, monkeypatch, capsys, columns=160)


def ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out


def analyze(run: Run, path: Path, *extra: str) -> dict[str, Any]:
    out = ok(run("ab", "analyze", path, "--arm", "arm", "--metric", "conversion",
                 "--guardrail", "p99_latency:5%", "--lower-is-better", "p99_latency",
                 "--unit", "user", *extra, "--json"))  # fmt: skip
    document: dict[str, Any] = json.loads(out)
    return document


def register(run: Run) -> None:
    ok(run("technique", "add", "Checkout v2", "--area", "product"))
    ok(run("prototype", "new", "Checkout v2", NAME,
           "--hypothesis", "the new checkout lifts conversion by at least 1%",
           "--success", "effect(conversion) >= +1%",
           "--kill", "not_worse(p99_latency, margin=5%)", "--timebox", "2w"))  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("latency_lift", "kill"), [(0.0, "PASS"), (0.10, "FAIL")])
def test_the_integration_gate_judges_the_ab_run(
    cli: Run, tmp_path: Path, latency_lift: float, kill: str
) -> None:
    good = write_experiment(tmp_path / "good.csv", latency_lift=0.0)
    register(cli)
    first = analyze(cli, good, "--name", "checkout 1%")
    assert first["kind"] == "ab" and first["valid"] and first["linked_to"] is None
    assert first["source"]["rows"] == 2 * UNITS and len(first["source"]["sha256"]) == 64
    conversion = first["metrics"][0]
    assert conversion["verdict"] == "better"
    assert conversion["effect"]["relative"]["estimate"] == pytest.approx(0.03)
    assert conversion["effect"]["relative"]["ci"][0] > 0.01
    shown = json.loads(ok(cli("ab", "show", first["run_id"], "--json")))
    assert shown == first
    listed = json.loads(ok(cli("bench", "list", "--json")))
    runs = listed["runs"] if isinstance(listed, dict) else listed
    assert [(r["run_id"], r["kind"]) for r in runs] == [(first["run_id"], "ab")]
    watched = json.loads(ok(cli("watch", "--json")))["series"]  # stored like every run
    assert {s["benchmark"] for s in watched} == {"checkout 1%"}, watched
    ok(cli("prototype", "evidence", NAME, first["run_id"]))  # the link-run path
    ok(cli("gate", "decide", NAME, "yes", "--why", "conversion up 3%"))
    ok(cli("gate", "decide", NAME, "yes", "--override", "--why", "validated in staging"))

    second = write_experiment(tmp_path / "second.csv", latency_lift=latency_lift, seed=12)
    linked = analyze(cli, second, "--prototype", NAME)
    assert linked["linked_to"] == NAME
    review = json.loads(ok(cli("gate", "review", NAME, "--json")))
    assert review["stage"] == "integration"
    assert review["facts"]["online_ab"] is True
    outcomes = {c["criterion"]: c["outcome"] for c in review["criteria"]}
    assert outcomes == {
        "effect(conversion) >= 1%": "PASS",
        "not_worse(p99_latency, margin=5%)": kill,
    }
    assert linked["run_id"] in json.dumps(review["sources"])
    text = ok(cli("gate", "review", NAME))
    assert "effect(conversion)" in text


def test_the_text_output_and_the_summary(cli: Run, tmp_path: Path) -> None:
    path = write_experiment(tmp_path / "ab.csv", latency_lift=0.0)
    out = ok(cli("ab", "analyze", path, "--arm", "arm", "--metric", "conversion",
                 "--metric", "revenue", "--covariate", "revenue=revenue_pre",
                 "--guardrail", "p99_latency:5%", "--lower-is-better", "p99_latency"))  # fmt: skip
    assert "Sample ratio: control 150,000 / treatment 150,000" in out and "OK" in out
    assert "BETTER" in out and "+3.0%" in out and "+0.90 pt" in out
    assert "CUPED with revenue_pre reduced the variance of the difference by" in out
    assert "p99_latency: the data rule out" in out
    assert "holds" in out
    run_id = out.split()[2]
    ws = Workspace.open(tmp_path, user="priya")
    try:
        summary = ws.ab.summary(run_id)
    finally:
        ws.close()
    assert summary.valid and summary.guardrails_hold is True
    assert summary.verdicts["conversion"] == "BETTER"
    assert set(summary.verdicts) == {"conversion", "revenue", "p99_latency"}


def test_kohavi_tang_xu_srm_example_from_a_file_is_invalid(cli: Run, tmp_path: Path) -> None:
    # Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments, ch. 3: 821,588
    # control and 815,482 treatment users on a 50/50 design: SRM p-value 1.8e-6.
    path = tmp_path / "kohavi.csv"
    path.write_text("arm,units,conversions\ncontrol,821588,41000\ntreatment,815482,41500\n")
    out = ok(cli("ab", "analyze", path, "--arm", "arm", "--metric", "conversions", "--json"))
    document = json.loads(out)
    assert document["valid"] is False and document["source"]["shape"] == "aggregates"
    assert document["srm"]["p_value"] == pytest.approx(1.8e-6, rel=0.02)
    assert document["metrics"][0]["verdict"] == "invalid"
    assert document["metrics"][0]["effect"] is None
    text = ok(cli("ab", "show", document["run_id"]))
    assert "INVALID" in text and "no effect is reported" in text
    assert ok(cli("bench", "show", document["run_id"])) == text  # not a benchmark's layout
    ws = Workspace.open(tmp_path, user="priya")
    try:
        summary = ws.ab.summary(document["run_id"])
    finally:
        ws.close()
    assert not summary.valid and summary.verdicts == {"conversions": "INVALID"}
    assert summary.guardrails_hold is None


def row_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            return {
                n: int(connection.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar() or 0)
                for n in names
            }
    finally:
        engine.dispose()


BAD_FILES = {
    "empty.csv": ("", "the file is empty"),
    "nul.csv": ("arm,conversion\ncontrol,1\ntreat\0ment,0\n", "line 3: a NUL byte"),
    "missing.csv": ("arm,converted\ncontrol,1\ntreatment,0\n", "no column 'conversion'"),
    "text.csv": ("arm,conversion\ncontrol,1\ncontrol,0\ntreatment,yes\n", "line 4"),
    "lonely.csv": ("arm,conversion\ncontrol,1\ntreatment,0\ntreatment,1\n", "has 1 row"),
    "three.csv": ("arm,conversion\nA,1\nB,0\nC,1\n", "holds 3 arm"),
    "broken.parquet": ("PAR1 not parquet", "not a readable Parquet file"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    cli: Run, tmp_path: Path, database_url: str, name: str
) -> None:
    text, message = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text, "utf-8")
    register(cli)
    before = row_counts(database_url)
    code, out, err = cli("ab", "analyze", path, "--arm", "arm", "--metric", "conversion",
                         "--prototype", NAME)  # fmt: skip
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert row_counts(database_url) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--control", "nobody"), "no arm 'nobody'"),
        (("--guardrail", "conversion:5"), "relative size"),
        (("--expected-split", "50"), "--expected-split"),
        (("--prototype", "no-such-prototype"), "no-such-prototype"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(
    cli: Run, tmp_path: Path, database_url: str, args: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "small.csv"
    rng = np.random.default_rng(1)
    rows = "".join(f"{'control' if i % 2 else 'treatment'},{int(rng.random() < 0.3)}\n"
                   for i in range(400))  # fmt: skip
    path.write_text("arm,conversion\n" + rows, "utf-8")
    before = row_counts(database_url)
    code, out, err = cli("ab", "analyze", path, "--arm", "arm", "--metric", "conversion", *args)
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and message in err
    assert row_counts(database_url) == before
    assert cli("ab", "show", "nope")[0] == 2

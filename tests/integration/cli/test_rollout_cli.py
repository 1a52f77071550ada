"""``assay rollout`` end to end (issue 14), on SQLite and a real PostgreSQL server: the
ramp 1% → 5% → 25% → 100% with A/B evidence from ``assay ab analyze`` at each step;
steps refused without evidence, on a failed guardrail and on a sample-ratio mismatch
(one line, exit 2, nothing written); an approver's override, recorded and shown;
rollbacks; permissions; where each technique stands on the radar, status and the
review agenda."""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assay import Workspace
from support import CliChecks, store_cli

Run = Callable[..., tuple[int, str, str]]

TABLES = ("rollout_steps", "rollout_evidence", "runs", "techniques", "audit_entries")
TECH = "Paged attention"


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    return store_cli(database_url, tmp_path, monkeypatch, capsys)


ok, as_json, refused = CliChecks(TABLES).functions()


def ab_run(cli: Run, root: Path, name: str, *, n: tuple[int, int], slower: float) -> str:
    """An A/B analysis stored by ``assay ab analyze``: per-user rows, conversion and
    latency, the treatment's latency ``slower`` times the control's; ``latency_ms`` is
    a guardrail with a 5% margin. Its run id."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # the same data every run
    path = root / f"{name}.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["arm", "converted", "latency_ms"])
        for arm, units, factor in (("control", n[0], 1.0), ("treatment", n[1], slower)):
            converted = rng.random(units) < 0.1
            latency = rng.normal(100, 10, units) * factor
            out.writerows(
                (arm, int(c), f"{v:.3f}") for c, v in zip(converted, latency, strict=True)
            )
    found = as_json(
        cli, "ab", "analyze", str(path), "--arm", "arm", "--metric", "converted",
        "--metric", "latency_ms", "--guardrail", "latency_ms:5%",
        "--lower-is-better", "latency_ms", "--name", name,
    )  # fmt: skip
    return str(found["run_id"])


@pytest.fixture
def team(cli: Run, tmp_path: Path) -> dict[str, str]:
    """Users of every role, a technique in TRIAL, and four stored A/B analyses."""
    for name, role in (("priya", "admin"), ("marco", "contributor"), ("apu", "approver")):
        ok(cli, "user", "add", name, "--role", role)
    ok(cli, "user", "add", "vic", "--role", "viewer")
    ok(cli, "technique", "add", TECH, "--area", "inference")
    runs = {
        "hold1": ab_run(cli, tmp_path, "hold1", n=(4000, 4000), slower=1.0),
        "hold2": ab_run(cli, tmp_path, "hold2", n=(4000, 4000), slower=1.0),
        "hold3": ab_run(cli, tmp_path, "hold3", n=(4000, 4000), slower=1.0),
        "slow": ab_run(cli, tmp_path, "slow", n=(4000, 4000), slower=1.2),
        "srm": ab_run(cli, tmp_path, "srm", n=(4000, 4600), slower=1.0),
    }
    return runs


def _trial(cli: Run) -> None:
    ok(cli, "radar", "move", TECH, "trial", "--override", "--why", "the pilot went well")


def test_full_ramp_with_evidence(cli: Run, team: dict[str, str], database_url: str) -> None:
    said = refused(cli, database_url, "rollout", "start", TECH, "--flag", "paged_attn")
    assert "is in ASSESS with no YES at a Validation or Integration gate" in said
    _trial(cli)
    ok(cli, "rollout", "start", TECH, "--flag", "paged_attn", "--percent", "1",
       "--on", "2026-11-01", "--ab", team["hold1"], by="marco")  # fmt: skip
    ok(cli, "rollout", "step", TECH, "--percent", "5%", "--on", "2026-11-08", by="marco")
    ok(cli, "rollout", "evidence", TECH, "--ab", team["hold2"], by="marco")
    ok(cli, "rollout", "step", TECH, "--percent", "25", "--on", "2026-11-15",
       "--ab", team["hold3"], by="marco")  # fmt: skip
    listed = as_json(cli, "rollout", "list")["rollouts"]
    assert [(r["technique"], r["stage"]) for r in listed] == [(TECH, "25% since 2026-11-15")]
    done = as_json(cli, "rollout", "complete", TECH, "--on", "2026-11-22", by="marco")
    assert done["status"] == "complete" and done["stage"] == "complete (100%) since 2026-11-22"
    shown = as_json(cli, "rollout", "show", TECH)
    steps = shown["current"]["steps"]
    assert [(s["kind"], s["percent"], s["on"]) for s in steps] == [
        ("start", 1.0, "2026-11-01"),
        ("step", 5.0, "2026-11-08"),
        ("step", 25.0, "2026-11-15"),
        ("complete", 100.0, "2026-11-22"),
    ]
    assert [[e["run_id"] for e in s["evidence"]] for s in steps] == [
        [team["hold1"]],
        [team["hold2"]],
        [team["hold3"]],
        [],
    ]
    assert all(e["holds"] and e["guardrails_hold"] for s in steps for e in s["evidence"])
    assert {s["by"] for s in steps} == {"marco"} and {s["flag"] for s in steps} == {"paged_attn"}
    table = ok(cli, "rollout", "show", TECH)
    assert "rollout #1 (flag paged_attn), complete (100%) since 2026-11-22" in table
    assert f"run {team['hold2']} (hold2): guardrails hold" in table
    radar = {t["name"]: t for t in as_json(cli, "radar")["techniques"]}
    assert radar[TECH]["rollout"]["short"] == "rollout complete"
    assert "rollout: Paged attention: complete (100%) since 2026-11-22" in ok(cli, "radar")
    ws = Workspace.open(Path.cwd(), url=database_url, user="priya")
    try:
        assert "rollout complete" in ws.radar.picture()  # the blip's tooltip
    finally:
        ws.close()
    ok(cli, "prototype", "new", TECH, "paged-p1", "--hypothesis", "paging halves memory",
       "--success", "effect(time) <= -10%", "--timebox", "2w")  # fmt: skip
    for audience in ("exec", "pm"):
        report = " ".join(ok(cli, "report", "paged-p1", "--audience", audience).split())
        assert (
            "Production rollout #1 (flag paged_attn): complete (100%) since 2026-11-22; "
            "3 of 4 step(s) carry A/B evidence." in report
        )
    code, _, _ = cli("audit", "verify")
    assert code == 0


def test_refused_steps_say_why_and_write_nothing(
    cli: Run, team: dict[str, str], database_url: str
) -> None:
    _trial(cli)
    ok(cli, "rollout", "start", TECH, "--flag", "paged_attn", "--on", "2026-11-01")
    said = refused(cli, database_url, "rollout", "step", TECH, "--percent", "5")
    assert "step 1% has no A/B evidence: attach it with `assay rollout evidence" in said
    ok(cli, "rollout", "evidence", TECH, "--ab", team["slow"])
    said = refused(cli, database_url, "rollout", "step", TECH, "--percent", "5")
    assert f"guardrail latency_ms failed at 1% (run {team['slow']})" in said
    assert "an approver may step up anyway with --override REASON" in said
    ok(cli, "rollout", "evidence", TECH, "--ab", team["srm"])
    said = refused(cli, database_url, "rollout", "step", TECH, "--percent", "5")
    assert f"A/B run {team['srm']} at 1% is INVALID (sample-ratio mismatch)" in said
    # a contributor may not override; an approver may, and it stays on the record
    said = refused(cli, database_url, "rollout", "step", TECH, "--percent", "5",
                   "--override", "SRE watched it", by="marco")  # fmt: skip
    assert "needs the approver role" in said
    stepped = as_json(cli, "rollout", "step", TECH, "--percent", "5", "--on", "2026-11-03",
                      "--override", "latency fixed in #812; SRE watched it", by="apu")  # fmt: skip
    last = stepped["steps"][-1]
    assert last["override"] == "latency fixed in #812; SRE watched it" and last["by"] == "apu"
    assert any("guardrail latency_ms failed" in w for w in last["waived"])
    assert any("INVALID" in w for w in last["waived"])
    assert "override: latency fixed in #812" in ok(cli, "rollout", "show", TECH)


def test_rollback_and_a_new_rollout(cli: Run, team: dict[str, str], database_url: str) -> None:
    _trial(cli)
    ok(cli, "rollout", "start", TECH, "--flag", "paged_attn", "--on", "2026-11-01",
       "--ab", team["hold1"])  # fmt: skip
    ok(cli, "rollout", "step", TECH, "--percent", "5", "--on", "2026-11-02", "--ab", team["slow"])
    said = refused(cli, database_url, "rollout", "rollback", TECH, "--reason", " ")
    assert "needs a reason" in said
    back = as_json(cli, "rollout", "rollback", TECH, "--reason", "p99 latency up 20%",
                   "--on", "2026-11-04", by="marco")  # fmt: skip
    assert back["status"] == "rolled back" and back["stage"] == "rolled back from 5% on 2026-11-04"
    assert back["steps"][-1]["reason"] == "p99 latency up 20%"
    assert back["steps"][-1]["by"] == "marco" and back["steps"][-1]["percent"] == 5.0
    said = refused(cli, database_url, "rollout", "step", TECH, "--percent", "25")
    assert "has no active rollout (the last one is rolled back from 5% on 2026-11-04)" in said
    ok(cli, "prototype", "new", TECH, "paged-p1", "--hypothesis", "paging halves memory",
       "--success", "effect(time) <= -10%", "--timebox", "2w")  # fmt: skip
    report = " ".join(ok(cli, "report", "paged-p1").split())
    assert "rolled back from 5% on 2026-11-04, because: p99 latency up 20%." in report
    assert "rolled back" in ok(cli, "rollout", "list")
    radar = {t["name"]: t for t in as_json(cli, "radar")["techniques"]}
    assert radar[TECH]["rollout"]["status"] == "rolled back"
    again = as_json(cli, "rollout", "start", TECH, "--flag", "paged_attn_v2", "--on", "2026-11-10")
    assert again["rollout"] == 2 and again["stage"] == "1% since 2026-11-10"
    said = refused(cli, database_url, "rollout", "start", TECH, "--flag", "other")
    assert "already has an active rollout (#2, flag paged_attn_v2" in said
    assert len(as_json(cli, "rollout", "show", TECH)["rollouts"]) == 2


def test_permissions(cli: Run, team: dict[str, str], database_url: str) -> None:
    _trial(cli)
    said = refused(cli, database_url, "rollout", "start", TECH, "--flag", "f", by="vic")
    assert "starting a rollout needs the contributor role" in said
    ok(cli, "rollout", "start", TECH, "--flag", "f", "--on", "2026-11-01", by="marco")
    for args in (
        ("rollout", "evidence", TECH, "--ab", team["hold1"]),
        ("rollout", "step", TECH, "--percent", "5"),
        ("rollout", "rollback", TECH, "--reason", "no"),
    ):
        assert "needs the contributor role" in refused(cli, database_url, *args, by="vic")
    assert as_json(cli, "rollout", "show", TECH, by="vic")["current"]["percent"] == 1.0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("start", TECH, "--flag", "a b"), "--flag 'a b' must be one word"),
        (("start", TECH, "--flag", "f", "--percent", "abc"), "--percent 'abc' is not a number"),
        (("start", TECH, "--flag", "f", "--percent", "0"), "must be above 0 and at most 100"),
        (("start", TECH, "--flag", "f", "--percent", "100"), "a rollout starts below 100%"),
        (("start", TECH, "--flag", "f", "--on", "2999-01-01"), "is in the future"),
        (("start", TECH, "--flag", "f", "--on", "2026-13-01"), "--on"),
        (("start", "Nope", "--flag", "f"), "unknown technique 'Nope'"),
        (("start", TECH, "--flag", "f", "--ab", "no-such-run"), "no-such-run"),
        (("step", TECH, "--percent", "5"), "has no active rollout"),
        (("evidence", TECH, "--ab", "x"), "has no rollout"),
        (("rollback", TECH, "--reason", "x"), "has no rollout to roll back"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    cli: Run, database_url: str, args: tuple[str, ...], expected: str
) -> None:
    ok(cli, "technique", "add", TECH, "--area", "inference", "--ring", "trial", "--override",
       "--why", "pilot")  # fmt: skip
    assert expected in refused(cli, database_url, "rollout", *args)


def test_percent_must_rise_and_dates_not_go_back(
    cli: Run, team: dict[str, str], database_url: str
) -> None:
    _trial(cli)
    ok(cli, "rollout", "start", TECH, "--flag", "f", "--percent", "5", "--on", "2026-11-05",
       "--ab", team["hold1"])  # fmt: skip
    assert "must rise above the current 5%" in refused(
        cli, database_url, "rollout", "step", TECH, "--percent", "5"
    )
    assert "before the previous step (5% on 2026-11-05)" in refused(
        cli, database_url, "rollout", "step", TECH, "--percent", "25", "--on", "2026-11-04"
    )
    assert "already attached to this step" in refused(
        cli, database_url, "rollout", "evidence", TECH, "--ab", team["hold1"]
    )
    for key in ("hold1", "hold2"):  # a retired run is no longer evidence
        ok(cli, "bench", "retire", team[key], "--why", "a logging bug")
    assert "A/B run " + team["hold1"] + " at 5% was retired" in refused(
        cli, database_url, "rollout", "step", TECH, "--percent", "25"
    )
    assert "is retired and no longer evidence" in refused(
        cli, database_url, "rollout", "evidence", TECH, "--ab", team["hold2"]
    )


def test_status_and_agenda_show_rollouts(cli: Run, team: dict[str, str]) -> None:
    _trial(cli)
    ok(cli, "technique", "add", "Speculative decoding", "--area", "inference", "--ring",
       "trial", "--override", "--why", "pilot")  # fmt: skip
    long_ago = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    ok(cli, "rollout", "start", TECH, "--flag", "f", "--on", long_ago)
    ok(cli, "rollout", "start", "Speculative decoding", "--flag", "spec", "--ab", team["hold1"])
    status = as_json(cli, "status")
    notes = {n["technique"]: n for n in status["rollouts"]}
    assert notes[TECH]["attention"].startswith("no A/B evidence for 30 days")
    assert notes["Speculative decoding"]["attention"] is None
    assert notes["Speculative decoding"]["stage"].startswith("1% since ")
    printed = " ".join(ok(cli, "status").split())
    assert f"rollout {TECH}: 1% since {long_ago} (no A/B evidence for 30 days" in printed
    agenda = as_json(cli, "review", "agenda")
    assert {n["technique"] for n in agenda["rollouts"]} == {TECH, "Speculative decoding"}
    assert "Rollouts (2)" in ok(cli, "review", "agenda")

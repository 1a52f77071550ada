"""``assay ci``'s pure parts: the noise floor, confirm-then-alert, fingerprints, rendering."""

from __future__ import annotations

import json

import pytest
from scipy import stats

from assay import encoding
from assay.bench.ci import (
    CiRow,
    CiStatus,
    FingerprintCheck,
    alerts,
    ci_status,
    compare_fingerprints,
    is_candidate,
    noise_floor,
    regression_size,
)
from assay.bench.ci_job import CiReport, refuse_mismatch
from assay.bench.ci_render import format_change, format_value, render_markdown
from assay.bench.ci_run import ENV_PAD, MOST_PAD, CiOptions, block_environment
from assay.bench.result import ComparisonRow
from assay.errors import InputError
from assay.stats.verdict import Verdict


def row(
    verdict: Verdict | None,
    effect: float | None = None,
    ci: tuple[float, float] | None = None,
    *,
    n: int = 10,
    lower_is_better: bool = True,
    metric: str = "time",
) -> ComparisonRow:
    return ComparisonRow(
        "work", metric, (), verdict, effect, ci, 0.01, None, lower_is_better, True, n, n
    )


WORSE = row(Verdict.WORSE, 0.30, (0.25, 0.35))
SAME = row(Verdict.INCONCLUSIVE, 0.01, (-0.02, 0.04))


# -- noise floor ------------------------------------------------------------------------


def test_noise_floor_is_the_80_percent_power_mde_of_the_aa_interval() -> None:
    aa = row(Verdict.INCONCLUSIVE, 0.0, (-0.02, 0.02), n=10)
    crit, power = stats.t.ppf(0.975, 9), stats.t.ppf(0.80, 9)
    assert noise_floor(aa) == pytest.approx(0.02 * (crit + power) / crit)
    # about 1.43 half-widths for large n: more than the interval's half-width
    big = row(Verdict.INCONCLUSIVE, 0.0, (-0.01, 0.01), n=1000)
    assert noise_floor(big) == pytest.approx(0.01 * 1.4286, rel=1e-3)


def test_noise_floor_at_another_block_count_scales_the_aa_standard_error() -> None:
    aa = row(Verdict.INCONCLUSIVE, 0.0, (-0.02, 0.02), n=10)
    error = 0.02 / stats.t.ppf(0.975, 9)
    at_40 = error * (10 / 40) ** 0.5 * (stats.t.ppf(0.975, 39) + stats.t.ppf(0.80, 39))
    assert noise_floor(aa, blocks=40) == pytest.approx(at_40)
    assert noise_floor(aa, blocks=10) == pytest.approx(noise_floor(aa))
    # four times the blocks: a bit under half the floor (the t quantiles shrink too)
    assert noise_floor(aa, blocks=40) < noise_floor(aa) / 2  # type: ignore[operator]
    assert noise_floor(aa, blocks=1) is None


def test_noise_floor_is_none_when_the_aa_pair_compared_nothing() -> None:
    assert noise_floor(row(None, None, None, n=1)) is None
    assert noise_floor(row(None, None, None, n=10)) is None


# -- confirm-then-alert -----------------------------------------------------------------


def test_a_regression_confirmed_by_the_second_pass_alerts() -> None:
    assert is_candidate(WORSE)
    assert ci_status(WORSE, WORSE, floor=0.02) is CiStatus.CONFIRMED
    assert CiStatus.CONFIRMED.alerts


def test_a_regression_the_second_pass_does_not_repeat_is_unconfirmed() -> None:
    assert ci_status(WORSE, SAME, floor=0.02) is CiStatus.UNCONFIRMED
    assert ci_status(WORSE, None, floor=0.02) is CiStatus.UNCONFIRMED
    assert not CiStatus.UNCONFIRMED.alerts


def test_the_confirmation_must_also_clear_the_noise_floor() -> None:
    small = row(Verdict.WORSE, 0.05, (0.04, 0.06))
    assert ci_status(WORSE, small, floor=0.08) is CiStatus.UNCONFIRMED
    # the floor at the confirmation's block count is the one it must clear
    assert ci_status(WORSE, small, floor=0.08, confirm_floor=0.04) is CiStatus.CONFIRMED
    assert ci_status(WORSE, small, floor=0.02, confirm_floor=0.06) is CiStatus.UNCONFIRMED


def test_a_regression_below_the_noise_floor_is_never_an_alert() -> None:
    small = row(Verdict.WORSE, 0.05, (0.04, 0.06))
    assert not ci_status(small, small, floor=0.06).alerts
    assert ci_status(small, small, floor=0.06, confirm=False) is CiStatus.SAME


def test_the_screen_not_the_first_pass_verdict_makes_a_candidate() -> None:
    # INCONCLUSIVE at 95% but beyond the margin at 80%: a candidate, confirmed
    first = row(Verdict.INCONCLUSIVE, 0.05, (0.005, 0.095))
    screen = row(Verdict.WORSE, 0.05, (0.02, 0.08))
    assert is_candidate(screen)
    assert ci_status(first, WORSE, floor=0.02, screen=screen) is CiStatus.CONFIRMED
    # not WORSE even at 80%: no confirmation, no alert, whatever a confirmation says
    assert not is_candidate(SAME)
    assert ci_status(first, WORSE, floor=0.02, screen=SAME) is CiStatus.SAME
    # without confirmation the first pass decides at the job's confidence
    assert ci_status(first, None, floor=0.02, screen=screen, confirm=False) is CiStatus.SAME


def test_without_confirmation_the_first_pass_alone_alerts() -> None:
    assert ci_status(WORSE, None, floor=0.02, confirm=False) is CiStatus.REGRESSION
    assert CiStatus.REGRESSION.alerts


def test_improvements_and_non_significant_rows() -> None:
    better = row(Verdict.BETTER, -0.3, (-0.35, -0.25))
    assert ci_status(better, None, floor=0.02) is CiStatus.IMPROVEMENT
    assert not CiStatus.IMPROVEMENT.alerts
    assert ci_status(SAME, None, floor=0.02) is CiStatus.SAME
    equivalent = row(Verdict.EQUIVALENT, 0.0, (-0.01, 0.01))
    assert ci_status(equivalent, None, floor=0.02) is CiStatus.SAME
    assert CiStatus.SAME.value == "~"


def test_a_benchmark_that_could_not_be_compared_fails_the_job() -> None:
    assert ci_status(row(None), None, floor=None) is CiStatus.FAILED
    assert CiStatus.FAILED.alerts


def test_regression_size_follows_the_metric_direction() -> None:
    assert regression_size(row(Verdict.WORSE, 0.1, (0.05, 0.15))) == 0.1
    accuracy = row(Verdict.WORSE, -0.1, (-0.15, -0.05), lower_is_better=False, metric="acc")
    assert regression_size(accuracy) == pytest.approx(0.1)
    assert is_candidate(accuracy)
    assert regression_size(row(None)) is None


# -- fingerprints -----------------------------------------------------------------------


def env(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "cpu": {"model": "AMD EPYC 7763", "usable": 2, "governor": "performance"},
        "python": {"version": "3.12.3", "implementation": "CPython", "real_executable": "/py"},
        "packages": {"numpy": "2.1.0", "assay": "0.9.0"},
        "gpus": [{"model": "NVIDIA H100", "driver": "550.54"}],
    }
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            base[section] = {**base[section], field: value}  # type: ignore[dict-item]
        else:
            base[section] = value
    return base


def test_identical_environments_match() -> None:
    check = compare_fingerprints(env(), env())
    assert check.refused == [] and check.flagged == []
    assert "AMD EPYC 7763" in check.summary and "Python 3.12.3" in check.summary
    assert "NVIDIA H100 (driver 550.54)" in check.summary


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({"cpu__model": "Intel Xeon 8375C"}, "CPU model"),
        ({"cpu__governor": "powersave"}, "CPU governor"),
        ({"cpu__usable": 4}, "CPU count"),
        ({"python__version": "3.13.0"}, "Python"),
        ({"gpus": [{"model": "NVIDIA H100", "driver": "535.0"}]}, "GPU/driver"),
        ({"gpus": []}, "GPU/driver"),
    ],
)
def test_hardware_or_python_differences_are_refused(change: dict[str, object], label: str) -> None:
    check = compare_fingerprints(env(), env(**change))
    assert len(check.refused) == 1 and check.refused[0].startswith(label)
    with pytest.raises(InputError, match="--allow-mismatch"):
        refuse_mismatch(check, allow_mismatch=False)
    refuse_mismatch(check, allow_mismatch=True)  # allowed: no error


def test_package_and_dependency_changes_are_flagged_not_refused() -> None:
    head = env(packages={"numpy": "2.2.0", "scipy": "1.14.0"})
    check = compare_fingerprints(env(), head, dependency_files=["uv.lock"])
    assert check.refused == []
    assert "package assay 0.9.0 → absent" in check.flagged
    assert "package numpy 2.1.0 → 2.2.0" in check.flagged
    assert "package scipy absent → 1.14.0" in check.flagged
    assert any("uv.lock" in f for f in check.flagged)
    refuse_mismatch(check, allow_mismatch=False)


# -- rendering --------------------------------------------------------------------------


def ci_row(first: ComparisonRow, status: CiStatus, **kw: object) -> CiRow:
    defaults: dict[str, object] = {
        "method": "work",
        "params": {},
        "metric": "time",
        "margin": 0.03,
        "base_value": 0.00121,
        "head_value": 0.00158,
        "first": first,
        "aa": SAME,
        "floor": 0.021,
        "confirmation": None,
        "status": status,
    }
    defaults.update(kw)
    return CiRow(**defaults)  # type: ignore[arg-type]


def report(rows: list[CiRow], **kw: object) -> CiReport:
    fields: dict[str, object] = {
        "base": "a" * 40,
        "head": "b" * 40,
        "base_how": "merge base of HEAD and origin/main",
        "bench": "benchmarks/bench_toy.py",
        "bench_from": "head",
        "options": CiOptions(trials=10, cpu=None),
        "fingerprint": FingerprintCheck([], [], "AMD EPYC, Python 3.12.3"),
        "rows": rows,
        "trials": {"first_pass": 60, "confirmation": 20},
        "seconds": {"total": 42.0},
    }
    fields.update(kw)
    return CiReport(**fields)  # type: ignore[arg-type]


def test_markdown_shows_every_row_with_its_status_and_floor() -> None:
    confirmation = row(Verdict.WORSE, 0.304, (0.281, 0.328))
    rows = [
        ci_row(WORSE, CiStatus.CONFIRMED, confirmation=confirmation),
        ci_row(SAME, CiStatus.SAME, method="parse", params={"n": 256}, base_value=2e-7),
        ci_row(row(Verdict.BETTER, -0.2, (-0.25, -0.15)), CiStatus.IMPROVEMENT, method="fast"),
        ci_row(WORSE, CiStatus.UNCONFIRMED, method="flaky", confirmation=SAME),
    ]
    text = render_markdown(report(rows))
    assert text.startswith("### assay ci: 1 confirmed regression\n")
    assert "Base `aaaaaaaaaaaa` (merge base of HEAD and origin/main) → head `bbbbbbbbbbbb`" in text
    assert "10 blocks of 10 rounds per arm (not pinned), 20 more blocks to confirm; 42 s." in text
    assert "Environment: same on both sides (AMD EPYC, Python 3.12.3)." in text
    lines = text.splitlines()
    assert "| benchmark | metric | base | head | change (95% CI) | can detect | status |" in lines
    # a confirmed row shows the confirmation's interval, which stands alone
    assert (
        "| `work` | time | 1.21 ms | 1.58 ms | +30% (+28% to +33%) | ≥ 2.1% "
        "| **regression (confirmed)** |" in lines
    )
    assert (
        "| `parse` [n=256] | time | 200 ns | 1.58 ms | +1.0% (-2.0% to +4.0%) | ≥ 2.1% | ~ |"
        in lines
    )
    assert any(line.startswith("| `fast` |") and line.endswith("| improvement |") for line in lines)
    assert any(
        line.startswith("| `flaky` |") and line.endswith("| unconfirmed |") for line in lines
    )
    assert "first pass +30% (+25% to +35%)" in text  # in the notes


def test_markdown_heading_without_alerts_and_with_flags() -> None:
    check = FingerprintCheck([], ["package numpy 2.1.0 → 2.2.0"], "AMD EPYC, Python 3.12.3")
    text = render_markdown(report([ci_row(SAME, CiStatus.SAME)], fingerprint=check))
    assert text.startswith("### assay ci: no regression\n")
    assert "⚠ Flagged: package numpy 2.1.0 → 2.2.0." in text
    failed = ci_row(row(None), CiStatus.FAILED, base_value=None, head_value=None, floor=None)
    text = render_markdown(report([failed]))
    assert "1 benchmark could not be compared" in text
    assert "| `work` | time | – | – | – | – | **failed** |" in text


def test_json_document_round_trips_and_says_what_alerts() -> None:
    confirmation = row(Verdict.WORSE, 0.304, (0.281, 0.328))
    rows = [
        ci_row(WORSE, CiStatus.CONFIRMED, confirmation=confirmation),
        ci_row(SAME, CiStatus.SAME, method="parse"),
    ]
    rep = report(rows)
    assert rep.exit_code == 1 and alerts(rows) == rows[:1]
    data = json.loads(encoding.dumps(rep.to_dict()))
    assert data["format"] == "assay-ci/1"
    assert data["alerts"] == 1 and data["exit_code"] == 1
    assert data["base"] == {"commit": "a" * 40, "how": "merge base of HEAD and origin/main"}
    first, second = data["rows"]
    assert first["status"] == "regression (confirmed)" and first["alert"] is True
    assert first["effect"] == pytest.approx(0.304) and first["ci"] == [0.281, 0.328]
    assert first["first_pass"]["effect"]["relative"] == pytest.approx(0.30)
    assert first["confirmation"]["verdict"] == "worse"
    assert first["noise_floor"] == pytest.approx(0.021)
    assert second["status"] == "~" and second["alert"] is False
    assert report([rows[1]]).exit_code == 0


def test_value_and_change_formats() -> None:
    assert format_value(1.5, "time") == "1.5 s"
    assert format_value(2.5e-5, "time") == "25 µs"
    assert format_value(0.91234, "acc") == "0.9123"
    assert format_value(None, "time") == "–"
    assert format_change(row(None)) == "–"


def test_options_are_checked() -> None:
    with pytest.raises(InputError, match="at least 3"):
        CiOptions(trials=2)
    with pytest.raises(InputError, match="margin"):
        CiOptions(margin=1.5)
    with pytest.raises(InputError, match="must be a positive number of seconds"):
        CiOptions(timeout=-1.0)


def test_the_min_statistic_takes_the_fastest_call_of_a_trial() -> None:
    import numpy as np

    from assay.bench.ci_run import with_statistic
    from assay.bench.plan import TrialKey
    from assay.bench.trial import TrialResult, TrialStatus

    per_call = np.array([0.003, 0.001, 0.002, 0.009])
    trial = TrialResult(
        TrialKey("work@base", (), 1), TrialStatus.OK, 0, 0,
        values={"time": 0.0025, "acc": 0.9}, samples={"time": per_call},
    )  # fmt: skip
    assert with_statistic(trial, "median") is trial
    fastest = with_statistic(trial, "min")
    assert fastest.values == {"time": 0.001, "acc": 0.9}
    failed = TrialResult(TrialKey("work@base", (), 1), TrialStatus.ERROR, 0, 0)
    assert with_statistic(failed, "min") is failed
    with pytest.raises(InputError, match="--statistic 'mean' must be one of median, min"):
        CiOptions(statistic="mean")


# -- rounds within a block, pinning ---------------------------------------------------------


def _turn(method: str, time: float | None, *, acc: float = 0.9) -> object:
    from assay.bench.plan import TrialKey
    from assay.bench.trial import TrialResult, TrialStatus

    key = TrialKey(method, (), 7)
    if time is None:
        return TrialResult(key, TrialStatus.ERROR, 0, 0, reason="boom")
    return TrialResult(key, TrialStatus.OK, 0, 0, values={"time": time, "acc": acc})


def test_rounds_pair_each_arm_with_base_in_the_same_round() -> None:
    """The machine's speed doubles halfway through the block; each arm's time is base's
    level times its ratio to base within the same round, so head reads exactly 5% slower."""
    from assay.bench.ci_run import combine_rounds
    from assay.bench.plan import TrialKey

    speed = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    base = [_turn("work@base", 1.0 * s) for s in speed]
    head = [_turn("work@head", 1.05 * s) for s in speed]
    aa = [_turn("work@aa", 1.0 * s) for s in speed]
    out = {
        t.key.method: t
        for t in combine_rounds(
            {
                TrialKey("work@base", (), 7): base,
                TrialKey("work@head", (), 7): head,
                TrialKey("work@aa", (), 7): aa,
            }
        )
    }
    level = 1.5  # base's median over the rounds
    assert out["work@base"].values["time"] == pytest.approx(level)
    assert out["work@head"].values["time"] == pytest.approx(level * 1.05)
    assert out["work@aa"].values["time"] == pytest.approx(level)
    assert out["work@head"].values["acc"] == 0.9  # other metrics: the first round's


def test_a_round_that_failed_makes_the_arms_block_fail() -> None:
    from assay.bench.ci_run import combine_rounds
    from assay.bench.plan import TrialKey

    out = combine_rounds(
        {
            TrialKey("work@base", (), 7): [_turn("work@base", 1.0), _turn("work@base", 1.0)],
            TrialKey("work@head", (), 7): [_turn("work@head", 1.0), _turn("work@head", None)],
        }
    )
    by_arm = {t.key.method: t for t in out}
    assert by_arm["work@base"].ok
    assert not by_arm["work@head"].ok and by_arm["work@head"].reason == "boom"


def test_a_failed_base_round_is_left_out_of_the_ratios() -> None:
    from assay.bench.ci_run import combine_rounds
    from assay.bench.plan import TrialKey

    out = combine_rounds(
        {
            TrialKey("work@base", (), 7): [_turn("work@base", 1.0), _turn("work@base", None)],
            TrialKey("work@head", (), 7): [_turn("work@head", 1.1), _turn("work@head", 1.1)],
        }
    )
    by_arm = {t.key.method: t for t in out}
    assert not by_arm["work@base"].ok  # base failed a round: its block fails
    assert by_arm["work@head"].values["time"] == pytest.approx(1.1)  # the good round's ratio


def test_rounds_and_cpu_options_are_checked() -> None:
    import os

    from assay.bench.ci_run import default_cpu, usable_cpus

    with pytest.raises(InputError, match="--rounds 0 must be at least 1"):
        CiOptions(rounds=0)
    allowed = usable_cpus()
    if hasattr(os, "sched_setaffinity"):
        assert default_cpu() == max(allowed)
        with pytest.raises(InputError, match=r"--cpu 4096 is not a CPU this process may use"):
            CiOptions(cpu=4096)
    assert CiOptions(cpu=None).cpu is None  # --no-pin


def test_time_rows_use_the_rank_interval_and_shrug_off_one_odd_block() -> None:
    """Nineteen blocks read head 5% slower; in one, base's process ran 30% slow. The
    t-interval (the engine's auto test) swallows the effect; the Wilcoxon/Hodges-Lehmann
    interval ci uses at its default 20 blocks does not."""
    import numpy as np

    from assay.bench.arms import MetricInfo, compare_arms
    from assay.bench.ci_run import ROW_TEST

    rng = np.random.default_rng(3)
    base = 1.0 + rng.normal(0, 0.004, 20)
    head = base * 1.05 * (1 + rng.normal(0, 0.004, 20))
    base[4] *= 1.3
    info = MetricInfo("time", True, 0.03, True)
    kwargs = {"info": info, "paired": True, "confidence": 0.95, "name": "work", "params": ()}
    robust = compare_arms(base, head, test=ROW_TEST, **kwargs)  # type: ignore[arg-type]
    plain = compare_arms(base, head, **kwargs)  # type: ignore[arg-type]
    assert robust.test == "wilcoxon"
    assert robust.verdict is Verdict.WORSE and robust.ci is not None and robust.ci[0] > 0.03
    assert plain.verdict is not Verdict.WORSE  # the odd block hides it from the t-interval


def test_round_order_balances_positions_and_orders() -> None:
    """Every trial takes every position equally often over 2k rounds; with three arms all
    six orders occur (the mirror-only order kept the middle arm in the middle)."""
    from collections import Counter
    from itertools import permutations

    from assay.bench.ci_run import round_order
    from assay.bench.plan import TrialKey

    keys = [TrialKey(f"work@{arm}", (), 7) for arm in ("head", "base", "aa")]
    orders = [tuple(k.method for k in round_order(keys, turn)) for turn in range(6)]
    assert set(orders) == set(permutations(k.method for k in keys))
    positions = Counter((order.index(k.method), k.method) for order in orders for k in keys)
    assert set(positions.values()) == {2}
    assert round_order(keys, 0) == keys  # the block's own order first
    assert round_order(keys, 1) == keys[::-1]  # then its mirror image
    two = keys[:2]
    assert [round_order(two, t) for t in range(4)] == [two, two[::-1], two[::-1], two]
    assert round_order([], 3) == []


def test_a_blocks_environment_is_drawn_from_the_plan_seed_and_the_block() -> None:
    """Hash seed and environment size: the same for a job run again, new for each block
    (Mytkowicz et al. 2009: the environment's size moves the stack's alignment)."""
    drawn = [block_environment(7, block) for block in range(50)]
    assert drawn == [block_environment(7, block) for block in range(50)]
    assert drawn != [block_environment(8, block) for block in range(50)]
    seeds = {env["PYTHONHASHSEED"] for env in drawn}
    pads = [len(env[ENV_PAD]) for env in drawn]
    assert len(seeds) == 50 and all(1 <= int(s) < 2**32 for s in seeds)  # 0 would fix it
    assert all(0 <= n < MOST_PAD for n in pads) and len(set(pads)) > 40
    assert set("".join(env[ENV_PAD] for env in drawn)) <= {"x"}

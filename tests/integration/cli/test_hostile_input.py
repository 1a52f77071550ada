"""Hostile and broken input: each is one line on stderr, exit code 2, nothing written
(issue 11). Each case here made assay print a traceback, or accept what it cannot use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay.bench import BenchOptions
from assay.errors import InputError
from assay.types import MAX_ID, check_id, parse_duration
from support import new_team, run_main, table_digest

NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()
HUGE = "99999999999999999999"


@pytest.fixture
def root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    home = new_team(tmp_path, monkeypatch, user="tester")
    for argv in (
        ["technique", "add", "flash-attn", "--area", "Inference"],
        [
            "prototype",
            "new",
            "flash-attn",
            "flash-proto",
            "--hypothesis",
            "faster",
            "--success",
            "effect(time) <= -10%",
        ],
        ["predict", "add", "Ships?", "--p", "70%", "--resolve-by", NEXT_YEAR],
    ):
        code, _, err = run_main(argv, capsys)
        assert code == 0, err
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)))
    return home


def _refused(root: Path, capsys: pytest.CaptureFixture[str], argv: list[str], *parts: str) -> str:
    before = table_digest(root)
    code, _, err = run_main(argv, capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    for part in parts:
        assert part in lines[0], lines[0]
    assert table_digest(root) == before
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "parts"),
    [
        (["postmortem", "show", HUGE], ("ids run from 1 to",)),
        (["postmortem", "done", HUGE], ("ids run from 1 to",)),
        (["predict", "forecast", HUGE, "--p", "50%"], ("ids run from 1 to",)),
        (["predict", "resolve", HUGE, "yes"], ("ids run from 1 to",)),
        (["claim", "show", HUGE], ("ids run from 1 to",)),
        (["search", "flash", "--limit", HUGE], ("1<=x<=1000000",)),
        (["prototype", "facts", "flash-proto", "--declared-scale", "inf"], ("not a finite",)),
        (["prototype", "facts", "flash-proto", "--declared-scale", "nan"], ("not a finite",)),
        (["cost", "flash-proto", "--engineer-weeks", "-inf"], ("not a finite",)),
        (
            [
                "prototype",
                "new",
                "flash-attn",
                "p2",
                "--hypothesis",
                "h",
                "--success",
                "effect(time) <= -1%",
                "--evidence",
                "missing_bench.py",
            ],
            ("--evidence missing_bench.py: no such file",),
        ),
        (["prototype", "evidence", "flash-proto", "--file", "nope/bench.py"], ("no such file",)),
        (
            [
                "prototype",
                "new",
                "flash-attn",
                "p3",
                "--hypothesis",
                "h",
                "--timebox",
                "9999999999999999999d",
            ],
            ("is too long; expected at most 3650d",),
        ),
    ],
)
def test_huge_and_non_finite_numbers_are_refused(
    root: Path, capsys: pytest.CaptureFixture[str], argv: list[str], parts: tuple[str, ...]
) -> None:
    _refused(root, capsys, argv, *parts)


@pytest.mark.parametrize(
    ("make", "parts"),
    [
        (lambda tmp: tmp, ("is a folder",)),
        (lambda tmp: Path("/dev/zero"), ("larger than 64 MiB",)),
        (lambda tmp: tmp / "binary.bin", ("is not UTF-8",)),
        (lambda tmp: tmp / ("x" * 10_000), ("too long for this system",)),
        (lambda tmp: tmp / "binary.bin" / "x", ("not a folder",)),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["predict", "check", "--evidence"],
        ["radar", "import"],
        ["paper", "add", "--bibtex"],
        ["predict", "import"],
        ["postmortem", "new", "x", "--from"],
    ],
)
def test_a_bad_file_is_one_line(
    root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: object,
    parts: tuple[str, ...],
    command: list[str],
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    argv = [*command, str(path)]
    if command[:2] == ["radar", "import"]:
        argv += ["--format", "byor-csv"]
    line = _refused(root, capsys, argv, *parts)
    assert len(line) < 400  # a 10 KB path is shown clipped


def test_init_under_a_file_or_too_long_a_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "garbage.bin").write_bytes(b"\x00")
    code, _, err = run_main(["init", str(tmp_path / "garbage.bin" / "x")], capsys)
    assert code == 2 and "a part of the path is a file" in err, err
    code, _, err = run_main(["init", str(tmp_path / ("y" * 5000))], capsys)
    assert code == 2 and "too long for this system" in err and len(err) < 400, err


def test_init_inside_a_workspaces_own_folder_is_refused(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in (root / ".assay").iterdir())
    _refused(root, capsys, ["init", ".assay/assay.db-wal"], "inside a workspace's .assay/")
    assert sorted(p.name for p in (root / ".assay").iterdir()) == before
    code, _, err = run_main(["technique", "list"], capsys)
    assert code == 0, err  # the workspace still opens


def test_an_empty_method_is_refused_before_the_run_is_read() -> None:
    from assay.store.reproductions import FromRun

    for field in ("metric", "method", "against"):
        with pytest.raises(InputError, match=f"--{field} is empty"):
            FromRun(**{field: ""}, as_="ratio")


def test_the_engine_bounds_its_numbers() -> None:
    with pytest.raises(InputError, match="must be at most 1000000"):
        BenchOptions(trials=10**20)
    with pytest.raises(InputError, match="must be at most 4096"):
        BenchOptions(threads=10**6)
    with pytest.raises(InputError, match="must be from 0 to"):
        BenchOptions(plan_seed=-1)
    with pytest.raises(InputError, match="too long"):
        parse_duration("9999999999999999999d", field="--timeout")
    with pytest.raises(InputError, match="too long"):
        parse_duration("9" * 400 + "s", field="--timeout")
    assert parse_duration("3650d") == dt.timedelta(days=3650)
    assert check_id(MAX_ID, noun="claim") == MAX_ID
    with pytest.raises(InputError, match="ids run from 1"):
        check_id(MAX_ID + 1, noun="claim")

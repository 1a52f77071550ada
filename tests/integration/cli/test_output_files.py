"""``-o/--output``: never the workspace's own files, never over a file without --force,
written whole or not at all."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assay.cli import files
from assay.errors import InputError
from support import new_team, run_main


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_team(tmp_path, monkeypatch, user="tester")


def _bytes(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    code, _, err = run_main(argv, capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["radar", "export", "--format", "byor-csv", "-o", ".assay/assay.db"],
        ["radar", "export", "--format", "byor-csv", "-o", ".assay/assay.db-wal", "--force"],
        ["predict", "export", "-o", ".assay/assay.toml", "--force"],
        ["paper", "export", "-o", ".assay/other.bib"],
        ["gate", "export", "p", "--madr", "-o", ".assay/assay.db", "--force"],
        ["report", "p", "--format", "html", "-o", ".assay/assay.toml", "--force"],
        ["predict", "score", "--plot", ".assay/assay.db.svg"],
    ],
)
def test_the_workspaces_own_files_are_refused_even_with_force(
    root: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = {p.name: _bytes(p) for p in (root / ".assay").iterdir() if p.is_file()}
    _refused(argv, capsys, "one of the workspace's own files")
    after = {p.name: _bytes(p) for p in (root / ".assay").iterdir() if p.is_file()}
    assert after == before


def test_the_database_that_db_names_is_refused(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = root / ".assay" / "assay.db"
    moved = root / "elsewhere.db"
    moved.write_bytes(database.read_bytes())
    before = _bytes(moved)
    url = f"sqlite:///{moved}"
    _refused(["predict", "export", "--db", url, "-o", str(moved), "--force"], capsys, "own files")
    assert _bytes(moved) == before


def test_an_existing_file_needs_force(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = root / "radar.csv"
    target.write_text("keep me\n", encoding="utf-8")
    _refused(["radar", "export", "-o", str(target)], capsys, "the file exists; add --force")
    assert target.read_text(encoding="utf-8") == "keep me\n"
    code, _, err = run_main(["radar", "export", "-o", str(target), "--force"], capsys)
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith("name,ring,quadrant")
    assert [p.name for p in root.iterdir() if p.name.startswith(".radar")] == []  # no temp left


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("sub", "is a folder"),
        ("missing/x.csv", "does not exist"),
        ("f.txt/x.csv", ""),
        ("/dev/null", "not a regular file"),  # with --force, os.replace would swap the device
    ],
)
def test_folders_and_missing_folders_are_refused(
    root: Path, capsys: pytest.CaptureFixture[str], target: str, message: str
) -> None:
    (root / "sub").mkdir()
    (root / "f.txt").write_text("x", encoding="utf-8")
    _refused(["predict", "export", "-o", target, "--force"], capsys, message)


def test_a_new_file_is_written_whole(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(["predict", "export", "-o", "p.csv"], capsys)
    assert code == 0, err
    assert (root / "p.csv").read_text(encoding="utf-8").startswith("Question title")
    assert (root / "p.csv").stat().st_mode & 0o777 != 0o600  # the umask's mode, not mkstemp's


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")

    def half_write() -> None:
        with files.atomic_path(target) as temp:
            temp.write_text("half", encoding="utf-8")
            raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        half_write()
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_path_too_long_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"not usable|too long|does not exist"):
        files.check_output(tmp_path / ("x" * 10_000), force=False)

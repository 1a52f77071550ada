"""Reading a file a user names: each way the path can be wrong is one clear InputError."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import InputError
from assay.formats import files


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is a folder; expected a thing$"):
        files.read_text(tmp_path, "a thing")


def test_an_endless_file_is_read_only_up_to_the_cap() -> None:
    with pytest.raises(InputError, match=r"^/dev/zero: larger than 1 MiB; expected a thing$"):
        files.read_bytes("/dev/zero", "a thing", limit=1024 * 1024)


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"ok\xff\xfe")
    with pytest.raises(InputError, match=r"x\.bin: byte 2 is not UTF-8; save it as UTF-8"):
        files.read_text(tmp_path / "x.bin", "a thing")
    (tmp_path / "nul.bin").write_bytes(b"ab\x00cd")
    with pytest.raises(InputError, match=r"nul\.bin: a binary file \(a NUL byte at character 2\)"):
        files.read_text(tmp_path / "nul.bin", "a thing")


def test_a_path_too_long_is_refused_and_shown_short(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 10_000)
    with pytest.raises(InputError, match="too long for this system") as caught:
        files.read_text(path, "a thing")
    assert len(str(caught.value)) < 250
    assert "(10" in str(caught.value)  # the length is said


def test_a_file_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="a part of the path is not a folder"):
        files.read_text(tmp_path / "f" / "x", "a thing")


def test_missing_and_nul_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file; expected a thing$"):
        files.read_text(tmp_path / "nope", "a thing")
    with pytest.raises(InputError, match="not a usable path"):
        files.read_text(str(tmp_path) + "/a\x00b", "a thing")


def test_shown_escapes_control_characters() -> None:
    assert files.shown("a\x1b[31mb") == "a\\x1b[31mb"


def test_good_text_is_read(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_bytes(b"\xef\xbb\xbfh\xc3\xa9")
    assert files.read_text(tmp_path / "t.txt", "a thing") == "hé"

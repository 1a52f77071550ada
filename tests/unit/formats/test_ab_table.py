"""The A/B file reader: CSV and Parquet into columns, and one clear error per bad file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.errors import InputError
from assay.formats.ab_table import read_ab_table, read_header

CSV = "user,arm,converted,revenue\nu1,control,0,1.5\nu2,treatment,1,2.5\nu3, control ,1,0\n"


def _write(tmp_path: Path, text: str | bytes, name: str = "ab.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


def test_reads_the_arm_as_codes_and_the_metrics_as_float_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, CSV)
    assert read_header(path) == ("user", "arm", "converted", "revenue")
    table = read_ab_table(path, arm="arm", numeric=["converted", "revenue"], unit="user")
    assert table.arm_names == ("control", "treatment")  # " control " is the same arm
    assert table.arms.tolist() == [0, 1, 0]
    assert table.values["converted"].tolist() == [0.0, 1.0, 1.0]
    assert table.values["revenue"].dtype == np.float64
    assert table.rows == 3
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_numeric_column_and_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "\narm,x\nA,1\n\nB,2\n")
    table = read_ab_table(path, arm="arm", numeric=["x"])
    assert table.values["x"].tolist() == [1.0, 2.0]


def test_parquet_reads_the_same_columns(tmp_path: Path) -> None:
    path = tmp_path / "ab.parquet"
    pq.write_table(
        pa.table({"arm": ["control", "treatment", "control"], "converted": [0, 1, 1],
                  "revenue": [1.5, 2.5, 0.0], "user": ["u1", "u2", "u3"]}),
        path,
    )  # fmt: skip
    assert read_header(path) == ("arm", "converted", "revenue", "user")
    table = read_ab_table(path, arm="arm", numeric=["converted", "revenue"], unit="user")
    assert table.arm_names == ("control", "treatment")
    assert table.arms.tolist() == [0, 1, 0]
    assert table.values["revenue"].tolist() == [1.5, 2.5, 0.0]


BAD_CSV = [
    ("", "the file is empty"),
    ("arm,x\n", "a header but no rows"),
    ("arm,x\nA,1\nB,oops\n", "line 3, column 'x': 'oops', not a number"),
    ("arm,x\nA,1\nB,\n", "line 3, column 'x': an empty cell"),
    ("arm,x\nA,1\nB,nan\n", "line 3, column 'x': nan is not a finite number"),
    ("arm,x\nA,1\n\nB,inf\n", "line 4, column 'x': inf is not a finite number"),
    ("arm,x\nA,1\nB,-1e200\n", "line 3, column 'x': -1e+200 is not a finite number within"),
    ("arm,x\nA,1,2\n", "line 2: 3 cells where the header has 2"),
    ("arm,x\n,1\n", "line 2: an empty arm label"),
    ("arm,arm\nA,1\n", "line 1: column 'arm' appears twice"),
    ("arm,\nA,1\n", "line 1: column 2 has no name"),
    ("group,x\nA,1\n", "no column 'arm' (the arm, --arm); its columns: group, x"),
    ("arm,y\nA,1\n", "no column 'x' (a metric or covariate)"),
    ("user,arm,x\nu1,A,1\nu1,B,2\n", "data row 2, column 'user': unit 'u1' appears again"),
]


@pytest.mark.parametrize(("text", "message"), BAD_CSV)
def test_a_bad_csv_is_one_error_naming_the_file_line_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    unit = "user" if text.startswith("user") else None
    with pytest.raises(InputError) as caught:
        read_ab_table(path, arm="arm", numeric=["x"], unit=unit)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_nul_bytes_and_bad_utf8_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"line 3: a NUL byte"):
        read_ab_table(_write(tmp_path, b"arm,x\nA,1\nB,\x002\n"), arm="arm", numeric=["x"])
    with pytest.raises(InputError, match=r"line 2: not UTF-8"):
        read_ab_table(_write(tmp_path, b"arm,x\n\xff,1\n", "b.csv"), arm="arm", numeric=["x"])


def test_a_missing_path_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_ab_table(tmp_path / "nope.csv", arm="arm", numeric=["x"])
    with pytest.raises(InputError, match="is a folder"):
        read_header(tmp_path)


def test_an_unreadable_parquet_file(tmp_path: Path) -> None:
    path = _write(tmp_path, b"PAR1 this is not really parquet", "broken.parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_ab_table(path, arm="arm", numeric=["x"])


def test_parquet_nulls_text_and_duplicate_units(tmp_path: Path) -> None:
    path = tmp_path / "ab.parquet"
    pq.write_table(pa.table({"arm": ["A", "B"], "x": [1.0, None], "t": ["a", "b"],
                             "u": ["1", "1"]}), path)  # fmt: skip
    with pytest.raises(InputError, match=r"row 2, column 'x': an empty cell"):
        read_ab_table(path, arm="arm", numeric=["x"])
    with pytest.raises(InputError, match=r"column 't': string values, not numbers"):
        read_ab_table(path, arm="arm", numeric=["t"])
    with pytest.raises(InputError, match=r"no column 'y'"):
        read_ab_table(path, arm="arm", numeric=["y"])
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"arm": ["A", "B"], "x": [1.0, 2.0], "u": ["1", "1"]}), good)
    with pytest.raises(InputError, match=r"column 'u': a unit appears twice"):
        read_ab_table(good, arm="arm", numeric=["x"], unit="u")


def test_a_device_is_refused_before_it_is_read() -> None:
    with pytest.raises(InputError, match="/dev/zero: not a regular file"):
        read_ab_table("/dev/zero", arm="arm", numeric=["x"])
    with pytest.raises(InputError, match="not a regular file"):
        read_header("/dev/zero")

"""The table of a production A/B test: CSV or Parquet, read into columns.

:func:`read_header` gives a file's column names; :func:`read_ab_table` reads the
arm column and the numeric columns named into an :class:`~assay.stats.ab_analysis.ABTable`
(the arm as one integer code per row, each numeric column as one float array), so
that a million rows keep no Python object per row. CSV is read with the standard
library's ``csv`` module (UTF-8, a header row); Parquet through pyarrow (the
``parquet`` extra: ``pip install 'assay[parquet]'``).

Every problem is one :class:`~assay.errors.InputError` naming the file and the line
(CSV; a row number for Parquet) and column: a missing column, a value that is not a
number, an empty cell, NUL bytes, an empty file, a duplicated unit.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib
import io
from array import array
from collections.abc import Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from assay.errors import InputError
from assay.formats.files import read_bytes, shown
from assay.stats.ab_analysis import ABTable
from assay.stats.validation import FloatArray

__all__ = ["MAX_AB_BYTES", "read_ab_table", "read_header"]

MAX_AB_BYTES = 2 * 1024 * 1024 * 1024
"""The largest A/B file read (2 GiB): per-unit rows of a big experiment are large."""

_EXPECTED = "a CSV file with a header row, or a Parquet file (.parquet)"
_PARQUET_MAGIC = b"PAR1"


def _is_parquet(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".parquet", ".pq") or head[:4] == _PARQUET_MAGIC


def _read(path: Path) -> bytes:
    """The file's bytes: a regular file (not a device such as ``/dev/zero``, checked
    before reading) of at most :data:`MAX_AB_BYTES`."""
    special = False
    with contextlib.suppress(OSError, ValueError):  # read_bytes names what is wrong
        special = path.exists() and not path.is_dir() and not path.is_file()
    if special:
        raise InputError(f"{shown(path)}: not a regular file; expected {_EXPECTED}")
    return read_bytes(path, _EXPECTED, limit=MAX_AB_BYTES)


def _checked(path: Path, data: bytes) -> bytes:
    """``data`` after checking that it holds something and no NUL byte (naming the line)."""
    name = shown(path)
    if not data.strip():
        raise InputError(f"{name}: the file is empty; expected {_EXPECTED}")
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(f"{name}, line {line}: a NUL byte; expected {_EXPECTED}")
    return data


def _not_utf8(path: Path, data: bytes) -> InputError:
    """The error for a file that is not UTF-8, naming the line of the first bad byte."""
    try:
        data.decode("utf-8")
        start = len(data)
    except UnicodeDecodeError as exc:
        start = exc.start
    line = data.count(b"\n", 0, start) + 1
    return InputError(f"{shown(path)}, line {line}: not UTF-8 text; expected {_EXPECTED}")


def _csv_reader(data: bytes) -> Any:
    """A ``csv`` reader decoding ``data`` as it goes (no second copy of the whole file)."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    return csv.reader(stream)


def _rows(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of each non-blank row, the header first."""
    reader = _csv_reader(data)
    try:
        for cells in reader:
            if cells and any(c.strip() for c in cells):
                yield reader.line_num, cells
    except csv.Error as exc:
        raise InputError(f"{shown(path)}, line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError:
        raise _not_utf8(path, data) from None


def read_header(path: str | Path) -> tuple[str, ...]:
    """The column names of the CSV or Parquet file at ``path``."""
    file = Path(path)
    if _is_parquet(file, _head(file)):
        return tuple(_parquet_file(file).schema_arrow.names)
    data = _read(file)
    for _line, cells in _rows(file, _checked(file, data)):
        return _check_header(file, cells)
    raise InputError(f"{shown(file)}: the file is empty; expected {_EXPECTED}")


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(4)
    except OSError:
        return b""  # read_bytes says what is wrong with the path


def _check_header(path: Path, cells: Sequence[str]) -> tuple[str, ...]:
    names = tuple(c.strip() for c in cells)
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        raise InputError(f"{shown(path)}, line 1: column {blank[0]} has no name in the header")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{shown(path)}, line 1: column {name!r} appears twice")
        seen.add(name)
    return names


def _index(path: Path, header: Sequence[str], column: str, role: str) -> int:
    if column not in header:
        listed = ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
        raise InputError(f"{shown(path)}: no column {column!r} ({role}); its columns: {listed}")
    return header.index(column)


def read_ab_table(
    path: str | Path,
    *,
    arm: str,
    numeric: Sequence[str],
    unit: str | None = None,
    aggregate: bool = False,
) -> ABTable:
    """The arm column and the ``numeric`` columns of the file at ``path``.

    ``unit`` names a column of unit ids that must not repeat (one row per unit).
    ``aggregate`` marks a file of per-arm aggregates (it is only recorded).
    """
    file = Path(path)
    if _is_parquet(file, _head(file)):
        return _read_parquet(file, arm, numeric, unit, aggregate)
    data = _read(file)
    digest = hashlib.sha256(data).hexdigest()
    rows = _rows(file, _checked(file, data))
    first = next(rows, None)
    if first is None:
        raise InputError(f"{shown(file)}: the file is empty; expected {_EXPECTED}")
    header = _check_header(file, first[1])
    arm_at = _index(file, header, arm, "the arm, --arm")
    wanted = [(c, _index(file, header, c, "a metric or covariate")) for c in numeric]
    unit_at = None if unit is None else _index(file, header, unit, "the unit id, --unit")
    codes, names, values, ids = _read_csv_rows(file, data, len(header), arm_at, wanted, unit_at)
    if not names:
        raise InputError(f"{shown(file)}: a header but no rows; expected one row per unit")
    for column, found in values.items():
        bad = _first_not_finite(found)
        if bad is not None:
            line = _line_of(file, data, bad)
            raise InputError(
                f"{shown(file)}, line {line}, column {column!r}: {float(found[bad])!r} is not a "
                f"finite number within ±{LARGEST:g}"
            )
    if ids is not None:
        _check_unique(file, ids, unit or "")
    return ABTable(
        source=str(file),
        sha256=digest,
        columns=header,
        arm_names=tuple(names),
        arms=np.frombuffer(codes, dtype=np.int64).copy(),
        values=values,
        aggregate=aggregate,
    )


def _read_csv_rows(
    file: Path,
    data: bytes,
    width: int,
    arm_at: int,
    wanted: Sequence[tuple[str, int]],
    unit_at: int | None,
) -> tuple[array[int], list[str], dict[str, FloatArray], list[str] | None]:
    """Every data row into compact arrays: the arm codes, the arm names, each column.

    One pass of the ``csv`` reader; the numbers of a row go into one flat array of
    doubles (no Python object per row is kept), split into columns at the end.
    """
    codes: array[int] = array("q")
    known: dict[str, int] = {}
    names: list[str] = []
    flat: array[float] = array("d")
    pick = itemgetter(*(i for _, i in wanted)) if wanted else None
    several = len(wanted) > 1  # itemgetter of one index gives the cell, not a tuple
    ids: list[str] | None = None if unit_at is None else []
    reader = _csv_reader(data)
    try:
        next((c for c in reader if c), None)  # the header, read by the caller
        for cells in reader:
            if len(cells) != width:
                if not cells:
                    continue  # a blank line
                raise _width_error(file, reader.line_num, len(cells), width)
            code = known.get(cells[arm_at])
            if code is None:
                where = f"{shown(file)}, line {reader.line_num}"
                code = known[cells[arm_at]] = _arm_code(cells[arm_at], names, where)
            codes.append(code)
            if pick is not None:
                try:
                    found = pick(cells)
                    flat.extend(map(float, found) if several else (float(found),))
                except ValueError:
                    _bad_cell(file, reader.line_num, cells, wanted)
            if ids is not None:
                ids.append(cells[unit_at or 0])
    except csv.Error as exc:
        raise InputError(f"{shown(file)}, line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError:
        raise _not_utf8(file, data) from None
    matrix = np.frombuffer(flat, dtype=np.float64).reshape(-1, max(len(wanted), 1))
    columns = {c: np.ascontiguousarray(matrix[:, j]) for j, (c, _) in enumerate(wanted)}
    return codes, names, columns, ids


def _width_error(file: Path, line: int, found: int, width: int) -> InputError:
    return InputError(f"{shown(file)}, line {line}: {found} cells where the header has {width}")


def _arm_code(label: str, names: list[str], where: str) -> int:
    """The code of a new arm label (`` B`` and ``B`` are one arm)."""
    name = label.strip()
    if not name:
        raise InputError(f"{where}: an empty arm label")
    if name in names:
        return names.index(name)
    names.append(name)
    return len(names) - 1


def _bad_cell(
    file: Path, line: int, cells: Sequence[str], wanted: Sequence[tuple[str, int]]
) -> None:
    for column, i in wanted:
        try:
            float(cells[i])
        except ValueError:
            found = cells[i].strip()
            what = "an empty cell" if not found else f"{found[:40]!r}, not a number"
            raise InputError(f"{shown(file)}, line {line}, column {column!r}: {what}") from None


LARGEST = 1e100
"""The largest magnitude analysed: squares and sums of larger values overflow."""


def _first_not_finite(values: Any) -> int | None:
    """The index of the first NaN, infinity (``float`` reads "nan" and "inf") or value
    beyond ±:data:`LARGEST`."""
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(~(np.abs(values) <= LARGEST))
    return int(bad[0]) if bad.size else None


def _line_of(file: Path, data: bytes, row: int) -> int:
    """The line of data row ``row`` (0-based), reading the file again (errors only)."""
    for index, (line, _cells) in enumerate(_rows(file, data)):
        if index == row + 1:  # the header is row 0 of the iteration
            return line
    return row + 2


def _check_unique(file: Path, ids: Sequence[str], column: str) -> None:
    seen: set[str] = set()
    for row, unit in enumerate(ids):
        if unit in seen:
            raise InputError(
                f"{shown(file)}, data row {row + 1}, column {column!r}: unit {unit!r} appears "
                "again; give one row per unit (sum a unit's events first)"
            )
        seen.add(unit)


# -- Parquet ----------------------------------------------------------------------------


def _pyarrow() -> Any:
    try:
        pq = importlib.import_module("pyarrow.parquet")  # untyped: held as Any
    except ImportError:
        raise InputError(
            "reading Parquet needs pyarrow: pip install 'assay[parquet]' (or save the table as CSV)"
        ) from None
    return pq


def _parquet_file(path: Path) -> Any:
    pq = _pyarrow()
    if not path.is_file():
        read_bytes(path, _EXPECTED, limit=MAX_AB_BYTES)  # says what is wrong with the path
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises many kinds for a broken file
        raise InputError(f"{shown(path)}: not a readable Parquet file ({exc})") from None


def _read_parquet(
    path: Path, arm: str, numeric: Sequence[str], unit: str | None, aggregate: bool
) -> ABTable:
    pc = importlib.import_module("pyarrow.compute")

    parquet = _parquet_file(path)
    header = tuple(parquet.schema_arrow.names)
    wanted = [arm, *numeric, *([unit] if unit else [])]
    for column, role in zip(
        wanted, ["the arm, --arm", *(["a metric"] * len(numeric))], strict=False
    ):
        _index(path, header, column, role)
    try:
        table = parquet.read(columns=list(dict.fromkeys(wanted)))
    except Exception as exc:  # pyarrow raises many kinds for a broken file
        raise InputError(f"{shown(path)}: not a readable Parquet file ({exc})") from None
    if table.num_rows == 0:
        raise InputError(f"{shown(path)}: no rows; expected one row per unit")
    encoded = pc.dictionary_encode(pc.cast(table.column(arm), "string")).combine_chunks()
    if encoded.null_count:
        raise InputError(f"{shown(path)}, column {arm!r}: an empty arm (null)")
    values = {c: _parquet_numbers(path, table.column(c), c) for c in numeric}
    if unit:
        ids = table.column(unit)
        if pc.count_distinct(ids).as_py() != table.num_rows:
            raise InputError(
                f"{shown(path)}, column {unit!r}: a unit appears twice; give one row per unit"
            )
    return ABTable(
        source=str(path),
        sha256=_sha256(path),
        columns=header,
        arm_names=tuple(str(n) for n in encoded.dictionary.to_pylist()),
        arms=encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        values=values,
        aggregate=aggregate,
    )


def _parquet_numbers(path: Path, column: Any, name: str) -> Any:
    pa = importlib.import_module("pyarrow")

    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
            or pa.types.is_boolean(column.type)):  # fmt: skip
        raise InputError(f"{shown(path)}, column {name!r}: {column.type} values, not numbers")
    if column.null_count:
        first = next(i for i, v in enumerate(column.is_null().to_pylist()) if v)
        raise InputError(f"{shown(path)}, row {first + 1}, column {name!r}: an empty cell (null)")
    values = np.ascontiguousarray(column.cast(pa.float64()).to_numpy(), dtype=np.float64)
    bad = _first_not_finite(values)
    if bad is not None:
        raise InputError(
            f"{shown(path)}, row {bad + 1}, column {name!r}: {float(values[bad])!r} is not "
            f"a finite number within ±{LARGEST:g}"
        )
    return values


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

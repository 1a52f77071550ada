"""assay.encoding: one rule for every JSON assay writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import math
import subprocess
import sys
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay import encoding
from assay.types import Ring


def strict_loads(text: str) -> Any:
    """Parse standard JSON only: the NaN/Infinity tokens raise."""

    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


class Colour(enum.Enum):
    RED = "red"
    DEEP = ("deep", 2)


@dataclasses.dataclass
class Point:
    x: float
    label: str
    when: dt.date


class WithToDict:
    def to_dict(self) -> dict[str, Any]:
        return {"score": math.nan, "ring": Ring.ADOPT}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (math.nan, None),
        (math.inf, None),
        (-math.inf, None),
        ([1.5, math.nan, -math.inf], [1.5, None, None]),
        ({"a": {"b": (math.inf,)}}, {"a": {"b": [None]}}),
        (dt.datetime(2026, 12, 6, 7, 55, tzinfo=dt.UTC), "2026-12-06T07:55:00+00:00"),
        (
            dt.datetime(2026, 12, 6, 8, 55, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            "2026-12-06T08:55:00+01:00",
        ),
        (dt.datetime(2026, 12, 6, 7, 55), "2026-12-06T07:55:00+00:00"),  # naive: declared UTC
        (dt.date(2026, 12, 6), "2026-12-06"),
        (dt.time(7, 55, 1), "07:55:01"),
        (Ring.TRIAL, "TRIAL"),
        (Colour.RED, "red"),
        (Colour.DEEP, ["deep", 2]),
        ((1, 2), [1, 2]),
        ({3, 1, 2}, [1, 2, 3]),
        (frozenset({"b", "a"}), ["a", "b"]),
        ({1, "a"}, ["a", 1]),  # unorderable: sorted by their JSON text, so stable
        (np.float64(0.25), 0.25),
        (np.float32(np.nan), None),
        (np.int64(7), 7),
        (np.bool_(True), True),
        (np.array([[1.0, np.nan], [np.inf, 2.0]]), [[1.0, None], [None, 2.0]]),
        (decimal.Decimal("12"), 12),
        (decimal.Decimal("0.10"), 0.1),
        (decimal.Decimal("NaN"), None),
        (decimal.Decimal("-Infinity"), None),
        (Path("runs") / "a.json", str(Path("runs") / "a.json")),
        (PurePosixPath("/tmp/x"), "/tmp/x"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (
            Point(math.nan, "p", dt.date(2026, 1, 2)),
            {"x": None, "label": "p", "when": "2026-01-02"},
        ),
        (WithToDict(), {"score": None, "ring": "ADOPT"}),
        (
            {1: "a", 2.5: "b", False: "c", None: "d"},
            {"1": "a", "2.5": "b", "false": "c", "null": "d"},
        ),
        ({Ring.HOLD: 1, np.int64(4): 2}, {"HOLD": 1, "4": 2}),
    ],
)
def test_each_rule(value: Any, expected: Any) -> None:
    assert encoding.to_jsonable(value) == expected
    assert strict_loads(encoding.dumps(value)) == expected


def test_booleans_stay_booleans_and_ints_stay_ints() -> None:
    text = encoding.dumps({"flag": True, "n": 3, "big": 2**70})
    assert text == '{"flag": true, "n": 3, "big": 1180591620717411303424}'


def test_dumps_indents_and_sorts_and_writes_ascii() -> None:
    assert encoding.dumps({"b": 1, "a": "é"}, indent=2, sort_keys=True) == (
        '{\n  "a": "\\u00e9",\n  "b": 1\n}'
    )


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (complex(1, 2), "complex"),
        (b"bytes", "bytes"),
        (object(), "object"),
        (dt.timedelta(seconds=1), "datetime.timedelta"),
        (Point, "class Point"),
        ({"nested": [{"deep": {1j}}]}, "complex"),
    ],
)
def test_anything_else_is_a_type_error_naming_the_type(value: Any, named: str) -> None:
    with pytest.raises(TypeError, match=named):
        encoding.dumps(value)


def test_an_unsupported_key_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="tuple as a JSON object key"):
        encoding.dumps({(1, 2): "x"})


def test_a_circular_structure_is_refused_not_a_recursion_error() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="circular reference"):
        encoding.dumps(loop)


def test_a_shared_but_acyclic_value_is_written_twice() -> None:
    shared = [1]
    assert encoding.to_jsonable({"a": shared, "b": shared}) == {"a": [1], "b": [1]}


def test_the_stdlib_backstop_would_catch_a_nan_that_slipped_through() -> None:
    # What `allow_nan=False` guards against: the token assay's old store encoder wrote.
    assert "NaN" in json.dumps(math.nan, allow_nan=True)
    with pytest.raises(ValueError, match="non-standard JSON token NaN"):
        strict_loads(json.dumps({"x": math.nan}, allow_nan=True))
    assert strict_loads(encoding.dumps({"x": math.nan})) == {"x": None}


def test_encoding_imports_no_numpy() -> None:
    """The CLI's output layer imports the encoder; `assay --help` must stay light."""
    code = "import sys, assay.encoding; assert 'numpy' not in sys.modules, 'numpy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.datetimes(timezones=st.timezones())
    | st.dates()
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.sampled_from(Ring)
)
json_trees = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=5) | st.integers(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_trees)
def test_output_is_always_standard_json(value: Any) -> None:
    text = encoding.dumps(value)
    strict_loads(text)
    assert text.isascii()


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=8))
def test_finite_floats_round_trip_exactly(values: list[float]) -> None:
    back = strict_loads(encoding.dumps({"values": values, "array": np.array(values)}))
    assert back["values"] == values
    assert back["array"] == values
    assert [math.copysign(1.0, v) for v in back["values"]] == [
        math.copysign(1.0, v) for v in values
    ]


@given(st.floats())
def test_non_finite_floats_become_null_and_finite_ones_stay(value: float) -> None:
    back = strict_loads(encoding.dumps([value]))
    assert back == ([value] if math.isfinite(value) else [None])


def test_the_fast_path_writes_what_the_full_conversion_writes() -> None:
    # dumps() without indent lets the C encoder write plain values and falls back to
    # the full conversion on NaN or a key it cannot write: the text must not differ.
    import datetime as dt
    import enum

    class Colour(enum.Enum):
        RED = "red"

    values = [
        {"when": dt.datetime(2026, 12, 6, 7, 55, tzinfo=dt.UTC), "colour": Colour.RED},
        {"nan": float("nan"), "inf": [float("-inf"), 1.5]},
        {Colour.RED: {1, 3, 2}, "t": (1, 2)},
        [dt.date(2026, 1, 2), None, True, "é"],
    ]
    for value in values:
        assert encoding.dumps(value) == json.dumps(encoding.to_jsonable(value), allow_nan=False)

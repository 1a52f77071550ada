"""The one JSON encoder: every ``--json`` and every JSON document assay stores.

One rule for every value, so what the command line prints, what the store keeps
and what a notebook reads agree:

==========================  ==================================================
value                       JSON
==========================  ==================================================
``None``, bool, int, str    themselves
finite float                the same number (``repr`` round-trips it exactly)
NaN, +inf, -inf             ``null`` (never the non-standard ``NaN`` token)
aware ``datetime``          ISO 8601 with its UTC offset: ``2026-12-06T07:55:00+00:00``
naive ``datetime``          declared UTC: assay's clock and store work in UTC,
                            so a naive time is written with ``+00:00``
``date``, ``time``          ISO 8601 (``2026-12-06``, ``07:55:00``)
``Enum``                    its value, encoded by these same rules
object with ``to_dict()``   what ``to_dict()`` returns, encoded by these rules
dataclass                   an object of its fields (``dataclasses.fields`` order)
list, tuple                 a list
set, frozenset              a list, sorted when its items can be ordered
mapping                     an object; keys must be str, Enum (its value), int,
                            float or bool (written as JSON writes them) or None
NumPy scalar, array         a number, bool or (nested) list of them
``Decimal``                 an integer when integral, otherwise the nearest float;
                            NaN and infinities ``null``
``Path``                    its string (``str(path)``)
``UUID``                    its canonical string
anything else               :class:`TypeError` naming the type
==========================  ==================================================

:func:`dumps` converts with :func:`to_jsonable` first (so NaN inside plain floats
and lists is caught too, which ``json.dumps(default=...)`` never sees) and then
writes with ``allow_nan=False`` as a backstop: the output always parses as
standard JSON. The module imports only the standard library (NumPy values are
recognised without importing NumPy), so the command line stays quick to start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import math
import uuid
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

__all__ = ["JSONValue", "dumps", "to_jsonable"]

JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]
"""What :func:`to_jsonable` returns: only types the standard ``json`` module writes."""

_PLAIN = (str, int, bool, type(None))


def dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """``value`` as standard JSON text, by the rules in the module docstring.

    ``indent`` as for :func:`json.dumps` (``None``: one line, with ``", "`` and
    ``": "`` separators). Non-ASCII text is written as ``\\u`` escapes, so the
    output is plain ASCII whatever the terminal or file encoding.
    A value of a type the rules do not cover raises :class:`TypeError` naming it.
    """
    if indent is None:
        # Fast path: the C encoder writes plain values itself and asks _fallback only
        # for the others. It refuses NaN and keys it cannot write; then the full
        # conversion below runs, so the output is the same either way.
        try:
            return json.dumps(value, sort_keys=sort_keys, allow_nan=False, default=_fallback)
        except (ValueError, TypeError):
            pass
    return json.dumps(
        to_jsonable(value),
        indent=indent,
        sort_keys=sort_keys,
        allow_nan=False,
    )


def _fallback(value: Any) -> JSONValue:
    """What the C encoder cannot write itself, converted by the same rules."""
    return _convert(value, set())


def to_jsonable(value: Any) -> JSONValue:
    """``value`` converted to plain lists, dicts, strings, numbers, bools and None."""
    return _convert(value, set())


def _convert(value: Any, seen: set[int]) -> JSONValue:
    kind = type(value)
    if kind in _PLAIN:
        return value  # type: ignore[no-any-return]
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return _convert(value.value, seen)
    if _is_numpy(value):
        return _convert(value.tolist(), seen)
    if isinstance(value, str):  # a subclass; a StrEnum was handled above
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return _temporal(value)
    if isinstance(value, decimal.Decimal):
        return _decimal(value)
    if isinstance(value, PurePath | uuid.UUID):
        return str(value)
    return _container(value, seen)


def _container(value: Any, seen: set[int]) -> JSONValue:
    marker = id(value)
    if marker in seen:
        raise ValueError(f"circular reference through a {type(value).__name__}")
    seen.add(marker)
    try:
        return _convert_container(value, seen)
    finally:
        seen.discard(marker)


def _convert_container(value: Any, seen: set[int]) -> JSONValue:
    if isinstance(value, Mapping):
        return {_key(k): _convert(v, seen) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_convert(item, seen) for item in value]
    if isinstance(value, set | frozenset):
        return [_convert(item, seen) for item in _ordered(value)]
    if isinstance(value, type):
        raise TypeError(f"cannot write the class {value.__qualname__} as JSON")
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return _convert(to_dict(), seen)
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return {f.name: _convert(getattr(value, f.name), seen) for f in fields}
    raise TypeError(f"cannot write a {_type_name(value)} as JSON")


def _type_name(value: Any) -> str:
    kind = type(value)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _key(key: Any) -> str:
    """A mapping key as JSON writes it: objects only have string keys."""
    if isinstance(key, enum.Enum):
        key = key.value
    if isinstance(key, str):
        return str(key)
    if key is None or isinstance(key, bool | int | float) or _is_numpy(key):
        return json.dumps(to_jsonable(key))
    raise TypeError(f"cannot write a {_type_name(key)} as a JSON object key")


def _is_numpy(value: Any) -> bool:
    """A NumPy scalar or array, known without importing NumPy (the CLI starts light)."""
    return type(value).__module__ == "numpy" and hasattr(value, "tolist")


def _ordered(items: set[Any] | frozenset[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:  # mixed types: sort by their JSON text so the output is stable
        return sorted(items, key=lambda item: json.dumps(to_jsonable(item), sort_keys=True))


def _temporal(value: dt.datetime | dt.date | dt.time) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def _decimal(value: decimal.Decimal) -> int | float | None:
    if not value.is_finite():
        return None
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None

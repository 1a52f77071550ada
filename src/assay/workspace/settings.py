"""``assay.toml``: a workspace's settings, validated when read.

The checker is written by hand (no pydantic): every command reads the settings,
and importing a validation library would cost more than a whole read command.
Messages name the key (``radar.stale_after_days``) and what it should be.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assay.errors import InputError

__all__ = [
    "CadenceSection",
    "CostSection",
    "RadarSection",
    "Settings",
    "WorkspaceSection",
    "default_toml",
    "load_settings",
    "set_value",
]


@dataclasses.dataclass(frozen=True)
class WorkspaceSection:
    """``[workspace]``: the workspace's name."""

    name: str = "assay workspace"


@dataclasses.dataclass(frozen=True)
class RadarSection:
    """``[radar]``: after how many days without new evidence a blip is stale."""

    stale_after_days: int = 180


@dataclasses.dataclass(frozen=True)
class CostSection:
    """``[cost]``: the price of an hour of the benchmark machine, when known."""

    usd_per_hour: float | None = None


@dataclasses.dataclass(frozen=True)
class CadenceSection:
    """``[cadence]``: the reading targets ``assay cadence`` counts each person against:
    inbox items triaged a week, second passes a week, deep reads (pass 3) a month."""

    scan_per_week: int = 20
    pass2_per_week: int = 2
    pass3_per_month: int = 1


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything ``assay.toml`` may say; unknown keys are refused (they are typos)."""

    workspace: WorkspaceSection = WorkspaceSection()
    radar: RadarSection = RadarSection()
    cost: CostSection = CostSection()
    cadence: CadenceSection = CadenceSection()
    demo: bool = False


class _Invalid(Exception):
    """A value that does not fit: where it is and what was expected."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(where, "Input should be a valid string")
    return value


def _integer(value: Any, where: str, *, at_least: int) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _Invalid(
                where, "Input should be a valid integer, unable to parse string as an integer"
            ) from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(where, "Input should be a valid integer")
    if value < at_least:
        raise _Invalid(where, f"Input should be greater than or equal to {at_least}")
    return value


def _number(value: Any, where: str, *, at_least: float) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _Invalid(
                where, "Input should be a valid number, unable to parse string as a number"
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(where, "Input should be a valid number")
    if value < at_least:
        raise _Invalid(where, f"Input should be greater than or equal to {at_least:g}")
    return float(value)


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(where, "Input should be a valid boolean")
    return value


def _section(
    data: dict[str, Any], name: str, fields: dict[str, Callable[[Any, str], Any]]
) -> dict[str, Any]:
    """The checked keys of table ``name`` (absent keys keep their defaults)."""
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise _Invalid(name, "Input should be a valid dictionary (a [table])")
    out = {}
    for key, value in table.items():
        check = fields.get(key)
        if check is None:
            raise _Invalid(f"{name}.{key}", "Extra inputs are not permitted")
        out[key] = check(value, f"{name}.{key}")
    return out


def check_settings(data: dict[str, Any]) -> Settings:
    """Settings from a decoded TOML document, or ``_Invalid`` naming the first key
    that does not fit."""
    for key in data:
        if key not in ("workspace", "radar", "cost", "cadence", "demo"):
            raise _Invalid(key, "Extra inputs are not permitted")
    workspace = _section(data, "workspace", {"name": _string})
    radar = _section(data, "radar", {"stale_after_days": lambda v, w: _integer(v, w, at_least=1)})
    cost = _section(data, "cost", {"usd_per_hour": lambda v, w: _number(v, w, at_least=0)})
    count = {
        name: lambda v, w: _integer(v, w, at_least=0)
        for name in ("scan_per_week", "pass2_per_week", "pass3_per_month")
    }
    cadence = _section(data, "cadence", count)
    return Settings(
        workspace=WorkspaceSection(**workspace),
        radar=RadarSection(**radar),
        cost=CostSection(**cost),
        cadence=CadenceSection(**cadence),
        demo=_boolean(data["demo"], "demo") if "demo" in data else False,
    )


def default_toml(name: str, *, demo: bool = False) -> str:
    """The settings file a new workspace starts with, commented for people."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return (
        "# assay workspace settings (https://toml.io)\n"
        + ("demo = true  # built by `assay demo`; rebuilt when it runs again\n" if demo else "")
        + "\n[workspace]\n"
        + f'name = "{quoted}"\n'
        + "\n[radar]\n"
        + "# a technique whose newest evidence is older than this is marked stale\n"
        + "stale_after_days = 180\n"
        + "\n[cost]\n"
        + "# price of one hour of the machine the benchmarks run on, for cost per request\n"
        + "# usd_per_hour = 2.50\n"
    )


def load_settings(path: Path) -> Settings:
    """Read and validate ``assay.toml``; a missing file means the defaults."""
    if not path.exists():
        return Settings()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}; expected valid TOML") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; expected a TOML file") from None
    try:
        return check_settings(data)
    except _Invalid as exc:
        raise InputError(f"{path}: {exc}") from None


def _toml_value(text: str) -> tuple[Any, str]:
    """A value typed on the command line, and how TOML writes it: an integer, a
    number, true/false, or else a string."""
    stripped = text.strip()
    for parse in (int, float):
        try:
            value = parse(stripped)
        except ValueError:
            continue
        return value, stripped
    if stripped in ("true", "false"):
        return stripped == "true", stripped
    return text, '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def set_value(path: Path, key: str, text: str) -> Settings:
    """Set ``SECTION.NAME`` in ``assay.toml`` to ``text`` and return the new settings.

    The new value is validated with the rest of the file before anything is written,
    and the file is edited line by line, so its comments survive.
    """
    section, _, name = key.partition(".")
    if not section or not name or "." in name:
        raise InputError(
            f"{key!r} is not a setting; expected SECTION.NAME, like cadence.scan_per_week"
        )
    value, written = _toml_value(text)
    try:
        source = path.read_text(encoding="utf-8") if path.exists() else ""
        data: dict[str, Any] = tomllib.loads(source)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}; expected valid TOML") from None
    table = data.setdefault(section, {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: {section} is not a [table]; expected SECTION.NAME")
    table[name] = value
    try:
        settings = check_settings(data)
    except _Invalid as exc:
        raise InputError(f"{key} = {text!r}: {exc}") from None
    lines = source.splitlines()
    heading = re.compile(rf"\s*\[\s*{re.escape(section)}\s*\]\s*(#.*)?")
    header = next((i for i, line in enumerate(lines) if heading.fullmatch(line)), None)
    assignment = f"{name} = {written}"
    if header is None:
        lines += ["", f"[{section}]", assignment]
    else:
        end = next(
            (i for i in range(header + 1, len(lines)) if lines[i].strip().startswith("[")),
            len(lines),
        )
        found = next(
            (i for i in range(header + 1, end) if lines[i].split("=")[0].strip() == name), None
        )
        if found is None:
            lines.insert(header + 1, assignment)
        else:
            lines[found] = assignment
    new = "\n".join(lines) + "\n"
    try:  # the edited file must say what was checked (a key set some other way would not)
        same = check_settings(tomllib.loads(new)) == settings
    except (tomllib.TOMLDecodeError, _Invalid):
        same = False
    if not same:
        raise InputError(
            f"{path}: {key} is written in a way this command does not edit (not under a "
            f"[{section}] heading); set it by hand"
        )
    path.write_text(new, encoding="utf-8")
    return settings

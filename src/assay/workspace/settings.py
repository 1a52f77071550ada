"""``assay.toml``: a workspace's settings, validated when read."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assay.errors import InputError

__all__ = ["Settings", "default_toml", "load_settings"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceSection(_Section):
    name: str = "assay workspace"


class RadarSection(_Section):
    stale_after_days: int = Field(default=180, ge=1)


class CostSection(_Section):
    usd_per_hour: float | None = Field(default=None, ge=0)


class Settings(_Section):
    """Everything ``assay.toml`` may say; unknown keys are refused (they are typos)."""

    workspace: WorkspaceSection = WorkspaceSection()
    radar: RadarSection = RadarSection()
    cost: CostSection = CostSection()
    demo: bool = False


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
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}") from None

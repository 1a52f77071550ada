"""The application layer: one facade, :class:`Workspace`, for every surface.

The names below are loaded on first use (PEP 562), so that importing one service
module (``assay.workspace.radar``) does not import every other service with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.workspace.core import DIRNAME, ENV_URL, Workspace, find_root
    from assay.workspace.settings import Settings

__all__ = ["DIRNAME", "ENV_URL", "Settings", "Workspace", "find_root"]

_HOMES = {
    "DIRNAME": "assay.workspace.core",
    "ENV_URL": "assay.workspace.core",
    "Settings": "assay.workspace.settings",
    "Workspace": "assay.workspace.core",
    "find_root": "assay.workspace.core",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assay.workspace' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

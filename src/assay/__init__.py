"""assay: carry ML research into production without fooling yourself.

The public names live here, flat. Heavy parts (NumPy, SciPy, SQLAlchemy) are
imported on first use so that ``import assay`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from assay.errors import (
    AssayError,
    DatabaseUnreachableError,
    DatabaseURLError,
    DuplicateError,
    InputError,
    MissingDependencyError,
    NotFoundError,
    NoWorkspaceError,
    PermissionDeniedError,
    SchemaTooNewError,
    WorkspaceError,
)
from assay.types import Ring

__version__ = "0.1.0"

# Public name -> module that defines it, imported lazily on first access.
_LAZY: dict[str, str] = {
    "Comparison": "assay.stats",
    "RingMove": "assay.pipeline.radar",
    "Technique": "assay.pipeline.radar",
    "Verdict": "assay.stats",
    "Workspace": "assay.workspace",
    "compare": "assay.stats",
}

__all__ = [
    "AssayError",
    "Comparison",
    "DatabaseURLError",
    "DatabaseUnreachableError",
    "DuplicateError",
    "InputError",
    "MissingDependencyError",
    "NoWorkspaceError",
    "NotFoundError",
    "PermissionDeniedError",
    "Ring",
    "RingMove",
    "SchemaTooNewError",
    "Technique",
    "Verdict",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "compare",
]

if TYPE_CHECKING:
    from assay.pipeline.radar import RingMove, Technique
    from assay.stats import Comparison, Verdict, compare
    from assay.workspace import Workspace


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'assay' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

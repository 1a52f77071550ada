"""The application layer: one facade, :class:`Workspace`, for every surface."""

from assay.workspace.core import DIRNAME, ENV_URL, Workspace, find_root
from assay.workspace.settings import Settings

__all__ = ["DIRNAME", "ENV_URL", "Settings", "Workspace", "find_root"]

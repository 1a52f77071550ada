"""The research record's facade (issue 6): papers, notes, claims, predictions, post-mortems."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assay.workspace.core import Workspace


class ResearchRecord:
    """Reached as ``workspace.research``."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

"""``assay compare``: two samples in, a verdict out (issue 3 fills this in)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command to ``app``."""

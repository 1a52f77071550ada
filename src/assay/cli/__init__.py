"""The ``assay`` command line. ``main`` is the console-script entry point."""

from assay.cli.app import app, main

__all__ = ["app", "main"]

"""The one place assay's version is written; ``assay.__version__`` and ``assay --version``
read it from here. It imports nothing, so any layer may import it."""

__all__ = ["__version__"]

__version__ = "0.1.0"

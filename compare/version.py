"""The package version (one place; `compare.__version__` and `--version` read it)."""

__version__ = "0.2.0"

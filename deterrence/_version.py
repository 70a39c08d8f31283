"""The package version (one place; read by the CLI, sweeps and reports)."""

__version__ = "0.1.0"

"""Sereno: open-source regional security observatory."""

__version__ = "0.1.0"
PIPELINE_VERSION = "1"

__all__ = ["PIPELINE_VERSION", "__version__"]

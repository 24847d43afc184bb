"""rapport: structured reading of Swedish public-sector reports."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

"""Précis: the newsroom of a research-summary newsletter."""

from precis.errors import PrecisError

__all__ = ["PrecisError"]
__version__ = "0.1.0"

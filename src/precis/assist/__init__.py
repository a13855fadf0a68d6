"""Assist: suggestions for the writer, learned from the store and only the store.

- ``Assistant.for_store(store)``: categories, cross-references and anchors (see ``assistant.py``);
- ``find_duplicates(store)``: entries that are probably the same work (see ``duplicates.py``);
- ``run_benchmark``: the held-out benchmark (see ``bench.py``).
"""

from precis.assist.assistant import Assistant
from precis.assist.duplicates import find_duplicates

__all__ = ["Assistant", "find_duplicates"]

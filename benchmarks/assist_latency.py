"""Warm suggestion latency on text the suggesters have never seen, as the writer types.

Builds the held-out store for a cutoff, trains once, then times `Assistant.for_store(store)` (the
store check) plus one suggestion, for 100 questions of each kind. Each text gets a unique suffix, so
no cached embedding (with the embed extra) makes it look faster than typing new words would.

Usage: python benchmarks/assist_latency.py STORE.db [CUTOFF]   (PRECIS_ASSIST_EMBED=0|1 picks the mode)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from precis.assist import Assistant, embed
from precis.assist.split import build_split
from precis.store import Store

if __name__ == "__main__":
    db, cutoff = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 121
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PRECIS_CACHE_DIR"] = str(Path(tmp) / "cache")
        split = build_split(Store(db), cutoff, Path(tmp))
        start = time.perf_counter()
        Assistant.for_store(split.known)
        out = {"cutoff": split.cutoff, "embed": embed.enabled(), "train_seconds": round(time.perf_counter() - start, 2)}
        for kind in ("category", "refs", "anchor"):
            ms = []
            for n, q in enumerate([q for q in split.queries if q["kind"] == kind][:100]):
                t = time.perf_counter()
                text, context = q["text"], q.get("context")
                if kind == "anchor":
                    context = f"{context} ({n})"
                else:
                    text = f"{text} ({n})"
                Assistant.for_store(split.known).answer(kind, text, context, q["k"])
                ms.append((time.perf_counter() - t) * 1000)
            out[kind] = {
                "p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
            }
        print(json.dumps(out))

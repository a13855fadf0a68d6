"""``precis bench assist``: the held-out benchmark, run through the same path as ``suggest --batch``.

For a cutoff N it builds a store of the issues before N (see ``split.py``), writes the questions
about the later issues as a batch file, trains on that store as ``suggest --batch`` would (with an
empty cache, so training is timed), answers, and scores the answers.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from precis.assist.assistant import Assistant
from precis.assist.batch import answer_all, parse_questions
from precis.assist.split import build_split, score
from precis.paths import CACHE_ENV
from precis.store import Store


@contextmanager
def _cache_in(path: Path) -> Iterator[None]:
    """Use ``path`` as the model cache for the duration (so that training is measured)."""
    env = CACHE_ENV["assist"]
    before = os.environ.get(env)
    os.environ[env] = str(path)
    Assistant._memory.clear()
    try:
        yield
    finally:
        Assistant._memory.clear()
        if before is None:
            os.environ.pop(env, None)
        else:
            os.environ[env] = before


def run_benchmark(
    store: Store,
    cutoff: int,
    workdir: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Build the split for ``cutoff`` in ``workdir``, answer its batch, and return the figures.

    ``workdir`` keeps the held-out store (known-N.db), the batch (queries-N.jsonl), the answers
    (results-N.jsonl) and the right answers (answers-N.jsonl), to rerun any step by hand.
    """
    start = time.perf_counter()
    split = build_split(store, cutoff, workdir)
    split_s = time.perf_counter() - start
    batch = workdir / f"queries-{cutoff}.jsonl"
    batch.write_text("".join(json.dumps(q) + "\n" for q in split.queries), "utf-8")
    (workdir / f"answers-{cutoff}.jsonl").write_text(
        "".join(
            json.dumps({"id": k, "answer": sorted(v) if isinstance(v, set) else v}) + "\n"
            for k, v in split.answers.items()
        ),
        "utf-8",
    )
    with _cache_in(workdir / f"cache-{cutoff}"):
        start = time.perf_counter()
        with batch.open(encoding="utf-8") as f:
            questions = parse_questions(f, str(batch))
        assistant = Assistant.for_store(split.known)
        fit_s = time.perf_counter() - start
        timings: list[float] = []
        total = len(questions)
        results = answer_all(
            assistant, questions, (lambda n: progress("answering", n, total)) if progress else None, timings
        )
        batch_s = time.perf_counter() - start
        # Warm: what a long-running process (the editor) pays per suggestion, store check included.
        warm: list[float] = []
        for q in questions[:100]:
            t = time.perf_counter()
            Assistant.for_store(split.known).answer(q.kind, q.text, q.context, q.k)
            warm.append(time.perf_counter() - t)
        # A new process: the fitted model read back from the cache.
        Assistant._memory.clear()
        t = time.perf_counter()
        Assistant.for_store(split.known)
        load_s = time.perf_counter() - t
    (workdir / f"results-{cutoff}.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results), "utf-8"
    )
    figures = score(split, {r["id"]: r["results"] for r in results})
    ms = np.array(timings) * 1000
    warm_ms = np.array(warm) * 1000
    figures.update(
        {
            "queries": total,
            "split_seconds": round(split_s, 2),
            "train_seconds": round(fit_s, 2),
            "batch_seconds_including_training": round(batch_s, 2),
            "answer_ms_p50": round(float(np.percentile(ms, 50)), 1),
            "answer_ms_p95": round(float(np.percentile(ms, 95)), 1),
            "warm_suggestion_ms_p50": round(float(np.percentile(warm_ms, 50)), 1),
            "warm_suggestion_ms_p95": round(float(np.percentile(warm_ms, 95)), 1),
            "cache_load_seconds": round(load_s, 2),
        }
    )
    split.known.close()
    return figures

"""Synthesize many segments: from the cache when it has them, else in parallel across cores.

Piper runs in worker processes, one voice and one thread each (ONNX inference on sentence-sized
inputs scales better over processes than over threads); espeak-ng is a child program, so threads
suffice. Each finished segment goes into the cache at once, so an interrupted run loses only the
segments in flight.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np

from precis.audio.cache import AudioCache, cache_key
from precis.audio.engines import Engine, EngineSpec

# Silence between the paragraphs of one segment, in seconds. Part of every cache key.
PARAGRAPH_PAUSE = 0.6


@dataclass
class SynthesisResult:
    """The audio of each text, in order, and which texts were made now rather than read from cache."""

    audio: list[np.ndarray]
    sample_rate: int
    synthesized: list[int] = field(default_factory=list)  # indices of texts synthesized in this run
    cached: list[int] = field(default_factory=list)  # indices found in the cache
    work_seconds: float = 0.0  # wall-clock time spent synthesizing

    @property
    def synthesized_seconds(self) -> float:
        """Seconds of audio made in this run (for the real-time factor)."""
        return sum(len(self.audio[i]) for i in self.synthesized) / self.sample_rate


def paragraphs(text: str) -> list[str]:
    """A segment's paragraphs (split at blank lines), each on one line."""
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def join_paragraphs(pieces: list[np.ndarray], sample_rate: int) -> np.ndarray:
    """Paragraph audio one after another, with a pause between them."""
    pause = np.zeros(int(sample_rate * PARAGRAPH_PAUSE), np.int16)
    out: list[np.ndarray] = []
    for piece in pieces:
        if out:
            out.append(pause)
        out.append(piece)
    return np.concatenate(out) if out else np.zeros(0, np.int16)


_worker_engine: Engine | None = None


def _start_worker(spec: EngineSpec) -> None:
    global _worker_engine
    _worker_engine = spec.load(threads=1)


def _work(paragraph: str) -> np.ndarray:
    assert _worker_engine is not None, "worker not started"
    return _worker_engine.synthesize(paragraph)


def segment_key(spec: EngineSpec, text: str) -> str:
    return cache_key(f"{spec.identity}|paragraph_pause={PARAGRAPH_PAUSE}", text)


def synthesize(
    spec: EngineSpec,
    texts: list[str],
    cache: AudioCache,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SynthesisResult:
    """The audio of every text, through the cache. ``progress(i)`` is called as text i is ready.

    ``jobs`` is how many paragraphs are synthesized at once (default: one per core). The unit of
    work is a paragraph, not a segment, so that one long entry does not leave the other cores idle;
    the unit of caching is the segment.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    result = SynthesisResult(audio=[np.zeros(0, np.int16)] * len(texts), sample_rate=spec.sample_rate)
    todo: dict[str, list[int]] = {}  # key -> indices of the texts it makes (same text, same audio)
    for i, text in enumerate(texts):
        key = segment_key(spec, text)
        if key in todo:
            todo[key].append(i)
            continue
        found = cache.get(key, spec.sample_rate)
        if found is None:
            todo[key] = [i]
            continue
        result.audio[i] = found
        result.cached.append(i)
        if progress:
            progress(i)
    if not todo:
        return result

    parts: dict[str, list[np.ndarray | None]] = {}
    tasks: list[tuple[str, int, str]] = []  # (segment key, paragraph index, paragraph)
    for key, indices in todo.items():
        paras = paragraphs(texts[indices[0]])
        parts[key] = [None] * len(paras)
        tasks.extend((key, j, p) for j, p in enumerate(paras))
    # Longest first, so that no long paragraph is left running alone at the end.
    tasks.sort(key=lambda t: -len(t[2]))

    def finish(key: str) -> None:
        audio = join_paragraphs([p for p in parts[key] if p is not None], spec.sample_rate)
        cache.put(key, audio, spec.sample_rate)
        first, *copies = todo[key]
        result.synthesized.append(first)
        result.cached.extend(copies)
        for i in todo[key]:
            result.audio[i] = audio
            if progress:
                progress(i)

    def done(key: str, j: int, audio: np.ndarray) -> None:
        parts[key][j] = audio
        if all(p is not None for p in parts[key]):
            finish(key)

    for key in [k for k, paras in parts.items() if not paras]:  # nothing to read
        finish(key)
    started = time.perf_counter()
    workers = min(jobs, len(tasks))
    if workers <= 1:
        if tasks:
            engine = spec.load()
            for key, j, paragraph in tasks:
                done(key, j, engine.synthesize(paragraph))
    else:
        with _executor(spec, workers) as pool:
            futures = {pool.submit(_work, paragraph): (key, j) for key, j, paragraph in tasks}
            try:
                for future in as_completed(futures):
                    done(*futures[future], future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    result.work_seconds = time.perf_counter() - started
    return result


def _executor(spec: EngineSpec, workers: int) -> Executor:
    if spec.in_process:
        _start_worker(spec)
        return ThreadPoolExecutor(workers)
    # A fresh interpreter per worker: forking a process that may hold ONNX or BLAS threads is unsafe.
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(spec,),
    )

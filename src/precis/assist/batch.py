"""``suggest --batch``: many questions in one JSON-lines file, answered in order.

Each input line: ``{"id": ..., "kind": "category"|"refs"|"anchor", "text": "...", "context": "...", "k": 5}``
(``context`` only for anchors, optional; ``k`` optional). Each output line: ``{"id": ..., "results": [...]}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from precis.assist.assistant import DEFAULT_K, KINDS, Assistant
from precis.errors import PrecisError


@dataclass(frozen=True)
class Question:
    id: Any
    kind: str
    text: str
    context: str | None
    k: int


def parse_questions(lines: Iterable[str], source: str = "batch") -> list[Question]:
    """Read and check every line first, so that a bad line fails before any work is done."""
    questions = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}, line {n}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PrecisError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(item, dict):
            raise PrecisError(f"{where}: expected a JSON object")
        kind = item.get("kind")
        if kind not in KINDS:
            raise PrecisError(f"{where}: \"kind\" must be one of {', '.join(KINDS)}, not {kind!r}")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise PrecisError(f"{where}: \"text\" must be a non-empty string")
        context = item.get("context")
        if context is not None and not isinstance(context, str):
            raise PrecisError(f"{where}: \"context\" must be a string")
        k = item.get("k", DEFAULT_K[kind])
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise PrecisError(f"{where}: \"k\" must be a positive whole number, not {k!r}")
        questions.append(Question(item.get("id"), kind, text, context, k))
    return questions


def answer_all(
    assistant: Assistant,
    questions: list[Question],
    progress: Callable[[int], None] | None = None,
    timings: list[float] | None = None,
) -> list[dict[str, Any]]:
    """The answers in question order; ``timings`` (if given) receives each answer's seconds."""
    assistant.prepare([q.text for q in questions if q.kind == "category"])
    out = []
    for n, q in enumerate(questions, 1):
        start = time.perf_counter()
        out.append({"id": q.id, "results": assistant.answer(q.kind, q.text, q.context, q.k)})
        if timings is not None:
            timings.append(time.perf_counter() - start)
        if progress:
            progress(n)
    return out

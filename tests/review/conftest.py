"""Fixtures for authors' review: the newsroom's sample store with its team, and entries to review.

``review`` is a ``Review``: the team (``tests.newsroom.conftest.Team``), an entry in review written
by the editor (``entry``; its editorial notes hold ``SECRET_NOTE``), a second draft (``other``) whose
summary no link of ``entry`` may show, and ``BASE_URL``. ``ask(*addresses)`` requests a review of
``entry`` as the editor and gives the ``RequestView``s; ``token_of(view)`` is the token of its link.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from precis.newsroom import entries
from precis.review.links import ReviewSigner
from precis.review.requests import RequestView, request_review
from precis.store import Store
from tests.newsroom.conftest import Team, team_in

BASE_URL = "https://news.example.org"
SECRET_NOTE = "Editorial: do not tell the authors we doubt the second claim."
SUMMARY = ("The authors show that *curve detectors* in vision networks are built from edge detectors.\n\n"
           "They argue the same circuits recur across models.")
OTHER_SUMMARY = "A summary of another paper that the first paper's authors must never see."


@dataclass
class Review:
    team: Team
    entry: int
    other: int

    @property
    def store(self) -> Store:
        return self.team.store

    def ask(self, *addresses: str, **options: Any) -> list[RequestView]:
        """A review of ``entry`` requested by the editor (links on ``BASE_URL`` unless told)."""
        options.setdefault("base_url", BASE_URL)
        return request_review(self.store, self.team.people["editor"], self.entry, list(addresses), **options)

    def token_of(self, view: RequestView) -> str:
        return ReviewSigner.of(self.store).token(view.id, view.entry_id)


def make_entries(team: Team) -> tuple[int, int]:
    editor = team.people["editor"]
    entry = entries.create_entry(team.store, editor, {
        "title": "Curve Detectors Everywhere", "url": "https://example.org/papers/curves",
        "authors": "Jane Doe, John Roe", "venue": "arXiv", "year": 2024, "summarizer": "Rohin",
        "summary": SUMMARY, "notes": SECRET_NOTE, "category": "Interpretability",
        "opinions": [{"author": "Rohin", "text": "A careful paper; the recurrence claim needs more models."}],
    })
    entries.set_status(team.store, editor, entry["id"], "in review")
    other = entries.create_entry(team.store, editor, {"title": "Another Paper Entirely", "summary": OTHER_SUMMARY})
    return entry["id"], other["id"]


def review_in(folder: Path) -> Iterator[Review]:
    for team in team_in(folder):
        yield Review(team, *make_entries(team))


@pytest.fixture
def review(tmp_path: Path) -> Iterator[Review]:
    yield from review_in(tmp_path)

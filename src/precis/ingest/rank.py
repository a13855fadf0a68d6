"""Predicted interest: how close a new work is to what the publication chose to summarize.

The archive holds only works that were chosen, so there is no sample of what was passed over to
train a classifier on. The model is nearest neighbours instead: TF-IDF vectors (scikit-learn) of
every archived entry's title and summary; a new work's score is the mean cosine similarity of its
title and abstract to its ``K`` nearest archived entries, highlighted entries weighing
``HIGHLIGHT_WEIGHT`` times as much. Two refinements:

- Words the archive never uses still count in a new work's vector length (at the highest IDF), so a
  work that is mostly about something else ("soil microbiome sequencing") is not scored on its one
  or two shared words ("scale", "report") alone.
- Candidates the editor skipped (not those skipped as already summarized) pull the score of works
  like them down by ``SKIP_WEIGHT`` times their mean similarity to the ``K_SKIPPED`` nearest: the
  ranking learns from triage as well as from the archive.

The neighbours explain each score in one line. Everything is computed from the store, offline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.ingest.model import SKIPPED, Candidate
from precis.model import Entry, Issue, issue_label

K = 5
HIGHLIGHT_WEIGHT = 1.5
K_SKIPPED = 3
SKIP_WEIGHT = 0.5
SHOWN = 3  # archived neighbours named in an explanation
TITLE_WIDTH = 60


@dataclass(frozen=True)
class Archived:
    title: str
    summary: str | None
    highlight: bool
    issue: str | None  # "AN #58"


@dataclass(frozen=True)
class Scored:
    score: float  # 0..1
    explanation: str  # one line


def document(title: str, body: str | None) -> str:
    """Title twice (it says most about the topic), then the summary or abstract."""
    return f"{title}. {title}. {body or ''}"


class Ranker:
    def __init__(self, archived: list[Archived], skipped: list[tuple[str, str | None]] | None = None) -> None:
        self.archived = archived
        self.skipped = skipped or []
        self._vectorizer: TfidfVectorizer | None = None
        if not archived:
            return
        large = len(archived) >= 50
        vectorizer = TfidfVectorizer(
            stop_words="english",
            sublinear_tf=True,
            strip_accents="unicode",
            min_df=2 if large else 1,
            max_df=0.5 if large else 1.0,
            norm=None,
        )
        try:
            self._matrix = normalize(vectorizer.fit_transform([document(a.title, a.summary) for a in archived]))
        except ValueError:  # an archive with no usable words
            return
        self._vectorizer = vectorizer
        self._analyzer = vectorizer.build_analyzer()
        self._unknown_idf = float(vectorizer.idf_.max())
        self._weights = np.array([HIGHLIGHT_WEIGHT if a.highlight else 1.0 for a in archived])
        self._skipped = self._vectors([document(t, a) for t, a in self.skipped]) if self.skipped else None

    @classmethod
    def from_store(cls, session: Session, publication_id: int) -> Ranker:
        rows = session.execute(
            select(Entry.title, Entry.summary, Entry.highlight, Issue.series, Issue.number)
            .outerjoin(Issue, Entry.issue_id == Issue.id)
            .where(Entry.publication_id == publication_id)
            .order_by(Entry.id)
        ).all()
        skipped = session.execute(
            select(Candidate.title, Candidate.abstract).where(
                Candidate.publication_id == publication_id,
                Candidate.state == SKIPPED,
                Candidate.entry_id.is_(None),
            )
        ).all()
        archived = [
            Archived(t.strip(), s, bool(h), issue_label(series, number) if series else None)
            for t, s, h, series, number in rows
        ]
        return cls(archived, [(t, a) for t, a in skipped])

    def score(self, works: list[tuple[str, str | None]]) -> list[Scored]:
        """Score (title, abstract) pairs."""
        if not works:
            return []
        if self._vectorizer is None:
            return [Scored(0.0, "no archived entries to learn from yet")] * len(works)
        queries = self._vectors([document(t, a) for t, a in works])
        similarity = (queries @ self._matrix.T).toarray() * self._weights
        penalty = np.zeros(len(works))
        nearest_skip = np.zeros(len(works), dtype=int)
        if self._skipped is not None:
            to_skipped = (queries @ self._skipped.T).toarray()
            top = -np.sort(-to_skipped, axis=1)[:, :K_SKIPPED]
            penalty = SKIP_WEIGHT * top.mean(axis=1)
            nearest_skip = to_skipped.argmax(axis=1)
        out = []
        for i, row in enumerate(similarity):
            nearest = np.argsort(-row, kind="stable")[:K]
            score = float(np.clip(row[nearest].mean() - penalty[i], 0.0, 1.0))
            shown = [j for j in nearest[:SHOWN] if row[j] > 0]
            if not shown:
                out.append(Scored(0.0, "shares no words with any archived entry"))
                continue
            line = "like " + ", ".join(self._describe(j) for j in shown)
            if penalty[i] >= 0.01:
                line += f"; but close to skipped “{_cut(self.skipped[nearest_skip[i]][0])}”"
            out.append(Scored(round(score, 4), line))
        return out

    def _vectors(self, docs: list[str]) -> csr_matrix:
        """TF-IDF rows normalized as if unknown words were in the vocabulary at the highest IDF."""
        assert self._vectorizer is not None
        raw = self._vectorizer.transform(docs).tocsr()
        vocabulary = self._vectorizer.vocabulary_
        unknown = np.array(
            [
                sum(
                    ((1.0 + np.log(n)) * self._unknown_idf) ** 2
                    for word, n in Counter(self._analyzer(doc)).items()
                    if word not in vocabulary
                )
                for doc in docs
            ]
        )
        length = np.sqrt(np.asarray(raw.multiply(raw).sum(axis=1)).ravel() + unknown)
        length[length == 0] = 1.0
        return csr_matrix(raw.multiply(1.0 / length[:, None]))

    def _describe(self, i: int) -> str:
        a = self.archived[i]
        where = a.issue or "not sent"
        return f"“{_cut(a.title)}” ({where}{', highlight' if a.highlight else ''})"


def _cut(title: str) -> str:
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1].rstrip() + "…"

"""Which category a text belongs in.

A linear model over TF-IDF words and word pairs, trained by stochastic gradient descent on the log
loss (so it gives probabilities, and fits in a fraction of a second), with averaged weights and classes
weighted as if equally common: the archive's mix of categories shifts over the years ("Reinforcement
learning" was common early, "News" late), and a model that leans on overall frequencies lags behind.

With the ``embed`` extra (see ``embed.py``), a logistic regression over sentence embeddings (the
text's first 64 word pieces and, apart, its title: the first line) is blended in log-linearly:
``log p = (1 - w) log p_words + w log p_embed`` with ``w = EMBED_WEIGHT``.
A product of the two rewards categories both models find likely, where an average lets one model's
confident mistake decide; over the held-out cutoffs 80, 100, 121 and 140 it beat the average on top-3
at each and on top-1 at three of four, and weights from 0.25 to 0.4 with C from 2 to 5 gave #121
figures within a point of these (BENCHMARKS.md), so the values below are not fitted to one split.

The best category comes first; after it, a catch-all category ("Miscellaneous …", "Other …": where
the writer files what fits no narrower category) is lifted by ``CATCH_ALL_LIFT`` in log space. Class
weighting makes a catch-all look like one small topic when it is many, so it was the category most
often missing from the top three; lifting it only below the first place keeps the first guess as it
was and, over nine held-out cutoffs from #60 to #150, raised top-3 by about 0.01 on average and at every
cutoff but one (BENCHMARKS.md).
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier

from precis.assist.corpus import Doc
from precis.assist.embed import Embedder

EMBED_WEIGHT = 0.3
EMBED_C = 3.0  # inverse regularization of the logistic regression over sentence vectors
CATCH_ALL = re.compile(r"(miscellaneous|other)\b", re.IGNORECASE)
CATCH_ALL_LIFT = 0.25


def title_of(text: str) -> str:
    """The first line of a text: an entry's title, as the suggesters' texts begin with it."""
    return text.strip().split("\n", 1)[0]


def sentence_vectors(embedder: Embedder, texts: list[str], save: bool = True) -> np.ndarray:
    """Each text's opening and its title, embedded apart (in one call) and put side by side."""
    vectors = embedder.encode([*texts, *(title_of(t) for t in texts)], save=save)
    return np.hstack([vectors[: len(texts)], vectors[len(texts) :]])


class CategoryModel:
    def __init__(self, docs: list[Doc], embedder: Embedder | None = None) -> None:
        labelled = [d for d in docs if d.category]
        self.classes = sorted({d.category for d in labelled if d.category})
        small = len(labelled) < 50  # too few entries for word pairs seen twice, or stop words lists
        self.vec = TfidfVectorizer(
            sublinear_tf=True, ngram_range=(1, 2), min_df=1 if small else 2, dtype=np.float32,
            stop_words=None if small else "english",
        )
        self.clf: SGDClassifier | None = None
        if len(self.classes) >= 2:
            X = self.vec.fit_transform([d.text for d in labelled])
            self.clf = SGDClassifier(
                loss="log_loss", alpha=1e-4, class_weight="balanced", average=True, max_iter=50,
                tol=1e-4, random_state=0,
            )
            self.clf.fit(X, [d.category for d in labelled])
        self.catch_all = np.array([bool(CATCH_ALL.match(c)) for c in self.classes])
        self.embedder = embedder
        self.embedded: LogisticRegression | None = None
        if embedder is not None and self.clf is not None:
            vectors = sentence_vectors(embedder, [d.text for d in labelled])
            self.embedded = LogisticRegression(C=EMBED_C, max_iter=3000, class_weight="balanced")
            self.embedded.fit(vectors, [d.category for d in labelled])

    def probabilities(self, text: str) -> np.ndarray:
        """A probability for each of ``self.classes``."""
        if self.clf is None:
            return np.ones(len(self.classes)) / max(len(self.classes), 1)
        index = {c: i for i, c in enumerate(self.classes)}
        p = np.zeros(len(self.classes))
        p[[index[c] for c in self.clf.classes_]] = self.clf.predict_proba(self.vec.transform([text]))[0]
        if self.embedded is not None and self.embedder is not None:
            pe = np.zeros(len(self.classes))
            vector = sentence_vectors(self.embedder, [text], save=False)
            pe[[index[c] for c in self.embedded.classes_]] = self.embedded.predict_proba(vector)[0]
            # A probability that underflowed to zero would be -inf in log space: floor it.
            log_p = (1 - EMBED_WEIGHT) * np.log(p + 1e-9) + EMBED_WEIGHT * np.log(pe + 1e-9)
            p = np.exp(log_p - log_p.max())
            p /= p.sum()
        return p

    def ranked(self, text: str) -> list[str]:
        """Categories for a text, best first, with catch-alls lifted below the first place."""
        p = self.probabilities(text)
        if not len(p):
            return []
        first = int(np.argmax(p))
        lifted = np.log(p + 1e-9) + CATCH_ALL_LIFT * self.catch_all
        rest = [int(i) for i in np.argsort(-lifted, kind="stable") if i != first]
        return [self.classes[i] for i in [first, *rest]]

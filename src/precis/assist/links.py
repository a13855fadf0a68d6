"""Which earlier entries a text should link, and which entry a link's words mean.

Every entry of the store is a candidate. A candidate is described by a few signals about the text
being written, and a logistic regression learned from the links the store already holds weighs them:

- the text's TF-IDF likeness to the candidate's own text and to its title;
- its likeness to the texts that linked the candidate before (writers who link an entry talk alike);
- the names the candidate goes by found in the text: its title, the short names a title gives
  ("Agent57", an acronym), and every anchor text writers used for it, each weighted by how rare the
  phrase is and how surely it meant this entry;
- how often the candidate has been linked, and how recent it is.

An anchor adds its own signals: how closely its words match the candidate's title and names
(rapidfuzz), whether it is the title's acronym, and how alike the words around it are to the candidate.

Training uses each stored entry's own links as the answers and leaves that entry's own
contributions out of every signal, so the weights are learned as they will be used: on text the
model has not seen.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from precis.assist.corpus import Doc
from precis.assist.text import PhraseFinder, acronym, phrase, short_names, tokens

WINDOW = 30  # words either side of an anchor that count as its surroundings


@dataclass
class Query:
    """A text (or an anchor within a context) as the model reads it."""

    vector: sparse.csr_matrix
    words: list[str]


def _ranker(
    rows: list[np.ndarray], labels: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Fit the weighing of signals: (mean, scale, weights) for a fast linear score.

    None when the store holds no link to learn from (too new, or too small to have both linked
    and unlinked candidates); then the text likeness alone ranks.
    """
    if not rows:
        return None
    X, y = np.concatenate(rows), np.concatenate(labels)
    if y.all() or not y.any():
        return None
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    lr = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    lr.fit((X - mean) / scale, y)
    return mean, scale, lr.coef_.ravel()


class LinkModel:
    """Ranks the store's entries as link targets for a text, or for an anchor in its context."""

    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        n = len(docs)
        self.titles = [d.title for d in docs]
        self.title_phrases = [phrase(t) for t in self.titles]
        self.title_acronyms = [acronym(t) for t in self.titles]
        # Words in more than half the entries say nothing about which one is meant (on a store
        # big enough for "half" to mean something).
        self.vec = TfidfVectorizer(
            sublinear_tf=True, ngram_range=(1, 2), max_df=0.5 if n >= 20 else 1.0, dtype=np.float32,
            stop_words="english" if n >= 20 else None,
        )
        self.D = self.vec.fit_transform([d.text for d in docs]).tocsr()
        self.T = self.vec.transform(self.titles).tocsr()
        index = {d.id: i for i, d in enumerate(docs)}
        self.order = [d.order for d in docs]
        self.recency = np.arange(n, dtype=np.float32) / max(n - 1, 1)

        # Who links whom, and with which words.
        self.cites: list[list[int]] = []
        self.doc_anchors: list[list[tuple[str, int]]] = []
        self.anchors: dict[str, Counter[int]] = defaultdict(Counter)
        for d in docs:
            targets, used = [], []
            for ref in d.refs:
                t = index.get(ref.target)
                if t is None:
                    continue
                if t not in targets:
                    targets.append(t)
                p = phrase(ref.anchor)
                if p and (p, t) not in used:
                    used.append((p, t))
                    self.anchors[p][t] += 1
            self.cites.append(targets)
            self.doc_anchors.append(used)
        rows = [e for e, ts in enumerate(self.cites) for _ in ts]
        cols = [t for ts in self.cites for t in ts]
        A = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
        self.popularity = np.asarray(A.sum(axis=0)).ravel()
        self.C = (A.T @ self.D).tocsr()
        self.C_norm2 = np.asarray(self.C.multiply(self.C).sum(axis=1)).ravel()

        self.names: dict[str, set[int]] = defaultdict(set)
        for i, title in enumerate(self.titles):
            for name in short_names(title):
                self.names[name].add(i)
        self.name_list = list(self.names)
        pairs = [(j, c) for j, name in enumerate(self.name_list) for c in self.names[name]]
        self.name_of = np.array([j for j, _ in pairs], np.int64)
        self.name_owner = np.array([c for _, c in pairs], np.int64)
        self.finder = PhraseFinder([*self.names, *self.anchors])
        df: Counter[str] = Counter()
        for d in docs:
            df.update(self.finder.find(tokens(d.text)))
        self.idf = {p: math.log((n + 1) / (df[p] + 1)) for p in (*self.names, *self.anchors)}

        # Transposed (term x entry) copies: one query row times these touches only the query's terms.
        self.DT, self.TT, self.CT = self.D.T.tocsr(), self.T.T.tocsr(), self.C.T.tocsr()
        self.ref_weights = self._fit_refs()
        self.anchor_weights = self._fit_anchors()

    # -- reading queries -----------------------------------------------------------------------

    def query(self, text: str) -> Query:
        return Query(self.vec.transform([text]).tocsr(), tokens(text))

    @staticmethod
    def _dot(MT: sparse.csr_matrix, q: sparse.csr_matrix) -> np.ndarray:
        """Each entry's dot product with the query, from a (term x entry) matrix."""
        return np.asarray((q @ MT).toarray()).ravel()

    # -- signals -------------------------------------------------------------------------------

    def _ref_signals(self, q: Query, exclude: int | None = None) -> np.ndarray:
        """The reference signals of every candidate for a text; ``exclude`` leaves a stored entry out."""
        n = len(self.docs)
        text = self._dot(self.DT, q.vector)
        title = self._dot(self.TT, q.vector)
        cited = self._dot(self.CT, q.vector)
        norm2 = self.C_norm2.copy()
        popularity = self.popularity.copy()
        own_anchors: set[tuple[str, int]] = set()
        if exclude is not None:
            own = self.D[exclude]
            own_q = float((own @ q.vector.T).toarray()[0, 0])
            own_norm2 = float(own.multiply(own).sum())
            for t in self.cites[exclude]:
                c_own = float((self.C[t] @ own.T).toarray()[0, 0])
                cited[t] -= own_q
                norm2[t] = max(norm2[t] - 2 * c_own + own_norm2, 0.0)
                popularity[t] -= 1
            own_anchors = set(self.doc_anchors[exclude])
        citing = np.where(norm2 > 1e-9, cited / np.sqrt(np.maximum(norm2, 1e-9)), 0.0)
        title_name = np.zeros(n, np.float32)
        anchor_name = np.zeros(n, np.float32)
        for p in self.finder.find(q.words):
            idf = self.idf[p]
            for c in self.names.get(p, ()):
                title_name[c] = max(title_name[c], idf)
            counts = self.anchors.get(p)
            if counts:
                counts = Counter({c: k - ((p, c) in own_anchors) for c, k in counts.items()})
                total = sum(counts.values())
                for c, k in counts.items():
                    if k > 0:
                        anchor_name[c] = max(anchor_name[c], idf * k / total)
        return np.column_stack(
            [text, title, citing, title_name, anchor_name, np.log1p(popularity), self.recency]
        ).astype(np.float32)

    def _anchor_signals(
        self, anchor: str, context: Query, exclude: int | None = None, base: np.ndarray | None = None
    ) -> np.ndarray:
        """The anchor signals of every candidate; ``base`` passes the context's reference signals."""
        a = phrase(anchor)
        if base is None:
            base = self._ref_signals(context, exclude)
        titles = self.title_phrases
        ratio = process.cdist([a], titles, scorer=fuzz.ratio, dtype=np.float32)[0] / 100
        partial = process.cdist([a], titles, scorer=fuzz.partial_ratio, dtype=np.float32)[0] / 100
        token_set = process.cdist([a], titles, scorer=fuzz.token_set_ratio, dtype=np.float32)[0] / 100
        n = len(self.docs)
        by_name = process.cdist([a], self.name_list, scorer=fuzz.ratio, dtype=np.float32)[0] / 100
        name_ratio = np.zeros(n, np.float32)
        np.maximum.at(name_ratio, self.name_owner, by_name[self.name_of])
        name_exact = np.zeros(n, np.float32)
        name_exact[list(self.names.get(a, ()))] = 1.0
        anchor_exact = np.zeros(n, np.float32)
        counts = self.anchors.get(a)
        if counts:
            own = set(self.doc_anchors[exclude]) if exclude is not None else set()
            counts = Counter({c: k - ((a, c) in own) for c, k in counts.items()})
            total = sum(counts.values())
            for c, k in counts.items():
                if k > 0:
                    anchor_exact[c] = k / total
        own_acronym = acronym(anchor)
        acr = np.array(
            [len(t) >= 3 and (a == t or own_acronym == t) for t in self.title_acronyms], np.float32
        )
        anchor_words = self._dot(self.DT, self.vec.transform([anchor]).tocsr())
        local = self._dot(self.DT, self.vec.transform([self._around(anchor, context.words)]).tocsr())
        return np.column_stack(
            [base, ratio, partial, token_set, name_ratio, anchor_exact, name_exact, acr, anchor_words, local]
        ).astype(np.float32)

    @staticmethod
    def _around(anchor: str, words: list[str]) -> str:
        """The words around the anchor's first occurrence in the context (all of it if absent)."""
        a = tokens(anchor)
        for i in range(len(words) - len(a) + 1):
            if words[i : i + len(a)] == a:
                return " ".join(words[max(0, i - WINDOW) : i + len(a) + WINDOW])
        return " ".join(words)

    # -- learning ------------------------------------------------------------------------------

    def _earlier(self, e: int) -> np.ndarray:
        """Candidates published before entry ``e`` (what its writer could have linked)."""
        return np.array([o < self.order[e] for o in self.order])

    def _fit_refs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        X, y = [], []
        for e, targets in enumerate(self.cites):
            if not targets:
                continue
            mask = self._earlier(e)
            gold = np.zeros(len(self.docs), bool)
            gold[targets] = True
            if not (gold & mask).any():
                continue
            signals = self._ref_signals(self.query(self.docs[e].text), exclude=e)
            X.append(signals[mask])
            y.append(gold[mask])
        return _ranker(X, y)

    def _fit_anchors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        X, y = [], []
        for e, used in enumerate(self.doc_anchors):
            if not used:
                continue
            mask = self._earlier(e)
            context = self.query(self.docs[e].text)
            base = self._ref_signals(context, exclude=e)
            for p, t in used:
                if p == self.title_phrases[t] or not mask[t]:
                    continue
                signals = self._anchor_signals(p, context, exclude=e, base=base)
                gold = np.zeros(len(self.docs), bool)
                gold[t] = True
                X.append(signals[mask])
                y.append(gold[mask])
        return _ranker(X, y)

    # -- ranking -------------------------------------------------------------------------------

    @staticmethod
    def _score(signals: np.ndarray, weights: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> np.ndarray:
        if weights is None:  # nothing to learn from yet: text likeness alone
            return signals[:, 0]
        mean, scale, w = weights
        return np.asarray(((signals - mean) / scale) @ w)

    def rank_refs(self, text: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` likeliest link targets for a text: (entry index, score), best first."""
        scores = self._score(self._ref_signals(self.query(text)), self.ref_weights)
        return _top(scores, k)

    def rank_anchor(self, anchor: str, context: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` likeliest entries an anchor means, given the text it stands in."""
        q = self.query(context if phrase(anchor) in phrase(context) else f"{anchor}\n{context}")
        scores = self._score(self._anchor_signals(anchor, q), self.anchor_weights)
        return _top(scores, k)


def _top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    k = min(k, len(scores))
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    return [(int(i), float(scores[i])) for i in best[np.argsort(-scores[best], kind="stable")]]

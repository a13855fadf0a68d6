"""The lexical baseline of the assist benchmark, on the same held-out split as `precis bench assist`.

Category: TF-IDF + logistic regression. Refs: the entries whose TF-IDF vector is closest to the text.
Anchor: the entries closest to the anchor plus its context. It is the reference the suggesters must
beat; BENCHMARKS.md ("Assist") records both.

Usage: python benchmarks/assist_baseline.py STORE.db [CUTOFF ...]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from precis.assist.corpus import load_knowledge
from precis.assist.split import build_split, score
from precis.store import Store


def baseline(store: Store, cutoff: int, workdir: Path) -> dict:
    split = build_split(store, cutoff, workdir)
    docs = load_knowledge(split.known).docs
    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    X = vec.fit_transform([d.text for d in docs])
    labelled = [i for i, d in enumerate(docs) if d.category]
    lr = LogisticRegression(C=10, max_iter=3000).fit(X[labelled], [docs[i].category for i in labelled])
    results = {}
    for q in split.queries:
        if q["kind"] == "category":
            p = lr.predict_proba(vec.transform([q["text"]]))[0]
            results[q["id"]] = [lr.classes_[i] for i in np.argsort(-p)[: q["k"]]]
        else:
            text = q["text"] if q["kind"] == "refs" else f"{q['text']} {q['context']}"
            sims = (X @ vec.transform([text]).T).toarray().ravel()
            results[q["id"]] = [docs[i].title for i in np.argsort(-sims)[: q["k"]]]
    return score(split, results)


if __name__ == "__main__":
    db, cutoffs = sys.argv[1], [int(c) for c in sys.argv[2:]] or [121]
    with tempfile.TemporaryDirectory() as tmp:
        for c in cutoffs:
            print(json.dumps(baseline(Store(db), c, Path(tmp) / str(c))))

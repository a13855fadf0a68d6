"""The temporal split of the benchmark: a store of older issues, and questions about newer ones.

Knowledge is every entry published before issue N (of the publication's own series, e.g. "AN #121";
older series such as "Recon" come before it), copied into a fresh SQLite store through the library.
Questions come from the entries published in issue N and later, with the answers their writers gave:
their category, the earlier entries they link, and which entry each link's words meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from precis.assist.corpus import canonical_category, entry_text
from precis.errors import PrecisError
from precis.markup import Resolver, find_references, normalize_key
from precis.model import Entry, Issue, issue_label
from precis.record import record_from_entry
from precis.store import Store, import_records, publication_entries, settings_of


@dataclass
class Split:
    cutoff: str  # "AN #121"
    known: Store
    known_entries: int
    query_entries: int
    queries: list[dict[str, Any]]  # batch lines
    answers: dict[str, Any]  # query id -> the category name, or the set of right titles (normalized)


def build_split(store: Store, cutoff: int, workdir: Path) -> Split:
    """Build the store of entries before issue ``cutoff`` in ``workdir`` and the questions after it."""
    with store.session() as s:
        pub = store.default_publication(s)
        settings = settings_of(pub)
        prefix = settings.issue_prefix
        rank = {name: i for i, name in enumerate(settings.series)}
        if prefix not in rank:
            raise PrecisError(f"publication {pub.slug!r}: its series list lacks its own prefix {prefix!r}")
        numbers = set(s.scalars(select(Issue.number).where(Issue.series == prefix)))
        if cutoff not in numbers:
            raise PrecisError(f"--cutoff {cutoff}: the store has no issue {issue_label(prefix, cutoff)}")
        resolver = Resolver.from_session(s, settings.series, before=(prefix, cutoff))
        cut = (rank[prefix], cutoff)
        older: list[Entry] = []
        newer: list[Entry] = []
        for e in publication_entries(s, pub):
            if e.issue is not None:
                (older if (rank.get(e.issue.series, len(rank)), e.issue.number) < cut else newer).append(e)
        records = [record_from_entry(e) for e in older]
        queries: list[dict[str, Any]] = []
        answers: dict[str, Any] = {}
        for e in newer:
            opinions = [o.text for o in e.opinions]
            text = entry_text(e.title, e.summary, opinions)
            category = canonical_category(settings, e.category)
            if category:
                qid = f"{e.id}:category"
                queries.append({"id": qid, "kind": "category", "text": text, "k": 3})
                answers[qid] = category
            targets: set[str] = set()
            seen_anchors: set[str] = set()
            for part in (e.summary, *opinions):
                for ref in find_references(part):
                    target = resolver.resolve(ref.key)
                    if target is None:
                        continue
                    title = normalize_key(target.title)
                    targets.add(title)
                    anchor = " ".join(ref.anchor.split())
                    if normalize_key(anchor) == title or normalize_key(anchor) in seen_anchors:
                        continue
                    seen_anchors.add(normalize_key(anchor))
                    qid = f"{e.id}:anchor:{len(seen_anchors)}"
                    queries.append({"id": qid, "kind": "anchor", "text": anchor, "context": text, "k": 5})
                    answers[qid] = {title}
            if targets:
                qid = f"{e.id}:refs"
                queries.append({"id": qid, "kind": "refs", "text": text, "k": 10})
                answers[qid] = targets
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"known-{cutoff}.db"
    if path.exists():
        path.unlink()
    known = Store(str(path))
    known.init(settings)
    label = issue_label(prefix, cutoff)
    import_records(known, records, by=f"bench split before {label}")
    return Split(label, known, len(older), len(newer), queries, answers)


def score(split: Split, results: dict[str, list[str]]) -> dict[str, Any]:
    """The figures: category top-1/top-3 accuracy, refs recall@10 and anchor recall@5.

    Recall counts each (entry, linked entry) pair once, pooled over all entries (micro average);
    the mean over entries (macro) is given beside it.
    """
    cat1 = cat3 = ncat = 0
    ref_hits = ref_total = 0
    ref_macro: list[float] = []
    anchor_hits = nanchor = 0
    for q in split.queries:
        got = [normalize_key(r) for r in results.get(q["id"], [])]
        answer = split.answers[q["id"]]
        if q["kind"] == "category":
            ncat += 1
            want = normalize_key(answer)
            cat1 += got[:1] == [want]
            cat3 += want in got[:3]
        elif q["kind"] == "refs":
            hits = len(answer & set(got[:10]))
            ref_hits += hits
            ref_total += len(answer)
            ref_macro.append(hits / len(answer))
        else:
            nanchor += 1
            anchor_hits += bool(answer & set(got[:5]))
    return {
        "cutoff": split.cutoff,
        "known_entries": split.known_entries,
        "query_entries": split.query_entries,
        "category_queries": ncat,
        "category_top1": round(cat1 / ncat, 4) if ncat else None,
        "category_top3": round(cat3 / ncat, 4) if ncat else None,
        "refs_queries": len(ref_macro),
        "refs_links": ref_total,
        "refs_recall_at_10": round(ref_hits / ref_total, 4) if ref_total else None,
        "refs_recall_at_10_macro": round(sum(ref_macro) / len(ref_macro), 4) if ref_macro else None,
        "anchor_queries": nanchor,
        "anchor_recall_at_5": round(anchor_hits / nanchor, 4) if nanchor else None,
    }

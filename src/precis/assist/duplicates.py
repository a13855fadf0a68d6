"""Entries that are probably the same work, filed twice.

Four kinds of evidence, each strong on its own, all read by ``precis.identity``:

- the same arXiv paper (``arxiv.org/abs/2001.08361v2`` and ``.../pdf/2001.08361.pdf`` are one id;
  the version is ignored);
- the same DOI (``doi.org/10.1080/…`` and the publisher's ``…/doi/full/10.1080/…``);
- the same link after normalizing it (scheme, ``www.``, trailing slash, fragment, tracking
  parameters, letter case of the host; one forum post on LessWrong, the Alignment Forum and
  GreaterWrong is one link);
- near-identical titles (rapidfuzz ratio of the title keys of at least ``TITLE_SIMILARITY``).

Entries joined by any of them form one group. A shared link or a similar title is not taken as
evidence when the titles tell two works apart: different numbers ("Part 1" and "Part 2", the 2019
and 2020 editions of a review) or a word that marks a work about another ("Comment on …",
"… (Addendum)"). Links shared by more than ``MAX_SHARED_LINK`` entries (a front page) never count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from precis.assist.text import phrase
from precis.identity import arxiv_id, doi_of, title_key, url_key
from precis.model import Entry
from precis.store import Store

TITLE_SIMILARITY = 95
MIN_TITLE_WORDS = 2  # one-word titles ("Introduction") are too plain to prove anything
MAX_SHARED_LINK = 3
DERIVED = frozenset("addendum comment comments response reply responses errata followup follow up sequel".split())


@dataclass
class Item:
    id: int
    title: str
    issue: str | None
    link: str | None


@dataclass
class Group:
    """Entries that are probably one work, and why."""

    items: list[Item]
    reasons: list[str] = field(default_factory=list)


def distinct_works(a: str, b: str) -> bool:
    """Whether two titles name different works even though they look alike (see module doc)."""
    wa, wb = set(phrase(a).split()), set(phrase(b).split())
    numbers = {w for w in wa ^ wb if any(ch.isdigit() for ch in w)}
    return bool(numbers or (wa ^ wb) & DERIVED)


def find_duplicates(store: Store) -> list[Group]:
    """Every group of entries that look like the same work, in the order of their first entry."""
    with store.session() as s:
        pub = store.default_publication(s)
        entries = s.scalars(
            select(Entry)
            .where(Entry.publication_id == pub.id)
            .options(selectinload(Entry.issue))
            .order_by(Entry.position, Entry.id)
        ).all()
        items = [
            Item(e.id, " ".join(e.title.split()), e.issue.label if e.issue else e.issue_note, e.link)
            for e in entries
        ]
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reasons: dict[tuple[int, int], set[str]] = defaultdict(set)

    def join(i: int, j: int, why: str) -> None:
        a, b = sorted((i, j))
        reasons[(a, b)].add(why)
        parent[root(b)] = root(a)

    by_id: dict[str, list[int]] = defaultdict(list)  # "arXiv 2001.08361", "DOI 10.1080/…"
    by_link: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        if aid := arxiv_id(item.link):
            by_id[f"arXiv {aid}"].append(i)
        if doi := doi_of(item.link):
            by_id[f"DOI {doi}"].append(i)
        if link := url_key(item.link):
            by_link[link].append(i)
    for why, members in by_id.items():
        for j in members[1:]:
            join(members[0], j, why)
    for members in by_link.values():
        if 1 < len(members) <= MAX_SHARED_LINK:
            for n, i in enumerate(members):
                for j in members[n + 1 :]:
                    if not distinct_works(items[i].title, items[j].title):
                        join(i, j, "same link")

    titles = [title_key(item.title) for item in items]
    usable = [i for i, t in enumerate(titles) if len(t.split()) >= MIN_TITLE_WORDS]
    scores = process.cdist(
        [titles[i] for i in usable], [titles[i] for i in usable], scorer=fuzz.ratio,
        score_cutoff=TITLE_SIMILARITY, workers=-1,
    )
    for a, b in zip(*scores.nonzero(), strict=True):
        i, j = usable[a], usable[b]
        if a < b and not distinct_works(items[i].title, items[j].title):
            join(i, j, "same title" if titles[i] == titles[j] else "near-identical title")

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        groups[root(i)].append(i)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        found = sorted({r for (a, _b), rs in reasons.items() if a in members for r in rs})
        out.append(Group([items[i] for i in members], found))
    out.sort(key=lambda g: g.items[0].id)
    return out

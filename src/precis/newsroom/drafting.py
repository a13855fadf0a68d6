"""What the editor page needs beyond saving: duplicates of a new work, previews made by the editions'
own renderers, cross-references checked as ``precis check`` checks them, reference and category
suggestions, the merge of a conflicting save and word-level diffs of revisions.

The web layer (``precis.web.newsroom.editor``) stays a thin shell over these functions.
"""

from __future__ import annotations

import difflib
import html
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from rapidfuzz import fuzz
from sqlalchemy import func, select

from precis.identity import arxiv_id, doi_of, title_key, url_key
from precis.markup import find_references
from precis.model import Entry, Issue, Revision, issue_label, work_link
from precis.store import Store

if TYPE_CHECKING:
    from precis.assist import Assistant
    from precis.render.editions import Editions


# -- duplicates of a work not yet saved ------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """A stored entry that is probably the work being added, and why."""

    id: int
    title: str
    issue: str | None
    status: str
    reason: str


def duplicates_of(store: Store, title: str, url: str | None, limit: int = 5) -> list[Duplicate]:
    """Stored entries that are probably the same work as (``title``, ``url``), by the evidence
    ``precis.assist.duplicates`` accepts: the same arXiv id or DOI, the same link (unless the titles
    tell the works apart), a near-identical title (same threshold, same "distinct works" rule)."""
    # Imported here: the assist package brings scikit-learn, seconds the app need not spend at start.
    from precis.assist.duplicates import MAX_SHARED_LINK, MIN_TITLE_WORDS, TITLE_SIMILARITY, distinct_works

    title = " ".join((title or "").split())
    aid, doi, link = arxiv_id(url), doi_of(url), url_key(url)
    key = title_key(title)
    if not (aid or doi or link) and len(key.split()) < MIN_TITLE_WORDS:
        return []
    with store.session() as s:
        pub = store.default_publication(s)
        found_rows = s.execute(
            select(Entry.id, Entry.title, Issue.series, Issue.number, Entry.status, Entry.title_url, Entry.url)
            .outerjoin(Issue, Entry.issue_id == Issue.id)
            .where(Entry.publication_id == pub.id)
            .order_by(Entry.position, Entry.id)
        ).all()
    rows = [(i, " ".join(t.split()), issue_label(series, number) if series is not None else None, status,
             work_link(title_url, url)) for i, t, series, number, status, title_url, url in found_rows]
    by_link = [r for r in rows if link and url_key(r[4]) == link]
    shared_link_counts = len(by_link) < MAX_SHARED_LINK  # a front page shared by many proves nothing
    found: list[Duplicate] = []
    for ident, stored_title, issue, status, stored_link in rows:
        reason = None
        if aid and arxiv_id(stored_link) == aid:
            reason = f"same arXiv id {aid}"
        elif doi and doi_of(stored_link) == doi:
            reason = f"same DOI {doi}"
        elif link and shared_link_counts and url_key(stored_link) == link and not distinct_works(title, stored_title):
            reason = "same link"
        elif len(key.split()) >= MIN_TITLE_WORDS:
            other = title_key(stored_title)
            score = fuzz.ratio(key, other)
            if score >= TITLE_SIMILARITY and not distinct_works(title, stored_title):
                reason = "same title" if key == other else f"near-identical title ({score:.0f}% alike)"
        if reason:
            found.append(Duplicate(ident, stored_title, issue, status, reason))
    return found[:limit]


# -- previews and cross-references -----------------------------------------------------------------

_editions_lock = threading.Lock()
_editions: dict[str, tuple[tuple[Any, ...], Editions]] = {}


def _mark(store: Store) -> tuple[Any, ...]:
    """What changes whenever an entry is added, saved or removed (every save leaves a revision)."""
    with store.session() as s:
        entries = tuple(s.execute(select(func.count(Entry.id), func.max(Entry.id))).one())
        return (*entries, s.scalar(select(func.max(Revision.id))))


def editions(store: Store) -> Editions:
    """The store's editions (``Editions.load``), kept while the store's entries are unchanged, so a
    preview typed letter by letter does not read every entry each time."""
    from precis.render.editions import Editions

    mark = _mark(store)
    with _editions_lock:
        cached = _editions.get(store.url)
        if cached is not None and cached[0] == mark:
            return cached[1]
    loaded = Editions.load(store, warn=lambda _message: None)
    with _editions_lock:
        _editions[store.url] = (mark, loaded)
    return loaded


def preview_html(store: Store, text: str | None) -> Markup:
    """Summary markup as the email will show it: the editions' HTML renderer (it escapes raw HTML and
    passes every link through the link policy), cross-references resolved to public entries."""
    return editions(store).text_html(text or "")


@dataclass(frozen=True)
class Unresolved:
    """A cross-reference that matches no entry, with the closest titles (as ``precis check`` says)."""

    key: str
    closest: list[str]


def unresolved_references(store: Store, text: str | None) -> list[Unresolved]:
    """The cross-references of ``text`` that match no entry of the store, each once, in order."""
    resolver = editions(store).resolver
    out: dict[str, Unresolved] = {}
    for ref in find_references(text):
        key = ref.key.strip()
        if key and key.casefold() not in out and resolver.resolve(ref.key) is None:
            out[key.casefold()] = Unresolved(key, resolver.closest(ref.key))
    return list(out.values())


def title_search(store: Store, query: str, limit: int = 8, exclude: int | None = None) -> list[str]:
    """Titles of stored entries containing every word of ``query``, earliest entry first."""
    words = [w for w in re.split(r"\s+", query.strip()) if w][:6]
    if not words:
        return []
    with store.session() as s:
        stmt = select(Entry.title).order_by(Entry.position, Entry.id).limit(limit * 3)
        for w in words:
            stmt = stmt.where(Entry.title.ilike(f"%{_like(w)}%", escape="\\"))
        if exclude is not None:
            stmt = stmt.where(Entry.id != exclude)
        titles = [" ".join(t.split()) for t in s.scalars(stmt)]
    return list(dict.fromkeys(t for t in titles if t))[:limit]


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- assist, loaded once per process, in the background --------------------------------------------


class _AssistLoader:
    """Training the assistant on a large archive takes minutes the first time (then it is read from
    its cache): it is loaded once per process in a thread, and the pages ask for suggestions again
    until it is ready. A model a few saves old suggests just as well; title search covers new entries."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ready: dict[str, Assistant] = {}
        self.loading: set[str] = set()
        self.failed: dict[str, str] = {}

    def get(self, store: Store) -> Assistant | None:
        with self.lock:
            if store.url in self.ready:
                return self.ready[store.url]
            if store.url in self.loading or store.url in self.failed:
                return None
            self.loading.add(store.url)
        threading.Thread(target=self._load, args=(store,), daemon=True, name="precis-assist").start()
        return None

    def _load(self, store: Store) -> None:
        try:
            from precis.assist import Assistant

            assistant = Assistant.for_store(store)
        except Exception as exc:  # suggestions are optional: the page says why there are none
            with self.lock:
                self.failed[store.url] = str(exc) or type(exc).__name__
                self.loading.discard(store.url)
            return
        with self.lock:
            self.ready[store.url] = assistant
            self.loading.discard(store.url)

    def wait(self, store: Store, timeout: float) -> Assistant | None:
        """The assistant, waiting up to ``timeout`` seconds for it (tests, and the first request)."""
        import time

        deadline = time.monotonic() + timeout
        while (found := self.get(store)) is None and time.monotonic() < deadline:
            if store.url in self.failed:
                return None
            time.sleep(0.05)
        return found

    def failure(self, store: Store) -> str | None:
        return self.failed.get(store.url)


assistants = _AssistLoader()


def category_suggestions(store: Store, text: str, k: int = 3) -> list[str] | None:
    """Assist's categories for the text, best first; None while assist is still loading."""
    assistant = assistants.get(store)
    if assistant is None:
        return None
    return assistant.category(text, k) if text.strip() else []


def reference_suggestions(store: Store, text: str, query: str, k: int = 8, exclude: int | None = None) -> list[str]:
    """Earlier entries to offer after ``<@``: titles matching what was typed after it, then (with
    nothing typed, or to fill up) assist's reference suggestions for the text being written."""
    out = title_search(store, query, k, exclude) if query.strip() else []
    assistant = assistants.get(store)
    if assistant is not None and len(out) < k and text.strip():
        folded = query.casefold().split()
        own = _own_title(store, exclude)
        for title in assistant.refs(text, k * 2):
            if all(w in title.casefold() for w in folded) and title.strip().casefold() != own:
                out.append(" ".join(title.split()))
    return list(dict.fromkeys(out))[:k]


def _own_title(store: Store, entry_id: int | None) -> str | None:
    """The folded title of the entry being written: never offered as a reference to itself."""
    if entry_id is None:
        return None
    with store.session() as s:
        title = s.scalar(select(Entry.title).where(Entry.id == entry_id))
    return title.strip().casefold() if title else None


# -- merging a conflicting save --------------------------------------------------------------------


def base_of(store: Store, entry_id: int, version: int) -> dict[str, Any] | None:
    """The entry as it was at ``version`` (the snapshot of the revision that made it), if known."""
    with store.session() as s:
        rev = s.scalars(
            select(Revision).where(Revision.entry_id == entry_id, Revision.version == version)
            .order_by(Revision.id.desc()).limit(1)
        ).first()
        return dict(rev.after) if rev is not None and rev.after is not None else None


@dataclass
class Merge:
    """A save that met a newer version: the values to put in the form (``values``, opinions
    included), the fields both people changed (``conflicts``: field -> their value), and the fields
    only the other person changed, taken from them (``taken``)."""

    values: dict[str, Any]
    conflicts: dict[str, Any]
    taken: list[str]


def merge(mine: dict[str, Any], theirs: dict[str, Any], base: dict[str, Any] | None) -> Merge:
    """Three-way merge of a form's values into the entry as it is now (see ``Merge``). A field changed
    only by me keeps my value; only by them, takes theirs; by both, keeps mine in the form and shows
    theirs beside it. Opinions merge one by one, by id; an opinion added by either side is kept."""
    values: dict[str, Any] = {}
    conflicts: dict[str, Any] = {}
    taken: list[str] = []
    for name, value in mine.items():
        if name == "opinions":
            continue
        other = theirs.get(name)
        if same_value(value, other):
            values[name] = value
        elif base is not None and same_value(value, base.get(name)):
            values[name] = other
            taken.append(name)
        else:
            values[name] = value
            if base is None or not same_value(other, base.get(name)):
                conflicts[name] = other
    if "opinions" in mine:
        values["opinions"] = _merge_opinions(mine["opinions"], theirs.get("opinions") or [],
                                             (base or {}).get("opinions"), conflicts, taken)
    return Merge(values, conflicts, taken)


def _merge_opinions(
    mine: list[dict[str, Any]], theirs: list[dict[str, Any]], base: list[dict[str, Any]] | None,
    conflicts: dict[str, Any], taken: list[str],
) -> list[dict[str, Any]]:
    their_by_id = {o["id"]: o for o in theirs}
    base_by_author = {(o.get("author"), o.get("text")) for o in base or []}
    out: list[dict[str, Any]] = []
    for o in mine:
        other = their_by_id.pop(o.get("id"), None) if o.get("id") is not None else None
        if o.get("id") is not None and other is None:
            # Removed by them (or by me if it was never theirs to keep): keep my words, as a new opinion.
            out.append({**o, "id": None})
            continue
        if other is not None and other["text"] != o["text"]:
            if (o.get("author"), o["text"]) in base_by_author:
                out.append({**o, "text": other["text"]})
                taken.append(f"opinion-{o['id']}")
                continue
            conflicts[f"opinion-{o['id']}"] = other["text"]
        out.append(dict(o))
    for other in their_by_id.values():  # added by them meanwhile
        out.append({"id": other["id"], "author": other.get("author"), "text": other["text"],
                    "person_id": other.get("person_id")})
        taken.append(f"opinion-{other['id']}")
    return out


def same_value(a: Any, b: Any) -> bool:
    """Equal as a form shows them (an empty text and no text are the same; line ends ignored)."""
    def norm(v: Any) -> Any:
        if v is None or v == "":
            return None
        return v.replace("\r\n", "\n") if isinstance(v, str) else v

    return bool(norm(a) == norm(b))


# -- diffs of revisions ----------------------------------------------------------------------------

_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: Any, new: Any) -> Markup:
    """A word-level diff of two values as HTML: removed words in ``<del>``, added ones in ``<ins>``;
    every word escaped."""
    a, b = _as_text(old), _as_text(new)
    wa, wb = _WORDS.findall(a), _WORDS.findall(b)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(wa[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{html.escape(''.join(wa[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{html.escape(''.join(wb[j1:j2]))}</ins>")
    return Markup("".join(out))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # opinions
        return "\n\n".join(f"{o.get('author') or 'Unsigned'}: {o.get('text') or ''}" for o in value)
    return str(value)


def revision_diff(a: dict[str, Any], b: dict[str, Any], fields: tuple[str, ...]) -> list[tuple[str, Markup]]:
    """The fields that differ between two snapshots, each with its word diff, in ``fields`` order."""
    return [(name, word_diff(a.get(name), b.get(name))) for name in fields
            if _as_text(a.get(name)) != _as_text(b.get(name))]


# -- what a person may do on an entry --------------------------------------------------------------


@dataclass(frozen=True)
class Abilities:
    """What the person may do on one entry: edit its fields, which opinions are theirs to edit,
    add an opinion, and the statuses they may move it to."""

    edit: bool
    opinions: frozenset[int]
    opine: bool
    moves: tuple[str, ...]


def abilities(store: Store, person: Any, entry_id: int) -> Abilities:
    from precis.model import STATUSES
    from precis.newsroom import entries, permissions

    with store.session() as s:
        entry = entries.load_entry(s, entry_id)
        return Abilities(
            edit=permissions.may_edit(person, entry),
            opinions=frozenset(o.id for o in entry.opinions if permissions.may_edit_opinion(person, o)),
            opine=permissions.may(person, "opine")
            and (entry.status != "published" or person.role in permissions.EDITORS),
            moves=tuple(st for st in STATUSES if st != entry.status and permissions.may_move(person, entry, st)),
        )


def team_names(store: Store) -> list[str]:
    """The names the team can be @mentioned by (for the hint under a comment box)."""
    from precis.model import Person

    with store.session() as s:
        return [p.name for p in s.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.name))]

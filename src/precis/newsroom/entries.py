"""Writing entries in the newsroom: create, save on a version, move through statuses, restore.

Every function takes the person acting and checks the permissions table (``permissions``) before it
writes; every write is one transaction (``Store.session``) that leaves a revision with the person and
the entry's new version, and a line of activity. A save names the version it was made on: when the
entry moved on meanwhile it is refused with ``Conflict`` carrying the entry as it is now, never
written over. The check is made twice: on reading (the common case, a clear message) and by the
database itself (``version_id_col`` puts the version in the UPDATE's WHERE clause), so that two
processes saving at once on PostgreSQL cannot both win.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from precis.errors import Conflict, Forbidden, InvalidValue, NotFound
from precis.links import link_problem
from precis.model import PUBLIC_LEVELS, STATUSES, Activity, Entry, Opinion, Person, Revision, utcnow
from precis.newsroom import permissions
from precis.record import CELL_LIMIT, YEAR_RANGE, record_from_entry, text_problem, validate
from precis.store import Store, set_authors

#: Fields a save may change, by type. ``opinions`` and ``assignee`` are handled on their own.
TEXT_FIELDS = (
    "title", "title_url", "url", "authors", "venue", "venue_url", "hat_tip", "category", "summarizer",
    "summary", "prerequisites", "prerequisites_url", "read_more", "read_more_url", "notes",
)
LINK_FIELDS = ("title_url", "url", "venue_url", "prerequisites_url", "read_more_url")
INT_FIELDS = ("year", "priority")
FIELDS = (*TEXT_FIELDS, *INT_FIELDS, "highlight", "public_level", "opinions", "assignee_id")
# What an opinion in a save may hold ("person_id", as the entry shows it, is read but never changed).
_OPINION_KEYS = frozenset({"id", "author", "text", "person_id"})


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as the newsroom (pages and API) shows it to staff: every field, its status,
    assignee and version, its opinions with who may edit them."""
    data: dict[str, Any] = {"id": entry.id, "version": entry.version, "status": entry.status}
    for name in (*TEXT_FIELDS, *INT_FIELDS, "highlight", "public_level"):
        data[name] = getattr(entry, name)
    data["opinions"] = [
        {"id": o.id, "author": o.author, "text": o.text, "person_id": o.person_id} for o in entry.opinions
    ]
    data["assignee_id"] = entry.assignee_id
    data["assignee"] = entry.assignee.name if entry.assignee is not None else None
    data["issue"] = entry.issue.label if entry.issue is not None else None
    data["created_at"] = entry.created_at.isoformat()
    data["updated_at"] = entry.updated_at.isoformat()
    return data


def load_entry(session: Session, entry_id: int) -> Entry:
    entry = session.scalar(
        select(Entry)
        .where(Entry.id == entry_id)
        .options(selectinload(Entry.opinions), selectinload(Entry.issue), selectinload(Entry.assignee))
    )
    if entry is None:
        raise NotFound(f"no entry {entry_id}", kind="entry", key=str(entry_id))
    return entry


def get_entry(store: Store, entry_id: int) -> dict[str, Any]:
    with store.session() as s:
        return entry_json(load_entry(s, entry_id))


def _person(session: Session, actor: Person) -> Person:
    """The acting person as a row of this session (and still active)."""
    person = session.get(Person, actor.id)
    if person is None or not person.active:
        raise Forbidden(f"{actor.email} is no longer on the team")
    return person


def _writer(store: Store, actor: Person) -> Any:
    return store.session(by=actor.name, person_id=actor.id)


def create_entry(store: Store, actor: Person, fields: dict[str, Any], status: str = "draft") -> dict[str, Any]:
    """A new entry from ``fields`` (a title at least), assigned to its creator unless the fields say
    otherwise. ``status`` is "draft" (the creator writes it) or "idea" (for anyone to take)."""
    with _writer(store, actor) as s:
        return entry_json(write_entry(s, store, _person(s, actor), fields, status))


def write_entry(session: Session, store: Store, person: Person, fields: dict[str, Any], status: str = "draft") -> Entry:
    """``create_entry`` in the caller's transaction (for work that writes more beside it, such as
    making a triage candidate into an idea); ``person`` is a row of ``session``."""
    permissions.require(person, "create", "create entries")
    if status not in ("draft", "idea"):
        raise InvalidValue("status", status, "a new entry is an idea or a draft")
    pub = store.default_publication(session)
    last = session.scalar(select(func.max(Entry.position)).where(Entry.publication_id == pub.id))
    entry = Entry(
        publication_id=pub.id, title="", status=status, opinions=[], author_list=[], position=(last or 0) + 1,
        highlight=False, public_level="Yes", issue_linked=True,
    )
    entry.assignee = person if status == "draft" else None
    changes = _clean(session, fields, entry, person, creating=True)
    if not changes.get("title", "").strip():
        raise InvalidValue("title", changes.get("title", ""), "an entry needs a title")
    _apply(session, entry, changes, person)
    session.add(entry)
    session.flush()
    _log(session, person, entry, "created", {"status": status, "title": entry.title.strip()})
    return entry


def save_entry(store: Store, actor: Person, entry_id: int, version: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """Save ``fields`` on the entry, made on ``version``: the entry with its new version, or
    ``Conflict`` (with the entry as it is now) when it changed since ``version``."""
    expected = _version(version)
    try:
        with _writer(store, actor) as s:
            person = _person(s, actor)
            entry = load_entry(s, entry_id)
            if entry.version != expected:
                raise _conflict(entry, expected)
            changed = apply_fields(s, person, entry, fields)
            if changed:
                s.flush()
                _log(s, person, entry, "saved", {"fields": changed, "version": entry.version})
            return entry_json(entry)
    except StaleDataError:  # another process saved between our read and our write
        current = get_entry(store, entry_id)
        raise Conflict(
            f"entry {entry_id} was changed by someone else (now version {current['version']}); "
            f"your change was made on version {expected}",
            current,
        ) from None


def apply_fields(session: Session, person: Person, entry: Entry, fields: dict[str, Any]) -> list[str]:
    """Check ``fields`` as a save does (who may change what, each value's rules) and set them on the
    entry in the caller's transaction; the names of the fields that changed. For a change that is
    saved under a name of its own (an author's edit, applied by an editor)."""
    return _apply(session, entry, _clean(session, fields, entry, person, creating=False), person)


def set_status(
    store: Store, actor: Person, entry_id: int, status: str, comment: str | None = None,
    assignee_id: int | None = None,
) -> dict[str, Any]:
    """Move the entry to ``status`` (``permissions.TRANSITIONS``), with an optional comment (sending
    back for changes says why). Taking an idea (idea -> draft) assigns it to the taker unless
    ``assignee_id`` names someone; assigning (idea -> assigned) needs ``assignee_id``."""
    if status not in STATUSES:
        raise InvalidValue("status", status, f"not one of {', '.join(STATUSES)}")
    if status in permissions.ISSUE_STATUSES:
        raise InvalidValue("status", status, "set by composing and publishing an issue, not by hand")
    with _writer(store, actor) as s:
        person = _person(s, actor)
        entry = load_entry(s, entry_id)
        before = entry.status
        if before == status:
            return entry_json(entry)
        if not permissions.may_move(person, entry, status):
            raise Forbidden(f"a {person.role} may not move entry {entry_id} from {before} to {status}")
        if (before, status) in permissions.NEEDS_COMMENT and not (comment and comment.strip()):
            raise InvalidValue("comment", comment or "", f"moving an entry from {before} to {status} needs a comment "
                                                         "saying why")
        if status == "assigned":
            if assignee_id is None:
                raise InvalidValue("assignee_id", None, "assigning an entry needs the person to assign it to")
            entry.assignee = _assignee(s, assignee_id)
        elif before == "idea" and status == "draft" and entry.assignee_id is None:
            entry.assignee = person if assignee_id is None else _assignee(s, assignee_id)
        entry.status = status
        s.flush()
        detail: dict[str, Any] = {"from": before, "to": status, "version": entry.version}
        if comment and comment.strip():
            from precis.newsroom.comments import write_comment

            detail["comment_id"] = write_comment(s, person, entry, comment).id
        _log(s, person, entry, "status", detail)
        return entry_json(entry)


def restore_revision(store: Store, actor: Person, entry_id: int, revision_id: int, version: Any) -> dict[str, Any]:
    """Make the entry as it was after revision ``revision_id`` again, as a new revision (on
    ``version``, like any save). Its status, issue and assignee stay as they are now."""
    with store.session() as s:
        rev = s.get(Revision, revision_id)
        if rev is None or rev.entry_id != entry_id or rev.after is None:
            raise NotFound(f"entry {entry_id} has no revision {revision_id} to restore", kind="revision")
        old = rev.after
    fields: dict[str, Any] = {name: old.get(name) for name in FIELDS if name in old and name != "assignee_id"}
    fields["opinions"] = [{"author": o.get("author"), "text": o.get("text") or ""} for o in old.get("opinions", [])]
    result = save_entry(store, actor, entry_id, version, fields)
    with _writer(store, actor) as s:
        _log(s, _person(s, actor), load_entry(s, entry_id), "restored",
             {"revision": revision_id, "version": result["version"]})
    return result


def revisions(store: Store, entry_id: int) -> list[dict[str, Any]]:
    """The entry's revisions, oldest first: id, when, by whom, the version made, what changed."""
    with store.session() as s:
        load_entry(s, entry_id)
        rows = s.scalars(select(Revision).where(Revision.entry_id == entry_id).order_by(Revision.id)).all()
        return [
            {
                "id": r.id, "at": r.at.isoformat(), "by": r.by, "person_id": r.person_id, "version": r.version,
                "changed": sorted(changed_fields(r.before, r.after)),
            }
            for r in rows
        ]


def revision_data(store: Store, entry_id: int, revision_id: int) -> dict[str, Any]:
    """The entry as it was after one revision (the revision's snapshot)."""
    with store.session() as s:
        rev = s.get(Revision, revision_id)
        if rev is None or rev.entry_id != entry_id:
            raise NotFound(f"entry {entry_id} has no revision {revision_id}", kind="revision")
        return dict(rev.after or {})


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> set[str]:
    before, after = before or {}, after or {}
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


# -- the rules of a save ------------------------------------------------------------------------


def _version(version: Any) -> int:
    if isinstance(version, bool) or not isinstance(version, int):
        if isinstance(version, str) and version.isdigit():
            return int(version)
        raise InvalidValue("version", version, "give the version your change was made on (a whole number)")
    return int(version)


def _conflict(entry: Entry, expected: int) -> Conflict:
    return Conflict(
        f"entry {entry.id} was changed by someone else (now version {entry.version}); "
        f"your change was made on version {expected}",
        entry_json(entry),
    )


def _assignee(session: Session, person_id: Any) -> Person:
    if isinstance(person_id, bool) or not isinstance(person_id, int):
        raise InvalidValue("assignee_id", person_id, "not a person's id")
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise InvalidValue("assignee_id", person_id, "no such person on the team")
    return person


def _clean(session: Session, fields: dict[str, Any], entry: Entry, person: Person, creating: bool) -> dict[str, Any]:
    """The fields checked and normalized, or ``InvalidValue`` / ``Forbidden`` naming the field."""
    if not isinstance(fields, dict):
        raise InvalidValue("fields", type(fields).__name__, "give the fields to change as an object")
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InvalidValue(unknown[0], fields[unknown[0]], f"not a field of an entry (fields: {', '.join(FIELDS)})")
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            if value is not None and not isinstance(value, str):
                raise InvalidValue(name, value, "must be text")
            if isinstance(value, str):
                value = value.replace("\r\n", "\n")
                if problem := text_problem(value):
                    raise InvalidValue(name, value[:40], problem)
                if name in LINK_FIELDS:
                    value = value.strip()
                    if problem := link_problem(value):
                        raise InvalidValue(name, value, problem)
                value = value or None
            if name == "title":
                value = value or ""
        elif name in INT_FIELDS:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidValue(name, value, "must be a whole number")
            if name == "year" and value is not None and not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
                raise InvalidValue(name, value, f"not a year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}")
            if name == "priority" and value is not None and not 1 <= value <= 10:
                raise InvalidValue(name, value, "not a number from 1 to 10")
        elif name == "highlight":
            if not isinstance(value, bool):
                raise InvalidValue(name, value, "must be true or false")
        elif name == "public_level":
            if value not in PUBLIC_LEVELS:
                raise InvalidValue(name, value, f"not one of {', '.join(PUBLIC_LEVELS)}")
        elif name == "assignee_id":
            if value is not None:
                value = _assignee(session, value).id
        elif name == "opinions":
            value = _clean_opinions(value)
        out[name] = value
    if out.get("category"):
        settings = _settings(session, entry)
        if settings is not None and out["category"] not in settings.leaf_categories() and not _known_category(
            session, out["category"]
        ):
            raise InvalidValue("category", out["category"], "not a category of the publication's tree")
    _may_change(entry, person, out, creating)
    probe = replace(record_from_entry(entry), **{k: v for k, v in out.items() if k in TEXT_FIELDS or k in INT_FIELDS})
    validate(probe, f"entry {entry.id or '(new)'}", columns=False)
    return out


def _settings(session: Session, entry: Entry) -> Any:
    from precis.model import Publication
    from precis.store import settings_of

    pub = session.get(Publication, entry.publication_id)
    return settings_of(pub) if pub is not None else None


def _known_category(session: Session, category: str) -> bool:
    """A category the archive already uses (the real sheet has a few outside the tree)."""
    return session.scalar(select(Entry.id).where(Entry.category == category).limit(1)) is not None


def _clean_opinions(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InvalidValue("opinions", value, "must be a list of {author, text}")
    out = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict) or not set(item) <= _OPINION_KEYS or not isinstance(item.get("text"), str):
            raise InvalidValue(f"opinions[{i}]", item, "must be {\"author\", \"text\"} (and \"id\" for one kept)")
        author, text = item.get("author"), item["text"].replace("\r\n", "\n")
        if author is not None and (not isinstance(author, str) or len(author) > 200):
            raise InvalidValue(f"opinions[{i}].author", author, "must be a name of at most 200 characters")
        if problem := text_problem(text):
            raise InvalidValue(f"opinions[{i}].text", text[:40], problem)
        if len(text) > CELL_LIMIT:
            raise InvalidValue(f"opinions[{i}].text", text[:40], "too long")
        ident = item.get("id")
        if ident is not None and (isinstance(ident, bool) or not isinstance(ident, int)):
            raise InvalidValue(f"opinions[{i}].id", ident, "not an opinion's id")
        out.append({"id": ident, "author": author, "text": text})
    return out


def _may_change(entry: Entry, person: Person, changes: dict[str, Any], creating: bool) -> None:
    """A contributor who may not edit the entry may still add, change and remove their own opinions."""
    if creating or permissions.may_edit(person, entry):
        if "assignee_id" in changes and changes["assignee_id"] != entry.assignee_id and not creating:
            permissions.require(person, "assign", "assign entries")
        return
    fields = [name for name, value in changes.items() if name != "opinions" and getattr(entry, name) != value]
    if fields:
        raise Forbidden(
            f"a {person.role} may not change {', '.join(fields)} of entry {entry.id} "
            f"({'it is not theirs' if entry.assignee_id != person.id else 'it is ' + entry.status})"
        )
    if "opinions" in changes:
        permissions.require(person, "opine", "write opinions")
        if entry.status == "published":
            raise Forbidden(f"entry {entry.id} is published: only an editor may change its opinions")
        kept = {o["id"] for o in changes["opinions"] if o["id"] is not None}
        for o in entry.opinions:
            mine = permissions.may_edit_opinion(person, o)
            wanted = next((w for w in changes["opinions"] if w["id"] == o.id), None)
            if not mine and (o.id not in kept or (wanted and (wanted["text"], wanted["author"]) != (o.text, o.author))):
                raise Forbidden(
                    f"a {person.role} may change only their own opinions ({o.author or 'unsigned'}'s is not)"
                )


def _apply(session: Session, entry: Entry, changes: dict[str, Any], person: Person) -> list[str]:
    """Write the changes onto the entry; the names of the fields that really changed."""
    changed = []
    for name, value in changes.items():
        if name == "opinions":
            if _set_opinions(entry, value, person):
                changed.append("opinions")
        elif name == "assignee_id":
            if entry.assignee_id != value:
                entry.assignee = session.get(Person, value) if value is not None else None
                changed.append(name)
        elif getattr(entry, name) != value:
            setattr(entry, name, value)
            changed.append(name)
    if "authors" in changed:
        set_authors(entry)
    if changed:
        entry.updated_at = utcnow()
    return changed


def _set_opinions(entry: Entry, wanted: list[dict[str, Any]], person: Person) -> bool:
    by_id = {o.id: o for o in entry.opinions}
    before = [(o.id, o.author, o.text) for o in entry.opinions]
    result: list[Opinion] = []
    for i, w in enumerate(wanted):
        op = by_id.pop(w["id"], None) if w["id"] is not None else None
        if op is None:  # a new opinion: the writer's own
            op = Opinion(author=w["author"] or person.name, text=w["text"], person_id=person.id)
        else:
            if op.author != w["author"] and w["author"] is not None:
                op.author = w["author"]
            if op.text != w["text"]:
                op.text = w["text"]
        if op.position != i:
            op.position = i
        result.append(op)
    if [(o.id, o.author, o.text) for o in result] == before and not by_id:
        return False
    entry.opinions = result
    return True


def _log(session: Session, person: Person, entry: Entry, kind: str, detail: dict[str, Any]) -> None:
    session.add(Activity(person_id=person.id, entry_id=entry.id, kind=kind, detail=detail))

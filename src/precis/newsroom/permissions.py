"""Who may do what: the one permissions table, by role, that the library, the API and the pages call.

Roles (DESIGN.md): an owner manages people and settings and may do all an editor may; an editor does
everything editorial, approving included; a contributor creates entries, edits their own drafts
(entries assigned to them, while idea, assigned or draft) and their own opinions, and comments
everywhere. Every route of the web layer names one action of ``ACTIONS`` (``precis.web.routes``),
and a test walks every route for every role.
"""

from __future__ import annotations

from precis.errors import Forbidden
from precis.model import Entry, Opinion, Person

OWNER, EDITOR, CONTRIBUTOR = "owner", "editor", "contributor"
STAFF = frozenset({OWNER, EDITOR, CONTRIBUTOR})
EDITORS = frozenset({OWNER, EDITOR})

#: action -> the roles that may take it (before any rule about the entry itself).
ACTIONS: dict[str, frozenset[str]] = {
    "read": STAFF,  # see the newsroom: entries, lists, history, comments, activity
    "create": STAFF,  # make an entry (an idea, or one's own draft)
    "edit": STAFF,  # an entry's fields: editors any, contributors their own drafts (``may_edit``)
    "opine": STAFF,  # add an opinion of one's own to any entry not yet published
    "comment": STAFF,
    "resolve": STAFF,  # a comment: its writer, or an editor (``may_resolve``)
    "status": STAFF,  # move an entry: which moves, by role (``TRANSITIONS``)
    "assign": EDITORS,  # give an entry to someone (a contributor may take an idea: ``TRANSITIONS``)
    "approve": EDITORS,
    "people": frozenset({OWNER}),  # invite people, change roles, see everyone's email
    "compose": EDITORS,  # make an issue, pick and order its entries, its intro; preview; test sends
    "publish": EDITORS,  # publish an issue, send it to subscribers, start its jobs again
    "subscribers": EDITORS,  # see, import and export subscribers (their emails are private)
    "review": STAFF,  # ask a paper's authors to check a summary: editors any, contributors theirs
}

#: Statuses a contributor's own entry may be edited in; after that it is the editors'.
CONTRIBUTOR_EDITABLE = frozenset({"idea", "assigned", "draft"})
#: (from, to) -> roles that may make the move. Scheduled and published are made by issues.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("idea", "assigned"): EDITORS,
    ("idea", "draft"): STAFF,  # someone takes the idea and starts writing
    ("assigned", "draft"): STAFF,
    ("assigned", "idea"): EDITORS,
    ("draft", "in review"): STAFF,  # submit
    ("draft", "idea"): EDITORS,
    ("in review", "draft"): EDITORS,  # send back (with a comment)
    ("in review", "approved"): EDITORS,
    ("approved", "draft"): EDITORS,
    ("approved", "in review"): EDITORS,
}
#: Moves that send work back: the person sending it says why, in a comment.
NEEDS_COMMENT = frozenset({("in review", "draft"), ("approved", "draft")})
#: Set only by composing and publishing issues, never by a status change.
ISSUE_STATUSES = frozenset({"scheduled", "published"})


def may(person: Person | None, action: str) -> bool:
    """Whether the person's role allows ``action`` at all (anonymous: nothing)."""
    return person is not None and person.active and person.role in ACTIONS[action]


def require(person: Person | None, action: str, what: str = "") -> None:
    if not may(person, action):
        role = person.role if person is not None else "anonymous"
        raise Forbidden(f"a{'n' if role[0] in 'aeiou' else ''} {role} may not {what or action}")


def may_edit(person: Person | None, entry: Entry) -> bool:
    """Editors edit every entry; a contributor edits entries assigned to them, while still theirs
    to write (idea, assigned, draft)."""
    if person is None or not may(person, "edit"):
        return False
    if person.role in EDITORS:
        return True
    return entry.assignee_id == person.id and entry.status in CONTRIBUTOR_EDITABLE


def may_edit_opinion(person: Person | None, opinion: Opinion) -> bool:
    """An opinion is edited by the person who wrote it, or by an editor."""
    if person is None or not may(person, "opine"):
        return False
    return person.role in EDITORS or opinion.person_id == person.id


def may_move(person: Person | None, entry: Entry, to: str) -> bool:
    """Whether the person may move the entry to status ``to``: the move must be one of
    ``TRANSITIONS`` for their role, and a contributor moves only entries assigned to them (or an
    idea nobody has, which they take)."""
    if person is None or not may(person, "status") or to in ISSUE_STATUSES:
        return False
    roles = TRANSITIONS.get((entry.status, to))
    if roles is None or person.role not in roles:
        return False
    if person.role in EDITORS:
        return True
    return entry.assignee_id == person.id or (entry.status == "idea" and entry.assignee_id is None)


def may_request_review(person: Person | None, entry: Entry) -> bool:
    """Editors and owners ask for any entry's review (and revoke, remind); a contributor for an entry
    assigned to them or whose summarizer is one of their names."""
    if person is None or not may(person, "review"):
        return False
    if person.role in EDITORS:
        return True
    if entry.assignee_id == person.id:
        return True
    from precis.people_names import SEPARATORS, fold

    mine = {fold(name) for name in person.names}
    return any(fold(part) in mine for part in SEPARATORS.split(entry.summarizer or "") if part.strip())


def may_resolve(person: Person | None, comment_person_id: int) -> bool:
    if person is None or not may(person, "resolve"):
        return False
    return person.role in EDITORS or person.id == comment_person_id

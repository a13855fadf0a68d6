"""The editor page: a new entry (with its duplicates flagged), an entry's every field with live
previews, autosave on the version, the merge view of a conflicting save, status moves, the entry's
history (diff, restore) and its comment threads.

The logic lives in ``precis.newsroom.entries``, ``.comments`` and ``.drafting``; this module reads
forms, calls them and renders ``templates/newsroom/entry/``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from precis.errors import Conflict, InvalidValue, NotFound, PrecisError
from precis.model import PUBLIC_LEVELS, Person
from precis.newsroom import comments, drafting, entries, permissions
from precis.publication import Settings
from precis.store import Store, settings_of
from precis.web import access
from precis.web.access import need, route
from precis.web.pages import status_of
from precis.web.templating import page

T = TypeVar("T")

#: The fields of the form, in the order the page shows them (opinions are rows of their own).
FORM_FIELDS = (
    "title", "title_url", "url", "authors", "venue", "venue_url", "year", "hat_tip", "category", "highlight",
    "public_level", "priority", "summarizer", "summary", "prerequisites", "prerequisites_url", "read_more",
    "read_more_url", "notes",
)
INT_FIELDS = ("year", "priority")
#: Texts written in summary markup: each has a live preview.
MARKUP_FIELDS = ("summary", "prerequisites", "read_more")
LABELS = {
    "title": "Title", "title_url": "Title link", "url": "URL", "authors": "Authors", "venue": "Venue",
    "venue_url": "Venue link", "year": "Year", "hat_tip": "H/T", "category": "Category",
    "highlight": "Highlight", "public_level": "Public level", "priority": "Priority (1-10)",
    "summarizer": "Summarizer", "summary": "Summary", "prerequisites": "Prerequisites",
    "prerequisites_url": "Prerequisites link", "read_more": "Read more", "read_more_url": "Read more link",
    "notes": "Notes (never public)", "opinions": "Opinions",
}
#: How the history names the other things a revision records.
HISTORY_LABELS = {
    **LABELS, "notes": "Notes", "priority": "Priority", "status": "Status", "assignee_id": "Assignee",
    "issue": "Issue", "issue_note": "Email note", "issue_linked": "Issue link", "email_status": "Email status",
    "summarize": "Summarize?", "extra_links": "Other links", "position": "Place in the sheet",
    "publication_id": "Publication",
}
#: Button words for a status move, from the entry's status (the issue's words).
MOVE_WORDS = {
    ("idea", "draft"): "Take this idea", ("assigned", "draft"): "Start writing",
    ("draft", "in review"): "Submit for review", ("in review", "approved"): "Approve",
    ("in review", "draft"): "Send back", ("approved", "draft"): "Back to draft",
    ("approved", "in review"): "Back to review", ("draft", "idea"): "Back to ideas",
    ("assigned", "idea"): "Back to ideas",
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await run_in_threadpool(fn, *args, **kwargs)


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _problem(request: Request, exc: PrecisError) -> Response:
    """A person's mistake, in the library's words: a line for htmx, else a page."""
    code = status_of(exc)
    if _htmx(request):
        return HTMLResponse(f'<p class="error" id="save-status" role="alert">{_esc(str(exc))}</p>', code)
    return page(request, "newsroom/entry/problem.html", {"message": str(exc)}, status_code=code)


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _settings(store: Store) -> Settings:
    with store.session() as s:
        return settings_of(store.default_publication(s))


# -- a new entry -------------------------------------------------------------------------------------


async def new_entry(request: Request) -> Response:
    need(request, "create")
    return page(request, "newsroom/entry/new.html", {"title": "", "url": "", "duplicates": [], "confirm": False})


async def new_duplicates(request: Request) -> Response:
    need(request, "create")
    title, url = request.query_params.get("title", ""), request.query_params.get("url", "")
    found = await _call(drafting.duplicates_of, _store(request), title, url)
    return page(request, "newsroom/entry/_duplicates.html", {"duplicates": found})


async def create(request: Request) -> Response:
    me = need(request, "create")
    form = await request.form()
    title, url = str(form.get("title", "")).strip(), str(form.get("url", "")).strip()
    store = _store(request)
    found = await _call(drafting.duplicates_of, store, title, url)
    if found and form.get("confirm") != "yes":
        return page(request, "newsroom/entry/new.html",
                    {"title": title, "url": url, "duplicates": found, "confirm": True}, status_code=409)
    fields = {"title": title, **({"url": url} if url else {})}
    try:
        made = await _call(entries.create_entry, store, me, fields, "draft")
    except PrecisError as exc:
        return _problem(request, exc)
    return RedirectResponse(f"/newsroom/entries/{made['id']}", 303)


# -- the entry page ----------------------------------------------------------------------------------


def _context(request: Request, me: Person, entry: dict[str, Any], values: dict[str, Any] | None = None,
             merge: drafting.Merge | None = None) -> dict[str, Any]:
    store = _store(request)
    can = drafting.abilities(store, me, entry["id"])
    settings = _settings(store)
    categories = settings.leaf_categories()
    shown = values if values is not None else entry
    if shown.get("category") and shown["category"] not in categories:
        categories = [shown["category"], *categories]
    return {
        "entry": entry, "values": shown, "can": can, "merge": merge, "categories": categories,
        "public_levels": PUBLIC_LEVELS, "labels": LABELS, "fields": FORM_FIELDS, "markup_fields": MARKUP_FIELDS,
        "moves": [(st, MOVE_WORDS.get((entry["status"], st), f"Move to {st}")) for st in can.moves],
        **_threads(store, me, entry["id"]),
        "previews": {name: drafting.preview_html(store, shown.get(name)) for name in MARKUP_FIELDS},
        "opinion_previews": [drafting.preview_html(store, o.get("text")) for o in shown.get("opinions") or []],
        "flags": {name: drafting.unresolved_references(store, shown.get(name)) for name in MARKUP_FIELDS},
        "authors_line": _authors_line(shown.get("authors")),
    }


def _authors_line(text: str | None) -> str:
    from precis.authors import format_authors

    return format_authors(text)


async def show(request: Request) -> Response:
    me = need(request, "read")
    entry_id = int(request.path_params["id"])
    try:
        entry = await _call(entries.get_entry, _store(request), entry_id)
        ctx = await _call(_context, request, me, entry)
    except PrecisError as exc:
        return _problem(request, exc)
    return page(request, "newsroom/entry/page.html", ctx)


def _form_values(form: FormData, can: drafting.Abilities) -> dict[str, Any]:
    """The fields as the form holds them (only those the person may edit), the merge choices applied."""
    values: dict[str, Any] = {}
    if can.edit and form.get("editable") == "1":
        for name in FORM_FIELDS:
            raw = form.get(name)
            if name == "highlight":
                values[name] = raw == "on"
                continue
            text = str(raw) if raw is not None else ""
            if name in INT_FIELDS:
                text = text.strip()
                if text and not text.lstrip("-").isdigit():
                    raise InvalidValue(name, text, "must be a whole number")
                values[name] = int(text) if text else None
            else:
                values[name] = text
            if form.get(f"take__{name}") == "theirs":
                theirs = str(form.get(f"theirs__{name}", ""))
                values[name] = (int(theirs) if theirs.strip() else None) if name in INT_FIELDS else theirs
                if name == "highlight":
                    values[name] = theirs == "True"
    if can.opine or can.edit:
        ids, authors, texts = form.getlist("op_id"), form.getlist("op_author"), form.getlist("op_text")
        opinions = []
        for raw_id, author, raw_text in zip(ids, authors, texts, strict=False):
            ident, text = str(raw_id), str(raw_text)
            if form.get(f"take__opinion-{ident}") == "theirs":
                text = str(form.get(f"theirs__opinion-{ident}", text))
            if not ident and not text.strip():
                continue  # the empty row for a new opinion
            opinions.append({"id": int(ident) if ident.isdigit() else None, "author": str(author) or None,
                             "text": text})
        if form.get("opinions") == "1":
            values["opinions"] = opinions
    return values


def _changes(values: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in values.items():
        if name == "opinions":
            now = [(o["id"], o["author"], o["text"]) for o in current["opinions"]]
            wanted = [(o["id"], o["author"], o["text"].replace("\r\n", "\n")) for o in value]
            if wanted != now:
                out[name] = value
        elif not drafting.same_value(value, current.get(name)):
            out[name] = value
    return out


def _merge_response(request: Request, me: Person, values: dict[str, Any], version: int,
                    theirs: dict[str, Any]) -> Response:
    store = _store(request)
    base = drafting.base_of(store, theirs["id"], version)
    merged = drafting.merge(values, theirs, base)
    shown = {**theirs, **merged.values}
    ctx = _context(request, me, theirs, shown, merged)
    if _htmx(request):
        response = page(request, "newsroom/entry/_form.html", ctx, status_code=409)
        response.headers["HX-Retarget"] = "#editor"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return page(request, "newsroom/entry/page.html", ctx, status_code=409)


def _save(request: Request, me: Person, entry_id: int, form: FormData) -> Response:
    store = _store(request)
    can = drafting.abilities(store, me, entry_id)
    values = _form_values(form, can)
    version = entries._version(form.get("version"))
    current = entries.get_entry(store, entry_id)
    if current["version"] != version:
        return _merge_response(request, me, values, version, current)
    changes = _changes(values, current)
    if not changes:
        saved, word = current, "Nothing to save"
    else:
        try:
            saved = entries.save_entry(store, me, entry_id, version, changes)
        except Conflict as exc:
            return _merge_response(request, me, values, version, dict(exc.current))
        word = "Saved"
    if not _htmx(request):
        return RedirectResponse(f"/newsroom/entries/{entry_id}", 303)
    at = datetime.fromisoformat(saved["updated_at"]).astimezone().strftime("%H:%M")
    # The opinion just added in the form's empty row now has an id: the next save edits it.
    known = {o["id"] for o in current["opinions"]}
    added = [o["id"] for o in saved["opinions"] if o["id"] not in known]
    return page(request, "newsroom/entry/_saved.html",
                {"word": word, "at": at, "version": saved["version"], "added": added[0] if added else None})


async def save(request: Request) -> Response:
    me = need(request, "edit")
    form = await request.form()
    try:
        return await _call(_save, request, me, int(request.path_params["id"]), form)
    except PrecisError as exc:
        return _problem(request, exc)


async def preview(request: Request) -> Response:
    """A markup text as the email shows it, and its cross-references that match no entry."""
    need(request, "read")
    form = await request.form()
    text = str(form.get("text", ""))
    store = _store(request)
    html = await _call(drafting.preview_html, store, text)
    flags = await _call(drafting.unresolved_references, store, text)
    return page(request, "newsroom/entry/_preview.html", {"html": html, "flags": flags})


async def references(request: Request) -> Response:
    """Earlier entries for the ``<@`` menu: {"titles": [...]}."""
    need(request, "read")
    form = await request.form()
    exclude = str(form.get("entry_id", ""))
    titles = await _call(
        drafting.reference_suggestions, _store(request), str(form.get("text", "")), str(form.get("q", "")),
        8, int(exclude) if exclude.isdigit() else None,
    )
    return JSONResponse({"titles": titles})


async def categories(request: Request) -> Response:
    """Assist's categories for the entry's text, best first (asked again while assist loads)."""
    need(request, "read")
    entry_id = int(request.path_params["id"])
    store = _store(request)
    try:
        entry = await _call(entries.get_entry, store, entry_id)
    except PrecisError as exc:
        return _problem(request, exc)
    text = "\n\n".join(str(entry.get(k) or "") for k in ("title", "summary"))
    found = await _call(drafting.category_suggestions, store, text)
    failure = drafting.assistants.failure(store)
    return page(request, "newsroom/entry/_categories.html",
                {"entry": entry, "suggestions": found, "failure": failure})


async def move(request: Request) -> Response:
    me = need(request, "status")
    entry_id = int(request.path_params["id"])
    form = await request.form()
    try:
        await _call(entries.set_status, _store(request), me, entry_id, str(form.get("status", "")),
                    str(form.get("comment", "")) or None)
    except PrecisError as exc:
        return _problem(request, exc)
    return RedirectResponse(f"/newsroom/entries/{entry_id}", 303)


# -- history -----------------------------------------------------------------------------------------

DIFF_FIELDS = (*FORM_FIELDS, "opinions")


def _history(request: Request, entry_id: int) -> dict[str, Any]:
    store = _store(request)
    entry = entries.get_entry(store, entry_id)
    revs = entries.revisions(store, entry_id)
    q = request.query_params
    a, b = q.get("a", ""), q.get("b", "")
    diff = None
    if a.isdigit() and b.isdigit():
        old, new = entries.revision_data(store, entry_id, int(a)), entries.revision_data(store, entry_id, int(b))
        diff = drafting.revision_diff(old, new, DIFF_FIELDS)
    for r in revs:
        r["changed"] = [HISTORY_LABELS.get(name, name) for name in r["changed"]]
    return {"entry": entry, "revisions": list(reversed(revs)), "diff": diff, "a": a, "b": b, "labels": LABELS}


async def history(request: Request) -> Response:
    need(request, "read")
    try:
        ctx = await _call(_history, request, int(request.path_params["id"]))
    except PrecisError as exc:
        return _problem(request, exc)
    return page(request, "newsroom/entry/history.html", ctx)


async def restore(request: Request) -> Response:
    me = need(request, "edit")
    entry_id = int(request.path_params["id"])
    form = await request.form()
    revision = str(form.get("revision_id", ""))
    try:
        if not revision.isdigit():
            raise InvalidValue("revision_id", revision, "choose a revision to restore")
        await _call(entries.restore_revision, _store(request), me, entry_id, int(revision), form.get("version"))
    except PrecisError as exc:
        return _problem(request, exc)
    return RedirectResponse(f"/newsroom/entries/{entry_id}", 303)


# -- comments ----------------------------------------------------------------------------------------


def _threads(store: Store, me: Person | None, entry_id: int) -> dict[str, Any]:
    """The entry's comment threads, the ones this person may resolve, and the names to @mention."""
    threads = comments.comments_of(store, entry_id)
    return {"threads": threads, "names": drafting.team_names(store),
            "resolvable": {t["id"] for t in threads if permissions.may_resolve(me, t["person_id"])}}


async def _after_comment(request: Request, entry_id: int, error: PrecisError | None = None) -> Response:
    """The threads again (htmx; with the error above them, the text typed kept), else back to the page."""
    if error is not None and (not _htmx(request) or isinstance(error, NotFound)):
        return _problem(request, error)
    if _htmx(request):
        store = _store(request)
        form = await request.form()
        ctx = {"entry": {"id": entry_id}, **await _call(_threads, store, access.person_of(request), entry_id),
               "error": str(error) if error else None,
               "draft": str(form.get("text", "")) if error else ""}
        code = status_of(error) if error else 200
        return page(request, "newsroom/entry/_comments.html", ctx, status_code=code)
    return RedirectResponse(f"/newsroom/entries/{entry_id}#comments", 303)


async def comment(request: Request) -> Response:
    me = need(request, "comment")
    entry_id = int(request.path_params["id"])
    form = await request.form()
    parent = str(form.get("parent_id", ""))
    try:
        await _call(comments.add_comment, _store(request), me, entry_id, str(form.get("text", "")),
                    int(parent) if parent.isdigit() else None)
    except PrecisError as exc:
        return await _after_comment(request, entry_id, exc)
    return await _after_comment(request, entry_id)


async def resolve(request: Request) -> Response:
    me = need(request, "resolve")
    form = await request.form()
    try:
        found = await _call(comments.resolve_comment, _store(request), me, int(request.path_params["comment"]),
                            form.get("resolved", "1") == "1")
    except PrecisError as exc:
        return _problem(request, exc)
    return await _after_comment(request, int(found["entry_id"]))


def routes() -> list[BaseRoute]:
    return [
        route("/entries/new", new_entry, action="create"),
        route("/entries/new", create, methods=["POST"], action="create"),
        route("/entries/new/duplicates", new_duplicates, action="create"),
        route("/entries/preview", preview, methods=["POST"], action="read"),
        route("/entries/references", references, methods=["POST"], action="read"),
        route("/entries/{id:int}", show, action="read"),
        route("/entries/{id:int}", save, methods=["POST"], action="edit"),
        route("/entries/{id:int}/categories", categories, action="read"),
        route("/entries/{id:int}/status", move, methods=["POST"], action="status"),
        route("/entries/{id:int}/history", history, action="read"),
        route("/entries/{id:int}/restore", restore, methods=["POST"], action="edit"),
        route("/entries/{id:int}/comments", comment, methods=["POST"], action="comment"),
        route("/comments/{comment:int}/resolve", resolve, methods=["POST"], action="resolve"),
    ]

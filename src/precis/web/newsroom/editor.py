"""The editor page: a new entry (with its duplicates flagged), an entry's every field with live
previews, autosave on the version, the merge view of a conflicting save, status moves, the entry's
history (diff, restore), its comment threads, and its authors' review (requests sent to the paper's
authors, their answers, and the editor's decisions on the edits they propose).

The logic lives in ``precis.newsroom.entries``, ``.comments`` and ``.drafting`` and in
``precis.review``; this module reads forms, calls them and renders ``templates/newsroom/entry/``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from precis.errors import Conflict, Forbidden, InvalidValue, NotFound, PrecisError
from precis.mail.config import MailConfig
from precis.model import PUBLIC_LEVELS, Person
from precis.newsroom import comments, drafting, entries, permissions
from precis.publication import Settings
from precis.review import answers
from precis.review import requests as review
from precis.review.model import EDIT, ReviewAnswer, ReviewRequest
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
        "review": _review(store, me, entry["id"]),
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

# -- authors' review ---------------------------------------------------------------------------------

#: Addresses in the request form: one a line, or separated by commas or semicolons (a name may hold
#: spaces: "Jane Doe <jane@example.org>").
ADDRESS_SPLIT = re.compile(r"[\n,;]+")
#: Request states a reminder or a revocation still makes sense in.
REMINDABLE = frozenset({"not sent", "sent", "opened"})
OVER = frozenset({"revoked", "expired"})


def _review(store: Store, me: Person | None, entry_id: int) -> dict[str, Any]:
    """The entry's review section: its one-line summary, whether its authors reviewed it, the
    requests with their answers (an edit with its word diff), and what this person may do."""
    with store.session() as s:
        entry = entries.load_entry(s, entry_id)
        summary, status = entry.summary, entry.status
        may_request = permissions.may_request_review(me, entry)
        may_decide = permissions.may_edit(me, entry)
        line = review.review_summary(s, entry_id)
        reviewed = entry_id in review.reviewed_by_authors(s, [entry_id])
    found = review.requests_of(store, entry_id=entry_id)
    diffs = {a.id: drafting.word_diff(a.base, a.proposed) for r in found for a in r.answers if a.kind == EDIT}
    moved = {a.id for r in found for a in r.answers if a.kind == EDIT and not drafting.same_value(a.base, summary)}
    return {
        "entry_id": entry_id, "summary": line, "reviewed": reviewed, "requests": found, "diffs": diffs,
        "moved": moved, "may_request": may_request, "may_decide": may_decide,
        "reviewable": status in review.REVIEWABLE, "default_days": _default_days(),
        "remindable": REMINDABLE, "over": OVER, "made": [], "error": None, "typed": {"addresses": "", "days": ""},
    }


def _default_days() -> int:
    """The days a link opens for when the form leaves it empty (a wrong ``PRECIS_REVIEW_DAYS`` is
    reported when a review is requested, not on every entry page)."""
    try:
        return review.default_days()
    except PrecisError:
        return review.DEFAULT_DAYS


def _addresses(text: str) -> list[str]:
    return [a.strip() for a in ADDRESS_SPLIT.split(text) if a.strip()]


def _days(text: str) -> int | None:
    return review.check_days(text, "days") if text.strip() else None


def _review_answer(request: Request, me: Person, entry_id: int, *, made: list[review.RequestView] | None = None,
                   error: PrecisError | None = None, typed: dict[str, str] | None = None) -> Response:
    """The review section after a change (htmx), or the entry page with it; an error is shown above
    the section's form, what was typed kept."""
    store = _store(request)
    code = status_of(error) if error is not None else 200
    if _htmx(request):
        ctx: dict[str, Any] = {"review": _review(store, me, entry_id)}
    else:
        ctx = _context(request, me, entries.get_entry(store, entry_id))
    ctx["review"].update(made=made or [], error=str(error) if error is not None else None,
                         typed=typed or ctx["review"]["typed"])
    name = "newsroom/entry/_review.html" if _htmx(request) else "newsroom/entry/page.html"
    return page(request, name, ctx, status_code=code)


async def request_review(request: Request) -> Response:
    """Ask authors to review the entry: a link made for each address (emailed when SMTP is set),
    shown once on the page."""
    me = need(request, "review")
    entry_id = int(request.path_params["id"])
    form = await request.form()
    typed = {"addresses": str(form.get("addresses", "")), "days": str(form.get("days", ""))}
    store = _store(request)

    def run() -> Response:
        try:
            _may_ask(store, me, entry_id)
            made = review.request_review(
                store, me, entry_id, _addresses(typed["addresses"]), days=_days(typed["days"]),
                base_url=request.app.state.base_url, config=MailConfig.from_environment(),
            )
        except (NotFound, Forbidden) as exc:
            return _problem(request, exc)
        except PrecisError as exc:
            return _review_answer(request, me, entry_id, error=exc, typed=typed)
        return _review_answer(request, me, entry_id, made=made)

    return await _call(run)


def _may_ask(store: Store, me: Person, entry_id: int) -> None:
    """Refuse at once someone who may not ask about this entry's review, before the library looks
    at the mail settings (which they cannot change)."""
    with store.session() as s:
        if not permissions.may_request_review(me, entries.load_entry(s, entry_id)):
            raise Forbidden(f"a {me.role} may not ask for a review of entry {entry_id} (it is not theirs)")


def _entry_of(store: Store, table: type[ReviewRequest] | type[ReviewAnswer], ident: int) -> int:
    """The entry a request or an answer is about (NotFound when there is none)."""
    with store.session() as s:
        entry_id = s.scalar(select(table.entry_id).where(table.id == ident))
    if entry_id is None:
        what = "review request" if table is ReviewRequest else "review answer"
        raise NotFound(f"no {what} {ident}", kind=what, key=str(ident))
    return int(entry_id)


def _on_review(action: str, table: type[ReviewRequest] | type[ReviewAnswer],
               change: Callable[[Request, Person, int, FormData], Any]) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that changes a request or an answer (``change(request, me, id, form)``, the id
    from the path) and answers with the review section (htmx) or the entry page."""
    param = "request" if table is ReviewRequest else "answer"

    async def endpoint(request: Request) -> Response:
        me = need(request, action)
        ident = int(request.path_params[param])
        form = await request.form()

        def run() -> Response:
            try:
                entry_id = _entry_of(_store(request), table, ident)
                if action == "review":
                    _may_ask(_store(request), me, entry_id)
            except PrecisError as exc:
                return _problem(request, exc)
            try:
                change(request, me, ident, form)
            except PrecisError as exc:
                if not _htmx(request):
                    return _problem(request, exc)
                return _review_answer(request, me, entry_id, error=exc)
            if _htmx(request):
                return _review_answer(request, me, entry_id)
            return RedirectResponse(f"/newsroom/entries/{entry_id}#review", 303)

        return await _call(run)

    endpoint.__name__ = change.__name__
    endpoint.__doc__ = change.__doc__
    return endpoint


def remind(request: Request, me: Person, request_id: int, _form: FormData) -> None:
    """Email the link of a request again."""
    review.remind(_store(request), me, request_id, MailConfig.from_environment(), request.app.state.base_url)


def revoke(request: Request, me: Person, request_id: int, _form: FormData) -> None:
    """Take a request's link back: it answers 410 from now on."""
    review.revoke(_store(request), me, request_id)


def accept(request: Request, me: Person, answer_id: int, _form: FormData) -> None:
    """Make an author's proposed edit the entry's summary: a new revision, by the editor from the
    author's review."""
    answers.accept_edit(_store(request), me, answer_id)


def decline(request: Request, me: Person, answer_id: int, form: FormData) -> None:
    """Decline an author's proposed edit, with a note."""
    answers.decline_edit(_store(request), me, answer_id, str(form.get("note", "")))


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
        route("/entries/{id:int}/review", request_review, methods=["POST"], action="review"),
        route("/reviews/{request:int}/remind", _on_review("review", ReviewRequest, remind), methods=["POST"],
              action="review"),
        route("/reviews/{request:int}/revoke", _on_review("review", ReviewRequest, revoke), methods=["POST"],
              action="review"),
        route("/reviews/answers/{answer:int}/accept", _on_review("edit", ReviewAnswer, accept), methods=["POST"],
              action="edit"),
        route("/reviews/answers/{answer:int}/decline", _on_review("edit", ReviewAnswer, decline),
              methods=["POST"], action="edit"),
    ]

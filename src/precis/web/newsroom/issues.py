"""The newsroom's issue pages: the list of issues, composing a draft (pick, order and highlight
approved entries; title, date, intro; its problems; previews of every edition; test sends),
publishing it, and after that its jobs, the send to subscribers and the forum Markdown.

The rules live in ``precis.newsroom.issues`` (composing, publishing), ``precis.jobs`` (the jobs a
publish starts) and ``precis.mail.delivery`` (test sends); this module reads forms, calls them in
one store session per request and renders ``templates/newsroom/issue*.html``. Every write is a
POST (CSRF-checked by the middleware); an htmx request gets the part of the page it changed, any
other a redirect back to the page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from precis import jobs
from precis.check import ERROR, Problem
from precis.errors import Conflict, InvalidValue, PrecisError
from precis.jobs.model import QUEUED, RUNNING, Job
from precis.mail.config import MailConfig
from precis.mail.delivery import send_test
from precis.model import Entry, Issue, Person
from precis.newsroom import issues as compose
from precis.newsroom import permissions
from precis.review.requests import reviewed_by_authors
from precis.store import Store
from precis.web.access import need, person_of, route
from precis.web.pages import error_page, status_of
from precis.web.templating import page

T = TypeVar("T")
ISSUES = "/newsroom/issues"
#: How many published issues the list shows, newest first.
RECENT = 20
#: The editions a preview shows, in tab order, with their names on the page.
EDITIONS = (("email", "Public email"), ("private", "Private email"), ("markdown", "Markdown"),
            ("text", "Text"), ("speech", "Speech"))
HTML_EDITIONS = frozenset({"email", "private"})
ACTIVE = frozenset({QUEUED, RUNNING})


# -- what the pages show (plain values, read inside the session) ------------------------------------


@dataclass(frozen=True)
class EntryRow:
    id: int
    title: str
    category: str | None
    summarizer: str | None
    highlight: bool
    public_level: str

    @classmethod
    def of(cls, e: Entry) -> EntryRow:
        return cls(e.id, e.title.strip() or "(untitled)", e.category, e.summarizer, e.highlight, e.public_level)


@dataclass(frozen=True)
class IssueView:
    id: int
    label: str
    title: str | None
    date: date | None
    intro: str | None
    status: str
    url: str | None
    published_at: datetime | None
    entries: list[EntryRow]

    @property
    def draft(self) -> bool:
        return self.status == "draft"

    @classmethod
    def of(cls, issue: Issue) -> IssueView:
        return cls(issue.id, issue.label, issue.title, issue.date, issue.intro, issue.status, issue.url,
                   issue.published_at, [EntryRow.of(e) for e in issue.entries])


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    state: str
    done: int
    total: int | None
    message: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobRow:
        return cls(job.id, job.kind, job.state, job.done, job.total, job.message, job.created_at, job.finished_at)


# -- helpers -----------------------------------------------------------------------------------------


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _issue_id(request: Request) -> int:
    return int(request.path_params["issue"])


def _url(issue_id: int) -> str:
    return f"{ISSUES}/{issue_id}"


def _writer(store: Store, me: Person) -> AbstractContextManager[Session]:
    """A transaction of ``me``'s: their name on every revision it makes."""
    return store.session(by=me.name, person_id=me.id)


def _in_issue(store: Store, me: Person, issue_id: int, change: Callable[[Session, Issue], T]) -> T:
    """``change`` applied to the issue in one transaction of ``me``'s."""
    with _writer(store, me) as s:
        issue = compose.get_issue(s, store.default_publication(s), issue_id)
        return change(s, issue)


def _failed(request: Request, exc: PrecisError) -> Response:
    """A library error, in its one line with its status: into the page's error line for htmx, else
    the newsroom's error page."""
    code, message = status_of(exc), " ".join(str(exc).split())
    if _htmx(request):
        html = page(request, "newsroom/issue_error.html", {"message": message}, status_code=code)
        html.headers["HX-Retarget"] = "#issue-error"
        html.headers["HX-Reswap"] = "outerHTML"
        return html
    return error_page(request, code, message)


def _ids(form: FormData, name: str = "entry_id") -> list[int]:
    out = []
    for raw in form.getlist(name):
        text = str(raw).strip()
        if not text.isdigit():
            raise InvalidValue(name, text, "not an entry's id")
        out.append(int(text))
    return out


def _date(raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidValue("date", raw, "a date is written YYYY-MM-DD") from None


def _orders(ids: list[int]) -> list[tuple[list[int] | None, list[int] | None]]:
    """For each place in the issue: the whole order after moving that entry up, and down."""
    def swapped(i: int, j: int) -> list[int]:
        out = list(ids)
        out[i], out[j] = out[j], out[i]
        return out

    return [(swapped(i, i - 1) if i > 0 else None, swapped(i, i + 1) if i + 1 < len(ids) else None)
            for i in range(len(ids))]


# -- the list of issues ------------------------------------------------------------------------------


def _listing(store: Store) -> dict[str, Any]:
    with store.session() as s:
        pub = store.default_publication(s)
        counted = s.execute(
            select(Entry.issue_id, func.count()).where(Entry.publication_id == pub.id, Entry.issue_id.is_not(None))
            .group_by(Entry.issue_id)
        )
        counts: dict[int | None, int] = dict(counted.all())
        drafts = compose.draft_issues(s, pub)
        published = s.scalars(
            select(Issue).where(Issue.publication_id == pub.id, Issue.status != "draft")
            .order_by(Issue.published_at.desc().nulls_last(), Issue.date.desc().nulls_last(), Issue.number.desc())
            .limit(RECENT)
        ).all()

        def row(issue: Issue, problems: list[Problem] | None = None) -> dict[str, Any]:
            return {"id": issue.id, "label": issue.label, "title": issue.title, "date": issue.date,
                    "entries": counts.get(issue.id, 0), "published_at": issue.published_at,
                    "errors": sum(p.severity == ERROR for p in problems or []),
                    "problems": len(problems or [])}

        return {"drafts": [row(i, compose.problems(s, i)) for i in drafts],
                "published": [row(i) for i in published]}


async def issues_page(request: Request) -> Response:
    me = need(request, "read")
    ctx = await run_in_threadpool(_listing, _store(request))
    return page(request, "newsroom/issues.html", {**ctx, "can_compose": permissions.may(me, "compose")})


async def new(request: Request) -> Response:
    """A new draft issue, numbered next in the series; then its page."""
    me = need(request, "compose")
    form = await request.form()
    store = _store(request)

    def make() -> int:
        with _writer(store, me) as s:
            issue = compose.new_issue(s, store.default_publication(s), me,
                                      title=str(form.get("title", "")).strip() or None,
                                      date=_date(str(form.get("date", ""))))
            s.flush()
            return issue.id

    try:
        issue_id = await run_in_threadpool(make)
    except PrecisError as exc:
        return _failed(request, exc)
    return RedirectResponse(_url(issue_id), 303)


# -- one issue ---------------------------------------------------------------------------------------


def _issue_context(store: Store, me: Person, issue_id: int) -> dict[str, Any]:
    """What the issue's page shows: the issue; for a draft the entries to pick from and which
    entries their authors reviewed (its problems and previews, slower to make, come in parts of
    their own); for a published issue its jobs, the forum Markdown and the previews."""
    with store.session() as s:
        issue = compose.get_issue(s, store.default_publication(s), issue_id)
        view = IssueView.of(issue)
        ctx: dict[str, Any] = {
            "issue": view, "can_compose": permissions.may(me, "compose"),
            "can_publish": permissions.may(me, "publish"), "orders": _orders([e.id for e in view.entries]),
        }
        if view.draft:
            ctx["candidates"] = [EntryRow.of(e) for e in compose.candidates(s, store.default_publication(s))]
            # Beside each entry, picked or not: whether its authors reviewed it.
            ctx["reviewed"] = reviewed_by_authors(s, [e.id for e in (*view.entries, *ctx["candidates"])])
        else:
            ctx.update(_jobs_context(s, issue_id))
    if not view.draft:
        shown = compose.previews(store, issue_id)
        ctx["forum"] = shown.editions["markdown"]
        ctx["previews"] = shown
        ctx["editions"] = EDITIONS
        ctx["html_editions"] = HTML_EDITIONS
    return ctx


def _jobs_context(s: Session, issue_id: int) -> dict[str, Any]:
    rows = [JobRow.of(j) for j in jobs.jobs_of(s, issue_id)]
    return {"jobs": rows, "polling": any(j.state in ACTIVE for j in rows),
            "sending": any(j.kind == "send" and j.state in ACTIVE for j in rows)}


async def issue_page(request: Request) -> Response:
    me = need(request, "read")
    try:
        ctx = await run_in_threadpool(_issue_context, _store(request), me, _issue_id(request))
    except PrecisError as exc:
        return _failed(request, exc)
    return page(request, "newsroom/issue.html", ctx)


async def _compose_answer(request: Request, me: Person, issue_id: int) -> Response:
    """After a change to a draft: the compose part of the page (htmx, with ``issue-changed`` for the
    previews to follow), else the page again."""
    if not _htmx(request):
        return RedirectResponse(_url(issue_id), 303)
    try:
        ctx = await run_in_threadpool(_issue_context, _store(request), me, issue_id)
    except PrecisError as exc:
        return _failed(request, exc)
    response = page(request, "newsroom/issue_compose.html", ctx)
    response.headers["HX-Trigger"] = "issue-changed"
    return response


Change = Callable[[Session, Issue, Person, FormData, dict[str, Any]], None]


def _composing(change: Change) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that changes a draft issue (action "compose") with ``change``, given the form
    and the path's parameters."""

    async def endpoint(request: Request) -> Response:
        me = need(request, "compose")
        form = await request.form()
        issue_id = _issue_id(request)
        try:
            await run_in_threadpool(_in_issue, _store(request), me, issue_id,
                                    lambda s, issue: change(s, issue, me, form, request.path_params))
        except PrecisError as exc:
            return _failed(request, exc)
        return await _compose_answer(request, me, issue_id)

    endpoint.__name__ = change.__name__
    endpoint.__doc__ = change.__doc__
    return endpoint


@_composing
def update(s: Session, issue: Issue, me: Person, form: FormData, _path: dict[str, Any]) -> None:
    """The issue's title, date and intro (summary markup)."""
    compose.update_issue(s, issue, me, title=str(form.get("title", "")).strip() or None,
                         date=_date(str(form.get("date", ""))), intro=str(form.get("intro", "")).strip() or None)


@_composing
def add(s: Session, issue: Issue, me: Person, form: FormData, _path: dict[str, Any]) -> None:
    """Approved entries into the issue, after its others, in the order given."""
    ids = _ids(form)
    if not ids:
        raise InvalidValue("entry_id", "", "choose one or more approved entries to add")
    compose.add_entries(s, issue, me, ids)


@_composing
def order(s: Session, issue: Issue, me: Person, form: FormData, _path: dict[str, Any]) -> None:
    """The issue's entries, all of them, in a new order (a move up or down, or a drag)."""
    compose.reorder(s, issue, me, _ids(form))


@_composing
def remove(s: Session, issue: Issue, me: Person, _form: FormData, path: dict[str, Any]) -> None:
    """An entry out of the issue: approved again, a candidate for the next."""
    compose.remove_entry(s, issue, me, int(path["entry"]))


@_composing
def highlight(s: Session, issue: Issue, me: Person, form: FormData, path: dict[str, Any]) -> None:
    """Show an entry in the issue's highlights, or back in its category (``on`` 1 or 0)."""
    compose.set_highlight(s, issue, me, int(path["entry"]), form.get("on") == "1")


def _problems_context(s: Session, issue: Issue) -> dict[str, Any]:
    found = compose.problems(s, issue)
    return {"problems": found, "errors": [p for p in found if p.severity == ERROR]}


async def problems(request: Request) -> Response:
    """The draft's problems, errors first; an error blocks the publish button, which says why."""
    me = need(request, "read")
    store, issue_id = _store(request), _issue_id(request)

    def load() -> dict[str, Any]:
        with store.session() as s:
            issue = compose.get_issue(s, store.default_publication(s), issue_id)
            return {"issue": IssueView.of(issue), "can_publish": permissions.may(me, "publish"),
                    **_problems_context(s, issue)}

    try:
        ctx = await run_in_threadpool(load)
    except PrecisError as exc:
        return _failed(request, exc)
    return page(request, "newsroom/issue_problems.html", ctx)


async def previews(request: Request) -> Response:
    """Every edition of the issue as it would go out, with its word count and reading time."""
    need(request, "compose")
    try:
        shown = await run_in_threadpool(compose.previews, _store(request), _issue_id(request))
    except PrecisError as exc:
        return _failed(request, exc)
    return page(request, "newsroom/issue_previews.html",
                {"previews": shown, "editions": EDITIONS, "html_editions": HTML_EDITIONS})


ADDRESS_SPLIT = re.compile(r"[\s,;]+")


async def send_test_copy(request: Request) -> Response:
    """Send the public or the private edition to the addresses given (commas or spaces between
    them), and say how it went in one line."""
    me = need(request, "compose")
    form = await request.form()
    addresses = [a for a in ADDRESS_SPLIT.split(str(form.get("addresses", ""))) if a]
    private = form.get("edition") == "private"
    store, issue_id = _store(request), _issue_id(request)

    def run() -> str:
        report = send_test(store, issue_id, addresses, MailConfig.from_environment(), private=private)
        return report.summary()

    try:
        line, error, code = await run_in_threadpool(run), "", 200
    except PrecisError as exc:
        line, error, code = "", " ".join(str(exc).split()), status_of(exc)
    if _htmx(request):
        return page(request, "newsroom/issue_sent.html", {"line": line, "error": error}, status_code=code)
    try:
        ctx = await run_in_threadpool(_issue_context, store, me, issue_id)
    except PrecisError as exc:
        return _failed(request, exc)
    return page(request, "newsroom/issue.html", {**ctx, "sent": {"line": line, "error": error}}, status_code=code)


# -- publishing and after ----------------------------------------------------------------------------


def _confirm_context(store: Store, issue_id: int, what: str) -> dict[str, Any]:
    """The step before publishing or sending: the issue named, its problems before a publish, and
    what blocks going on (the library refuses it anyway)."""
    with store.session() as s:
        issue = compose.get_issue(s, store.default_publication(s), issue_id)
        ctx: dict[str, Any] = {"issue": IssueView.of(issue), "what": what, "problems": [], "blocked": ""}
        if what == "publish" and issue.status != "draft":
            ctx["blocked"] = f"{issue.label} is published already."
        elif what == "publish":
            ctx.update(_problems_context(s, issue))
            if ctx["errors"]:
                n = len(ctx["errors"])
                ctx["blocked"] = f"{issue.label} cannot be published: {n} error{'s' if n != 1 else ''} to fix first."
        elif issue.status == "draft":
            ctx["blocked"] = f"{issue.label} is a draft: publish it before sending it."
        return ctx


async def _confirm(request: Request, what: str) -> Response:
    need(request, "publish")
    try:
        ctx = await run_in_threadpool(_confirm_context, _store(request), _issue_id(request), what)
    except PrecisError as exc:
        return _failed(request, exc)
    return page(request, "newsroom/issue_confirm.html", ctx)


async def publish_confirm(request: Request) -> Response:
    return await _confirm(request, "publish")


async def publish(request: Request) -> Response:
    """Publish the draft in one transaction, then put the jobs it scheduled on the queue."""
    me = need(request, "publish")
    store, issue_id = _store(request), _issue_id(request)

    def run() -> None:
        jobs.queue_of(store)  # a queue that cannot be reached is said before anything is published
        with _writer(store, me) as s:
            issue = compose.get_issue(s, store.default_publication(s), issue_id)
            base_url = request.app.state.base_url or MailConfig.from_environment().base_url
            scheduled = compose.publish(s, issue, me, base_url=base_url)
        jobs.dispatch(store, [j.id for j in scheduled])

    try:
        await run_in_threadpool(run)
    except PrecisError as exc:
        return _failed(request, exc)
    return RedirectResponse(_url(issue_id), 303)


async def jobs_part(request: Request) -> Response:
    """The issue's jobs with their progress; htmx asks again every second while one is not done."""
    need(request, "read")
    me = person_of(request)
    store, issue_id = _store(request), _issue_id(request)

    def load() -> dict[str, Any]:
        with store.session() as s:
            issue = compose.get_issue(s, store.default_publication(s), issue_id)
            return {"issue": IssueView.of(issue), **_jobs_context(s, issue_id),
                    "can_publish": permissions.may(me, "publish")}

    try:
        ctx = await run_in_threadpool(load)
    except PrecisError as exc:
        return _failed(request, exc)
    return page(request, "newsroom/issue_jobs.html", ctx)


async def send_confirm(request: Request) -> Response:
    return await _confirm(request, "send")


async def send(request: Request) -> Response:
    """Send the published issue to every confirmed subscriber not yet sent it: a "send" job.
    Refused while another send of the issue is queued or running."""
    me = need(request, "publish")
    store, issue_id = _store(request), _issue_id(request)

    def run() -> None:
        with _writer(store, me) as s:
            issue = compose.get_issue(s, store.default_publication(s), issue_id)
            if issue.status == "draft":
                raise Conflict(f"{issue.label} is a draft: publish it before sending it", {"status": issue.status})
            if any(j.kind == "send" and j.state in ACTIVE for j in jobs.jobs_of(s, issue_id)):
                raise Conflict(f"{issue.label} is being sent already", {"status": issue.status})
            job = jobs.schedule(s, "send", issue_id=issue_id, person_id=me.id)
        jobs.dispatch(store, [job.id])

    try:
        await run_in_threadpool(run)
    except PrecisError as exc:
        return _failed(request, exc)
    return RedirectResponse(_url(issue_id), 303)


async def retry(request: Request) -> Response:
    """Run a failed job again."""
    me = need(request, "publish")
    store, job_id = _store(request), int(request.path_params["job"])

    def run() -> int | None:
        with _writer(store, me) as s:
            job = jobs.retry(s, job_id)
            issue_id = job.issue_id
        jobs.dispatch(store, [job_id])
        return issue_id

    try:
        issue_id = await run_in_threadpool(run)
    except PrecisError as exc:
        return _failed(request, exc)
    return RedirectResponse(_url(issue_id) if issue_id else ISSUES, 303)


def routes() -> list[BaseRoute]:
    return [
        route("/issues", issues_page, action="read"),
        route("/issues", new, methods=["POST"], action="compose"),
        route("/issues/{issue:int}", issue_page, action="read"),
        route("/issues/{issue:int}", update, methods=["POST"], action="compose"),
        route("/issues/{issue:int}/entries", add, methods=["POST"], action="compose"),
        route("/issues/{issue:int}/order", order, methods=["POST"], action="compose"),
        route("/issues/{issue:int}/entries/{entry:int}/remove", remove, methods=["POST"], action="compose"),
        route("/issues/{issue:int}/entries/{entry:int}/highlight", highlight, methods=["POST"], action="compose"),
        route("/issues/{issue:int}/problems", problems, action="read"),
        route("/issues/{issue:int}/previews", previews, action="compose"),
        route("/issues/{issue:int}/test", send_test_copy, methods=["POST"], action="compose"),
        route("/issues/{issue:int}/publish", publish_confirm, action="publish"),
        route("/issues/{issue:int}/publish", publish, methods=["POST"], action="publish"),
        route("/issues/{issue:int}/jobs", jobs_part, action="read"),
        route("/issues/{issue:int}/send", send_confirm, action="publish"),
        route("/issues/{issue:int}/send", send, methods=["POST"], action="publish"),
        route("/jobs/{job:int}/retry", retry, methods=["POST"], action="publish"),
    ]

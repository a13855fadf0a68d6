"""Every route of the app, for every role, from one table.

``TABLE`` has a row for each (method, path) the app answers: what anonymous, a contributor, an
editor and an owner get. The first test fails when the app has a route without a row (or a row
without a route), so a new route cannot ship untested; the second plays every row for every role;
the third sends every form and API write of a signed-in owner without its CSRF token.

Outcomes: ``ok`` the request is served (whatever its answer to this particular body: not 401, 403,
a sign-in redirect or a 5xx); ``login`` anonymous is sent to sign in (a page: 303 to
/newsroom/login; the API: 401 JSON); ``403`` refused for the role; ``same`` served but changes
nothing (a contributor's save of another's entry reads only what they may edit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from precis import jobs
from precis.ingest import queue
from precis.ingest.work import Work
from precis.newsroom import comments, entries, issues
from precis.review import answers
from precis.review import requests as review
from precis.review.links import ReviewSigner
from precis.web.app import create_app
from tests.newsroom.conftest import Team, team_in

ROLES = (None, "contributor", "editor", "owner")
OK, LOGIN, FORBIDDEN, SAME = "ok", "login", "403", "same"
STAFF = (LOGIN, OK, OK, OK)
EDITORS = (LOGIN, FORBIDDEN, OK, OK)
OWNERS = (LOGIN, FORBIDDEN, FORBIDDEN, OK)
ANYONE = (OK, OK, OK, OK)


@dataclass(frozen=True)
class Row:
    outcomes: tuple[str, str, str, str]  # anonymous, contributor, editor, owner
    body: dict[str, Any] | None = None  # JSON for the API, a form for pages ("{version}" filled in)


V = "{version}"
#: (method, path as the app declares it) -> what each role gets. The entry ({id}) is a fresh draft of
#: the editor's; {revision} its first revision; {comment} a comment of the editor's on it; {person_id}
#: the contributor; {token} a forged invitation; the triage {id} a candidate marked to summarize.
TABLE: dict[tuple[str, str], Row] = {
    ("GET", "/api/v1/me"): Row(STAFF),
    ("GET", "/api/v1/entries"): Row(STAFF),
    ("POST", "/api/v1/entries"): Row(STAFF, {"title": "A route's new entry"}),
    ("GET", "/api/v1/entries/{id:int}"): Row(STAFF),
    ("PATCH", "/api/v1/entries/{id:int}"): Row(EDITORS, {"version": V, "summary": "Changed by a route test."}),
    ("POST", "/api/v1/entries/{id:int}/status"): Row(EDITORS, {"status": "in review"}),
    ("GET", "/api/v1/entries/{id:int}/revisions"): Row(STAFF),
    ("GET", "/api/v1/entries/{id:int}/revisions/{revision:int}"): Row(STAFF),
    ("POST", "/api/v1/entries/{id:int}/revisions/{revision:int}/restore"): Row(EDITORS, {"version": V}),
    ("GET", "/api/v1/entries/{id:int}/comments"): Row(STAFF),
    ("POST", "/api/v1/entries/{id:int}/comments"): Row(STAFF, {"text": "A comment from the route test."}),
    ("POST", "/api/v1/comments/{comment:int}/resolve"): Row(EDITORS, {}),
    ("GET", "/newsroom/login"): Row(ANYONE),
    ("POST", "/newsroom/login"): Row(ANYONE, {"email": "nobody@example.org", "password": "not the password"}),
    # Signing out ends on the sign-in page, whoever asks.
    ("POST", "/newsroom/logout"): Row((LOGIN, LOGIN, LOGIN, LOGIN), {}),
    ("GET", "/newsroom/invitation/{token}"): Row(ANYONE),
    ("POST", "/newsroom/invitation/{token}"): Row(ANYONE, {"password": "x" * 12, "again": "x" * 12}),
    ("GET", "/newsroom/people"): Row(OWNERS),
    ("POST", "/newsroom/people/invite"): Row(OWNERS, {"name": "New Person", "email": "new@example.org",
                                                      "role": "contributor", "aliases": ""}),
    ("POST", "/newsroom/people/{person_id}"): Row(OWNERS, {"role": "contributor", "aliases": "Flo", "active": "1"}),
    ("POST", "/newsroom/people/{person_id}/invite"): Row(OWNERS, {}),
    ("GET", "/newsroom/entries/new"): Row(STAFF),
    ("POST", "/newsroom/entries/new"): Row(STAFF, {"title": "A route's new page entry", "url": ""}),
    ("GET", "/newsroom/entries/new/duplicates"): Row(STAFF),
    ("POST", "/newsroom/entries/preview"): Row(STAFF, {"text": "Some *words*."}),
    ("POST", "/newsroom/entries/references"): Row(STAFF, {"q": "Curve"}),
    ("GET", "/newsroom/entries/{id:int}"): Row(STAFF),
    ("POST", "/newsroom/entries/{id:int}"): Row((LOGIN, SAME, OK, OK), {"version": V, "title": "Retitled"}),
    ("GET", "/newsroom/entries/{id:int}/categories"): Row(STAFF),
    ("POST", "/newsroom/entries/{id:int}/status"): Row(EDITORS, {"status": "in review"}),
    ("GET", "/newsroom/entries/{id:int}/history"): Row(STAFF),
    ("POST", "/newsroom/entries/{id:int}/restore"): Row(EDITORS, {"version": V, "revision_id": "{revision}"}),
    ("POST", "/newsroom/entries/{id:int}/comments"): Row(STAFF, {"text": "A page comment."}),
    ("POST", "/newsroom/comments/{comment:int}/resolve"): Row(EDITORS, {}),
    ("GET", "/newsroom/"): Row(STAFF),
    ("GET", "/newsroom/pipeline"): Row(STAFF),
    ("GET", "/newsroom/search"): Row(STAFF),
    ("GET", "/newsroom/activity"): Row(STAFF),
    ("GET", "/newsroom/triage"): Row(STAFF),
    ("POST", "/newsroom/triage/{id}/summarize"): Row(STAFF, {}),
    ("POST", "/newsroom/triage/{id}/skip"): Row(STAFF, {}),
    ("POST", "/newsroom/triage/{id}/idea"): Row(STAFF, {}),
    # issues: {issue:int} is a fresh draft issue holding one approved entry ({approved}, also the
    # {entry:int} of these paths), {job:int} a queued job of it. A write the library refuses for that
    # body (a 4xx: the editor's draft is not approved, a draft is not sent) is still served.
    ("GET", "/newsroom/issues"): Row(STAFF),
    ("POST", "/newsroom/issues"): Row(EDITORS, {"title": "A route's issue", "date": ""}),
    ("GET", "/newsroom/issues/{issue:int}"): Row(STAFF),
    ("POST", "/newsroom/issues/{issue:int}"): Row(EDITORS, {"title": "Retitled", "date": "", "intro": "Hello."}),
    ("POST", "/newsroom/issues/{issue:int}/entries"): Row(EDITORS, {"entry_id": "{entry}"}),
    ("POST", "/newsroom/issues/{issue:int}/order"): Row(EDITORS, {"entry_id": "{approved}"}),
    ("POST", "/newsroom/issues/{issue:int}/entries/{entry:int}/remove"): Row(EDITORS, {}),
    ("POST", "/newsroom/issues/{issue:int}/entries/{entry:int}/highlight"): Row(EDITORS, {"on": "1"}),
    ("GET", "/newsroom/issues/{issue:int}/problems"): Row(STAFF),
    ("GET", "/newsroom/issues/{issue:int}/previews"): Row(EDITORS),
    ("POST", "/newsroom/issues/{issue:int}/test"): Row(EDITORS, {"addresses": "reviewer@example.org",
                                                                 "edition": "private"}),
    ("GET", "/newsroom/issues/{issue:int}/publish"): Row(EDITORS),
    ("POST", "/newsroom/issues/{issue:int}/publish"): Row(EDITORS, {}),
    ("GET", "/newsroom/issues/{issue:int}/jobs"): Row(STAFF),
    ("GET", "/newsroom/issues/{issue:int}/send"): Row(EDITORS),
    ("POST", "/newsroom/issues/{issue:int}/send"): Row(EDITORS, {}),
    ("POST", "/newsroom/jobs/{job:int}/retry"): Row(EDITORS, {}),
    # authors' review: {request:int} is a request of the editor's draft, {answer:int} an edit its
    # author proposed. The contributor may not ask about (nor decide on) an entry not theirs. The app
    # has no base URL here: the editor's request is refused for it (422), and a reminder for the
    # missing SMTP server (400): both served.
    ("POST", "/newsroom/entries/{id:int}/review"): Row(EDITORS, {"addresses": "jane@example.org", "days": "7"}),
    ("POST", "/newsroom/reviews/{request:int}/remind"): Row(EDITORS, {}),
    ("POST", "/newsroom/reviews/{request:int}/revoke"): Row(EDITORS, {}),
    ("POST", "/newsroom/reviews/answers/{answer:int}/accept"): Row(EDITORS, {}),
    ("POST", "/newsroom/reviews/answers/{answer:int}/decline"): Row(EDITORS, {"note": "Not quite."}),
    # the author's page: {token} is the request's valid link; every role gets the same answer
    ("GET", "/review/{token}"): Row(ANYONE),
    ("POST", "/review/{token}/approve"): Row(ANYONE, {}),
    ("POST", "/review/{token}/comment"): Row(ANYONE, {"comment": "One seed only?", "passage": "Second"}),
    ("POST", "/review/{token}/edit"): Row(ANYONE, {"proposed": "Third words.", "note": ""}),
    # subscription (public)
    ("GET", "/subscribe"): Row(ANYONE),
    ("POST", "/subscribe"): Row(ANYONE, {"email": "not an address", "name": "A route test"}),
    ("GET", "/subscribe/confirm/{token}"): Row(ANYONE),
    ("GET", "/unsubscribe/{token}"): Row(ANYONE),
    ("POST", "/unsubscribe/{token}"): Row(ANYONE, {}),
    ("GET", "/api/search"): Row(ANYONE),
    ("GET", "/api/health"): Row(ANYONE),
    # Static files and the archive: mounts, tried with one file each.
    ("GET", "/newsroom/static/vendor"): Row(ANYONE),
    ("GET", "/newsroom/static"): Row(ANYONE),
    ("GET", ""): Row(ANYONE),
}
#: A file under each mount, to ask for.
MOUNT_FILES = {
    "/newsroom/static/vendor": "/newsroom/static/vendor/htmx.org/htmx.min.js",
    "/newsroom/static": "/newsroom/static/newsroom.css",
    "": "/",
}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """One store for the module: every request acts on things made fresh for it (``world``)."""
    yield from team_in(tmp_path_factory.mktemp("routes"))


def app_routes(routes: list[Any], prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route, through mounts; a mount of files or an app is one GET row."""
    found: set[tuple[str, str]] = set()
    for r in routes:
        if isinstance(r, Mount) and r.routes:
            found |= app_routes(list(r.routes), prefix + r.path)
        elif isinstance(r, Mount):
            found.add(("GET", prefix + r.path))
        elif isinstance(r, Route):
            found |= {(m, prefix + r.path) for m in (r.methods or set()) - {"HEAD"}}
    return found


def test_every_route_has_a_row_in_the_table(team):
    app = create_app(team.store, team.site)
    routes = app_routes(list(app.routes))
    assert not routes - set(TABLE), f"routes without a row in TABLE: {sorted(routes - set(TABLE))}"
    assert not set(TABLE) - routes, f"rows for routes the app does not have: {sorted(set(TABLE) - routes)}"


@pytest.fixture
def world(team) -> Callable[[str], dict[str, Any]]:
    """Makes what one request to ``path`` acts on, fresh for each: the editor's draft, its revision
    and comment, a candidate to summarize; for an issue's route, a draft issue holding an approved
    entry, and a queued job."""
    editor = team.people["editor"]
    made = [0]

    def make(path: str) -> dict[str, Any]:
        made[0] += 1
        entry = entries.create_entry(team.store, editor, {"title": f"The editor's draft {made[0]}",
                                                          "summary": "First words."})
        entries.save_entry(team.store, editor, entry["id"], entry["version"], {"summary": "Second words."})
        comment = comments.add_comment(team.store, editor, entry["id"], "The editor's note.")
        work = Work(title=f"A candidate paper {made[0]}", source="feed https://example.org/feed.xml",
                    url=f"https://example.org/papers/{made[0]}")
        candidate = queue.add_works(team.store, [work], "feed https://example.org/feed.xml").outcomes[0].candidate_id
        queue.set_priority(team.store, [candidate], 5)
        things = {
            "entry": entry["id"], "revision": entries.revisions(team.store, entry["id"])[0]["id"],
            "comment": comment["id"], "person_id": team.people["contributor"].id, "token": "forged-link",
            "candidate": candidate,
        }
        if "/issues" in path or "/jobs/" in path:
            things.update(_issue_things(team, made[0]))
        if path.startswith(("/review/", "/newsroom/reviews/")):
            things.update(_review_things(team, entry["id"]))
        return things

    return make


def _issue_things(team: Team, n: int) -> dict[str, Any]:
    """A draft issue holding one approved entry, and a queued job of the issue."""
    editor = team.people["editor"]
    approved = entries.create_entry(team.store, editor, {"title": f"An approved entry {n}", "summary": "Words.",
                                                         "category": "Interpretability", "summarizer": "Ada"})
    for status in ("in review", "approved"):
        entries.set_status(team.store, editor, approved["id"], status)
    with team.store.session(by=editor.name, person_id=editor.id) as s:
        issue = issues.new_issue(s, team.store.default_publication(s), editor, title=f"A route's issue {n}")
        issues.add_entries(s, issue, editor, [approved["id"]])
        job = jobs.schedule(s, "site", issue_id=issue.id, person_id=editor.id)
        s.flush()
        return {"issue": issue.id, "approved": approved["id"], "job": job.id}


def _review_things(team: Team, entry_id: int) -> dict[str, Any]:
    """A review request of the entry by the editor, its link's token, and an edit its author proposed."""
    view = review.request_review(team.store, team.people["editor"], entry_id, ["jane@example.org"],
                                 base_url="https://news.example.org")[0]
    token = ReviewSigner.of(team.store).token(view.id, entry_id)
    edit = answers.propose_edit(team.store, token, "Third words.")
    return {"request": view.id, "answer": edit.id, "token": token}


def concrete(path: str, things: dict[str, Any]) -> str:
    if path in MOUNT_FILES:
        return MOUNT_FILES[path]
    ident = things["candidate"] if path.startswith("/newsroom/triage/") else things["entry"]
    if path.startswith(("/newsroom/issues/", "/newsroom/jobs/")):
        path = (path.replace("{issue:int}", str(things["issue"])).replace("{entry:int}", str(things["approved"]))
                .replace("{job:int}", str(things["job"])))
    return (path.replace("{id:int}", str(ident)).replace("{id}", str(ident))
            .replace("{revision:int}", str(things["revision"])).replace("{comment:int}", str(things["comment"]))
            .replace("{person_id}", str(things["person_id"])).replace("{token}", things["token"])
            .replace("{request:int}", str(things.get("request"))).replace("{answer:int}", str(things.get("answer"))))


def send(client: TestClient, method: str, path: str, row: Row, things: dict[str, Any], store: Any) -> Any:
    url = concrete(path, things)
    if row.body is None:
        return client.request(method, url)
    version = str(entries.get_entry(store, things["entry"])["version"])
    body = {k: (version if v == V else str(things[v[1:-1]]) if v[:1] + v[-1:] == "{}" else v)
            for k, v in row.body.items()}
    if path.startswith("/api/"):
        if "version" in body:
            body["version"] = int(body["version"])
        return client.request(method, url, json=body)
    return client.request(method, url, data=body)


def outcome_of(answer: Any, path: str) -> str:
    assert answer.status_code < 500, f"{answer.status_code}: {answer.text[:300]}"
    location = answer.headers.get("location", "")
    if answer.status_code == 401 or (answer.status_code in (302, 303) and location.startswith("/newsroom/login")):
        return LOGIN
    if answer.status_code == 403:
        return FORBIDDEN
    return OK


@pytest.mark.parametrize(("method", "path"), sorted(TABLE))
def test_every_route_answers_every_role_as_the_table_says(team, client_as, world, method, path):
    row = TABLE[(method, path)]
    for role, expected in zip(ROLES, row.outcomes, strict=True):
        things = world(path)
        before = entries.get_entry(team.store, things["entry"])
        answer = send(client_as(role), method, path, row, things, team.store)
        got = outcome_of(answer, path)
        if path.startswith("/api/") and expected == LOGIN:
            assert answer.status_code == 401 and "error" in answer.json(), (role, answer.text)
        if expected == SAME:
            assert got == OK, (role, answer.status_code, answer.text[:300])
            assert entries.get_entry(team.store, things["entry"])["version"] == before["version"], role
        else:
            assert got == expected, (role, answer.status_code, answer.text[:300])


@pytest.mark.parametrize(("method", "path"), sorted(k for k in TABLE if k[0] in ("POST", "PATCH")))
def test_every_write_without_a_csrf_token_is_refused(team, client_as, world, method, path):
    client = client_as("owner")
    del client.headers["x-csrftoken"]
    things = world(path)
    before = entries.get_entry(team.store, things["entry"])
    issue_before, review_before = issue_state(team, things), review_state(team, things)
    answer = send(client, method, path, TABLE[(method, path)], things, team.store)
    assert answer.status_code == 403, (answer.status_code, answer.text[:200])
    assert entries.get_entry(team.store, things["entry"]) == before
    assert issue_state(team, things) == issue_before
    assert review_state(team, things) == review_before


def issue_state(team: Team, things: dict[str, Any]) -> Any:
    """The issue of an issue's route as it is: status, title, intro, entries with highlights; and its jobs."""
    if "issue" not in things:
        return None
    with team.store.session() as s:
        issue = issues.get_issue(s, team.store.default_publication(s), things["issue"])
        return (issue.status, issue.title, issue.intro, [(e.id, e.highlight) for e in issue.entries],
                [(j.kind, j.state) for j in jobs.jobs_of(s, issue.id)])


def review_state(team: Team, things: dict[str, Any]) -> Any:
    """The entry's review requests as they are: state, reminders, and their answers' kinds and states."""
    return [(r.state, r.reminders, [(a.kind, a.state) for a in r.answers])
            for r in review.requests_of(team.store, entry_id=things["entry"])]

"""Composing and publishing an issue through the newsroom's pages, on the shipped sample (SN #1-3
published; "A Pending Post About Evaluations" approved, waiting for the next issue).

The requests are those the pages' forms and htmx send (``client_as(role)``: signed in, with the
CSRF header); what the pages show is read from their HTML, what happened from the store.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
import pytest

from precis import jobs
from precis.model import Entry
from precis.newsroom import entries, issues
from tests.mailserver import mail_server

PENDING = "A Pending Post About Evaluations"
SECOND = "Goal Misgeneralization in Deep Reinforcement Learning"
INTRO = "This week: *evaluations*, and goals that generalize wrongly."
HTMX = {"HX-Request": "true"}


def html(answer: Any) -> Any:
    return lxml.html.fromstring(answer.text)


def has_class(name: str) -> str:
    """An XPath test: the element has the class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def texts(doc: Any, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc.xpath(xpath)]


def entry_id(store: Any, title: str) -> int:
    with store.session() as s:
        found: int = s.query(Entry.id).filter(Entry.title == title).one()[0]
        return found


def approve_another(team: Any) -> int:
    """A second approved entry, written and approved by the editor."""
    editor = team.people["editor"]
    made = entries.create_entry(team.store, editor, {
        "title": SECOND, "summary": "Agents keep their capabilities but pursue the wrong goal off-distribution.",
        "category": "Robustness", "summarizer": "Ben",
    })
    for status in ("in review", "approved"):
        entries.set_status(team.store, editor, made["id"], status)
    return int(made["id"])


def new_draft(client: Any, title: str = "Evaluations") -> int:
    answer = client.post("/newsroom/issues", data={"title": title, "date": ""})
    assert answer.status_code == 303, answer.text[:300]
    found = re.fullmatch(r"/newsroom/issues/(\d+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def issue_entries(doc: Any) -> list[str]:
    return texts(doc, f"//ol[{has_class('entries')}]/li/div/a[{has_class('entry-title')}]"
                      f" | //ol[{has_class('read-only')}]/li/a")


@pytest.fixture
def composed(team, client_as) -> dict[str, Any]:
    """An editor's draft SN #4 holding the pending entry and a second approved one, in that order."""
    editor = client_as("editor")
    second = approve_another(team)
    pending = entry_id(team.store, PENDING)
    issue = new_draft(editor)
    answer = editor.post(f"/newsroom/issues/{issue}/entries", data={"entry_id": [str(pending), str(second)]})
    assert answer.status_code == 303, answer.text[:300]
    return {"client": editor, "issue": issue, "pending": pending, "second": second}


def test_an_editor_composes_a_draft_orders_highlights_and_writes_the_intro(team, composed):
    editor, issue, pending, second = composed["client"], composed["issue"], composed["pending"], composed["second"]

    listing = html(editor.get("/newsroom/issues"))
    assert texts(listing, "//section[@id='drafts']//tbody/tr/td[1]") == ["SN #4"]
    assert texts(listing, f"//tr[@id='issue-{issue}']/td")[3] == "2"  # entries
    assert "SN #3" in texts(listing, "//section[@id='published']//tbody/tr/td[1]")

    doc = html(editor.get(f"/newsroom/issues/{issue}"))
    assert issue_entries(doc) == [PENDING, SECOND]
    assert texts(doc, "//ul[@id='candidate-list']/li") == []  # both taken: nothing else is approved

    # Move the second entry up (the form the ↑ button posts, as htmx sends it): the compose part
    # comes back, and the previews are told to follow.
    up = doc.xpath(f"//li[@id='entry-{second}']//form[contains(@action, '/order')]")[0]
    order = [i.get("value") for i in up.xpath(".//input[@name='entry_id']")]
    assert order == [str(second), str(pending)]
    answer = editor.post(f"/newsroom/issues/{issue}/order", data={"entry_id": order}, headers=HTMX)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "issue-changed"
    part = html(answer)
    assert part.get("id") == "compose"
    assert issue_entries(part) == [SECOND, PENDING]

    answer = editor.post(f"/newsroom/issues/{issue}/entries/{pending}/highlight", data={"on": "1"}, headers=HTMX)
    assert texts(html(answer), f"//li[@id='entry-{pending}']//span[{has_class('highlight')}]") == ["highlight"]
    answer = editor.post(f"/newsroom/issues/{issue}",
                         data={"title": "Evaluations and goals", "date": "2026-12-07", "intro": INTRO})
    assert answer.status_code == 303

    with team.store.session() as s:
        saved = issues.get_issue(s, team.store.default_publication(s), issue)
        assert (saved.status, saved.title, str(saved.date), saved.intro) == (
            "draft", "Evaluations and goals", "2026-12-07", INTRO)
        assert [(e.id, e.highlight, e.status) for e in saved.entries] == [
            (second, False, "scheduled"), (pending, True, "scheduled")]

    doc = html(editor.get(f"/newsroom/issues/{issue}"))
    assert doc.xpath("//h1")[0].text_content() == "SN #4: Evaluations and goals"
    assert doc.xpath("//textarea[@name='intro']")[0].text_content() == INTRO
    previews = html(editor.get(f"/newsroom/issues/{issue}/previews"))
    frames = {f.getparent().get("id"): f for f in previews.xpath("//iframe")}
    assert set(frames) == {"edition-email", "edition-private"}
    assert all(f.get("sandbox") == "" for f in frames.values())  # no scripts, no same origin
    email = frames["edition-email"].get("srcdoc")
    assert "<em>evaluations</em>" in email and "HIGHLIGHTS" in email.upper()
    assert email.index(PENDING) < email.index(SECOND)  # the highlight leads
    markdown = previews.xpath("//section[@id='edition-markdown']/pre")[0].text_content()
    assert "*evaluations*" in markdown and SECOND in markdown
    assert int(previews.xpath("//*[@id='word-count']")[0].text) > 20
    assert int(previews.xpath("//*[@id='reading-time']")[0].text) >= 1

    # Taking the second entry out makes it approved again, and a candidate for the next issue.
    editor.post(f"/newsroom/issues/{issue}/entries/{second}/remove", data={})
    doc = html(editor.get(f"/newsroom/issues/{issue}"))
    assert issue_entries(doc) == [PENDING]
    assert texts(doc, "//ul[@id='candidate-list']/li/label")[0].startswith(SECOND)
    assert entries.get_entry(team.store, second)["status"] == "approved"


def test_problems_are_shown_and_an_error_blocks_publishing(team, client_as, composed):
    editor, issue, second = composed["client"], composed["issue"], composed["second"]
    with team.store.session(by="test") as s:
        s.get(Entry, second).category = None  # an entry without a category: the email has no place for it
    doc = html(editor.get(f"/newsroom/issues/{issue}/problems"))  # the page's problems, loaded with it
    problems = texts(doc, f"//ul[{has_class('problem-list')}]/li[{has_class('error')}]")
    assert problems and any(SECOND in p and "category" in p for p in problems), problems
    assert doc.xpath(f"//div[{has_class('publish-box')}]/button[@disabled]")
    assert "blocked" in texts(doc, "//*[@id='publish-blocked']")[0]
    assert not doc.xpath(f"//div[{has_class('publish-box')}]/a")
    confirm = html(editor.get(f"/newsroom/issues/{issue}/publish"))
    assert "1 error to fix first" in texts(confirm, "//*[@id='blocked']")[0]
    assert any(SECOND in p for p in texts(confirm, f"//li[{has_class('error')}]"))
    assert confirm.xpath("//form[contains(@action, '/publish')]/button[@disabled]")
    answer = editor.post(f"/newsroom/issues/{issue}/publish", data={})
    assert answer.status_code in (409, 422) and "category" in answer.text
    with team.store.session() as s:
        assert issues.get_issue(s, team.store.default_publication(s), issue).status == "draft"

    # A library error to an htmx form comes back as the page's one error line, not a new page.
    published = entry_id(team.store, "Curve Detectors")  # in SN #2
    answer = editor.post(f"/newsroom/issues/{issue}/entries", data={"entry_id": str(published)}, headers=HTMX)
    assert answer.status_code == 409 and "SN #2" in answer.text
    assert answer.headers["HX-Retarget"] == "#issue-error"
    assert html(answer).get("id") == "issue-error" and "\n" not in answer.text.strip()


def test_publishing_fixes_the_issue_and_shows_its_jobs_and_the_forum_post(team, composed):
    editor, issue, pending = composed["client"], composed["issue"], composed["pending"]

    doc = html(editor.get(f"/newsroom/issues/{issue}"))
    assert doc.xpath(f"//section[@id='problems'][@hx-get='/newsroom/issues/{issue}/problems']")
    checked = html(editor.get(f"/newsroom/issues/{issue}/problems"))
    assert checked.xpath(f"//div[{has_class('publish-box')}]/a[@href='/newsroom/issues/{issue}/publish']")
    confirm = html(editor.get(f"/newsroom/issues/{issue}/publish"))
    assert "Publish SN #4: Evaluations?" in texts(confirm, "//h1")
    assert texts(confirm, "//form[contains(@action, '/publish')]/button") == ["Publish SN #4"]

    answer = editor.post(f"/newsroom/issues/{issue}/publish", data={})
    assert answer.status_code == 303 and answer.headers["location"] == f"/newsroom/issues/{issue}"
    with team.store.session() as s:
        published = issues.get_issue(s, team.store.default_publication(s), issue)
        assert published.status == "published" and published.date is not None and published.published_at
        assert {e.status for e in published.entries} == {"published"}
        kinds = sorted(j.kind for j in jobs.jobs_of(s, issue))
    assert kinds == ["podcast", "site"]

    doc = html(editor.get(f"/newsroom/issues/{issue}"))
    assert sorted(texts(doc, "//section[@id='jobs']//tbody/tr/td[1]")) == kinds
    assert not doc.xpath("//form[contains(@action, '/entries/')]")  # its entries are read-only now
    assert issue_entries(doc) == [PENDING, SECOND]
    forum = doc.xpath("//textarea[@id='forum-markdown']")[0]
    assert forum.get("readonly") is not None and PENDING in forum.text_content()
    assert doc.xpath("//button[@data-copy='forum-markdown']")
    answer = editor.post(f"/newsroom/issues/{issue}/entries/{pending}/remove", data={})
    assert answer.status_code == 409
    answer = editor.post(f"/newsroom/issues/{issue}/publish", data={})
    assert answer.status_code == 409  # once


def test_sending_to_subscribers_is_one_job_at_a_time(team, composed):
    editor, issue = composed["client"], composed["issue"]
    assert editor.post(f"/newsroom/issues/{issue}/send", data={}).status_code == 409  # a draft is not sent
    assert editor.post(f"/newsroom/issues/{issue}/publish", data={}).status_code == 303
    confirm = html(editor.get(f"/newsroom/issues/{issue}/send"))
    assert "Send SN #4: Evaluations to subscribers?" in texts(confirm, "//h1")
    assert editor.post(f"/newsroom/issues/{issue}/send", data={}).status_code == 303
    again = editor.post(f"/newsroom/issues/{issue}/send", data={})
    assert again.status_code == 409 and "being sent" in again.text
    with team.store.session() as s:
        assert [j.kind for j in jobs.jobs_of(s, issue)].count("send") == 1
    part = html(editor.get(f"/newsroom/issues/{issue}/jobs"))
    assert part.get("hx-trigger") == "every 1s"  # the page follows the jobs while one is not done
    assert part.xpath("//button[@disabled]") and not part.xpath("//a[contains(@href, '/send')]")


def test_a_contributor_may_read_issues_but_not_compose_or_publish(team, client_as, composed):
    issue, pending = composed["issue"], composed["pending"]
    flo = client_as("contributor")
    listing = html(flo.get("/newsroom/issues"))
    assert "SN #4" in texts(listing, "//section[@id='drafts']//td")
    assert not listing.xpath("//form[@action='/newsroom/issues']")
    doc = html(flo.get(f"/newsroom/issues/{issue}"))
    assert issue_entries(doc) == [PENDING, SECOND]
    assert not doc.xpath("//form[starts-with(@action, '/newsroom/issues')]")
    assert not doc.xpath("//*[@id='previews' or @id='candidate-list']")
    assert not html(flo.get(f"/newsroom/issues/{issue}/problems")).xpath(f"//*[{has_class('publish-box')}]")
    for path, data in [
        ("/newsroom/issues", {"title": "Mine"}),
        (f"/newsroom/issues/{issue}", {"title": "Mine", "date": "", "intro": ""}),
        (f"/newsroom/issues/{issue}/entries/{pending}/remove", {}),
        (f"/newsroom/issues/{issue}/publish", {}),
        (f"/newsroom/issues/{issue}/send", {}),
    ]:
        assert flo.post(path, data=data).status_code == 403, path
    assert flo.get(f"/newsroom/issues/{issue}/previews").status_code == 403
    with team.store.session() as s:
        unchanged = issues.get_issue(s, team.store.default_publication(s), issue)
        assert (unchanged.status, unchanged.title, [e.id for e in unchanged.entries]) == (
            "draft", "Evaluations", [pending, composed["second"]])


def test_nothing_of_a_draft_issue_reaches_the_archive_or_the_search_api(team, client_as, composed):
    anyone = client_as(None)
    home = anyone.get("/")
    assert home.status_code == 200
    assert "SN #4" not in home.text and PENDING not in home.text
    assert anyone.get("/issues/sn-4/").status_code == 404
    found = anyone.get("/api/search", params={"q": "Pending Post Evaluations"}).json()["results"]
    assert not any(PENDING in str(hit) for hit in found)
    found = anyone.get("/api/search", params={"q": "Goal Misgeneralization"}).json()["results"]
    assert found == []


def test_the_jobs_are_followed_until_they_end_and_a_failed_one_runs_again(team, client_as, composed):
    editor, issue = composed["client"], composed["issue"]
    assert editor.post(f"/newsroom/issues/{issue}/publish", data={}).status_code == 303
    with team.store.session() as s:
        ids = {j.kind: j.id for j in jobs.jobs_of(s, issue)}
    part = html(editor.get(f"/newsroom/issues/{issue}/jobs"))
    assert part.get("hx-trigger") == "every 1s"
    assert texts(part, "//tbody/tr/td[2]") == ["queued", "queued"]

    for job_id in ids.values():
        jobs.run_job(team.store, job_id)  # what the worker does
    part = html(editor.get(f"/newsroom/issues/{issue}/jobs"))
    assert part.get("hx-trigger") is None  # nothing left to follow
    assert texts(part, "//tbody/tr/td[2]") == ["done", "done"]
    assert not part.xpath("//form[contains(@action, '/retry')]")

    with team.store.session(by="test") as s:
        failed = s.get(jobs.Job, ids["podcast"])
        failed.state, failed.message = jobs.FAILED, "the speech engine stopped"
    doc = html(editor.get(f"/newsroom/issues/{issue}"))
    row = doc.xpath(f"//tr[@id='job-{ids['podcast']}']")[0]
    assert "the speech engine stopped" in row.text_content()
    assert row.xpath(f".//form[@action='/newsroom/jobs/{ids['podcast']}/retry']/button")
    assert client_as("contributor").post(f"/newsroom/jobs/{ids['podcast']}/retry", data={}).status_code == 403
    answer = editor.post(f"/newsroom/jobs/{ids['podcast']}/retry", data={})
    assert answer.status_code == 303 and answer.headers["location"] == f"/newsroom/issues/{issue}"
    with team.store.session() as s:
        assert s.get(jobs.Job, ids["podcast"]).state == jobs.QUEUED
    assert editor.post(f"/newsroom/jobs/{ids['podcast']}/retry", data={}).status_code == 409  # not ended


def test_a_test_send_says_in_one_line_how_it_went(team, composed, monkeypatch):
    editor, issue = composed["client"], composed["issue"]
    for name in ("PRECIS_SMTP_URL", "PRECIS_MAIL_FROM", "PRECIS_BASE_URL", "PRECIS_DKIM_KEY"):
        monkeypatch.delenv(name, raising=False)
    form = {"addresses": "reviewer@example.org, editor@example.org", "edition": "private"}
    answer = editor.post(f"/newsroom/issues/{issue}/test", data=form, headers=HTMX)
    assert 400 <= answer.status_code < 500
    line = html(answer)
    assert line.get("id") == "test-result" and "PRECIS_SMTP_URL" in line.text_content()
    assert "\n" not in line.text_content().strip()

    with mail_server() as mail:
        monkeypatch.setenv("PRECIS_SMTP_URL", mail.url)
        monkeypatch.setenv("PRECIS_MAIL_FROM", "news@example.org")
        monkeypatch.setenv("PRECIS_BASE_URL", "https://news.example.org")
        answer = editor.post(f"/newsroom/issues/{issue}/test", data=form, headers=HTMX)
        assert answer.status_code == 200, answer.text
        assert "SN #4: 2 sent" in html(answer).text_content()
        assert sorted(r for m in mail.messages for r in m.recipients) == ["editor@example.org", "reviewer@example.org"]
        assert PENDING in mail.messages[0].message.get_body(("html",)).get_content()
        # Without htmx the page comes back with the line.
        doc = html(editor.post(f"/newsroom/issues/{issue}/test", data={**form, "edition": "public"}))
        assert "SN #4: 2 sent" in texts(doc, "//*[@id='test-result']")[0]
    with team.store.session() as s:
        assert issues.get_issue(s, team.store.default_publication(s), issue).status == "draft"  # still

"""The author's page at /review/{token}: what it shows and hides, its answers, its refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from precis.mail.config import MailConfig, SmtpServer
from precis.model import utcnow
from precis.review import answers, requests
from precis.review.links import ReviewSigner
from precis.review.model import ReviewRequest
from precis.web.app import create_app
from tests.mailserver import mail_server, part_text
from tests.review.conftest import BASE_URL, OTHER_SUMMARY, SECRET_NOTE, Review, review_in

HEADERS = {"referrer-policy": "no-referrer", "cache-control": "no-store", "x-robots-tag": "noindex"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """One store for the module: each test makes requests of its own."""
    yield from review_in(tmp_path_factory.mktemp("review-pages"))


@pytest.fixture(scope="module")
def app(shared):
    return create_app(shared.store, shared.team.site)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


def path_of(view) -> str:
    return urlsplit(view.link).path


def csrf_of(page) -> str:
    found = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_the_emailed_link_opens_the_planned_summary(shared, client):
    with mail_server() as server:
        config = MailConfig(smtp_url=SmtpServer.parse(server.url), mail_from="news@example.org", base_url=BASE_URL)
        [view] = requests.request_review(shared.store, shared.team.people["editor"], shared.entry,
                                         ["Jane Doe <jane.mail@example.org>"], config=config)
        [received] = server.messages
    text = part_text(received.message, "plain")
    assert "Rohin Shah, an editor of Sample Newsletter, asks you to check" in text
    [link] = [word for word in text.split() if word.startswith(f"{BASE_URL}/review/")]
    assert link == view.link
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200 and "Curve Detectors Everywhere" in page.text
    assert {k: page.headers[k] for k in HEADERS} == HEADERS
    assert "<em>curve detectors</em>" in page.text and "Jane Doe, John Roe" in page.text and "arXiv" in page.text
    assert "recurrence claim" in page.text  # the opinion


def test_the_page_shows_nothing_else(shared, client):
    jane, john = shared.ask("Jane Doe <jane.secret@example.org>", "john.secret@example.org")
    answers.comment(shared.store, shared.token_of(john), "John's words for the editors only")
    answers.comment(shared.store, shared.token_of(jane), "Jane's own remark")
    page = client.get(path_of(jane))
    assert page.status_code == 200 and "Jane&#39;s own remark" in page.text
    for hidden in (SECRET_NOTE, OTHER_SUMMARY, "Another Paper Entirely", "John's words", "John&#39;s words",
                   "@example.org"):
        assert hidden not in page.text, hidden


def test_what_an_author_types_is_shown_inert(shared, client):
    [view] = shared.ask("jane@example.org")
    page = client.get(path_of(view))
    answered = client.post(path_of(view) + "/comment", data={
        "csrftoken": csrf_of(page), "comment": "<script>alert('x')</script> is <b>wrong</b>",
        "passage": "<img src=x onerror=alert(1)>",
    })
    assert answered.status_code == 303 and answered.headers["location"].startswith(path_of(view) + "?done=commented")
    assert answered.headers["referrer-policy"] == "no-referrer"
    after = client.get(answered.headers["location"])
    assert "your comment is recorded" in after.text
    assert "<script>alert" not in after.text and "&lt;script&gt;alert" in after.text
    assert "<img src=x" not in after.text and "&lt;img src=x onerror=alert(1)&gt;" in after.text


def test_approve_comment_on_a_passage_and_propose_an_edit(shared, client):
    [view] = shared.ask("Jane Doe <jane@example.org>")
    page = client.get(path_of(view))
    token = csrf_of(page)
    assert 'name="passage"' in page.text and 'src="/newsroom/static/review.js"' in page.text
    assert "The authors show that *curve detectors*" in page.text  # the edit box holds the markup
    assert re.search(r'name="seen" value="The authors show that \*curve detectors\*', page.text)
    for action, data in (("approve", {}), ("comment", {"comment": "Overstated.", "passage": "the same circuits"}),
                         ("edit", {"proposed": "A better summary.", "note": "Shorter.",
                                   "seen": answers.open_review(shared.store, shared.token_of(view)).source})):
        answered = client.post(f"{path_of(view)}/{action}", data={"csrftoken": token, **data})
        assert answered.status_code == 303, (action, answered.text[:300])
    [after] = [r for r in requests.requests_of(shared.store) if r.id == view.id]
    assert [(a.kind, a.passage, a.text) for a in after.answers] == [
        ("approve", None, None), ("comment", "the same circuits", "Overstated."), ("edit", None, "Shorter.")]
    assert after.answers[2].proposed == "A better summary." and after.answers[2].state == "proposed"
    assert after.answers[2].base.startswith("The authors show that *curve detectors*")
    assert client.get(path_of(view)).text.count('class="answer ') == 3


def test_a_post_without_its_csrf_token_is_refused(shared, client, app):
    [view] = shared.ask("jane@example.org")
    client.get(path_of(view))  # the CSRF cookie is set
    assert client.post(path_of(view) + "/approve", data={}).status_code == 403
    with TestClient(app, follow_redirects=False) as bare:  # no cookie at all
        refused = bare.post(path_of(view) + "/comment", data={"comment": "Forged"})
        assert refused.status_code == 403
    assert [r.answers for r in requests.requests_of(shared.store) if r.id == view.id] == [[]]


def test_bad_tampered_and_swapped_links_answer_404(shared, client):
    [view] = shared.ask("jane@example.org")
    token = shared.token_of(view)
    swapped = ReviewSigner.of(shared.store).token(view.id, shared.other)
    page = client.get(path_of(view))
    csrf = csrf_of(page)
    for bad in ("made-up", token[:-2] + "xx", swapped):
        got = client.get(f"/review/{bad}")
        assert got.status_code == 404 and "This review link is not valid" in got.text
        assert OTHER_SUMMARY not in got.text and got.headers["x-robots-tag"] == "noindex"
        posted = client.post(f"/review/{bad}/comment", data={"csrftoken": csrf, "comment": "Hi"})
        assert posted.status_code == 404


def test_revoked_and_expired_links_answer_410_saying_whom_to_ask(shared, client):
    revoked, expired = shared.ask("a@example.org", "b@example.org")
    csrf = csrf_of(client.get(path_of(revoked)))
    requests.revoke(shared.store, None, revoked.id)
    with shared.store.session(by="test") as s:
        s.get(ReviewRequest, expired.id).expires_at = utcnow() - timedelta(seconds=1)
    for view, word in ((revoked, "revoked"), (expired, "expired")):
        got = client.get(path_of(view))
        assert got.status_code == 410 and word in got.text and "ask Rohin Shah" in got.text
        assert "Curve Detectors Everywhere" not in got.text
        posted = client.post(path_of(view) + "/approve", data={"csrftoken": csrf})
        assert posted.status_code == 410


def test_too_long_is_400_naming_the_field_and_too_many_is_429(shared, client):
    [view] = shared.ask("jane@example.org")
    csrf = csrf_of(client.get(path_of(view)))
    long = client.post(path_of(view) + "/comment", data={"csrftoken": csrf, "comment": "x" * (answers.MAX_COMMENT + 1)})
    assert long.status_code == 400 and "comment:" in long.text and "at most 5000 characters" in long.text
    long_edit = client.post(path_of(view) + "/edit", data={"csrftoken": csrf, "proposed": "y" * 40_000})
    assert long_edit.status_code == 400 and "proposed:" in long_edit.text
    for i in range(answers.MAX_ANSWERS_PER_HOUR):
        answers.comment(shared.store, shared.token_of(view), f"Remark {i}")
    many = client.post(path_of(view) + "/approve", data={"csrftoken": csrf})
    assert many.status_code == 429 and "in the last hour" in many.text

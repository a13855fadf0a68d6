"""Requesting a review, and what the author's answers and the editor's decisions do to the store."""

from __future__ import annotations

from datetime import timedelta

import dkim  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select

from precis.errors import Conflict, Forbidden, InvalidValue
from precis.mail.config import MailConfig
from precis.mail.links import BadLink
from precis.model import Activity, utcnow
from precis.newsroom import entries, permissions
from precis.review import answers, requests
from precis.review.model import ReviewRequest
from precis.store import Store
from tests.helpers import load_sample
from tests.mailserver import dkim_key, mail_server, part_text, signed_headers
from tests.newsroom.conftest import Team, make_team
from tests.review.conftest import BASE_URL, SECRET_NOTE, Review, make_entries


def test_a_request_per_address_with_its_link_name_and_expiry(review, monkeypatch):
    monkeypatch.setenv("PRECIS_REVIEW_DAYS", "5")
    views = review.ask("Jane Doe <Jane@Example.org>", "john@example.org", "jane@example.org")
    assert [(v.email, v.name) for v in views] == [("jane@example.org", "Jane Doe"), ("john@example.org", None)]
    for v in views:
        assert v.link == f"{BASE_URL}/review/{review.token_of(v)}"
        assert v.state == "not sent" and v.requested_by == "Rohin Shah"
        assert timedelta(days=4, hours=23) < v.expires_at - utcnow() <= timedelta(days=5)
    [longer] = review.ask("max@example.org", days=30)
    assert longer.expires_at - utcnow() > timedelta(days=29)
    listed = requests.requests_of(review.store, entry_id=review.entry, base_url=BASE_URL)
    assert {v.id for v in listed} == {v.id for v in [*views, longer]}


@pytest.mark.parametrize("address", ["not an address", "jane@localhost", "Jane <jane@example.org", "é@example.org"])
def test_a_bad_address_is_refused_and_nothing_is_made(review, address):
    with pytest.raises(InvalidValue) as caught:
        review.ask("ok@example.org", address)
    assert caught.value.field == "address" and address in str(caught.value)
    assert requests.requests_of(review.store) == []


def test_no_base_url_no_links(review, monkeypatch):
    monkeypatch.delenv("PRECIS_BASE_URL", raising=False)
    with pytest.raises(InvalidValue) as caught:
        review.ask("jane@example.org", base_url=None)
    assert caught.value.field == "PRECIS_BASE_URL"
    monkeypatch.setenv("PRECIS_BASE_URL", "https://env.example.org/")
    [view] = review.ask("jane@example.org", base_url=None)
    assert view.link is not None and view.link.startswith("https://env.example.org/review/")


def test_only_a_written_entry_not_yet_in_an_issue_can_be_reviewed(review):
    editor = review.team.people["editor"]
    idea = entries.create_entry(review.store, editor, {"title": "Just an idea"}, status="idea")
    with pytest.raises(Conflict) as caught:
        requests.request_review(review.store, editor, idea["id"], ["jane@example.org"], base_url=BASE_URL)
    assert "idea" in str(caught.value)
    for status in ("draft", "in review", "approved"):
        assert status in requests.REVIEWABLE


def test_who_may_request_a_review(review):
    store, people = review.store, review.team.people
    contributor = people["contributor"]  # "Flo Dorner", alias "Flo"
    with pytest.raises(Forbidden):
        requests.request_review(store, contributor, review.entry, ["jane@example.org"], base_url=BASE_URL)
    mine = entries.create_entry(store, contributor, {"title": "Flo's own draft", "summary": "Words."})
    assert requests.request_review(store, contributor, mine["id"], ["jane@example.org"], base_url=BASE_URL)
    summarized = entries.create_entry(store, people["editor"], {"title": "Summarized by Flo", "summary": "Words.",
                                                                "summarizer": "Rohin/Flo"})
    assert requests.request_review(store, contributor, summarized["id"], ["jane@example.org"], base_url=BASE_URL)
    for role in ("editor", "owner"):
        assert requests.request_review(store, people[role], review.entry, ["jane@example.org"], base_url=BASE_URL)
    assert permissions.may(contributor, "review") and not permissions.may(None, "review")


def test_revoked_and_expired_links_are_gone(review):
    revoked, expired = review.ask("a@example.org", "b@example.org")
    requests.revoke(review.store, review.team.people["editor"], revoked.id)
    with review.store.session(by="test") as s:
        s.get(ReviewRequest, expired.id).expires_at = utcnow() - timedelta(minutes=1)
    for view, word in ((revoked, "revoked"), (expired, "expired")):
        token = review.token_of(view)
        for attempt in (lambda t=token: answers.open_review(review.store, t),
                        lambda t=token: answers.comment(review.store, t, "Late words")):
            with pytest.raises(BadLink) as caught:
                attempt()
            assert caught.value.gone and word in str(caught.value) and "Rohin Shah" in str(caught.value)
    states = {v.id: v.state for v in requests.requests_of(review.store)}
    assert states == {revoked.id: "revoked", expired.id: "expired"}
    with pytest.raises(Conflict):
        requests.revoke(review.store, None, revoked.id)


def test_the_author_page_shows_this_entry_and_this_request_only(review):
    jane, john = review.ask("Jane Doe <jane@example.org>", "john@example.org")
    answers.comment(review.store, review.token_of(john), "John's private remark")
    page = answers.open_review(review.store, review.token_of(jane))
    assert page.title == "Curve Detectors Everywhere" and page.authors == "Jane Doe, John Roe"
    assert page.venue == "arXiv" and page.year == 2024 and page.link == "https://example.org/papers/curves"
    assert "<em>curve detectors</em>" in page.summary_html
    assert page.opinions and "recurrence claim" in page.opinions[0][1]
    assert page.answers == [] and page.reviewer == "Jane Doe"
    shown = repr(page)
    for hidden in (SECRET_NOTE, "John's private remark", "jane@example.org", "john@example.org"):
        assert hidden not in shown


def test_opening_and_answering_are_recorded_with_activity_naming_the_reviewer(review):
    [view] = review.ask("Jane Doe <jane@example.org>")
    token = review.token_of(view)
    answers.open_review(review.store, token)
    answers.open_review(review.store, token)
    answers.comment(review.store, token, "The second claim is overstated.", passage="the same circuits recur")
    answers.approve(review.store, token)
    [after] = requests.requests_of(review.store)
    assert after.opened_at and after.answered_at and after.approved_at and after.state == "approved"
    assert [(a.kind, a.passage) for a in after.answers] == [("comment", "the same circuits recur"), ("approve", None)]
    with review.store.session() as s:
        lines = s.scalars(select(Activity).where(Activity.kind.like("review%")).order_by(Activity.id)).all()
        assert [a.kind for a in lines] == ["review requested", "review opened", "review answered", "review approved"]
        assert all(a.detail["reviewer"] == "Jane Doe" and "jane@" not in repr(a.detail) for a in lines)
        assert [a.person_id for a in lines] == [review.team.people["editor"].id, None, None, None]
        assert requests.review_summary(s, review.entry).startswith("reviewed by its authors")
        assert requests.reviewed_by_authors(s, [review.entry, review.other]) == {review.entry}


def test_answers_are_limited_in_size_and_rate(review):
    [view] = review.ask("jane@example.org")
    token = review.token_of(view)
    with pytest.raises(InvalidValue) as caught:
        answers.comment(review.store, token, "x" * (answers.MAX_COMMENT + 1))
    assert caught.value.field == "comment"
    with pytest.raises(InvalidValue) as caught:
        answers.propose_edit(review.store, token, "y" * (answers.MAX_PROPOSED + 1))
    assert caught.value.field == "proposed"
    with pytest.raises(InvalidValue):
        answers.comment(review.store, token, "   ")
    for i in range(answers.MAX_ANSWERS_PER_HOUR):
        answers.comment(review.store, token, f"Remark {i}")
    with pytest.raises(answers.TooMany):
        answers.approve(review.store, token)
    assert len(requests.requests_of(review.store)[0].answers) == answers.MAX_ANSWERS_PER_HOUR


def test_an_accepted_edit_is_a_revision_by_the_editor_from_the_reviewer(review):
    [view] = review.ask("Jane Doe <jane@example.org>")
    page = answers.open_review(review.store, review.token_of(view))
    proposed = page.source.replace("recur across models", "recur across the five models we tried")
    edit = answers.propose_edit(review.store, review.token_of(view), proposed, note="We only tried five.")
    with review.store.session() as s:
        assert requests.review_summary(s, review.entry) == "an author proposed an edit"
        assert requests.reviewed_by_authors(s, [review.entry]) == set()
    editor = review.team.people["editor"]
    after = answers.accept_edit(review.store, editor, edit.id)
    accepted = after.answers[0]
    assert accepted.state == "accepted" and accepted.decided_by == "Rohin Shah" and accepted.revision_id
    assert entries.get_entry(review.store, review.entry)["summary"] == proposed
    last = entries.revisions(review.store, review.entry)[-1]
    assert last["id"] == accepted.revision_id and last["changed"] == ["summary"]
    assert last["by"] == "Rohin Shah, from Jane Doe's review" and last["person_id"] == editor.id
    with pytest.raises(Conflict):
        answers.accept_edit(review.store, editor, edit.id)


def test_an_edit_merges_into_other_changes_or_is_refused(review):
    [view] = review.ask("jane@example.org")
    token = review.token_of(view)
    editor = review.team.people["editor"]
    original = entries.get_entry(review.store, review.entry)
    edit = answers.propose_edit(review.store, token, "An author's rewrite of the whole summary.")
    entries.save_entry(review.store, editor, review.entry, original["version"], {"summary": "The editor's rewrite."})
    with pytest.raises(Conflict) as caught:
        answers.accept_edit(review.store, editor, edit.id)
    assert "changed since an author proposed" in str(caught.value)
    assert entries.get_entry(review.store, review.entry)["summary"] == "The editor's rewrite."
    assert requests.requests_of(review.store)[0].answers[0].state == "proposed"
    # The summary as the reviewer saw it, proposed back (only the title changed meanwhile): nothing to apply.
    current = entries.get_entry(review.store, review.entry)
    same_base = answers.propose_edit(review.store, token, "The editor's rewrite, corrected.")
    entries.save_entry(review.store, editor, review.entry, current["version"], {"title": "Curve Detectors, Again"})
    answers.accept_edit(review.store, editor, same_base.id)
    assert entries.get_entry(review.store, review.entry)["summary"] == "The editor's rewrite, corrected."


def test_a_declined_edit_keeps_the_note_and_the_summary(review):
    [view] = review.ask("jane@example.org")
    edit = answers.propose_edit(review.store, review.token_of(view), "A rewrite we will not take.")
    contributor = review.team.people["contributor"]
    with pytest.raises(Forbidden):
        answers.decline_edit(review.store, contributor, edit.id, "no")
    after = answers.decline_edit(review.store, review.team.people["editor"], edit.id, "We keep our wording.")
    declined = after.answers[0]
    assert (declined.state, declined.decision_note, declined.decided_by) == ("declined", "We keep our wording.",
                                                                            "Rohin Shah")
    assert "rewrite we will not take" not in entries.get_entry(review.store, review.entry)["summary"]
    page = answers.open_review(review.store, review.token_of(view))
    assert page.answers[0].state == "declined"


def test_the_request_email_is_dkim_signed_when_a_key_is_configured(review, tmp_path):
    key = dkim_key(tmp_path)
    with mail_server() as server:
        config = MailConfig.from_environment({"PRECIS_SMTP_URL": server.url, "PRECIS_MAIL_FROM": "news@example.org",
                                              **key.env()})
        [view] = review.ask("Jane Doe <jane@example.org>", config=config)
        [received] = server.messages
    assert view.state == "sent" and view.send_error is None
    assert dkim.verify(received.data, dnsfunc=key.dnsfunc)
    assert {"from", "to", "subject"} <= set(signed_headers(received.data))
    assert "until" in part_text(received.message, "plain") and view.link in part_text(received.message, "html")


def test_the_review_loop_on_postgresql(pg_url):
    """Request, open, answer, accept: the same on PostgreSQL (a conditional update marks the first opening)."""
    store = load_sample(Store(pg_url))
    try:
        team = Team(store, make_team(store), site=None)  # type: ignore[arg-type]
        pg = Review(team, *make_entries(team))
        [view] = pg.ask("Jane Doe <jane@example.org>")
        token = pg.token_of(view)
        answers.open_review(store, token)
        answers.open_review(store, token)
        edit = answers.propose_edit(store, token, "A summary the author prefers.")
        answers.accept_edit(store, team.people["editor"], edit.id)
        assert entries.get_entry(store, pg.entry)["summary"] == "A summary the author prefers."
        with store.session() as s:
            kinds = list(s.scalars(select(Activity.kind).where(Activity.kind.like("review%")).order_by(Activity.id)))
            assert kinds == ["review requested", "review opened", "review answered", "review edit accepted"]
            assert requests.review_summary(s, pg.entry).startswith("reviewed by its authors")
    finally:
        store.close()


def test_an_edit_typed_while_the_editor_changed_the_summary_does_not_undo_the_change(review):
    [view] = review.ask("jane@example.org")
    token = review.token_of(view)
    editor = review.team.people["editor"]
    seen = answers.open_review(review.store, token).source
    current = entries.get_entry(review.store, review.entry)
    entries.save_entry(review.store, editor, review.entry, current["version"], {"summary": seen + " Edited meanwhile."})
    late = answers.propose_edit(review.store, token, seen.replace("edge detectors", "edge and line detectors"),
                                seen=seen)
    assert late.base == seen
    with pytest.raises(Conflict):
        answers.accept_edit(review.store, editor, late.id)
    assert entries.get_entry(review.store, review.entry)["summary"].endswith("Edited meanwhile.")
    made_up = answers.propose_edit(review.store, token, "Something else.", seen="A summary it never had.")
    assert made_up.base == seen + " Edited meanwhile."  # an unknown base is the summary now

"""Authors' review on the newsroom's side: the entry page's section (asking, following, deciding on
proposed edits), composing an issue, and the activity page, through the app's real routes.

The entries are drafts of the sample store's editor; an author's answers are made through the
library by the link's token, as the author's page makes them."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from precis.newsroom import entries, issues
from precis.review import answers
from precis.review.links import ReviewSigner
from precis.review.requests import request_review, requests_of
from tests.mailserver import mail_server
from tests.newsroom import conftest as newsroom

team, client_as = newsroom.team, newsroom.client_as  # the newsroom's fixtures: its team, signed-in clients

BASE = "https://news.example.org"
SUMMARY = "This paper trains a reward model from human comparisons and finds that it overfits quickly."


@pytest.fixture(autouse=True)
def no_mail_settings(monkeypatch):
    for name in ("PRECIS_SMTP_URL", "PRECIS_MAIL_FROM", "PRECIS_BASE_URL", "PRECIS_REVIEW_DAYS"):
        monkeypatch.delenv(name, raising=False)


def draft(team, title: str = "Reward models overfit", **fields: Any) -> int:
    made = entries.create_entry(team.store, team.people["editor"], {"title": title, "summary": SUMMARY, **fields})
    return int(made["id"])


def asked(team, entry_id: int, address: str = "Jane Doe <jane@example.org>") -> tuple[int, str]:
    """A request made by the editor; its id and its token."""
    view = request_review(team.store, team.people["editor"], entry_id, [address], base_url=BASE)[0]
    return view.id, ReviewSigner.of(team.store).token(view.id, entry_id)


def editor_client(client_as, base_url: str | None = BASE):
    client = client_as("editor")
    client.app.state.base_url = base_url
    return client


def test_an_editor_requests_a_review_and_sees_each_link_once_with_whether_it_was_emailed(team, client_as, monkeypatch):
    entry_id = draft(team)
    client = editor_client(client_as)
    with mail_server() as mail:
        monkeypatch.setenv("PRECIS_SMTP_URL", mail.url)
        monkeypatch.setenv("PRECIS_MAIL_FROM", "Newsletter <news@example.org>")
        answer = client.post(f"/newsroom/entries/{entry_id}/review",
                             data={"addresses": "Jane Doe <jane@example.org>,\nbob@example.org", "days": "7"})
        assert answer.status_code == 200, answer.text
        links = re.findall(r'value="(https://news\.example\.org/review/[^"]+)"', answer.text)
        assert len(links) == 2 and links[0] != links[1]
        assert answer.text.count('<span class="mailed">emailed</span>') == 2
        received = {m.recipients[0]: m.message for m in mail.messages}
    assert set(received) == {"jane@example.org", "bob@example.org"}
    jane = received["jane@example.org"].get_body(("plain",)).get_content()
    assert any(link in jane for link in links)

    shown = client.get(f"/newsroom/entries/{entry_id}").text
    assert not any(link in shown for link in links)  # shown once
    section = shown[shown.index('id="review"'):]
    assert "Jane Doe" in section and "&lt;jane@example.org&gt;" in section and "bob@example.org" in section
    assert section.count('class="tag review-state">sent<') == 2
    assert "review requested: 2 sent" in shown


def test_without_an_smtp_server_the_link_is_shown_and_marked_not_emailed(team, client_as):
    entry_id = draft(team)
    answer = editor_client(client_as).post(f"/newsroom/entries/{entry_id}/review",
                                           data={"addresses": "jane@example.org"},
                                           headers={"hx-request": "true"})
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section id="review"')  # htmx: the section alone
    assert "not emailed (no SMTP server configured)" in answer.text
    assert re.search(r'value="https://news\.example\.org/review/[^"]+"', answer.text)


def test_without_a_base_url_the_request_is_refused_naming_precis_base_url_and_the_addresses_stay(team, client_as):
    entry_id = draft(team)
    answer = editor_client(client_as, None).post(f"/newsroom/entries/{entry_id}/review",
                                                 data={"addresses": "jane@example.org", "days": ""})
    assert answer.status_code == 422
    assert "PRECIS_BASE_URL" in answer.text and ">jane@example.org</textarea>" in answer.text
    assert requests_of(team.store, entry_id=entry_id) == []


def test_a_wrong_address_is_named_and_nothing_is_asked(team, client_as):
    entry_id = draft(team)
    answer = editor_client(client_as).post(f"/newsroom/entries/{entry_id}/review",
                                           data={"addresses": "jane@example.org, not an address"})
    assert answer.status_code == 422 and "not an address" in answer.text
    assert requests_of(team.store, entry_id=entry_id) == []


def test_a_contributor_asks_for_their_own_entry_only(team, client_as):
    theirs = entries.create_entry(team.store, team.people["contributor"], {"title": "Flo's draft", "summary": SUMMARY})
    others = draft(team)
    client = client_as("contributor")
    client.app.state.base_url = BASE
    assert 'name="addresses"' in client.get(f"/newsroom/entries/{theirs['id']}").text
    assert 'name="addresses"' not in client.get(f"/newsroom/entries/{others}").text
    asking = {"addresses": "a@example.org"}
    assert client.post(f"/newsroom/entries/{theirs['id']}/review", data=asking).status_code == 200
    assert client.post(f"/newsroom/entries/{others}/review", data=asking).status_code == 403


def test_a_proposed_edit_is_a_word_diff_and_accepting_it_makes_a_revision_by_the_editor_from_the_review(
        team, client_as):
    entry_id = draft(team)
    _, token = asked(team, entry_id)
    proposed = SUMMARY.replace("overfits quickly", "overfits after one epoch")
    edit = answers.propose_edit(team.store, token, proposed, note="It is one epoch, not quickly.")
    answers.comment(team.store, token, "We used <b>three</b> seeds.", passage="trains a reward model")
    client = editor_client(client_as)

    shown = client.get(f"/newsroom/entries/{entry_id}").text
    section = shown[shown.index('id="review"'):]
    assert "<del>quickly.</del>" in section and "<ins>after one epoch.</ins>" in section
    assert "It is one epoch, not quickly." in section
    assert '<blockquote class="passage">trains a reward model</blockquote>' in section
    assert "We used &lt;b&gt;three&lt;/b&gt; seeds." in section  # the author's text is inert
    assert "an author proposed an edit" in shown and "reviewed by its authors" not in shown

    answer = client.post(f"/newsroom/reviews/answers/{edit.id}/accept", data={})
    assert answer.status_code == 303 and answer.headers["location"] == f"/newsroom/entries/{entry_id}#review"
    assert entries.get_entry(team.store, entry_id)["summary"] == proposed
    last = entries.revisions(team.store, entry_id)[-1]
    assert last["by"] == "Rohin Shah, from Jane Doe's review" and last["person_id"] == team.people["editor"].id
    assert last["changed"] == ["summary"]

    shown = client.get(f"/newsroom/entries/{entry_id}").text
    assert 'class="badge reviewed">reviewed by its authors</a>' in shown
    assert re.search(r"Accepted by Rohin Shah <time[^>]*>[^<]+</time> \(<a [^>]*>revision \d+</a>\)", shown)
    assert f"/newsroom/reviews/answers/{edit.id}/accept" not in shown  # decided: no buttons


def test_declining_an_edit_keeps_the_summary_and_shows_who_declined_it_and_why(team, client_as):
    entry_id = draft(team)
    _, token = asked(team, entry_id)
    edit = answers.propose_edit(team.store, token, "A shorter summary.")
    answer = editor_client(client_as).post(f"/newsroom/reviews/answers/{edit.id}/decline",
                                           data={"note": "We keep the detail."}, headers={"hx-request": "true"})
    assert answer.status_code == 200
    assert "Declined by Rohin Shah" in answer.text and "<q>We keep the detail.</q>" in answer.text
    assert entries.get_entry(team.store, entry_id)["summary"] == SUMMARY
    assert 'class="badge reviewed">reviewed by its authors' in answer.text  # answered, nothing waiting


def test_an_edit_that_no_longer_merges_is_refused_in_words_and_stays_proposed(team, client_as):
    entry_id = draft(team)
    _, token = asked(team, entry_id)
    edit = answers.propose_edit(team.store, token, SUMMARY.replace("quickly", "slowly"))
    current = entries.get_entry(team.store, entry_id)
    entries.save_entry(team.store, team.people["editor"], entry_id, current["version"],
                       {"summary": SUMMARY.replace("quickly", "at once")})
    client = editor_client(client_as)
    assert "The summary changed since they saw it" in client.get(f"/newsroom/entries/{entry_id}").text
    answer = client.post(f"/newsroom/reviews/answers/{edit.id}/accept", data={}, headers={"hx-request": "true"})
    assert answer.status_code == 409 and "changed since Jane Doe proposed this edit" in answer.text
    assert f"/newsroom/reviews/answers/{edit.id}/accept" in answer.text  # still to decide
    assert entries.get_entry(team.store, entry_id)["summary"] == SUMMARY.replace("quickly", "at once")


def test_a_contributor_sees_an_edit_on_an_entry_not_theirs_without_the_buttons_and_may_not_accept_it(
        team, client_as):
    entry_id = draft(team)
    _, token = asked(team, entry_id)
    edit = answers.propose_edit(team.store, token, "A shorter summary.")
    client = client_as("contributor")
    shown = client.get(f"/newsroom/entries/{entry_id}").text
    assert "<ins>" in shown and "Waiting for an editor" in shown and "/accept" not in shown
    assert client.post(f"/newsroom/reviews/answers/{edit.id}/accept", data={}).status_code == 403
    assert entries.get_entry(team.store, entry_id)["summary"] == SUMMARY


def test_revoking_a_link_and_reminding_without_smtp(team, client_as):
    entry_id = draft(team)
    request_id, _ = asked(team, entry_id)
    client = editor_client(client_as)
    reminded = client.post(f"/newsroom/reviews/{request_id}/remind", data={}, headers={"hx-request": "true"})
    assert reminded.status_code == 400 and "PRECIS_SMTP_URL" in reminded.text and 'id="review"' in reminded.text
    revoked = client.post(f"/newsroom/reviews/{request_id}/revoke", data={})
    assert revoked.status_code == 303
    shown = client.get(f"/newsroom/entries/{entry_id}").text
    assert 'class="tag review-state">revoked<' in shown
    assert f"/newsroom/reviews/{request_id}/revoke" not in shown
    assert f"/newsroom/reviews/{request_id}/remind" not in shown
    assert requests_of(team.store, entry_id=entry_id)[0].state == "revoked"


def test_reminding_emails_the_same_link_again(team, client_as, monkeypatch):
    entry_id = draft(team)
    request_id, token = asked(team, entry_id)
    with mail_server() as mail:
        monkeypatch.setenv("PRECIS_SMTP_URL", mail.url)
        monkeypatch.setenv("PRECIS_MAIL_FROM", "news@example.org")
        answer = editor_client(client_as).post(f"/newsroom/reviews/{request_id}/remind", data={},
                                               headers={"hx-request": "true"})
        assert answer.status_code == 200, answer.text
        assert "(1 reminder)" in answer.text
        assert [m.recipients for m in mail.messages] == [["jane@example.org"]]
        assert f"{BASE}/review/{token}" in mail.messages[0].message.get_body(("plain",)).get_content()


def test_composing_an_issue_shows_which_entries_their_authors_reviewed(team, client_as):
    editor = team.people["editor"]
    reviewed, other = draft(team, "A reviewed paper"), draft(team, "A paper nobody checked")
    _, token = asked(team, reviewed)
    answers.approve(team.store, token)
    for entry_id in (reviewed, other):
        for status in ("in review", "approved"):
            entries.set_status(team.store, editor, entry_id, status)
    with team.store.session(by=editor.name, person_id=editor.id) as s:
        issue = issues.new_issue(s, team.store.default_publication(s), editor, title="Reviews")
        issues.add_entries(s, issue, editor, [reviewed])
        s.flush()
        issue_id = issue.id
    shown = client_as("editor").get(f"/newsroom/entries/{reviewed}").text
    assert re.search(r"Jane Doe</strong>\s*approved the summary as is", shown)
    page = client_as("editor").get(f"/newsroom/issues/{issue_id}").text
    picked = page[page.index(f'id="entry-{reviewed}"'):]
    assert picked[:picked.index("</li>")].count("reviewed by its authors") == 1
    candidates = page[page.index('id="candidate-list"'):]
    line = candidates[candidates.index(f'value="{other}"'):]
    assert "reviewed by its authors" not in line[:line.index("</li>")]
    # once the other is reviewed too, its candidate line says so
    _, token = asked(team, other)
    answers.comment(team.store, token, "Fine by us.")
    page = client_as("editor").get(f"/newsroom/issues/{issue_id}").text
    line = page[page.index(f'value="{other}"'):]
    assert "reviewed by its authors" in line[:line.index("</li>")]


def test_the_activity_page_says_what_happened_to_a_review_under_the_reviewers_name_never_the_address(
        team, client_as):
    entry_id = draft(team, "An entry under review")
    _, token = asked(team, entry_id)
    answers.open_review(team.store, token)
    edit = answers.propose_edit(team.store, token, "A shorter summary.")
    answers.decline_edit(team.store, team.people["editor"], edit.id, "Too short.")
    page = client_as("contributor").get("/newsroom/activity").text
    lines = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", li)).split())
             for li in re.findall(r'<li class="activity-line review-line">(.*?)</li>', page, re.S)]
    said = [re.sub(r"^\S+ \S+ ", "", line) for line in lines]  # without the time
    assert said == [
        "Rohin Shah declined Jane Doe's edit of An entry under review Too short.",  # with the editor's note
        "Jane Doe proposed an edit of An entry under review",
        "Jane Doe opened the review link of An entry under review",
        "Rohin Shah asked Jane Doe to review An entry under review",
    ]
    assert "jane@example.org" not in page


def test_an_authors_answer_on_my_entry_is_on_my_for_me_page(team, client_as):
    mine = entries.create_entry(team.store, team.people["contributor"], {"title": "Flo's paper", "summary": SUMMARY})
    _, token = asked(team, mine["id"])
    answers.comment(team.store, token, "Looks right to us.")
    page = client_as("contributor").get("/newsroom/").text
    recent = page[page.index('id="recent"'):]
    said = r"<strong class=\"who\">Jane Doe</strong>\s+commented on the summary of\s*<a [^>]*>Flo's paper</a>"
    assert re.search(said, html.unescape(recent))

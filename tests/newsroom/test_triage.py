"""Triage in the newsroom: a candidate marked "to summarize" becomes an idea (or the clicker's draft)
with its metadata and its abstract, in one click, once."""

from __future__ import annotations

from datetime import date

import lxml.html
import pytest
from sqlalchemy import func, select

from precis.ingest import queue
from precis.ingest.model import Candidate
from precis.ingest.work import Work
from precis.model import Entry
from precis.newsroom.entries import get_entry, revisions

ABSTRACT = "We study whether <b>debate</b> between two agents helps a judge find the truth."


@pytest.fixture
def candidate(team) -> int:
    """A new work marked to summarize with priority 7 (and another left new)."""
    works = [
        Work(title="Debate Helps Weak Judges", source="feed https://example.org/feed.xml",
             url="https://example.org/papers/debate-judges", authors=["Ada Lovelace", "Alan Turing"],
             venue="NeurIPS", published=date(2024, 3, 2), abstract=ABSTRACT),
        Work(title="An Unrelated Benchmark", source="feed https://example.org/feed.xml",
             url="https://example.org/papers/benchmark", authors=["Grace Hopper"]),
    ]
    report = queue.add_works(team.store, works, "feed https://example.org/feed.xml")
    ident = report.outcomes[0].candidate_id
    queue.set_priority(team.store, [ident], 7)
    return ident


def entries(team) -> int:
    with team.store.session() as s:
        return int(s.scalar(select(func.count(Entry.id))) or 0)


def test_the_triage_page_lists_candidates_with_their_buttons(client_as, candidate):
    client = client_as("contributor")
    doc = lxml.html.fromstring(client.get("/newsroom/triage").text)
    assert [b.text for b in doc.xpath("//li[@class='candidate']//button")] == ["To summarize", "Skip"]
    doc = lxml.html.fromstring(client.get("/newsroom/triage", params={"state": "summarize"}).text)
    item = doc.xpath(f"//li[@id='candidate-{candidate}']")[0]
    assert item.xpath(".//a")[0].get("href") == "https://example.org/papers/debate-judges"
    assert [b.text for b in item.xpath(".//button")] == ["Make idea", "Write it", "Skip"]


def test_a_candidate_to_summarize_becomes_an_idea_with_its_metadata_and_abstract(team, client_as, candidate):
    answer = client_as("editor").post(f"/newsroom/triage/{candidate}/idea")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/newsroom/entries/")
    entry = get_entry(team.store, int(answer.headers["location"].rsplit("/", 1)[1]))
    assert entry["status"] == "idea" and entry["assignee_id"] is None
    assert (entry["title"], entry["authors"], entry["venue"], entry["year"], entry["url"], entry["priority"]) == (
        "Debate Helps Weak Judges", "Ada Lovelace, Alan Turing", "NeurIPS", 2024,
        "https://example.org/papers/debate-judges", 7,
    )
    assert ABSTRACT in entry["notes"] and not entry["summary"]
    with team.store.session() as s:
        assert s.get(Candidate, candidate).entry_id == entry["id"]
    assert [r["person_id"] for r in revisions(team.store, entry["id"])] == [team.people["editor"].id]
    # The abstract sits in the notes: never public, even once the entry is found by title.
    assert "debate" not in client_as(None).get("/api/search", params={"q": "weak judges"}).text.lower()


def test_a_candidate_is_made_into_an_entry_once(team, client_as, candidate):
    client = client_as("editor")
    assert client.post(f"/newsroom/triage/{candidate}/idea").status_code == 303
    before = entries(team)
    again = client.post(f"/newsroom/triage/{candidate}/idea")
    assert again.status_code == 409 and "already made into entry" in again.text
    assert entries(team) == before
    doc = lxml.html.fromstring(client.get("/newsroom/triage", params={"state": "summarize"}).text)
    item = doc.xpath(f"//li[@id='candidate-{candidate}']")[0]
    assert not item.xpath(".//button[text()='Make idea']")
    assert item.xpath(".//a[starts-with(@href, '/newsroom/entries/')]")


def test_a_contributor_can_take_a_candidate_and_write_it(team, client_as, candidate):
    answer = client_as("contributor").post(f"/newsroom/triage/{candidate}/idea", data={"write": "1"})
    assert answer.status_code == 303
    entry = get_entry(team.store, int(answer.headers["location"].rsplit("/", 1)[1]))
    assert entry["status"] == "draft" and entry["assignee"] == "Flo Dorner"


def test_a_candidate_not_marked_to_summarize_is_refused(team, client_as, candidate):
    new_one = next(c.id for c in queue.list_candidates(team.store, "new"))
    answer = client_as("editor").post(f"/newsroom/triage/{new_one}/idea")
    assert answer.status_code == 409 and "mark it to summarize first" in answer.text
    assert client_as("editor").post("/newsroom/triage/999/idea").status_code == 404


def test_anonymous_cannot_make_an_idea_nor_triage(team, client_as, candidate):
    before = entries(team)
    anonymous = client_as(None)
    answer = anonymous.post(f"/newsroom/triage/{candidate}/idea")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/newsroom/login")
    assert anonymous.post(f"/newsroom/triage/{candidate}/skip").status_code == 303
    assert entries(team) == before
    with team.store.session() as s:
        cand = s.get(Candidate, candidate)
        assert cand.entry_id is None and cand.state == "summarize"


def test_triage_buttons_mark_and_skip(team, client_as, candidate):
    client = client_as("contributor")
    other = next(c.id for c in queue.list_candidates(team.store, "new"))
    assert client.post(f"/newsroom/triage/{other}/summarize", data={"priority": "3"}).status_code == 303
    assert [(c.id, c.priority) for c in queue.list_candidates(team.store, "summarize")] == [(candidate, 7), (other, 3)]
    assert client.post(f"/newsroom/triage/{other}/skip", data={"reason": "not alignment"}).status_code == 303
    skipped = queue.list_candidates(team.store, "skipped")
    assert [(c.id, c.reason) for c in skipped] == [(other, "not alignment")]
    assert client.post(f"/newsroom/triage/{other}/summarize", data={"priority": "11"}).status_code == 400

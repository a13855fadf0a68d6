"""After a publish, ``precis serve`` shows the new issue at once: its page and its entries' pages are
served with the entries (waiting for the rebuild instead of answering 404), the lists show it, the
pages of the entries moved into it name it, and a draft issue never appears.

The publish is what ``publish`` does to the store, on the 10-entry sample: SN #2's entries were
taken out of it while a new issue was composed (approved, in no issue; the archive dropped them),
then one transaction makes SN #4 published with them. A draft SN #5 holds a scheduled entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from precis.model import Entry, Issue
from precis.site import build_site
from precis.store import Store
from precis.web import create_app
from precis.web.app import Built, Snapshot
from tests.helpers import load_sample

PENDING = "A Pending Post About Evaluations"


@dataclass
class Published:
    client: TestClient
    titles: list[str]  # of the entries moved from SN #2 to SN #4 (the public ones)
    pages: list[str]  # their pages, as they were under SN #2
    site: Path  # the folder served


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    tmp = tmp_path_factory.mktemp("after-publish")
    store = load_sample(Store(str(tmp / "sample.db")))
    before = Snapshot.of(store)
    report = build_site(store, tmp / "site")
    with store.session(by="compose") as s:
        old = s.scalars(select(Issue).where(Issue.number == 2)).one()
        moved = list(s.scalars(select(Entry).where(Entry.issue_id == old.id)))
        for e in moved:
            e.status, e.issue_id = "approved", None
        ids = [e.id for e in moved]
    pages = [report.entry_paths[i] for i in ids if i in report.entry_paths]
    with TestClient(create_app(store, tmp / "site", built=Built(before, report.entry_paths))) as client:
        assert client.get("/" + pages[0]).status_code == 404  # taken out of the archive at once
        client.get("/downloads/")  # waits for the whole rebuild
        with store.session(by="publish") as s:
            publication = store.default_publication(s)
            new = Issue(publication_id=publication.id, series="SN", number=4, status="published",
                        date=date(2026, 11, 30), title="The new one")
            draft = Issue(publication_id=publication.id, series="SN", number=5, status="draft")
            s.add_all([new, draft])
            s.flush()
            entries = list(s.scalars(select(Entry).where(Entry.id.in_(ids))))
            for e in entries:
                e.status, e.issue_id = "published", new.id
            titles = [e.title for e in entries if e.public_level != "No"]
            pending = s.scalars(select(Entry).where(Entry.title == PENDING)).one()
            pending.status, pending.issue_id = "scheduled", draft.id
        yield Published(client, titles, pages, tmp / "site")
    store.close()


def test_the_new_issues_page_is_served_with_its_entries_at_the_first_request(published: Published) -> None:
    page = published.client.get("/issues/sn-4/")
    assert page.status_code == 200
    assert "The new one" in page.text
    assert published.titles and all(title in page.text for title in published.titles)


def test_the_pages_of_the_entries_moved_to_the_new_issue_are_served_and_name_it(published: Published) -> None:
    for path in published.pages:
        page = published.client.get("/" + path)
        assert page.status_code == 200, path
        assert "SN #4" in page.text and "SN #2" not in page.text, path


def test_the_issue_list_the_home_page_and_the_feeds_show_the_new_issue(published: Published) -> None:
    for path in ("/issues/", "/", "/feeds/issues.atom", "/feeds/issues.rss"):
        assert "issues/sn-4/" in published.client.get(path).text, path


def test_the_issue_the_entries_left_is_gone(published: Published) -> None:
    assert published.client.get("/issues/sn-2/").status_code == 404
    assert "issues/sn-2/" not in published.client.get("/issues/").text


def test_a_draft_issue_and_its_entries_never_appear(published: Published) -> None:
    client = published.client
    assert client.get("/issues/sn-5/").status_code == 404
    for path in ("/issues/", "/", "/feeds/issues.atom", "/search/"):
        text = client.get(path).text
        assert "sn-5" not in text and PENDING not in text, path
    assert PENDING not in client.get("/downloads/").text
    assert not any(PENDING in p.read_text("utf-8") for p in published.site.rglob("*.json"))

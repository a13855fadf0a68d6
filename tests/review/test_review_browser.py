"""Issue 15's first "done when", in a real browser: an editor requests a review from an entry page;
the author, in a separate browser context without a login, opens the link, proposes an edit and
comments on a passage selected in the summary; the editor reloads the entry page, sees the edit as a
diff and accepts it (the new revision is by the editor, from the author's review), and the entry
shows "reviewed by its authors".

One of the shipped sample's entries, set back to approved; the app served by uvicorn on a port of
its own (its base URL is where the review links point); Debian's Chromium driven by Playwright.
Screenshots in ``test-artifacts/review/``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from precis.model import Entry
from precis.newsroom import credentials, entries
from precis.web.app import create_app
from precis.web.auth import SESSION_COOKIE
from tests.helpers import chromium
from tests.newsroom import conftest as newsroom

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "review"
ADDED = "The authors add that the effect holds for every seed they tried."
COMMENT = "This passage undersells the second experiment."

team = newsroom.team  # the sample store with an owner, an editor and a contributor


@pytest.fixture
def server(team, monkeypatch) -> Iterator[str]:
    for name in ("PRECIS_SMTP_URL", "PRECIS_MAIL_FROM", "PRECIS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PRECIS_ASSIST_EMBED", "0")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    srv = uvicorn.Server(uvicorn.Config(create_app(team.store, team.site, base_url=url), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield url
    srv.should_exit = True
    thread.join(10)


def approved_sample_entry(team) -> tuple[int, str]:
    """A sample entry with a summary, out of its issue and approved: (id, title)."""
    with team.store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.summary.is_not(None)).order_by(Entry.id)).first()
        assert entry is not None and len(entry.summary or "") > 200
        entry.issue_id, entry.status = None, "approved"
        return entry.id, " ".join(entry.title.split())


def test_an_editor_asks_an_author_who_proposes_an_edit_and_comments_and_the_editor_accepts_it(team, server):
    entry_id, title = approved_sample_entry(team)
    editor = team.people["editor"]
    errors: list[str] = []
    shots = iter(range(1, 100))
    with chromium(ARTIFACTS) as browser:
        def shot(page, what: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{what}.png"), full_page=True)

        # The editor, signed in, asks the author from the entry page.
        office = browser.new_context(viewport={"width": 1200, "height": 900})
        office.add_cookies([{"name": SESSION_COOKIE, "value": credentials.start_session(team.store, editor),
                             "url": server}])
        mine = office.new_page()
        mine.on("pageerror", lambda e: errors.append(f"editor: {e}"))
        entry_url = f"{server}/newsroom/entries/{entry_id}"
        mine.goto(entry_url)
        mine.get_by_label("Ask the authors").fill("Jane Doe <jane@example.org>")
        mine.get_by_role("button", name="Request a review").click()
        link_box = mine.locator(".review-made .review-link")
        link_box.wait_for()
        link = link_box.input_value()
        assert link.startswith(f"{server}/review/")
        assert "not emailed" in mine.locator(".review-made").inner_text()
        assert mine.locator("#review .review-state").inner_text() == "not sent"
        shot(mine, "editor-asked")

        # The author: another context, no cookies, no login.
        elsewhere = browser.new_context(viewport={"width": 1000, "height": 900})
        author = elsewhere.new_page()
        author.on("pageerror", lambda e: errors.append(f"author: {e}"))
        author.goto(link)
        assert author.url == link  # not sent to sign in
        assert title in author.locator("h2.title").inner_text()
        proposed = author.locator("#proposed")
        source = proposed.input_value()
        assert source.strip()
        proposed.fill(source.rstrip() + " " + ADDED)
        author.get_by_role("button", name="Propose this edit").click()
        author.locator(".done").wait_for()

        # ... and comments on words selected with the mouse in the summary.
        words = author.locator("#summary p").first
        words.scroll_into_view_if_needed()
        box = words.bounding_box()
        assert box is not None
        y = box["y"] + 8
        author.mouse.move(box["x"] + 1, y)
        author.mouse.down()
        author.mouse.move(box["x"] + min(260, box["width"] - 2), y, steps=5)
        author.mouse.up()
        passage = author.locator("#passage").input_value()
        assert len(passage) > 10 and passage in " ".join(words.inner_text().split())
        author.locator("#comment").fill(COMMENT)
        author.get_by_role("button", name="Send the comment").click()
        author.locator(".done").wait_for()
        assert author.locator("#answered li").count() == 2
        shot(author, "author-answered")
        assert "Rohin" not in author.context.cookies().__repr__()  # nothing of the newsroom's session

        # The editor reloads: the edit as a diff, the comment with its passage; accepts the edit.
        mine.goto(entry_url)
        review = mine.locator("#review")
        assert ADDED.split()[0] in review.locator(".review-diff ins").first.inner_text()
        assert review.locator(".passage").inner_text() == passage
        assert COMMENT in review.inner_text()
        assert "an author proposed an edit" in mine.locator(".entry-head").inner_text()
        shot(mine, "editor-sees-the-edit")
        with mine.expect_navigation():
            mine.get_by_role("button", name="Accept the edit of Jane Doe").click()
        mine.wait_for_url(entry_url + "#review")
        assert mine.locator(".entry-head .badge.reviewed").inner_text() == "reviewed by its authors"
        assert ADDED in mine.locator("#f-summary").input_value()
        assert re.search(r"Accepted by Rohin Shah", review.inner_text())
        shot(mine, "editor-accepted")

        mine.goto(f"{entry_url}/history")
        assert "Rohin Shah, from Jane Doe's review" in mine.locator("table.history tbody tr").first.inner_text()
        office.close()
        elsewhere.close()

    saved = entries.get_entry(team.store, entry_id)
    assert saved["summary"].endswith(ADDED)
    last = entries.revisions(team.store, entry_id)[-1]
    assert last["by"] == "Rohin Shah, from Jane Doe's review" and last["person_id"] == editor.id
    assert errors == []

"""The editor page in a real browser (Debian's Chromium driven by Playwright, the app served by
uvicorn): typing with a live preview, the ``<@`` menu, autosave, and the merge view when someone
else saved first. Screenshots are kept in ``test-artifacts/newsroom/``."""

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

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "newsroom"


@pytest.fixture
def server(team, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("PRECIS_ASSIST_EMBED", "0")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(team.store, team.site)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium(ARTIFACTS) as browser:
        yield browser


def signed_in(browser, team, role, url):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_cookies([{"name": SESSION_COOKIE, "value": credentials.start_session(team.store, team.people[role]),
                          "url": url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_type_preview_reference_menu_autosave_and_merge_a_conflict(browser, server, team):
    with team.store.session() as s:
        earlier = " ".join(s.scalars(select(Entry.title).order_by(Entry.id)).first().split())
    word = max(earlier.split(), key=len)
    made = entries.create_entry(team.store, team.people["editor"], {"title": "A new paper on reward models"})
    url = f"{server}/newsroom/entries/{made['id']}"

    mine, my_errors = signed_in(browser, team, "editor", server)
    mine.goto(url)
    summary = mine.locator("#f-summary")
    summary.click()
    summary.press_sequentially("This *extends* the earlier work ")
    mine.wait_for_selector("#preview-summary em:text('extends')")
    shot(mine, "editor-01-preview")

    summary.press_sequentially(f"<@{word}")
    option = mine.locator(".ref-menu li", has_text=earlier)
    option.wait_for()
    shot(mine, "editor-02-reference-menu")
    option.click()
    assert f"<@{earlier}@>" in summary.input_value()
    mine.locator("#preview-summary .preview-body", has_text=earlier).wait_for()
    assert mine.locator("#preview-summary .ref-flag").count() == 0  # a known reference: not flagged

    status = mine.locator("#save-status")
    status.filter(has_text=re.compile(r"Saved at \d\d:\d\d \(version \d+\)")).wait_for(timeout=20_000)
    shot(mine, "editor-03-autosaved")
    saved = entries.get_entry(team.store, made["id"])
    assert f"<@{earlier}@>" in saved["summary"]
    assert mine.locator("#version").input_value() == str(saved["version"])

    # Someone else saves first, in a second browser context.
    theirs, their_errors = signed_in(browser, team, "owner", server)
    theirs.goto(url)
    theirs.locator("#f-venue").fill("NeurIPS")
    theirs.locator("#f-summary").fill("Their rewrite of the summary.")
    theirs.get_by_role("button", name="Save", exact=True).click()
    theirs.wait_for_url(url)

    # My next change meets their version: the merge view, with both texts and mine still in the form.
    summary.press_sequentially(" My last sentence.")
    mine.wait_for_selector(".merge-note", timeout=20_000)
    assert "My last sentence." in mine.locator("#f-summary").input_value()
    assert "Their rewrite of the summary." in mine.locator(".field-summary .theirs-text").inner_text()
    assert mine.locator("#f-venue").input_value() == "NeurIPS"  # only they changed it: taken
    mine.locator(".field-summary").scroll_into_view_if_needed()
    shot(mine, "editor-04-merge")
    mine.locator(".field-summary button.both").click()
    merged_text = mine.locator("#f-summary").input_value()
    assert "My last sentence." in merged_text and "Their rewrite of the summary." in merged_text
    mine.get_by_role("button", name="Save the merge").click()
    mine.wait_for_url(url)
    shot(mine, "editor-05-merged")
    final = entries.get_entry(team.store, made["id"])
    assert "My last sentence." in final["summary"] and "Their rewrite of the summary." in final["summary"]
    assert final["venue"] == "NeurIPS"
    assert my_errors == [] and their_errors == []

"""Issue 14's first "done when", on the real archive, in a real browser: AN #139's entries, set back
to approved, are composed by an editor into a new issue (order and highlights as AN #139 had them),
previewed and published through the newsroom's pages of a real ``precis serve``; the archive then
shows the new issue; and ``precis send`` mails it to a confirmed subscriber on a real SMTP server
(``tests/mailserver.py``), the HTML part being what ``precis render`` gives (with the subscriber's
unsubscribe line added, as ``precis.mail.message`` does).

Debian's Chromium driven by Playwright; screenshots in ``test-artifacts/publish/browser/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from precis.newsroom import issues
from precis.store import Store
from tests.helpers import PRECIS_PATH, chromium, free_port, precis_serve, run_precis
from tests.mailserver import mail_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "publish" / "browser"
EDITOR = ("rohin@example.org", "Rohin Shah", "editor")
PASSWORD = "a long newsroom passphrase"
SUBSCRIBER = "reader@example.org"
REVIEWER = "reviewer@example.org"
MAIL_FROM = "Alignment Newsletter <newsletter@example.org>"


@dataclass
class Original:
    """AN #139 as it was: its title and its entries in order, with their highlights."""

    title: str | None
    entries: list[tuple[int, str, bool]]  # id, title, highlight


@dataclass
class Newsroom:
    db: Path
    url: str
    env: dict[str, str]
    original: Original
    mail: Any
    published: list[str] = field(default_factory=list)  # the new issue's label, once published


def set_back_to_approved(db: Path) -> Original:
    """AN #139's entries out of their issue and approved, highlights cleared (the editor sets them
    again in the browser)."""
    store = Store(str(db))
    try:
        with store.session(by="test") as s:
            an139 = issues.get_issue(s, store.default_publication(s), "AN #139")
            original = Original(an139.title, [(e.id, e.title.strip(), e.highlight) for e in an139.entries])
            for e in list(an139.entries):
                e.issue_id, e.status, e.highlight = None, "approved", False
    finally:
        store.close()
    assert len(original.entries) == 7 and any(h for _, _, h in original.entries)
    return original


@pytest.fixture(scope="module")
def newsroom(real_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    tmp = tmp_path_factory.mktemp("publish-browser")
    db = tmp / "an.db"
    shutil.copy(real_db_template, db)
    original = set_back_to_approved(db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with mail_server() as mail:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PRECIS_PATH, "COLUMNS": "200",
            "HOME": str(tmp), "PRECIS_CACHE_DIR": str(tmp / "cache"),
            "PRECIS_SMTP_URL": mail.url, "PRECIS_MAIL_FROM": MAIL_FROM, "PRECIS_BASE_URL": url,
        }
        email, name, role = EDITOR
        added = subprocess.run(
            [sys.executable, "-m", "precis", "--db", str(db), "user", "add", email, "--name", name, "--role", role,
             "--password-stdin"],
            input=PASSWORD + "\n", capture_output=True, text=True, env=env, timeout=120,
        )
        assert added.returncode == 0, added.stderr
        with precis_serve(db, tmp, env, port=port):
            yield Newsroom(db, url, env, original, mail)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(ARTIFACTS) as browser:
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
        yield browser


def order_on_page(page: Any) -> list[int]:
    ids: list[int] = page.locator("#issue-entries > li").evaluate_all("items => items.map(i => +i.dataset.id)")
    return ids


def test_an_editor_composes_an139_again_in_the_browser_and_publishes_it(newsroom, browser):
    original, server = newsroom.original, newsroom.url
    wanted = [i for i, _, _ in original.entries]
    context = browser.new_context(viewport={"width": 1200, "height": 1500})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    context.set_default_timeout(30_000)
    context.add_init_script(
        "window.settled = 0; document.addEventListener('htmx:afterSettle', () => { window.settled += 1; });")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    shots = iter(range(1, 100))

    def shot(what: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{what}.png"))

    try:
        # Sign in on the way to the issues.
        page.goto(server + "/newsroom/issues")
        page.wait_for_url(re.compile(r"/newsroom/login\?next="))
        page.get_by_label("Email").fill(EDITOR[0])
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        assert page.url == server + "/newsroom/issues"

        # A new issue, with AN #139's title.
        page.locator("form.new-issue").get_by_label("Title").fill(original.title or "")
        with page.expect_navigation():
            page.get_by_role("button", name="New issue").click()
        found = re.fullmatch(rf"{re.escape(server)}/newsroom/issues/(\d+)", page.url)
        assert found, page.url
        label = page.locator("h1").inner_text().split(":")[0]
        assert re.fullmatch(r"AN #\d+", label) and label != "AN #139"

        @contextmanager
        def composing(answer: str) -> Iterator[None]:
            """An action whose answer replaces the compose part: done once the part is in place and
            its problems (checked again a moment later, above the list) too, so that nothing moves
            under the next drag."""
            before = page.evaluate("window.settled")
            with page.expect_response(re.compile(answer)):
                yield
            page.wait_for_function(f"window.settled > {before}")
            top = page.locator("#issue-entries").bounding_box()
            page.wait_for_function("document.querySelector('#problems[aria-labelledby]') !== null"
                                   " && document.querySelector('.htmx-request') === null")
            moved.append(abs(page.locator("#issue-entries").bounding_box()["y"] - top["y"]) if top else 0.0)

        moved: list[float] = []  # how far the list moved when the problems came back, per action

        def wait_count(n: int) -> None:
            page.wait_for_function(f"document.querySelectorAll('#issue-entries > li').length == {n}")

        # Pick AN #139's entries through the filter box: all but the first, then the first.
        def pick(ids: list[int]) -> None:
            for entry_id, title, _ in original.entries:
                if entry_id not in ids:
                    continue
                page.locator("#candidate-filter").fill(title[:40])
                box = page.locator(f"#candidate-list input[value='{entry_id}']")
                assert box.is_visible()
                assert page.locator("#candidate-list li:not([hidden])").count() < 10
                box.check()
                if entry_id == wanted[1]:
                    shot("filtered")
            assert page.locator("#ticked").inner_text() == f"{len(ids)} ticked"  # the hidden ones too
            with composing(r"/entries$"):
                page.get_by_role("button", name=f"Add to {label}").click()

        pick(wanted[1:])
        wait_count(len(wanted) - 1)
        pick(wanted[:1])
        wait_count(len(wanted))
        shot("picked")
        assert sorted(order_on_page(page)) == sorted(wanted)
        assert order_on_page(page)[-1] == wanted[0]

        # AN #139's order, by dragging each entry to its place (the one picked last joined the end);
        # then ↓ and ↑ once, to use the buttons too.
        def wait_at(place: int, entry_id: int) -> None:
            page.wait_for_function(
                f"document.querySelectorAll('#issue-entries > li')[{place}].dataset.id == '{entry_id}'")

        for place, entry_id in enumerate(wanted):
            there = order_on_page(page)[place]
            if there != entry_id:
                with composing(r"/order$"):
                    page.locator(f"#entry-{entry_id}").drag_to(page.locator(f"#entry-{there}"))
                wait_at(place, entry_id)
        for words in ("Move down", "Move up"):
            with composing(r"/order$"):
                page.get_by_role("button", name=f"{words}: {original.entries[0][1]}").click()
            wait_at(1 if words == "Move down" else 0, wanted[0])
        assert order_on_page(page) == wanted
        # The last problems stay in view while they are checked again: a reorder moves nothing.
        assert moved[-1] == 0.0, moved

        # Highlights as AN #139 had them.
        for entry_id, title, highlighted in original.entries:
            if highlighted:
                with composing(r"/highlight$"):
                    page.get_by_role("button", name=f"Highlight: {title}").click()
                page.locator(f"#entry-{entry_id} .tag.highlight").wait_for()
        shown = {int(i) for i in page.locator("#issue-entries > li:has(.tag.highlight)").evaluate_all(
            "items => items.map(i => i.dataset.id)")}
        assert shown == {i for i, _, h in original.entries if h}
        shot("composed")

        # Previews of every edition; no error blocks publishing.
        # The previews follow the last change (reloaded a moment after it): the whole issue's words.
        page.locator("#previews iframe").first.wait_for()
        page.wait_for_function("Number(document.querySelector('#word-count').innerText) > 300")
        page.locator("label[for=tab-markdown]").click()
        assert original.entries[0][1] in page.locator("#edition-markdown pre").inner_text()
        shot("previews")
        assert page.locator("#publish-blocked").count() == 0

        # A review copy (the private edition) to a reviewer, from the page.
        page.get_by_label("Addresses").fill(REVIEWER)
        with page.expect_response(re.compile(r"/test$")):
            page.get_by_role("button", name="Send test").click()
        page.locator("#test-result", has_text=f"test send of {label}: 1 sent").wait_for()
        assert [m.recipients for m in newsroom.mail.messages] == [[REVIEWER]]

        # Publish, through the step that names the issue.
        with page.expect_navigation():
            page.get_by_role("link", name=f"Publish {label}…").click()
        assert label in page.locator("h1").inner_text()
        shot("confirm")
        with page.expect_navigation():
            page.get_by_role("button", name=f"Publish {label}").click()
        newsroom.published.append(label)
        assert page.locator(".issue-head .status").text_content() == "published"
        assert sorted(page.locator("#jobs tbody td:first-child").all_inner_texts()) == ["podcast", "site"]
        assert page.locator("form[action*='/entries/']").count() == 0  # read-only now

        # The forum post, copied in one click.
        page.get_by_role("button", name="Copy").click()
        page.locator(".copied", has_text="Copied.").wait_for()
        forum = page.locator("#forum-markdown").input_value()
        assert page.evaluate("navigator.clipboard.readText()") == forum
        assert all(title in forum for _, title, _ in original.entries)
        shot("published")

        # The archive of the same server shows the new issue and its entries.
        slug = label.lower().replace(" #", "-")
        started = time.monotonic()
        while True:
            answer = httpx.get(f"{server}/issues/{slug}/", timeout=60)
            if answer.status_code == 200 and all(t in answer.text for _, t, _ in original.entries):
                break
            assert time.monotonic() - started < 120, (answer.status_code, answer.text[:300])
            time.sleep(0.2)
        print(f"the archive showed {label} {time.monotonic() - started:.1f} s after the publish answered")
        page.goto(f"{server}/issues/{slug}/", wait_until="domcontentloaded")
        shot("archive")
        assert errors == []
    finally:
        context.close()


def test_the_email_that_goes_out_is_what_render_gives(newsroom, tmp_path):
    assert newsroom.published, "needs the issue the browser test published"
    label = newsroom.published[0]
    csv = tmp_path / "subscribers.csv"
    csv.write_text(f"email,name,status\n{SUBSCRIBER},A Reader,confirmed\n", "utf-8")
    done = run_precis(newsroom.db, "subscribers", "import", str(csv), env=newsroom.env)
    assert done.returncode == 0, done.stderr
    done = run_precis(newsroom.db, "send", label, env=newsroom.env)
    assert done.returncode == 0, done.stderr
    sent = [m for m in newsroom.mail.messages if m.recipients != [REVIEWER]]  # not the review copy
    assert [m.recipients for m in sent] == [[SUBSCRIBER]]
    message = sent[0].message
    html_part = message.get_body(("html",)).get_content()
    rendered = run_precis(newsroom.db, "render", label, "--format", "html", env=newsroom.env)
    assert rendered.returncode == 0, rendered.stderr

    from precis.mail.message import html_footer

    unsubscribe = re.search(r"<(https?://[^>]+)>", message["List-Unsubscribe"]).group(1)
    cut = rendered.stdout.rfind("</body>")
    expected = rendered.stdout[:cut] + html_footer(unsubscribe) + rendered.stdout[cut:]
    assert html_part.replace("\r\n", "\n").rstrip("\n") == expected.rstrip("\n")

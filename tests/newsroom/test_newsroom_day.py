"""A newsroom day in a real browser: three people, each in a browser context of their own (Debian's
Chromium driven by Playwright), signed in through the login page of a real ``precis serve`` with two
worker processes, so nothing the day relies on (sessions, CSRF keys, versions) may live in one of them.

Flo (contributor) turns a triage candidate into a draft, takes assist's category suggestion and a
cross-reference from the ``<@`` menu, and submits it. Rohin (editor) sends it back with a comment
(a contributor may edit her entry only while it is hers to write: ``permissions.TRANSITIONS``); Flo
fixes it, replies and resubmits. Rohin adds his opinion while Asya (editor) edits the same entry:
his save, made on the older version, shows the merge view, and saving the merge keeps both
changes; he approves. Asya then cuts the summary by mistake, and Rohin finds every step in the
history, compares the last two revisions and restores the one before her mistake.

The store is the shipped 10-entry sample: assist trains on it in seconds and suggests the right
category and references for this paper, where the real archive would cost a minute of import and
site build before the first page. Screenshots of every step are kept in
``test-artifacts/newsroom/day/``.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from precis.ingest import queue
from precis.ingest.work import Work
from precis.model import Activity, Comment, Person, Revision
from precis.newsroom import entries
from precis.store import Store
from tests.helpers import PRECIS_PATH, chromium, invoke, precis_serve, sample_db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "newsroom" / "day"
VIEWPORT = {"width": 1100, "height": 800}

PASSWORD = "a long newsroom passphrase"
FLO = ("flo@example.org", "Flo Dorner", "contributor", "Flo")
ROHIN = ("rohin@example.org", "Rohin Shah", "editor", "Rohin")
ASYA = ("asya@example.org", "Asya Bergal", "editor", "Asya")

TITLE = "Reward Model Overoptimization from Human Preference Comparisons"
ABSTRACT = (
    "We study how optimizing a policy against a reward model learned from human preference comparisons "
    "first raises and then lowers the true reward, and fit scaling laws to the effect."
)
CATEGORY = "Learning human intent"
REFERENCE = "Deep Reinforcement Learning from Human Preferences"
DRAFT_START = (
    "The authors train a reward model on human preference comparisons and optimize a policy against it. It extends "
)
DRAFT_END = " to measure how the true reward falls as optimization goes on."
FIX = " They compare reward models from 3M to 3B parameters: the larger the model, the later the fall."
SEND_BACK = "Say which reward model sizes they compared."
REPLY = "Added the sizes."
ASYA_EDIT = ("The authors", "Gao, Schulman and Hilton")
OPINION = "A clean measurement of Goodhart's law for learned rewards."
MISTAKE = "Reward models overoptimize."


# -- the store and the server ------------------------------------------------------------------------


@dataclass
class Day:
    store: Store
    url: str
    candidate_id: int


def _precis_env(tmp: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PRECIS_PATH, "COLUMNS": "200",
        "PRECIS_ASSIST_EMBED": "0",  # no sentence model: the word model trains in seconds, offline
        "PRECIS_CACHE_DIR": str(tmp / "cache"), "HOME": str(tmp),
    }


def _add_person(db: Path, who: tuple[str, str, str, str]) -> None:
    """``precis user add`` run in this process (a new one per person took seconds)."""
    email, name, role, alias = who
    done = invoke(db, "user", "add", email, "--name", name, "--role", role, "--alias", alias, "--password-stdin",
                  input=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    assert f"Added {name}" in done.output


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    tmp = tmp_path_factory.mktemp("newsroom-day")
    db = sample_db(tmp / "day.db")
    store = Store(str(db))
    work = Work(title=TITLE, source="feed https://example.org/feed.xml", url="https://example.org/papers/overoptimization",
                authors=["Leo Gao", "John Schulman", "Jacob Hilton"], venue="arXiv", published=date(2022, 10, 19),
                abstract=ABSTRACT)
    report = queue.add_works(store, [work], "feed https://example.org/feed.xml")
    candidate_id = report.outcomes[0].candidate_id
    assert candidate_id is not None
    for who in (FLO, ROHIN, ASYA):
        _add_person(db, who)

    try:
        with precis_serve(db, tmp, _precis_env(tmp), "--workers", "2", timeout=120) as url:
            yield Day(store, url, candidate_id)
    finally:
        store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(ARTIFACTS) as browser:
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
        yield browser


# -- people at their browsers ------------------------------------------------------------------------

_shots = itertools.count(1)


@dataclass
class Someone:
    """One person in a browser context of their own, with the script errors their pages raised."""

    name: str
    page: Any
    errors: list[str] = field(default_factory=list)

    def shot(self, what: str, at: Any = None) -> None:
        """A screenshot of the viewport, scrolled so that ``at`` (a locator) is in the middle."""
        if at is not None:
            at.evaluate("e => e.scrollIntoView({block: 'center'})")
        self.page.screenshot(path=str(ARTIFACTS / f"{next(_shots):02d}-{self.name.split()[0].lower()}-{what}.png"),
                             full_page=False)

    def status(self) -> str:
        text: str = self.page.locator(".entry-head .status").inner_text()
        return text

    def wait_status(self, status: str) -> None:
        self.page.locator(".entry-head .status", has_text=re.compile(f"^{status}$")).wait_for()

    def click(self, button: str) -> None:
        """Press a button that posts a plain form (the page reloads)."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button, exact=True).click()

    def autosave(self, url: str, field_name: str, has: str) -> Any:
        """Wait for the autosave that carries ``has`` in ``field_name`` (earlier ones are ignored)."""
        def carries(response: Any) -> bool:
            if response.request.method != "POST" or response.url != url:
                return False
            return any(has in v for v in parse_qs(response.request.post_data or "").get(field_name, []))

        return self.page.expect_response(carries, timeout=30_000)


@pytest.fixture
def signed_in(request: pytest.FixtureRequest) -> Iterator[list[Someone]]:
    """Everyone who signed in during the test: when it fails, a last screenshot of each page."""
    people: list[Someone] = []
    failed_before = request.session.testsfailed
    yield people
    if request.session.testsfailed > failed_before:
        for person in people:
            person.shot("at-failure")
    for person in people:
        person.page.context.close()


def sign_in(people: list[Someone], browser: Any, server: str, who: tuple[str, str, str, str], start: str) -> Someone:
    """A new browser context; the person opens ``start``, is asked to sign in, and lands there."""
    email, name, _role, _alias = who
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    person = Someone(name, page)
    people.append(person)
    page.on("pageerror", lambda e: person.errors.append(str(e)))
    page.goto(server + start)
    page.wait_for_url(re.compile(r"/newsroom/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == server + start
    assert page.locator("header .who").inner_text() == f"{name} ({who[2]})"
    return person


def open_from_for_me(person: Someone, title: str) -> None:
    """From the "for me" page's "Waiting for review" list, open the entry."""
    with person.page.expect_navigation():
        person.page.locator("#review").get_by_role("link", name=title).click()


def values_of(person: Someone, selector: str) -> list[str]:
    """The values of every form field matching ``selector``, as the page holds them now."""
    values: list[str] = person.page.locator(selector).evaluate_all("fields => fields.map(f => f.value)")
    return values


# -- the day -----------------------------------------------------------------------------------------


def test_a_newsroom_day_from_triage_to_approval_with_a_merge_and_a_restore(browser, day, signed_in):
    server = day.url

    # Flo turns the triage candidate into a draft of her own.
    flo = sign_in(signed_in, browser, server, FLO, "/newsroom/triage")
    candidate = flo.page.locator(f"#candidate-{day.candidate_id}")
    assert candidate.locator("h2").inner_text() == TITLE
    flo.shot("triage")
    with flo.page.expect_navigation():
        candidate.get_by_role("button", name="To summarize").click()
    with flo.page.expect_navigation():
        flo.page.locator("nav.states").get_by_role("link", name="to summarize").click()
    candidate = flo.page.locator(f"#candidate-{day.candidate_id}")
    assert "to summarize" in candidate.locator(".tag").inner_text()
    with flo.page.expect_navigation():
        candidate.get_by_role("button", name="Write it").click()
    found = re.fullmatch(rf"{re.escape(server)}/newsroom/entries/(\d+)", flo.page.url)
    assert found, flo.page.url
    entry_id, entry_url = int(found.group(1)), flo.page.url
    assert flo.page.locator("h1").inner_text() == TITLE
    assert flo.status() == "draft"
    assert "assigned to Flo Dorner" in flo.page.locator(".entry-head").inner_text()
    assert ABSTRACT in flo.page.locator("#f-notes").input_value()  # the abstract came along, in the notes

    # She takes assist's category suggestion (assist trains on the archive meanwhile)...
    suggestion = flo.page.locator("#category-suggestions button.take-category", has_text=CATEGORY)
    suggestion.wait_for(timeout=60_000)
    flo.shot("category-suggested", suggestion)
    summary = flo.page.locator("#f-summary")
    with flo.autosave(entry_url, "summary", DRAFT_END) as saved:
        suggestion.click()
        assert flo.page.locator("#f-category").input_value() == CATEGORY
        # ... writes the summary, taking an earlier entry from the <@ menu.
        summary.click()
        summary.press_sequentially(DRAFT_START + "<@human pref")
        option = flo.page.locator(".ref-menu li", has_text=REFERENCE)
        option.wait_for()
        assert flo.page.locator(".ref-menu li", has_text=TITLE).count() == 0  # never itself
        flo.shot("reference-menu", option)
        option.click()
        assert summary.input_value() == f"{DRAFT_START}<@{REFERENCE}@>"
        summary.press_sequentially(DRAFT_END)
    assert saved.value.status == 200
    flo.page.locator("#save-status", has_text=re.compile(r"Saved at \d\d:\d\d")).wait_for()
    flo.page.locator("#preview-summary .preview-body a", has_text=REFERENCE).wait_for()  # as the email links it
    assert flo.page.locator("#preview-summary .ref-flag").count() == 0  # a known entry: not flagged
    flo.shot("draft-autosaved", flo.page.locator("#preview-summary"))
    draft = entries.get_entry(day.store, entry_id)
    assert draft["category"] == CATEGORY
    assert draft["summary"] == f"{DRAFT_START}<@{REFERENCE}@>{DRAFT_END}"

    flo.click("Submit for review")
    flo.wait_status("in review")
    assert flo.page.locator("#f-summary").get_attribute("readonly") is not None  # the editors' now
    assert flo.page.locator("form.moves button").count() == 0  # approving or sending back is theirs too
    flo.shot("submitted")

    # Rohin finds it waiting for his review and sends it back with a comment.
    rohin = sign_in(signed_in, browser, server, ROHIN, "/newsroom/")
    open_from_for_me(rohin, TITLE)
    assert rohin.page.url == entry_url
    rohin.page.get_by_label("Comment (sending back says why)").fill(SEND_BACK)
    rohin.shot("review")
    rohin.click("Send back")
    rohin.wait_status("draft")
    assert SEND_BACK in rohin.page.locator("#comments").inner_text()
    rohin.shot("sent-back", rohin.page.locator("#comments"))

    # Flo sees why, fixes the summary, replies, and submits again.
    flo.page.reload()
    flo.wait_status("draft")
    thread = flo.page.locator("#comments .thread").first
    assert "Rohin Shah" in thread.inner_text() and SEND_BACK in thread.inner_text()
    summary = flo.page.locator("#f-summary")
    assert summary.get_attribute("readonly") is None
    with flo.autosave(entry_url, "summary", FIX) as saved:
        summary.click()
        summary.press("Control+End")
        summary.press_sequentially(FIX)
    assert saved.value.status == 200
    flo.page.locator("#save-status", has_text="Saved at").wait_for()
    thread.get_by_role("textbox", name="Reply to Rohin Shah").fill(REPLY)
    thread.get_by_role("button", name="Reply").click()
    flo.page.locator("#comments .comment-text", has_text=REPLY).wait_for()
    flo.shot("fixed-and-replied", flo.page.locator("#f-summary"))
    flo.click("Submit for review")
    flo.wait_status("in review")
    fixed_summary = f"{DRAFT_START}<@{REFERENCE}@>{DRAFT_END}{FIX}"
    assert entries.get_entry(day.store, entry_id)["summary"] == fixed_summary

    # Meanwhile: Rohin reopens it to add his opinion, and Asya opens it too and saves first.
    rohin.page.reload()
    rohin.wait_status("in review")
    asya = sign_in(signed_in, browser, server, ASYA, "/newsroom/")
    open_from_for_me(asya, TITLE)
    asya_summary = fixed_summary.replace(*ASYA_EDIT)
    asya.page.locator("#f-summary").fill(asya_summary)
    asya.page.locator("#f-highlight").check()
    asya.click("Save")
    asya.shot("saved-first", asya.page.locator("#f-highlight"))
    after_asya = entries.get_entry(day.store, entry_id)
    assert after_asya["summary"] == asya_summary and after_asya["highlight"] is True

    # Rohin's opinion is saved on the version he opened: the merge view shows Asya's change beside his.
    with rohin.autosave(entry_url, "op_text", OPINION) as refused:
        rohin.page.locator("#f-op-new").click()
        rohin.page.locator("#f-op-new").press_sequentially(OPINION)
    assert refused.value.status == 409
    note = rohin.page.locator(".merge-note")
    note.wait_for()
    assert "Someone else saved this entry" in note.inner_text()
    assert "summary" in note.inner_text() and "highlight" in note.inner_text()  # taken from Asya
    assert rohin.page.locator("#f-summary").input_value() == asya_summary
    assert rohin.page.locator("#f-highlight").is_checked()
    assert OPINION in values_of(rohin, "textarea[name=op_text]")  # his words are still in the form
    rohin.shot("merge-view")
    rohin.click("Save the merge")
    assert rohin.page.locator("#f-summary").input_value() == asya_summary
    assert OPINION in values_of(rohin, "textarea[name=op_text]")
    merged = entries.get_entry(day.store, entry_id)
    assert merged["summary"] == asya_summary and merged["highlight"] is True
    assert [(o["author"], o["text"]) for o in merged["opinions"]] == [("Rohin Shah", OPINION)]

    thread = rohin.page.locator("#comments .thread").first
    assert REPLY in thread.inner_text()
    thread.get_by_role("button", name="Resolve").click()  # Flo answered: the thread is done
    rohin.page.locator("#comments .thread.resolved").wait_for()
    rohin.click("Approve")
    rohin.wait_status("approved")
    rohin.shot("approved")

    # Asya cuts the summary by mistake; Rohin finds every step in the history and restores.
    asya.page.reload()
    asya.wait_status("approved")
    asya.page.locator("#f-summary").fill(MISTAKE)
    asya.click("Save")
    assert entries.get_entry(day.store, entry_id)["summary"] == MISTAKE

    with rohin.page.expect_navigation():
        rohin.page.locator(".entry-head").get_by_role("link", name="History").click()
    rows = rohin.page.locator("table.history tbody tr")
    steps = [(row.locator("td").nth(5).inner_text(), row.locator("td").nth(6).inner_text()) for row in rows.all()]
    assert len(steps) == len(entries.revisions(day.store, entry_id))
    # Every step of the day, newest first (Flo's first draft may have autosaved more than once).
    assert steps[:8] == [
        ("Asya Bergal", "Summary"), ("Rohin Shah", "Status"), ("Rohin Shah", "Opinions"),
        ("Asya Bergal", "Highlight, Summary"), ("Flo Dorner", "Status"), ("Flo Dorner", "Summary"),
        ("Rohin Shah", "Status"), ("Flo Dorner", "Status"),
    ], steps
    drafting, created = steps[8:-1], steps[-1]
    assert drafting and {who for who, _ in drafting} == {"Flo Dorner"}
    assert {"Category", "Summary"} <= {f for _, changed in drafting for f in changed.split(", ")}
    assert created[0] == "Flo Dorner" and "Title" in created[1].split(", ")  # made from the candidate
    rohin.shot("history")
    with rohin.page.expect_navigation():
        rohin.page.get_by_role("button", name="Compare").click()  # the last two revisions, by default
    summary_diff = rohin.page.locator("#diff .diff-field", has=rohin.page.locator("h3", has_text="Summary"))
    inserted = " ".join(summary_diff.locator("ins").all_inner_texts()).split()
    deleted = " ".join(summary_diff.locator("del").all_inner_texts()).split()
    assert "overoptimize." in inserted  # her words in, the words she cut out
    assert all(word in deleted for word in ASYA_EDIT[1].split())
    rohin.shot("diff")
    with rohin.page.expect_navigation():
        rows.nth(1).get_by_role("button", name="Restore").click()
    assert rohin.page.url == entry_url
    assert rohin.page.locator("#f-summary").input_value() == asya_summary
    rohin.shot("restored", rohin.page.locator("#f-summary"))

    # The store agrees with what everyone saw.
    final = entries.get_entry(day.store, entry_id)
    assert final["status"] == "approved"
    assert final["summary"] == asya_summary and final["category"] == CATEGORY and final["highlight"] is True
    assert [(o["author"], o["text"]) for o in final["opinions"]] == [("Rohin Shah", OPINION)]
    with day.store.session() as s:
        ids = {p.name: p.id for p in s.scalars(select(Person))}
        assert final["assignee_id"] == ids["Flo Dorner"]
        comments = s.scalars(select(Comment).where(Comment.entry_id == entry_id).order_by(Comment.id)).all()
        assert [(c.person_id, c.text, c.parent_id) for c in comments] == [
            (ids["Rohin Shah"], SEND_BACK, None), (ids["Flo Dorner"], REPLY, comments[0].id),
        ]
        assert comments[0].resolved_by_id == ids["Rohin Shah"] and comments[0].resolved_at is not None
        moves = [(a.person_id, a.detail["from"], a.detail["to"]) for a in s.scalars(
            select(Activity).where(Activity.entry_id == entry_id, Activity.kind == "status").order_by(Activity.id))]
        assert moves == [
            (ids["Flo Dorner"], "draft", "in review"), (ids["Rohin Shah"], "in review", "draft"),
            (ids["Flo Dorner"], "draft", "in review"), (ids["Rohin Shah"], "in review", "approved"),
        ]
        revs = s.scalars(select(Revision).where(Revision.entry_id == entry_id).order_by(Revision.id)).all()
        by = {r.person_id for r in revs}
        assert by == {ids["Flo Dorner"], ids["Rohin Shah"], ids["Asya Bergal"]}
        assert revs[-1].person_id == ids["Rohin Shah"] and revs[-1].after["summary"] == asya_summary
        assert revs[-2].after["summary"] == MISTAKE
        versions = [r.version for r in revs]
        assert versions == sorted(versions) and versions[-1] == final["version"]
    for person in (flo, rohin, asya):
        assert person.errors == [], (person.name, person.errors)
    size = sum(p.stat().st_size for p in ARTIFACTS.glob("*.png"))
    assert size < 3_000_000, f"screenshots take {size} bytes"


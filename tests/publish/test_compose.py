"""Composing an issue from approved entries and publishing it: the library and `precis issue`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from precis.errors import Conflict, Forbidden, InvalidValue
from precis.model import Entry, Issue, Person
from precis.newsroom import issues
from precis.public import is_public
from precis.render import Editions
from precis.store import Store
from tests.helpers import invoke, load_sample, run_precis

#: Two entries of the sample's SN #2, taken out of it and approved: the makings of a new issue.
FIRST, SECOND = "Learning to summarize from human feedback", "Curve Detectors"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, with two of SN #2's entries approved and in no issue (made once, copied per test)."""
    path = tmp_path_factory.mktemp("compose") / "s.db"
    store = load_sample(Store(str(path)))
    with store.session(by="test") as s:
        for title in (FIRST, SECOND):
            e = s.scalars(select(Entry).where(Entry.title == title)).one()
            e.issue, e.status, e.highlight = None, "approved", False
    store.close()
    return path


@pytest.fixture
def store(prepared: Path, tmp_path: Path) -> Iterator[Store]:
    shutil.copy(prepared, tmp_path / "s.db")
    with Store(str(tmp_path / "s.db")) as store:
        yield store


def _id(store: Store, title: str) -> int:
    with store.session() as s:
        return s.scalars(select(Entry.id).where(Entry.title == title)).one()


def _draft(store: Store, *titles: str, **fields: object) -> int:
    with store.session(by="test") as s:
        issue = issues.new_issue(s, store.default_publication(s), None, **fields)  # type: ignore[arg-type]
        issues.add_entries(s, issue, None, [_id(store, t) for t in titles])
        return issue.id


def _markdown(store: Store, label: str) -> str:
    editions = Editions.load(store, warn=lambda _m: None)
    return editions.render(editions.issue(label), "markdown")


def test_a_new_issue_is_a_draft_numbered_after_every_issue_drafts_included(store: Store) -> None:
    with store.session(by="test") as s:
        pub = store.default_publication(s)
        first = issues.new_issue(s, pub, None, title="Feedback")
        second = issues.new_issue(s, pub, None)
        assert (first.label, first.status, first.title) == ("SN #4", "draft", "Feedback")
        assert second.label == "SN #5"


def test_entries_added_are_scheduled_in_order_and_taken_out_are_approved_again(store: Store) -> None:
    issue_id = _draft(store, FIRST, SECOND)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        assert [(e.title, e.status) for e in issues.issue_entries(s, issue)] == [
            (FIRST, "scheduled"), (SECOND, "scheduled")]
        assert not {FIRST, SECOND} & {e.title for e in issues.candidates(s, issue.publication)}
        issues.remove_entry(s, issue, None, _id(store, FIRST))
    with store.session() as s:
        first = s.get(Entry, _id(store, FIRST))
        assert first is not None and (first.status, first.issue_id) == ("approved", None)


def test_only_an_approved_entry_in_no_issue_can_be_added(store: Store) -> None:
    issue_id = _draft(store)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        published = s.scalars(select(Entry).where(Entry.title == "Concrete Problems in AI Safety")).one()
        with pytest.raises(Conflict, match="is published \\(in SN #1\\): only approved entries"):
            issues.add_entries(s, issue, None, [published.id])


def test_order_highlights_and_intro_shape_every_edition(store: Store) -> None:
    issue_id = _draft(store, FIRST, SECOND, title="Feedback")
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        issues.reorder(s, issue, None, [_id(store, SECOND), _id(store, FIRST)])
        issues.set_highlight(s, issue, None, _id(store, FIRST), True)
        issues.update_issue(s, issue, None, intro="A *short* week: two papers.")
    md = _markdown(store, "SN #4")
    assert md.index("HIGHLIGHTS") < md.index(FIRST) < md.index(SECOND)  # the highlight comes first
    assert md.index("A *short* week: two papers.") < md.index("HIGHLIGHTS")
    previews = issues.previews(store, issue_id)
    for key in ("email", "private", "markdown", "text", "speech"):
        assert "two papers" in previews.editions[key], key
    assert previews.words > 100 and previews.minutes >= 1


def test_the_order_given_is_the_order_of_entries_in_one_section(store: Store) -> None:
    issue_id = _draft(store, FIRST, SECOND)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        # Both in a section of their own category: make them share one, then swap them.
        for e in issues.issue_entries(s, issue):
            e.category = "Interpretability"
        issues.reorder(s, issue, None, [_id(store, SECOND), _id(store, FIRST)])
    md = _markdown(store, "SN #4")
    assert md.index(SECOND) < md.index(FIRST)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        with pytest.raises(InvalidValue, match="give every entry of SN #4 once"):
            issues.reorder(s, issue, None, [_id(store, FIRST)])


def test_an_issue_without_entries_cannot_be_published_and_says_why(store: Store) -> None:
    issue_id = _draft(store)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        assert [p.message for p in issues.problems(s, issue)] == ["the issue has no entries"]
        with pytest.raises(InvalidValue, match=r"SN #4.*cannot be published yet: .*no entries"):
            issues.publish(s, issue, None)


def test_an_entry_without_a_category_is_an_error_before_publishing(store: Store) -> None:
    issue_id = _draft(store, FIRST)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        issues.issue_entries(s, issue)[0].category = None
        assert any(p.severity == "error" and p.field == "category" for p in issues.problems(s, issue))


def test_a_draft_never_reaches_the_public_until_published(store: Store) -> None:
    issue_id = _draft(store, FIRST)
    with store.session() as s:
        e = s.get(Entry, _id(store, FIRST))
        assert e is not None and not is_public(e.public_level, e.status)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        jobs = issues.publish(s, issue, None, base_url="https://news.example.org/")
        assert sorted(j.kind for j in jobs) == ["podcast", "site"]
    with store.session() as s:
        issue = s.get(Issue, issue_id)
        e = s.get(Entry, _id(store, FIRST))
        assert issue is not None and e is not None
        assert (issue.status, issue.date, issue.url) == ("published", date.today(), "https://news.example.org/issues/sn-4/")
        assert issue.published_at is not None
        assert (e.status, e.email_status) == ("published", "Sent")
        assert is_public(e.public_level, e.status)


def test_a_published_issue_is_fixed(store: Store) -> None:
    issue_id = _draft(store, FIRST)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        issues.publish(s, issue, None)
    with store.session(by="test") as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        with pytest.raises(Conflict, match="SN #4 is published: its number, date and entries are fixed"):
            issues.add_entries(s, issue, None, [_id(store, SECOND)])
        with pytest.raises(Conflict):
            issues.update_issue(s, issue, None, title="Another")


def test_a_contributor_may_not_compose_or_publish(store: Store) -> None:
    with store.session(by="test") as s:
        person = Person(name="C", email="c@example.org", role="contributor", aliases=[], active=True)
        s.add(person)
        s.flush()
        with pytest.raises(Forbidden, match="a contributor may not compose issues"):
            issues.new_issue(s, store.default_publication(s), person)


def test_the_command_line_composes_shows_and_publishes(store: Store) -> None:
    made = invoke(store, "issue", "new", "--title", "Feedback", "--date", "2026-12-07")
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[0] == "SN #4"
    added = invoke(store, "issue", "add", "4", FIRST, str(_id(store, SECOND)))
    assert added.exit_code == 0 and "SN #4 has 2 entries." in added.output
    assert invoke(store, "issue", "highlight", "SN #4", SECOND).exit_code == 0
    assert invoke(store, "issue", "edit", "4", "--intro", "Two papers this week.").exit_code == 0
    shown = invoke(store, "issue", "show", "4")
    assert shown.exit_code == 0, shown.output
    assert "SN #4 (draft): Feedback" in shown.output and "2 entries" in shown.output
    listed = invoke(store, "issues")
    assert "SN #4 (draft)" in listed.output
    published = invoke(store, "issue", "publish", "4")
    assert published.exit_code == 0, published.output
    assert "Published SN #4 with 2 entries." in published.output
    again = invoke(store, "issue", "add", "4", FIRST)
    assert again.exit_code == 1


def test_bad_arguments_are_one_line_errors(store: Store) -> None:
    for args, words in [
        (("issue", "show", "99"), "no issue SN #99"),
        (("issue", "new", "--date", "tomorrow"), "--date 'tomorrow': not a date"),
        (("issue", "add", "1", "Curve"), "SN #1 is published: its number, date and entries are fixed"),
    ]:
        result = run_precis(store.display, *args)
        assert result.returncode == 1, args
        assert result.stderr == f"precis: error: {result.stderr.removeprefix('precis: error: ')}"
        assert words in result.stderr and len(result.stderr.splitlines()) == 1, (args, result.stderr)

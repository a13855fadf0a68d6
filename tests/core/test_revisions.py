"""Every change to an entry leaves a revision with the entry before and after."""

from sqlalchemy import select

from precis.model import Entry, Opinion
from precis.store import history, import_records
from precis.sheets import read_file
from tests.helpers import SAMPLE_CSV


def _entry(session, title):
    return session.scalar(select(Entry).where(Entry.title == title))


def test_creating_an_entry_records_who_and_the_new_state(sample_store):
    with sample_store.session() as s:
        e = _entry(s, "Concrete Problems in AI Safety")
        revs = history(s, e.id)
    assert len(revs) == 1
    assert revs[0].before is None
    assert revs[0].by.startswith("import")
    assert revs[0].after["title"] == "Concrete Problems in AI Safety"
    assert [o["author"] for o in revs[0].after["opinions"]] == ["Ben", "Ada"]


def test_editing_a_summary_keeps_the_old_text(sample_store):
    with sample_store.session(by="editor@example.org") as s:
        e = _entry(s, "Proximal Policy Optimization Algorithms")
        old = e.summary
        e.summary = "A shorter summary."
    with sample_store.session() as s:
        revs = history(s, _entry(s, "Proximal Policy Optimization Algorithms").id)
    assert len(revs) == 2
    assert revs[-1].by == "editor@example.org"
    assert revs[-1].before["summary"] == old
    assert revs[-1].after["summary"] == "A shorter summary."


def test_changing_only_an_opinion_is_a_revision_of_its_entry(sample_store):
    with sample_store.session(by="rohin") as s:
        e = _entry(s, "Scaling Laws for Neural Language Models")
        e.opinions.append(Opinion(position=1, author="Ben", text="A second view."))
    with sample_store.session() as s:
        revs = history(s, _entry(s, "Scaling Laws for Neural Language Models").id)
    assert [o["text"] for o in revs[-1].after["opinions"]][-1] == "A second view."
    assert len(revs[-1].before["opinions"]) == 1


def test_deleting_an_entry_keeps_its_history(sample_store):
    with sample_store.session() as s:
        e = _entry(s, "Sample Fellowship Announcement")
        entry_id = e.id
        s.delete(e)
    with sample_store.session() as s:
        revs = history(s, entry_id)
    assert revs[-1].after is None
    assert revs[-1].before["title"] == "Sample Fellowship Announcement"


def test_reimporting_an_unchanged_file_writes_no_revision(sample_store):
    with sample_store.session() as s:
        before = len(s.scalars(select(Entry)).all()), sum(
            len(history(s, e.id)) for e in s.scalars(select(Entry))
        )
    result = import_records(sample_store, read_file(SAMPLE_CSV))
    with sample_store.session() as s:
        after = len(s.scalars(select(Entry)).all()), sum(
            len(history(s, e.id)) for e in s.scalars(select(Entry))
        )
    assert result.created == 0 and result.updated == 0
    assert after == before

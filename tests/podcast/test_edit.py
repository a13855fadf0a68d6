"""After one entry is edited, making the episode again synthesizes that entry and nothing else."""

from sqlalchemy import select

from precis.audio.episode import prepare, record
from precis.model import Entry


def test_after_editing_one_entry_only_that_entry_is_synthesized_again(sample_store, cache, espeak, tmp_path):
    first = record(sample_store, prepare(sample_store, "SN #1", engine="espeak"), tmp_path / "1.mp3", cache)
    assert sorted(first.synthesis.synthesized) == list(range(len(first.plan.segments)))

    with sample_store.session(by="editor") as s:
        entry = s.scalar(select(Entry).where(Entry.title == "Concrete Problems in AI Safety"))
        entry.summary = entry.summary + " The editor added this sentence."
    plan = prepare(sample_store, "SN #1", engine="espeak")
    again = record(sample_store, plan, tmp_path / "2.mp3", cache)

    remade = [plan.segments[i] for i in again.synthesis.synthesized]
    assert [(s.kind, s.title) for s in remade] == [("entry", "Concrete Problems in AI Safety")]
    assert "The editor added this sentence." in remade[0].text
    assert len(again.synthesis.cached) == len(plan.segments) - 1
    assert again.duration > first.duration

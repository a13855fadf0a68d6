"""A cross-reference finds its entry by the entry's title as it is now, in a one-issue render too
(which looks the titles its references name up by their stored key)."""

from __future__ import annotations

from sqlalchemy import select

from precis.model import Entry, normalize_key
from precis.newsroom import entries
from precis.render import Editions


def test_a_reference_to_a_new_title_resolves_once_the_entry_is_renamed_in_the_newsroom(team):
    editor = team.people["editor"]
    store = team.store
    with store.session() as s:
        target = s.scalar(select(Entry).where(Entry.title == "Concrete Problems in AI Safety"))
        citing = s.scalar(select(Entry).where(Entry.title == "Zoom In: An Introduction to Circuits"))
        assert target is not None and citing is not None and citing.issue is not None
        label, target_id, target_version, link = citing.issue.label, target.id, target.version, target.link
        citing_id, citing_version = citing.id, citing.version
    entries.save_entry(store, editor, citing_id, citing_version,
                       {"summary": "As <@the renamed paper@>(@Open  problems in AI safety@) argues."})

    warnings: list[str] = []
    before = Editions.load(store, issue=label, warn=warnings.append)
    assert "[the renamed paper](" not in before.render(before.issue(label), "markdown", private=True)
    assert any("'Open  problems in AI safety' matches no entry" in w for w in warnings)

    entries.save_entry(store, editor, target_id, target_version, {"title": "Open Problems in AI Safety"})
    with store.session() as s:
        assert s.get(Entry, target_id).title_key == normalize_key("Open Problems in AI Safety")

    warnings.clear()
    after = Editions.load(store, issue=label, warn=warnings.append)
    rendered = after.render(after.issue(label), "markdown", private=True)
    assert f"[the renamed paper]({link})" in rendered
    assert warnings == []
    whole = Editions.load(store)
    assert rendered == whole.render(whole.issue(label), "markdown", private=True)

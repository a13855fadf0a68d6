"""The library the pages and the API share: saves on a version, opinions by their writers, moves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from precis.errors import Conflict, Forbidden, InvalidValue
from precis.model import Revision
from precis.newsroom import entries


@pytest.fixture
def people(team):
    return team.people["owner"], team.people["editor"], team.people["contributor"]


def test_a_save_on_an_older_version_is_refused_with_the_entry_as_it_is_now(team, people):
    _, editor, contributor = people
    made = entries.create_entry(team.store, contributor, {"title": "Reward hacking, revisited"})
    mine = entries.save_entry(team.store, contributor, made["id"], made["version"], {"summary": "Mine."})
    with pytest.raises(Conflict) as refused:
        entries.save_entry(team.store, editor, made["id"], made["version"], {"summary": "Theirs."})
    assert refused.value.current["summary"] == "Mine." and refused.value.current["version"] == mine["version"]
    assert entries.get_entry(team.store, made["id"])["summary"] == "Mine."


def test_every_change_raises_the_version_and_leaves_a_revision_with_it(team, people):
    _, editor, _ = people
    made = entries.create_entry(team.store, editor, {"title": "Goal misgeneralization"})
    one = entries.save_entry(team.store, editor, made["id"], made["version"], {"opinions": [{"text": "Good."}]})
    two = entries.save_entry(team.store, editor, made["id"], one["version"],
                             {"opinions": [{**one["opinions"][0], "text": "Very good."}]})
    assert (made["version"], one["version"], two["version"]) == (1, 2, 3)
    with team.store.session() as s:
        versions = s.scalars(select(Revision.version).where(Revision.entry_id == made["id"]).order_by(Revision.id))
        assert list(versions) == [1, 2, 3]


def test_a_contributor_adds_and_edits_only_their_own_opinion_on_another_s_entry(team, people):
    _, editor, contributor = people
    made = entries.create_entry(team.store, editor, {"title": "Debate", "opinions": [{"text": "Rohin's view."}]})
    theirs = made["opinions"]
    with pytest.raises(Forbidden):
        entries.save_entry(team.store, contributor, made["id"], made["version"], {"summary": "Not mine to write."})
    added = entries.save_entry(team.store, contributor, made["id"], made["version"],
                               {"opinions": [*theirs, {"text": "Flo's view."}]})
    assert [(o["author"], o["text"]) for o in added["opinions"]] == [("Rohin Shah", "Rohin's view."),
                                                                      ("Flo Dorner", "Flo's view.")]
    with pytest.raises(Forbidden):
        entries.save_entry(team.store, contributor, made["id"], added["version"],
                           {"opinions": [{**theirs[0], "text": "Rewritten."}, added["opinions"][1]]})
    with pytest.raises(Forbidden):  # nor remove someone else's
        entries.save_entry(team.store, contributor, made["id"], added["version"], {"opinions": [added["opinions"][1]]})


def test_moves_follow_the_permissions_table_and_sending_back_needs_a_comment(team, people):
    _, editor, contributor = people
    made = entries.create_entry(team.store, contributor, {"title": "Mesa-optimizers"})
    assert entries.set_status(team.store, contributor, made["id"], "in review")["status"] == "in review"
    with pytest.raises(Forbidden):
        entries.set_status(team.store, contributor, made["id"], "approved")
    with pytest.raises(InvalidValue, match="comment"):
        entries.set_status(team.store, editor, made["id"], "draft")
    back = entries.set_status(team.store, editor, made["id"], "draft", comment="Say what the paper measured.")
    assert back["status"] == "draft"
    with pytest.raises(InvalidValue, match="publishing an issue"):
        entries.set_status(team.store, editor, made["id"], "published")


def test_a_link_the_policy_refuses_is_not_saved(team, people):
    _, editor, _ = people
    made = entries.create_entry(team.store, editor, {"title": "A paper"})
    with pytest.raises(InvalidValue, match="url"):
        entries.save_entry(team.store, editor, made["id"], made["version"], {"url": " javascript:alert(1)"})
    assert entries.get_entry(team.store, made["id"])["version"] == made["version"]


def test_restoring_a_revision_makes_a_new_one(team, people):
    _, editor, _ = people
    made = entries.create_entry(team.store, editor, {"title": "A paper", "summary": "First."})
    later = entries.save_entry(team.store, editor, made["id"], made["version"], {"summary": "Second."})
    first = entries.revisions(team.store, made["id"])[0]["id"]
    back = entries.restore_revision(team.store, editor, made["id"], first, later["version"])
    assert back["summary"] == "First." and back["version"] == later["version"] + 1
    assert len(entries.revisions(team.store, made["id"])) == 3

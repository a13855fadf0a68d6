"""The owner's people page: owners manage the team; nobody else even sees it."""

from __future__ import annotations

import re

import pytest

from precis.newsroom import people


@pytest.fixture
def as_role(client_as):
    return client_as


def alert(html: str) -> str:
    found = re.search(r'role="alert">([^<]*)<', html)
    return found.group(1) if found else ""


def test_the_owner_sees_everyone_with_email_role_and_aliases(as_role):
    page = as_role("owner").get("/newsroom/people")
    assert page.status_code == 200
    for email in ("owner@example.org", "editor@example.org", "contributor@example.org"):
        assert email in page.text
    row = re.search(r'<tr class="" id="person-\d+">\s*<td>Flo Dorner</td>.*?</tr>', page.text, re.S)
    assert row and 'value="Flo"' in row.group(0) and '<option value="contributor" selected>' in row.group(0)


def test_the_owner_invites_someone_and_the_link_is_shown_once(team, as_role):
    owner = as_role("owner")
    answer = owner.post("/newsroom/people/invite", data={
        "name": "Dan Hendrycks", "email": "Dan@Example.org", "role": "editor", "aliases": "Dan H, Dan",
    })
    assert answer.status_code == 200
    link = re.search(r'id="invitation-link">([^<]+)<', answer.text)
    assert link and link.group(1).startswith("http://testserver/newsroom/invitation/")
    dan = people.find_person(team.store, "dan@example.org")
    assert (dan.name, dan.role, dan.aliases, dan.password_hash) == ("Dan Hendrycks", "editor", ["Dan H", "Dan"], None)
    assert as_role(None).get(link.group(1).removeprefix("http://testserver")).status_code == 200
    assert "invitation-link" not in owner.get("/newsroom/people").text  # only its hash was kept


def test_inviting_an_email_already_on_the_team_says_so_in_one_line(as_role):
    answer = as_role("owner").post("/newsroom/people/invite", data={
        "name": "Someone", "email": "EDITOR@example.org", "role": "contributor", "aliases": "",
    })
    assert answer.status_code == 400
    assert alert(answer.text) == "editor@example.org is already on the team (Rohin Shah)"
    assert 'value="Someone"' in answer.text  # what was typed stays in the form


def test_the_owner_changes_a_role_and_aliases_and_deactivates(team, as_role):
    owner, flo = as_role("owner"), team.people["contributor"]
    answer = owner.post(f"/newsroom/people/{flo.id}", data={"role": "editor", "aliases": "Flo, F. Dorner"})
    assert answer.status_code == 303 and answer.headers["location"] == "/newsroom/people"
    changed = people.get_person(team.store, flo.id)
    assert (changed.role, changed.aliases, changed.active) == ("editor", ["Flo", "F. Dorner"], False)


def test_a_deactivated_person_is_signed_out_everywhere(team, as_role):
    editor = as_role("editor")
    assert editor.get("/newsroom/people").status_code == 403  # signed in, not an owner
    rohin = team.people["editor"]
    as_role("owner").post(f"/newsroom/people/{rohin.id}", data={"role": "editor", "aliases": "Rohin"})
    assert editor.get("/newsroom/people").status_code == 303  # nobody now: to the login page


def test_the_last_active_owner_cannot_step_down(team, as_role):
    me = team.people["owner"]
    answer = as_role("owner").post(f"/newsroom/people/{me.id}", data={"role": "editor", "aliases": "", "active": "on"})
    assert answer.status_code == 400
    assert alert(answer.text) == (
        "owner@example.org: the newsroom would have no active owner left; make someone else owner first"
    )
    assert people.get_person(team.store, me.id).role == "owner"


def test_names_typed_in_are_shown_as_text(team, as_role):
    owner = as_role("owner")
    owner.post("/newsroom/people/invite", data={
        "name": "<script>alert(1)</script>", "email": "x@example.org", "role": "contributor", "aliases": "",
    })
    page = owner.get("/newsroom/people").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("role", ["editor", "contributor"])
def test_no_one_but_an_owner_may_see_or_change_people(team, as_role, role):
    client, flo = as_role(role), team.people["contributor"]
    page = client.get("/newsroom/people")
    assert page.status_code == 403 and alert(page.text) == f"a{'n' if role == 'editor' else ''} {role} may not people"
    assert "owner@example.org" not in page.text
    for path, data in (
        (f"/newsroom/people/{flo.id}", {"role": "owner", "aliases": "", "active": "on"}),
        ("/newsroom/people/invite", {"name": "Mallory", "email": "m@example.org", "role": "owner", "aliases": ""}),
        (f"/newsroom/people/{flo.id}/invite", {}),
    ):
        assert client.post(path, data=data).status_code == 403
    assert people.get_person(team.store, flo.id).role == "contributor"
    assert [p.email for p in people.list_people(team.store) if p.email == "m@example.org"] == []


def test_anonymous_is_sent_to_sign_in_and_back(as_role):
    anonymous = as_role(None)
    answer = anonymous.get("/newsroom/people")
    assert answer.status_code == 303 and answer.headers["location"] == "/newsroom/login?next=%2Fnewsroom%2Fpeople"
    assert anonymous.post("/newsroom/people/invite", data={"name": "x"}).status_code == 303

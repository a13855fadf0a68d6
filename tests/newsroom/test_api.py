"""The JSON API at /api/v1: what each route answers, and that it keeps the newsroom's rules.

A script or another tool relies on these shapes: 201 with the new entry, 200 with the version raised,
409 with the entry as it is now, and one-line ``{"error"}`` answers for 401, 403, 404, 413 and 422.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.testclient import TestClient

from precis.web.limits import MAX_BODY
from tests.newsroom.conftest import Team

Client = Callable[[str | None], TestClient]
APPROVED = 10  # the sample's one entry not yet published ("A Pending Post About Evaluations")
PUBLISHED = 1  # "Zoom In: An Introduction to Circuits", with one opinion


def new_draft(client: TestClient, **fields: object) -> dict:
    answer = client.post("/api/v1/entries", json={"title": "A new paper", "summary": "First words.", **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def patch(client: TestClient, entry: dict, **fields: object):
    return client.patch(f"/api/v1/entries/{entry['id']}", json={"version": entry["version"], **fields})


def assert_error(answer, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert "\n" not in error and "Traceback" not in error
    for word in words:
        assert word in error


# -- authentication ---------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/entries"),
    ("POST", "/api/v1/entries"),
    ("GET", f"/api/v1/entries/{PUBLISHED}"),
    ("PATCH", f"/api/v1/entries/{PUBLISHED}"),
    ("POST", f"/api/v1/entries/{PUBLISHED}/status"),
    ("GET", f"/api/v1/entries/{PUBLISHED}/revisions"),
    ("GET", f"/api/v1/entries/{PUBLISHED}/revisions/1"),
    ("POST", f"/api/v1/entries/{PUBLISHED}/revisions/1/restore"),
    ("GET", f"/api/v1/entries/{PUBLISHED}/comments"),
    ("POST", f"/api/v1/entries/{PUBLISHED}/comments"),
    ("POST", "/api/v1/comments/1/resolve"),
]


def test_without_credentials_every_route_answers_401_in_json(client_as: Client) -> None:
    anonymous = client_as(None)
    for method, path in ROUTES:
        assert_error(anonymous.request(method, path, json={}), 401, "sign in")


def test_a_bad_token_is_nobody_even_with_a_session_cookie(client_as: Client) -> None:
    client = client_as("editor")
    assert client.get("/api/v1/me").status_code == 200
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"}), 401)


def test_a_token_signs_a_script_in_without_cookies_or_csrf(team: Team, token_of: Callable[[str], str]) -> None:
    from precis.web.app import create_app

    with TestClient(create_app(team.store, team.site)) as client:
        headers = {"Authorization": f"Bearer {token_of('contributor')}"}
        assert client.get("/api/v1/me", headers=headers).json()["name"] == "Flo Dorner"
        made = client.post("/api/v1/entries", json={"title": "Scripted"}, headers=headers)
        assert made.status_code == 201 and made.json()["assignee"] == "Flo Dorner"


def test_a_session_patch_without_the_csrf_header_is_refused(client_as: Client) -> None:
    client = client_as("editor")
    entry = client.get(f"/api/v1/entries/{PUBLISHED}").json()
    del client.headers["x-csrftoken"]
    assert patch(client, entry, summary="Forged.").status_code == 403
    assert client.get(f"/api/v1/entries/{PUBLISHED}").json()["summary"] == entry["summary"]


# -- entries ----------------------------------------------------------------------------------------


def test_create_answers_201_with_the_new_entry_assigned_to_its_writer(client_as: Client) -> None:
    entry = new_draft(client_as("contributor"), authors="Ada Lovelace")
    assert entry["id"] > 10 and entry["version"] >= 1 and entry["status"] == "draft"
    assert (entry["title"], entry["authors"], entry["assignee"]) == ("A new paper", "Ada Lovelace", "Flo Dorner")
    idea = client_as("contributor").post("/api/v1/entries", json={"title": "Maybe", "status": "idea"}).json()
    assert idea["status"] == "idea" and idea["assignee_id"] is None


def test_create_refuses_a_missing_title_or_an_unknown_field_with_422(client_as: Client) -> None:
    client = client_as("contributor")
    assert_error(client.post("/api/v1/entries", json={"summary": "x"}), 422, "title", "needs a title")
    assert_error(client.post("/api/v1/entries", json={"title": "x", "colour": "red"}), 422, "colour",
                 "not a field")
    assert_error(client.post("/api/v1/entries", json={"title": "x", "status": "published"}), 422, "status")


def test_get_shows_every_field_and_the_opinions_with_their_authors(client_as: Client) -> None:
    entry = client_as("contributor").get(f"/api/v1/entries/{PUBLISHED}").json()
    assert entry["title"] == "Zoom In: An Introduction to Circuits" and entry["status"] == "published"
    assert {"id", "version", "summary", "category", "notes", "public_level", "issue"} <= set(entry)
    assert [set(o) >= {"author", "text"} for o in entry["opinions"]] == [True]
    assert_error(client_as("contributor").get("/api/v1/entries/9999"), 404, "no entry 9999")


def test_patch_raises_the_version_and_a_stale_version_gets_409_with_the_entry_as_it_is_now(
    client_as: Client,
) -> None:
    editor = client_as("editor")
    entry = editor.get(f"/api/v1/entries/{PUBLISHED}").json()
    saved = patch(editor, entry, summary="Rewritten.")
    assert saved.status_code == 200
    assert saved.json()["version"] == entry["version"] + 1 and saved.json()["summary"] == "Rewritten."
    late = patch(editor, entry, summary="Written on the old version.")
    assert_error(late, 409, "changed by someone else")
    assert late.json()["current"]["summary"] == "Rewritten."
    assert late.json()["current"]["version"] == entry["version"] + 1
    assert editor.get(f"/api/v1/entries/{PUBLISHED}").json()["summary"] == "Rewritten."


def test_patch_errors_name_the_field_and_why(client_as: Client) -> None:
    editor = client_as("editor")
    entry = editor.get(f"/api/v1/entries/{PUBLISHED}").json()
    url = f"/api/v1/entries/{PUBLISHED}"
    assert_error(editor.patch(url, json={"summary": "no version"}), 422, "version")
    assert_error(patch(editor, entry, year="twenty"), 422, "year", "whole number")
    assert_error(patch(editor, entry, url="javascript:alert(1)"), 422, "url")
    assert_error(patch(editor, entry, status="approved"), 422, "status", "not a field")
    assert_error(editor.patch(url, content=b"{not json", headers={"content-type": "application/json"}), 422,
                 "body", "not JSON")
    assert_error(editor.patch(url, json=[1, 2]), 422, "body", "object")
    assert_error(editor.patch("/api/v1/entries/9999", json={"version": 1, "summary": "x"}), 404)
    assert editor.get(url).json()["version"] == entry["version"]


def test_a_body_over_the_limit_is_refused_413(client_as: Client) -> None:
    editor = client_as("editor")
    entry = editor.get(f"/api/v1/entries/{PUBLISHED}").json()
    big = json.dumps({"version": entry["version"], "summary": "x" * MAX_BODY})
    answer = editor.patch(f"/api/v1/entries/{PUBLISHED}", content=big, headers={"content-type": "application/json"})
    assert_error(answer, 413, "bytes")


def test_a_contributor_edits_only_their_own_drafts(client_as: Client) -> None:
    flo = client_as("contributor")
    mine = new_draft(flo)
    saved = patch(flo, mine, summary="Better words.")
    assert saved.status_code == 200
    theirs = client_as("editor").get(f"/api/v1/entries/{PUBLISHED}").json()
    assert_error(patch(flo, theirs, summary="Not mine."), 403, "contributor", "summary")
    submitted = flo.post(f"/api/v1/entries/{mine['id']}/status", json={"status": "in review"})
    assert submitted.json()["status"] == "in review"
    assert_error(patch(flo, submitted.json(), summary="After submitting."), 403, "in review")


def test_a_contributor_adds_and_edits_only_their_own_opinions(client_as: Client) -> None:
    flo, rohin = client_as("contributor"), client_as("editor")
    entry = rohin.get(f"/api/v1/entries/{APPROVED}").json()
    answer = patch(rohin, entry, opinions=[{"text": "Rohin thinks so."}])
    entry = answer.json()
    added = patch(flo, entry, opinions=[*entry["opinions"], {"text": "Flo is less sure."}])
    assert added.status_code == 200, added.text
    opinions = added.json()["opinions"]
    assert [(o["author"], o["text"]) for o in opinions] == [("Rohin Shah", "Rohin thinks so."),
                                                           ("Flo Dorner", "Flo is less sure.")]
    changed_theirs = [{**opinions[0], "text": "Rohin was wrong."}, opinions[1]]
    assert_error(patch(flo, added.json(), opinions=changed_theirs), 403, "their own opinions")
    changed_mine = [opinions[0], {**opinions[1], "text": "Flo agrees now."}]
    assert patch(flo, added.json(), opinions=changed_mine).json()["opinions"][1]["text"] == "Flo agrees now."


def test_status_moves_follow_the_role(client_as: Client) -> None:
    flo, rohin = client_as("contributor"), client_as("editor")
    draft = new_draft(flo)
    url = f"/api/v1/entries/{draft['id']}/status"
    assert flo.post(url, json={"status": "in review"}).json()["status"] == "in review"
    assert_error(flo.post(url, json={"status": "approved"}), 403, "contributor", "approved")
    back = rohin.post(url, json={"status": "draft", "comment": "Please cite the paper."})
    assert back.status_code == 200 and back.json()["status"] == "draft"
    thread = rohin.get(f"/api/v1/entries/{draft['id']}/comments").json()
    assert [c["text"] for c in thread] == ["Please cite the paper."]
    assert_error(rohin.post(url, json={"status": "published"}), 422, "status")
    assert_error(rohin.post(url, json={"status": "finished"}), 422, "status", "not one of")
    assert_error(rohin.post(url, json={}), 422, "status")
    assert_error(rohin.post(url, json={"status": "draft", "colour": 1}), 422, "colour")
    idea = flo.post("/api/v1/entries", json={"title": "An idea", "status": "idea"}).json()
    assign = f"/api/v1/entries/{idea['id']}/status"
    assert_error(flo.post(assign, json={"status": "assigned", "assignee_id": idea["id"]}), 403)
    flo_id = flo.get("/api/v1/me").json()["id"]
    given = rohin.post(assign, json={"status": "assigned", "assignee_id": flo_id}).json()
    assert (given["status"], given["assignee_id"], given["assignee"]) == ("assigned", flo_id, "Flo Dorner")
    assert_error(rohin.post("/api/v1/entries/9999/status", json={"status": "draft"}), 404)


def test_comments_thread_and_resolve(client_as: Client) -> None:
    flo, rohin = client_as("contributor"), client_as("editor")
    url = f"/api/v1/entries/{PUBLISHED}/comments"
    first = rohin.post(url, json={"text": "@Flo can you check the figure?"})
    assert first.status_code == 201
    flo_id = flo.get("/api/v1/me").json()["id"]
    assert first.json()["mentions"] == [flo_id] and first.json()["author"] == "Rohin Shah"
    reply = flo.post(url, json={"text": "Done.", "parent_id": first.json()["id"]})
    assert reply.status_code == 201
    threads = flo.get(url).json()
    assert [(t["text"], [r["text"] for r in t["replies"]]) for t in threads] == [
        ("@Flo can you check the figure?", ["Done."])
    ]
    assert_error(flo.post(url, json={"text": "  "}), 422, "text", "needs some text")
    assert_error(flo.post(url, json={"text": "x", "parent_id": "one"}), 422, "parent_id")
    assert_error(flo.post("/api/v1/entries/9999/comments", json={"text": "x"}), 404)
    assert_error(flo.get("/api/v1/entries/9999/comments"), 404)
    resolve = f"/api/v1/comments/{first.json()['id']}/resolve"
    assert_error(flo.post(resolve, json={}), 403)
    assert rohin.post(resolve, json={}).json()["resolved"] is True


def test_revisions_list_every_save_with_its_version_and_one_restores(client_as: Client) -> None:
    rohin = client_as("editor")
    entry = new_draft(rohin)
    first = patch(rohin, entry, summary="Second words.").json()
    second = patch(rohin, first, summary="Third words.").json()
    revs = rohin.get(f"/api/v1/entries/{entry['id']}/revisions").json()
    assert [r["version"] for r in revs][-3:] == [entry["version"], first["version"], second["version"]]
    assert revs[-1]["by"] == "Rohin Shah" and "summary" in revs[-1]["changed"]
    old = rohin.get(f"/api/v1/entries/{entry['id']}/revisions/{revs[-2]['id']}").json()
    assert old["summary"] == "Second words."
    restored = rohin.post(f"/api/v1/entries/{entry['id']}/revisions/{revs[-2]['id']}/restore",
                          json={"version": second["version"]})
    assert restored.status_code == 200 and restored.json()["summary"] == "Second words."
    assert restored.json()["version"] == second["version"] + 1
    stale = rohin.post(f"/api/v1/entries/{entry['id']}/revisions/{revs[-2]['id']}/restore",
                       json={"version": second["version"]})
    assert_error(stale, 409)
    assert_error(rohin.get(f"/api/v1/entries/{entry['id']}/revisions/{10**9}"), 404)
    assert_error(rohin.get("/api/v1/entries/9999/revisions"), 404)


# -- lists ------------------------------------------------------------------------------------------


def test_the_list_filters_by_status_assignee_and_words_over_private_fields(client_as: Client) -> None:
    flo, rohin = client_as("contributor"), client_as("editor")
    mine = new_draft(flo, notes="Ask the authors about the zebrafish data.")
    listed = rohin.get("/api/v1/entries", params={"status": "draft"}).json()
    assert [e["id"] for e in listed["entries"]] == [mine["id"]]
    by_email = rohin.get("/api/v1/entries", params={"assignee": "Contributor@Example.org"}).json()["entries"]
    by_id = rohin.get("/api/v1/entries", params={"assignee": str(mine["assignee_id"])}).json()["entries"]
    assert [e["id"] for e in by_email] == [e["id"] for e in by_id] == [mine["id"]]
    found = rohin.get("/api/v1/entries", params={"q": "ZEBRAFISH"}).json()["entries"]
    assert [e["id"] for e in found] == [mine["id"]]  # notes are searched for staff
    assert rohin.get("/api/v1/entries", params={"q": "100%"}).json()["entries"] == []
    assert_error(rohin.get("/api/v1/entries", params={"assignee": "nobody@example.org"}), 422, "assignee")
    assert_error(rohin.get("/api/v1/entries", params={"status": "lost"}), 422, "status")


def test_the_list_pages_with_a_cap(client_as: Client) -> None:
    rohin = client_as("editor")
    first = rohin.get("/api/v1/entries", params={"limit": 4}).json()
    second = rohin.get("/api/v1/entries", params={"limit": 4, "offset": 4}).json()
    everything = rohin.get("/api/v1/entries").json()["entries"]
    assert len(everything) == 10
    assert [e["id"] for e in first["entries"] + second["entries"]] == [e["id"] for e in everything[:8]]
    assert_error(rohin.get("/api/v1/entries", params={"limit": 100000}), 422, "limit")
    assert_error(rohin.get("/api/v1/entries", params={"offset": "soon"}), 422, "offset")


def test_no_answer_shows_a_persons_email_except_their_own(client_as: Client) -> None:
    flo, rohin = client_as("contributor"), client_as("editor")
    entry = new_draft(flo)
    flo.post(f"/api/v1/entries/{entry['id']}/comments", json={"text": "@Rohin please look"})
    for client in (flo, rohin):
        for path in ("/api/v1/entries", f"/api/v1/entries/{entry['id']}", f"/api/v1/entries/{entry['id']}/comments",
                     f"/api/v1/entries/{entry['id']}/revisions"):
            assert "@example.org" not in client.get(path).text, path
    assert flo.get("/api/v1/me").json()["email"] == "contributor@example.org"

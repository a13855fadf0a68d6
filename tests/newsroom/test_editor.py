"""The editor page: every field, who may edit what, previews, autosave, conflicts and the merge view,
history, duplicates of a new entry, the ``<@`` menu, unknown references and comments."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from precis.model import Entry
from precis.newsroom import entries
from precis.newsroom.drafting import assistants, word_diff

HX = {"hx-request": "true"}


@pytest.fixture(autouse=True)
def setting(team, monkeypatch):
    """Assist without sentence embeddings (the same suggestions' shape, trained in a moment)."""
    monkeypatch.setenv("PRECIS_ASSIST_EMBED", "0")


def entry_by_title(team, title):
    with team.store.session() as s:
        return s.scalars(select(Entry).where(Entry.title.like(f"{title}%"))).first().id


def first_entry(team):
    with team.store.session() as s:
        return s.scalars(select(Entry).order_by(Entry.id)).first().id


class FormReader(HTMLParser):
    """The named fields of the editor form as a browser posts them: inputs, textareas, the selected
    option of each select, checked boxes and radios; disabled fields left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.text: tuple[str, list[str]] | None = None
        self.select: str | None = None
        self.option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form" and a.get("id") == "editor":
            self.inside = True
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and "name" in a:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea" and "name" in a:
            self.text = (a["name"], [])
        elif tag == "select" and "name" in a:
            self.select = a["name"]
        elif tag == "option" and self.select is not None and "selected" in a:
            self.option = a.get("value")
            if self.option is not None:
                self.fields.append((self.select, self.option))
                self.option = None
            else:
                self.option = ""

    def handle_data(self, data):
        if self.text is not None:
            self.text[1].append(data)
        elif self.option is not None and self.select is not None:
            self.fields.append((self.select, data))
            self.option = None

    def handle_endtag(self, tag):
        if tag == "textarea" and self.text is not None:
            self.fields.append((self.text[0], "".join(self.text[1]).removeprefix("\n")))
            self.text = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def form_of(html: str) -> dict[str, object]:
    reader = FormReader()
    reader.feed(html)
    data: dict[str, object] = {}
    for name, value in reader.fields:
        if name in data:
            old = data[name]
            data[name] = [*old, value] if isinstance(old, list) else [old, value]
        else:
            data[name] = value
    return data


def test_the_page_shows_every_field_and_opinions_with_their_authors(team, client_as):
    entry = entries.get_entry(team.store, first_entry(team))
    page = client_as("editor").get(f"/newsroom/entries/{entry['id']}")
    assert page.status_code == 200
    for name in ("title", "title_url", "url", "authors", "venue", "venue_url", "year", "hat_tip", "category",
                 "highlight", "public_level", "summarizer", "summary", "prerequisites", "read_more", "notes"):
        assert f'name="{name}"' in page.text, name
    assert entry["title"].strip() in page.text
    for o in entry["opinions"]:
        assert (o["author"] or "") in page.text
    assert 'id="version"' in page.text and f'value="{entry["version"]}"' in page.text


def test_a_contributor_reads_someone_elses_entry_but_adds_their_own_opinion(team, client_as):
    made = entries.create_entry(team.store, team.people["editor"], {"title": "Rohin's draft", "summary": "Words."})
    entry_id = made["id"]
    entries.save_entry(team.store, team.people["editor"], entry_id, made["version"],
                       {"opinions": [{"author": "Rohin", "text": "Rohin's view."}]})
    before = entries.get_entry(team.store, entry_id)
    client = client_as("contributor")
    page = client.get(f"/newsroom/entries/{entry_id}")
    assert 'name="editable"' not in page.text and "readonly" in page.text and "Add your opinion" in page.text
    # Changing the title is refused whatever the form says; the opinion is added.
    data = form_of(page.text)
    data["title"] = "Hijacked"
    texts = data["op_text"] if isinstance(data["op_text"], list) else [data["op_text"]]
    data["op_text"] = [*texts[:-1], "My own view, as Flo."]
    saved = client.post(f"/newsroom/entries/{entry_id}", data=data, headers=HX)
    assert saved.status_code == 200, saved.text
    after = entries.get_entry(team.store, entry_id)
    assert after["title"] == before["title"]
    mine = [o for o in after["opinions"] if o["person_id"] == team.people["contributor"].id]
    assert [o["text"] for o in mine] == ["My own view, as Flo."]
    # Autosave tells the form the new opinion's id, so the next autosave edits it instead of adding another.
    added = re.search(r'id="op-new-id" name="op_id" value="(\d+)" hx-swap-oob="true"', saved.text).group(1)
    data["op_id"] = [*data["op_id"][:-1], added]
    data["op_text"] = [*texts[:-1], "My own view, as Flo, revised."]
    data["version"] = re.search(r"version (\d+)\)", saved.text).group(1)
    assert client.post(f"/newsroom/entries/{entry_id}", data=data, headers=HX).status_code == 200
    after = entries.get_entry(team.store, entry_id)
    mine = [o for o in after["opinions"] if o["person_id"] == team.people["contributor"].id]
    assert [o["text"] for o in mine] == ["My own view, as Flo, revised."]
    # Their own opinion is editable for them now; the others stay read-only.
    page = client.get(f"/newsroom/entries/{entry_id}")
    assert "My own view, as Flo, revised." in page.text
    assert page.text.count("(read-only)") == len(before["opinions"])


def test_the_preview_is_the_emails_html_with_scripts_and_javascript_links_inert(client_as):
    text = 'Intro <script>alert(1)</script> and [click](javascript:alert(2)) and [ok](https://example.org/x).'
    out = client_as("contributor").post("/newsroom/entries/preview", data={"text": text}, headers=HX)
    assert out.status_code == 200
    assert "<script>" not in out.text and "&lt;script&gt;" in out.text
    assert 'href="javascript' not in out.text.lower()
    assert '<a href="https://example.org/x">ok</a>' in out.text


def test_autosave_answers_with_the_new_version(team, client_as):
    entry_id = first_entry(team)
    client = client_as("editor")
    data = form_of(client.get(f"/newsroom/entries/{entry_id}").text)
    version = int(data["version"])
    data["summary"] = "A new summary, typed in the browser."
    out = client.post(f"/newsroom/entries/{entry_id}", data=data, headers=HX)
    assert out.status_code == 200
    assert re.search(rf"Saved at \d\d:\d\d \(version {version + 1}\)", out.text)
    assert f'id="version" name="version" value="{version + 1}" hx-swap-oob="true"' in out.text
    assert entries.get_entry(team.store, entry_id)["summary"] == "A new summary, typed in the browser."


def test_a_stale_save_answers_409_with_both_values_and_loses_nothing(team, client_as):
    entry_id = first_entry(team)
    client = client_as("editor")
    data = form_of(client.get(f"/newsroom/entries/{entry_id}").text)
    # Someone else saves the summary and the venue first.
    current = entries.get_entry(team.store, entry_id)
    entries.save_entry(team.store, team.people["owner"], entry_id, current["version"],
                       {"summary": "Their summary.", "venue": "Their venue"})
    data["summary"] = "My summary."
    data["hat_tip"] = "My H/T"
    out = client.post(f"/newsroom/entries/{entry_id}", data=data, headers=HX)
    assert out.status_code == 409
    assert out.headers["HX-Retarget"] == "#editor"
    assert "My summary." in out.text and "Their summary." in out.text  # side by side
    assert 'name="take__summary"' in out.text
    assert "venue" in out.text.split("Taken from their version", 1)[1]  # only they changed it: taken
    # Saving the merge, keeping mine for the summary, is a save on the current version.
    merged = form_of(out.text)
    assert merged["venue"] == "Their venue" and merged["hat_tip"] == "My H/T"
    saved = client.post(f"/newsroom/entries/{entry_id}", data=merged, headers=HX)
    assert saved.status_code == 200, saved.text
    now = entries.get_entry(team.store, entry_id)
    assert (now["summary"], now["venue"], now["hat_tip"]) == ("My summary.", "Their venue", "My H/T")


def test_taking_theirs_in_the_merge(team, client_as):
    entry_id = first_entry(team)
    client = client_as("editor")
    data = form_of(client.get(f"/newsroom/entries/{entry_id}").text)
    current = entries.get_entry(team.store, entry_id)
    entries.save_entry(team.store, team.people["owner"], entry_id, current["version"], {"summary": "Theirs wins."})
    data["summary"] = "Mine loses."
    merged = form_of(client.post(f"/newsroom/entries/{entry_id}", data=data).text)
    merged["take__summary"] = "theirs"
    assert client.post(f"/newsroom/entries/{entry_id}", data=merged).status_code == 303
    assert entries.get_entry(team.store, entry_id)["summary"] == "Theirs wins."


def test_history_diff_and_restore(team, client_as):
    entry_id = first_entry(team)
    client = client_as("editor")
    original = entries.get_entry(team.store, entry_id)
    v = entries.save_entry(team.store, team.people["editor"], entry_id, original["version"],
                           {"summary": "First <b>draft</b> words."})["version"]
    entries.save_entry(team.store, team.people["editor"], entry_id, v, {"summary": "Second draft words."})
    revs = entries.revisions(team.store, entry_id)
    page = client.get(f"/newsroom/entries/{entry_id}/history?a={revs[-2]['id']}&b={revs[-1]['id']}")
    assert page.status_code == 200
    assert "Rohin Shah" in page.text and "Summary" in page.text
    assert "<del>First</del>" in page.text and "<ins>Second</ins>" in page.text
    assert "&lt;b&gt;draft&lt;/b&gt;" in page.text  # escaped
    now = entries.get_entry(team.store, entry_id)
    out = client.post(f"/newsroom/entries/{entry_id}/restore",
                      data={"revision_id": revs[-2]["id"], "version": now["version"]})
    assert out.status_code == 303
    restored = entries.get_entry(team.store, entry_id)
    assert restored["summary"] == "First <b>draft</b> words." and restored["version"] == now["version"] + 1
    stale = client.post(f"/newsroom/entries/{entry_id}/restore",
                        data={"revision_id": revs[-1]["id"], "version": now["version"]})
    assert stale.status_code == 409


def test_word_diff_escapes_and_marks_words():
    assert str(word_diff("a <x> b", "a <y> b")) == "a <del>&lt;x&gt;</del><ins>&lt;y&gt;</ins> b"


def test_a_new_entry_duplicating_an_archived_work_is_flagged(team, client_as):
    client = client_as("contributor")
    title = entries.get_entry(team.store, first_entry(team))["title"].strip()
    live = client.get("/newsroom/entries/new/duplicates", params={"title": title.upper(), "url": ""})
    assert live.status_code == 200 and "may be a work already in the archive" in live.text
    assert f'/newsroom/entries/{first_entry(team)}' in live.text
    refused = client.post("/newsroom/entries/new", data={"title": title, "url": ""})
    assert refused.status_code == 409 and 'name="confirm"' in refused.text
    made = client.post("/newsroom/entries/new", data={"title": title, "url": "", "confirm": "yes"})
    assert made.status_code == 303 and made.headers["location"].startswith("/newsroom/entries/")
    fresh = client.post("/newsroom/entries/new", data={"title": "An entirely new work about otters", "url": ""})
    assert fresh.status_code == 303


def test_a_new_entry_with_the_link_of_an_archived_work_is_flagged(team, client_as):
    with team.store.session() as s:
        e = s.scalars(select(Entry).where(Entry.title_url.like("%arxiv.org/abs/%"))).first()
        link, ident = e.title_url, e.id
    pdf = link.replace("/abs/", "/pdf/") + "v3.pdf"
    live = client_as("contributor").get("/newsroom/entries/new/duplicates", params={"title": "Other words", "url": pdf})
    assert f"/newsroom/entries/{ident}" in live.text and "same arXiv id" in live.text


def test_the_reference_menu_offers_earlier_titles(team, client_as):
    title = entries.get_entry(team.store, first_entry(team))["title"].strip()
    word = max(title.split(), key=len)
    out = client_as("contributor").post("/newsroom/entries/references", data={"q": word, "text": ""})
    assert out.status_code == 200 and title in out.json()["titles"]


def test_an_unknown_reference_is_flagged_with_checks_suggestions(team, client_as):
    title = entries.get_entry(team.store, first_entry(team))["title"].strip()
    typo = title[:-3]
    out = client_as("contributor").post("/newsroom/entries/preview", data={"text": f"See <@{typo}@>."})
    assert "Unknown reference" in out.text
    assert out.text.count('class="secondary ref-fix"') == 3 and f'data-title="{title}"' in out.text
    ok = client_as("contributor").post("/newsroom/entries/preview", data={"text": f"See <@{title}@>."})
    assert "Unknown reference" not in ok.text


def test_category_suggestions_best_first_once_assist_is_ready(team, client_as):
    entry_id = first_entry(team)
    assistants.wait(team.store, 120)
    out = client_as("editor").get(f"/newsroom/entries/{entry_id}/categories")
    assert "Suggested (best first)" in out.text and "take-category" in out.text


def test_status_moves_submit_approve_and_send_back_with_a_comment(team, client_as):
    made = entries.create_entry(team.store, team.people["contributor"], {"title": "A draft of Flo's"})
    page = client_as("contributor").get(f"/newsroom/entries/{made['id']}")
    assert "Submit for review" in page.text
    assert client_as("contributor").post(f"/newsroom/entries/{made['id']}/status",
                                         data={"status": "in review"}).status_code == 303
    editor = client_as("editor")
    page = editor.get(f"/newsroom/entries/{made['id']}")
    assert "Approve" in page.text and "Send back" in page.text
    assert client_as("contributor").post(f"/newsroom/entries/{made['id']}/status",
                                         data={"status": "approved"}).status_code == 403
    editor.post(f"/newsroom/entries/{made['id']}/status", data={"status": "draft", "comment": "Cite the paper."})
    page = editor.get(f"/newsroom/entries/{made['id']}")
    assert "Cite the paper." in page.text and entries.get_entry(team.store, made["id"])["status"] == "draft"


def test_comments_with_a_mention_a_reply_and_resolving(team, client_as):
    entry_id = first_entry(team)
    flo, rohin = client_as("contributor"), client_as("editor")
    out = flo.post(f"/newsroom/entries/{entry_id}/comments", data={"text": "@Rohin is this category right?"},
                   headers=HX)
    assert out.status_code == 200 and "@Rohin is this category right?" in out.text
    from precis.newsroom.comments import comments_of

    thread = comments_of(team.store, entry_id)[0]
    assert thread["mentions"] == [team.people["editor"].id]
    rohin.post(f"/newsroom/entries/{entry_id}/comments", data={"text": "Yes.", "parent_id": thread["id"]})
    assert [r["text"] for r in comments_of(team.store, entry_id)[0]["replies"]] == ["Yes."]
    assert rohin.post(f"/newsroom/comments/{thread['id']}/resolve", data={"resolved": "1"}).status_code == 303
    assert comments_of(team.store, entry_id)[0]["resolved"]
    page = flo.get(f"/newsroom/entries/{entry_id}")
    assert "Resolved." in page.text and "Reopen" in page.text and "@Olive Owner" in page.text


def test_a_refused_comment_keeps_the_threads_and_says_why(team, client_as):
    entry_id = first_entry(team)
    rohin = client_as("editor")
    rohin.post(f"/newsroom/entries/{entry_id}/comments", data={"text": "A note from Rohin."}, headers=HX)
    out = rohin.post(f"/newsroom/entries/{entry_id}/comments", data={"text": "   "}, headers=HX)
    assert out.status_code == 422
    assert 'id="comments"' in out.text and "a comment needs some text" in out.text and "A note from Rohin." in out.text
    # Only its writer or an editor may resolve a thread: Flo is not offered the button, and is refused.
    page = client_as("contributor").get(f"/newsroom/entries/{entry_id}")
    assert "A note from Rohin." in page.text and ">Resolve<" not in page.text
    from precis.newsroom.comments import comments_of

    thread = comments_of(team.store, entry_id)[0]["id"]
    refused = client_as("contributor").post(f"/newsroom/comments/{thread}/resolve", data={"resolved": "1"})
    assert refused.status_code == 403


def test_the_merge_takes_what_only_they_changed_and_shows_what_both_changed():
    from precis.newsroom.drafting import merge

    base = {"summary": "Old.", "venue": "arXiv", "opinions": [{"author": "Rohin", "text": "R1"},
                                                              {"author": "Flo", "text": "F1"}]}
    theirs = {"summary": "Theirs.", "venue": "ICML", "hat_tip": None,
              "opinions": [{"id": 1, "author": "Rohin", "text": "R2"}, {"id": 3, "author": "Olive", "text": "O1"}]}
    mine = {"summary": "Mine.", "venue": "arXiv", "hat_tip": "Me",
            "opinions": [{"id": 1, "author": "Rohin", "text": "R1"}, {"id": 2, "author": "Flo", "text": "F2"},
                         {"id": None, "author": "Rohin", "text": "New"}]}
    m = merge(mine, theirs, base)
    assert m.values["summary"] == "Mine." and m.conflicts == {"summary": "Theirs."}
    assert m.values["venue"] == "ICML" and "venue" in m.taken  # only they changed it
    assert m.values["hat_tip"] == "Me"  # only I changed it
    texts = [o["text"] for o in m.values["opinions"]]
    # Rohin's changed only by them: theirs; Flo's, removed by them but changed by me: kept as new;
    # my new opinion and the one they added: both kept. No word lost.
    assert texts == ["R2", "F2", "New", "O1"]
    assert m.values["opinions"][1]["id"] is None

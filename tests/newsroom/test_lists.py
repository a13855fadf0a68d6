"""The newsroom's lists: the pipeline (board and table, filtered), staff search, activity, "for me"."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from precis.errors import Conflict, InvalidValue
from precis.newsroom import pipeline
from precis.newsroom.comments import add_comment
from precis.newsroom.entries import create_entry, save_entry, set_status
from precis.site import build_site


def html(response):
    assert response.status_code == 200, response.text[:300]
    return lxml.html.fromstring(response.text)


def titles(doc, xpath: str) -> list[str]:
    return [a.text_content().strip() for a in doc.xpath(xpath)]


@pytest.fixture
def desk(team):
    """An idea, a contributor's draft, and an editor's entry in review (besides the sample's nine
    published entries and one approved)."""
    editor, contributor = team.people["editor"], team.people["contributor"]
    idea = create_entry(team.store, editor, {"title": "An idea about debate", "category": "Interpretability"},
                        status="idea")
    draft = create_entry(team.store, contributor, {
        "title": "Flo's draft on reward models", "category": "Learning human intent",
        "notes": "Ask the authors about the zorblax ablation.",
        "opinions": [{"text": "I find the quuxwinder argument weak."}],
    })
    review = create_entry(team.store, editor, {"title": "Rohin's entry in review", "category": "Robustness"})
    set_status(team.store, editor, review["id"], "in review")
    return {"idea": idea, "draft": draft, "review": review}


def test_the_board_shows_each_entry_in_its_status_column_and_only_counts_published(team, client_as, desk):
    doc = html(client_as("contributor").get("/newsroom/pipeline"))
    column = lambda status: titles(doc, f"//section[@data-status='{status}']//li/a")  # noqa: E731
    assert column("idea") == ["An idea about debate"]
    assert column("draft") == ["Flo's draft on reward models"]
    assert column("in review") == ["Rohin's entry in review"]
    assert column("approved") == ["A Pending Post About Evaluations"]
    assert not doc.xpath("//section[@data-status='published']")
    assert "9 entries" in doc.xpath("//p[@class='published']")[0].text_content()
    for link in doc.xpath("//section[@data-status]//li/a"):
        assert link.get("href").startswith("/newsroom/entries/")


def test_the_table_filters_by_person_category_and_status(team, client_as, desk):
    client = client_as("editor")
    flo = team.people["contributor"].id
    doc = html(client.get("/newsroom/pipeline", params={"view": "table", "assignee": flo}))
    assert titles(doc, "//table//td[1]/a") == ["Flo's draft on reward models"]
    doc = html(client.get("/newsroom/pipeline", params={"view": "table", "category": "Learning human intent"}))
    assert set(titles(doc, "//table//td[1]/a")) == {
        "Flo's draft on reward models", "Deep Reinforcement Learning from Human Preferences",
        "Learning to summarize from human feedback",
    }
    doc = html(client.get("/newsroom/pipeline", params={"view": "table", "status": "published",
                                                         "category": "Learning human intent"}))
    assert len(titles(doc, "//table//td[1]/a")) == 2
    # The filter form keeps what was chosen, so the URL and the page agree.
    assert doc.xpath("//select[@name='category']/option[@selected]")[0].text == "Learning human intent"
    # An unacceptable value is 422, on every page and in the API (precis.web.pages.status_of).
    assert client.get("/newsroom/pipeline", params={"status": "nonsense"}).status_code == 422


def test_an_htmx_filter_answers_only_the_list(team, client_as, desk):
    answer = client_as("editor").get(
        "/newsroom/pipeline", params={"view": "table", "status": "idea"},
        headers={"HX-Request": "true", "HX-Target": "pipeline-list"},
    )
    assert answer.status_code == 200 and "<html" not in answer.text and "<table" in answer.text
    assert "An idea about debate" in answer.text and "Zoom In" not in answer.text


def test_the_table_sorts_by_last_change_both_ways(team, client_as, desk):
    client = client_as("editor")
    newest = titles(html(client.get("/newsroom/pipeline", params={"view": "table"})), "//table//td[1]/a")
    oldest = titles(html(client.get("/newsroom/pipeline", params={"view": "table", "sort": "updated"})),
                    "//table//td[1]/a")
    assert newest[0] == "Rohin's entry in review" and newest == list(reversed(oldest))


def test_staff_search_finds_a_drafts_notes_and_opinion_which_the_public_never_sees(team, client_as, desk, tmp_path):
    client = client_as("contributor")
    for word in ("zorblax", "quuxwinder"):
        doc = html(client.get("/newsroom/search", params={"q": word}))
        assert titles(doc, "//ol[@class='hits']/li/a") == ["Flo's draft on reward models"]
        assert doc.xpath("//mark")[0].text == word
        assert client.get("/api/search", params={"q": word}).json()["results"] == []
    site = build_site(team.store, tmp_path / "site") and tmp_path / "site"
    for path in Path(site).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"zorblax" not in data and b"quuxwinder" not in data, path


def test_search_is_for_staff_only(client_as, desk):
    answer = client_as(None).get("/newsroom/search", params={"q": "zorblax"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/newsroom/login?next=")
    assert "zorblax" not in answer.text


def test_search_words_are_text_and_snippets_are_escaped(team, client_as):
    create_entry(team.store, team.people["editor"], {
        "title": "Odd characters", "notes": "100% of <script>alert(1)</script> under_score",
    })
    assert [e["title"] for e in pipeline.find_entries(team.store, q="100%")] == ["Odd characters"]
    assert pipeline.find_entries(team.store, q="10_%") == []  # % and _ are not wildcards
    answer = client_as("editor").get("/newsroom/search", params={"q": "alert"})
    assert "<script>alert" not in answer.text and "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in answer.text


def test_find_entries_combines_filters_and_counts_what_it_would_list(team, desk):
    flo = team.people["contributor"].id
    assert [e["title"] for e in pipeline.find_entries(team.store, assignee_id=flo, q="reward")] == [
        "Flo's draft on reward models"
    ]
    assert pipeline.count_entries(team.store, status="published") == 9
    assert len(pipeline.find_entries(team.store, status="published", limit=4, offset=8)) == 1
    # A page and the number of all matches at once, also past the last page.
    assert [len(found) for found, _ in (pipeline.find_and_count(team.store, status="published", limit=4, offset=at)
                                          for at in (0, 8, 20))] == [4, 1, 0]
    assert {total for _, total in (pipeline.find_and_count(team.store, status="published", limit=4, offset=at)
                                    for at in (0, 8, 20))} == {9}
    with pytest.raises(InvalidValue, match="status 'sent'"):
        pipeline.find_entries(team.store, status="sent")


@pytest.mark.parametrize("status", [None, "published"])
def test_a_page_of_the_pipeline_is_read_through_an_index_not_by_sorting_every_entry(team, desk, status):
    """The list and each column of the board cost about the same at 100,000 entries as at ten:
    SQLite walks ``ix_entry_updated`` / ``ix_entry_status_updated`` from the newest end."""
    from sqlalchemy import select
    from sqlalchemy.dialects import sqlite

    from precis.model import Entry

    query = pipeline._filtered(select(Entry.id), status, None, None, None, sqlite=True)
    query = query.order_by(Entry.updated_at.desc(), Entry.id.desc()).limit(50)
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with team.store.session() as s:
        plan = " ".join(str(row[-1]) for row in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "TEMP B-TREE" not in plan and "ix_entry_" in plan and "updated" in plan
    # The page sorting every entry gives, newest change first, and the number of all.
    with team.store.session() as s:
        rows = s.execute(select(Entry.id, Entry.updated_at, Entry.status)).all()
    every = [i for i, _, st in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True) if status in (None, st)]
    found, total = pipeline.find_and_count(team.store, status=status, limit=3, offset=1)
    assert [e["id"] for e in found] == every[1:4] and total == len(every)


def test_activity_lists_a_save_and_a_status_change_with_the_person(team, client_as, desk):
    flo = team.people["contributor"]
    draft = desk["draft"]
    saved = save_entry(team.store, flo, draft["id"], draft["version"], {"summary": "A first summary."})
    set_status(team.store, flo, draft["id"], "in review")
    doc = html(client_as("editor").get("/newsroom/activity", params={"entry": draft["id"]}))
    lines = [" ".join(li.text_content().split()) for li in doc.xpath("//li[@class='activity-line']")]
    assert lines[0].endswith("Flo Dorner moved draft → in review: Flo's draft on reward models")
    assert lines[1].endswith("Flo Dorner saved summary of Flo's draft on reward models")
    assert saved["version"] > draft["version"]
    only_flo = html(client_as("editor").get("/newsroom/activity", params={"person": flo.id}))
    whos = {w.text for w in only_flo.xpath("//strong[@class='who']")}
    assert whos == {"Flo Dorner"}


def test_for_me_shows_my_entries_my_reviews_and_my_mentions(team, client_as, desk):
    editor, flo = team.people["editor"], team.people["contributor"]
    add_comment(team.store, editor, desk["draft"]["id"], "@Flo could you add the venue?")
    mine = html(client_as("contributor").get("/newsroom/"))
    assert titles(mine, "//section[@id='assigned']//li/a") == ["Flo's draft on reward models"]
    assert not mine.xpath("//section[@id='review']")  # a contributor reviews nothing
    mention = mine.xpath("//section[@id='mentions']//li")[0].text_content()
    assert "Rohin Shah" in mention and "could you add the venue?" in mention
    assert "commented on" in mine.xpath("//section[@id='recent']")[0].text_content()
    theirs = html(client_as("editor").get("/newsroom/"))
    assert titles(theirs, "//section[@id='review']//li/a") == ["Rohin's entry in review"]
    assert titles(theirs, "//section[@id='assigned']//li/a") == ["Rohin's entry in review"]
    assert flo.id != editor.id


def test_pages_send_anonymous_visitors_to_sign_in(client_as):
    anonymous = client_as(None)
    for path in ("/newsroom/", "/newsroom/pipeline", "/newsroom/activity", "/newsroom/triage"):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/newsroom/login"), path


def test_lists_search_and_triage_work_the_same_on_postgresql(pg_url):
    from precis.ingest import queue
    from precis.ingest.work import Work
    from precis.newsroom import activity, ideas
    from precis.store import Store
    from tests.helpers import load_sample
    from tests.newsroom.conftest import make_team

    with load_sample(Store(pg_url)) as store:
        people = make_team(store)
        editor, flo = people["editor"], people["contributor"]
        draft = create_entry(store, flo, {"title": "Flo's draft", "notes": "The ZORBLAX ablation, 100% done.",
                                          "opinions": [{"text": "Über-quuxwinder."}]})
        set_status(store, flo, draft["id"], "in review")
        add_comment(store, editor, draft["id"], "@Flo nice")
        assert [e["title"] for e in pipeline.find_entries(store, q="zorblax 100%")] == ["Flo's draft"]
        assert [e["title"] for e in pipeline.find_entries(store, q="ÜBER")] == ["Flo's draft"]
        assert pipeline.count_entries(store, status="published") == 9
        assert pipeline.find_entries(store, q="10_%") == []
        mine = activity.for_me(store, flo)
        assert [m["text"] for m in mine["mentions"]] == ["@Flo nice"]
        assert [e["title"] for e in activity.for_me(store, editor)["review"]] == ["Flo's draft"]
        assert [line["kind"] for line in activity.activity(store, person_id=flo.id)] == ["status", "created"]
        report = queue.add_works(store, [Work(title="A PostgreSQL Paper", source="test", abstract="Abstract here.")],
                                 "test")
        cand = report.outcomes[0].candidate_id
        queue.set_priority(store, [cand], 5)
        made = ideas.make_entry(store, flo, cand)
        assert made["status"] == "idea" and "Abstract here." in made["notes"]
        with pytest.raises(Conflict, match="already made into entry"):
            ideas.make_entry(store, editor, cand)

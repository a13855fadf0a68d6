"""An entry the newsroom is still working on (idea, assigned, draft, in review, approved, scheduled)
is in no public output, even with public level "Yes": not the archive site (every file of it: pages,
feeds, downloads, Pagefind's index), not ``/api/search``, not ``export --public``, and another
issue's public Markdown that refers to it shows only the reference's words. Once published, it is in
the archive and search. Checked on the shipped sample, with made-up words searched for in every file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from precis.model import Entry, Person
from precis.newsroom.entries import create_entry
from precis.site import build_site
from precis.store import Store
from precis.web.app import create_app
from tests.helpers import file_texts, invoke, load_sample

UNPUBLISHED = ("idea", "assigned", "draft", "in review", "approved", "scheduled")
# A made-up word in the summary of an entry written in the newsroom, one per status.
WRITTEN = dict(zip(UNPUBLISHED, ("Quibblefrost", "Zanderwhelk", "Murgatroyle", "Pellucidon", "Vextramble",
                                 "Grommetisle"), strict=True))
# Imported (published) entries of the sample moved back to a status, each given a made-up word.
MOVED = {
    "Concrete Problems in AI Safety": ("idea", "Snorkelbane"),
    "Curve Detectors": ("assigned", "Fizzlewort"),
    "Zoom In: An Introduction to Circuits": ("draft", "Crumplehorn"),
    "Deep Reinforcement Learning from Human Preferences": ("in review", "Wobblestone"),
    "Proximal Policy Optimization Algorithms": ("approved", "Jinglemoss"),
    "Scaling Laws for Neural Language Models": ("scheduled", "Tumbleweft"),
}
MARKERS = [*WRITTEN.values(), *(word for _, word in MOVED.values())]
# Published entries name two moved ones in their own words, which stay: an opinion refers to
# "<@Concrete Problems in AI Safety@>" (the title is the reference's anchor text, shown as words), and
# "Learning to summarize" lists "Deep Reinforcement Learning from Human Preferences", with the paper's
# link, as its prerequisite. Every other title and work link of a moved entry must be nowhere.
CITED = "Concrete Problems in AI Safety"
PREREQUISITE = "Deep Reinforcement Learning from Human Preferences"
TITLES = [*(f"Newsroom {status} piece" for status in UNPUBLISHED),
          *(title for title in MOVED if title not in (CITED, PREREQUISITE))]
LINKS = ["distill.pub/2020/circuits/zoom-in", "arxiv.org/abs/1606.06565", "distill.pub/2020/circuits/curve-detectors",
         "arxiv.org/abs/1707.06347", "arxiv.org/abs/2001.08361"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The sample, with a newsroom entry in each unpublished status and imported entries moved back."""
    store = load_sample(Store(str(tmp_path_factory.mktemp("status") / "sample.db")))
    with store.session(by="test") as s:
        nora = Person(name="Nora Newsroom", email="nora@example.org", role="editor", aliases=[])
        s.add(nora)
        s.flush()
        s.expunge(nora)
    created = [
        create_entry(store, nora, {
            "title": f"Newsroom {status} piece", "summary": f"A study of {word} in reward models.",
            "public_level": "Yes", "summarizer": "Nora", "category": "Interpretability",
        }, status="idea" if status == "idea" else "draft")["id"]
        for status, word in WRITTEN.items()
    ]
    with store.session(by="test") as s:
        for entry_id, status in zip(created, UNPUBLISHED, strict=True):
            s.get_one(Entry, entry_id).status = status
        for entry in s.scalars(select(Entry).where(Entry.title.in_(list(MOVED)))):
            status, word = MOVED[entry.title]
            entry.status = status
            entry.summary = f"{entry.summary} {word} matters here."
            assert entry.public_level == "Yes"
    return store


def public_outputs(store: Store, out: Path) -> dict[str, str]:
    """Every public output: the built archive, ``export --public`` in each format, and what
    ``/api/search`` answers for each made-up word and title (output name -> text)."""
    build_site(store, out / "site")
    (out / "exports").mkdir()
    for ext in ("csv", "json", "xlsx"):
        result = invoke(store, "export", "--public", str(out / "exports" / f"public.{ext}"))
        assert result.exit_code == 0, result.output
    texts = dict(file_texts(out))
    client = TestClient(create_app(store, out / "site"))
    for query in [*MARKERS, *TITLES]:
        answer = client.get("/api/search", params={"q": query, "limit": 100})
        assert answer.status_code == 200, answer.text
        texts[f"/api/search?q={query}"] = json.dumps(answer.json()["results"])
    return texts


def found(texts: dict[str, str], words: list[str]) -> list[tuple[str, str]]:
    return [(word, name) for word in words for name, text in texts.items() if word.casefold() in text.casefold()]


@pytest.fixture(scope="module")
def hidden(store: Store, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return public_outputs(store, tmp_path_factory.mktemp("hidden"))


def test_the_store_holds_the_words_that_must_not_be_public(store, tmp_path):
    result = invoke(store, "export", str(tmp_path / "all.csv"))  # the full, private export
    assert result.exit_code == 0, result.output
    everything = (tmp_path / "all.csv").read_text(encoding="utf-8")
    assert [word for word in [*MARKERS, *TITLES] if word not in everything] == []


def test_the_public_outputs_were_all_made(hidden):
    names = set(hidden)
    assert {"site/feeds/issues.rss", "site/feeds/issues.atom", "exports/public.csv", "exports/public.json"} <= names
    assert any(n.startswith("exports/public.xlsx!xl/") for n in names)
    assert any(n.startswith("site/pagefind/fragment/") for n in names)
    # A published entry of an issue whose other entries moved back is there, with its issue.
    assert "Learning to summarize from human feedback" in hidden["site/issues/sn-2/index.html"]
    assert "site/entries/learning-to-summarize-from-human-feedback/index.html" in names


def test_an_entry_in_no_status_but_published_is_in_no_public_output(hidden):
    assert not found(hidden, MARKERS)
    assert not found(hidden, TITLES)
    assert not found(hidden, LINKS)
    assert not [name for name in hidden if name.startswith(("site/entries/newsroom-", "site/entries/concrete-"))]


def test_a_reference_to_an_unpublished_entry_by_its_title_is_its_words_only(hidden):
    for name in ("site/issues/sn-2/index.html", "exports/public.csv", "site/downloads/sample-newsletter.csv"):
        assert f"case of {CITED}'s reward hacking" in hidden[name].replace("&#39;", "'"), name
    assert not [(name, text.count(CITED)) for name, text in hidden.items()
                if f"<@{CITED}" in text or f">{CITED}</a>" in text]


def test_another_issue_refers_to_an_unpublished_entry_by_its_words_only(store):
    result = invoke(store, "render", "SN #2", "--format", "markdown")
    assert result.exit_code == 0, result.output
    markdown = result.stdout
    # "Learning to summarize" (published, SN #2) refers to "Deep RL from Human Preferences" (SN #1,
    # now in review): the words stay, without the link or the issue it went out in.
    assert "applies learning from human preferences to summarizing" in markdown
    assert "[learning from human preferences](" not in markdown and "SN #1" not in markdown
    assert "[the circuits work](" not in markdown
    assert not found({"SN #2": markdown}, ["Wobblestone", "Crumplehorn"])


def test_once_published_the_entries_are_in_the_archive_and_search(store, hidden, tmp_path):
    with store.session(by="test") as s:
        for entry in s.scalars(select(Entry).where(Entry.status != "published")):
            if entry.public_level == "Yes":
                entry.status = "published"
    shown = public_outputs(store, tmp_path)
    for word in MARKERS:
        assert any(name.startswith("site/entries/") for _, name in found(shown, [word])), word
        assert word in shown[f"/api/search?q={word}"], word
    for link in LINKS:
        assert found(shown, [link]), link
    assert "applies [learning from human preferences](https://arxiv.org/abs/1706.03741)" in invoke(
        store, "render", "SN #2", "--format", "markdown").stdout

"""Nothing private reaches the public, checked on the shipped sample (no ../shared needed).

The sample has a "No" entry (Internal Draft on Lab Policy), a "Link only" one (Sample Fellowship
Announcement) and editorial fields (Notes, Email status, Rec?, Summarize?). The shipped "Link only"
entry has nothing written about it, so these tests give it words of its own (a summary, an opinion,
a summarizer, an H/T, notes, prerequisites, "read more") and the hidden entry an opinion and notes,
import that through the CLI, and look for each word in every public output: each issue rendered in
every format, ``export --public`` in every format, the archive site (pages, feeds, downloads,
Pagefind's index) and the search (``precis search --json`` and the web API). The private edition
and the full export must hold every word, so that absence in public means something.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from precis.store import Store
from precis.web import create_app
from tests.helpers import SAMPLE_CSV, SAMPLE_TOML, file_texts, invoke

ISSUES = ("SN #1", "SN #2", "SN #3")
FORMATS = {"markdown": "md", "html": "html", "text": "txt", "speech": "speech.txt"}
EXPORTS = ("csv", "json", "xlsx")

HIDDEN = "Internal Draft on Lab Policy"
HIDDEN_WORDS = {"My opinion": "Marmaladex policies deserve caution.", "Notes": "Hushhush, from a friend."}
# Words from the sample's own cells of the hidden entry.
HIDDEN_TEXT = [HIDDEN, "shared privately with the newsletter", "example.org/private-draft"]

LINK_ONLY = "Sample Fellowship Announcement"
LINK_ONLY_URL = "https://example.org/fellowship"
LINK_ONLY_WORDS = {
    "Summary": "Quokkamarine stipends cover travel to the workshop.",
    "My opinion": "The thimbleberry clause is generous.",
    "Summarizer": "Ozymandias",
    "Prerequisites": "Zanzibarite Primer",
    "Read more": "Wolframite Sequel",
    "Notes": "Ask Quillonby before sending.",
}
LINK_ONLY_HAT_TIP = "Bartholomew"
# One made-up word of each planted cell, as searched for.
WRITTEN = ["Quokkamarine", "thimbleberry", "Ozymandias", "Zanzibarite", "Wolframite", "Quillonby"]
SECRET = [*WRITTEN, "Marmaladex", "Hushhush", *HIDDEN_TEXT]

# Editorial values of public entries in the sample (Notes of "Learning to summarize…", statuses).
EDITORIAL_VALUES = ["Check the KL coefficient", "Do not send", "Sent link only"]
EDITORIAL_COLUMNS = ["Public?", "Email status", "Rec?", "Summarize?", "Notes"]
EDITORIAL_KEYS = ["email_status", "priority", "summarize", "notes"]


def planted_csv(path: Path) -> Path:
    """The sample with words written about its "Link only" and "No" entries."""
    with open(SAMPLE_CSV, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["Title"] == LINK_ONLY:
            row.update(LINK_ONLY_WORDS, **{"H/T": LINK_ONLY_HAT_TIP})
        if row["Title"] == HIDDEN:
            row.update(HIDDEN_WORDS)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("sample-private")
    db = folder / "sample.db"
    ok(db, "init", "--publication", str(SAMPLE_TOML))
    ok(db, "import", str(planted_csv(folder / "planted.csv")))
    return Store(str(db))


@pytest.fixture(scope="module")
def public(store: Store, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every public output of the sample: output name -> its text (inside .xlsx and .gz too)."""
    out = tmp_path_factory.mktemp("public")
    (out / "editions").mkdir()
    for label in ISSUES:
        for fmt, ext in FORMATS.items():
            ok(store, "render", label, "--format", fmt, "-o", str(out / "editions" / f"{label[-1]}.{ext}"))
    (out / "exports").mkdir()
    for ext in EXPORTS:
        ok(store, "export", "--public", str(out / "exports" / f"public.{ext}"))
    ok(store, "site", "build", str(out / "site"), "--base-url", "https://example.org/archive/")
    texts = dict(file_texts(out))
    queries = [LINK_ONLY, "fellowship", HIDDEN, "lab policy draft", *SECRET]
    client = TestClient(create_app(store, out / "site"))
    for query in queries:
        texts[f"precis search --json {query!r}"] = ok(store, "search", query, "--json", "--limit", "100")
        answer = client.get("/api/search", params={"q": query, "limit": 100})
        assert answer.status_code == 200, answer.text
        texts[f"/api/search?q={query}"] = json.dumps(answer.json()["results"])  # not the query it echoes
    return texts


@pytest.fixture(scope="module")
def private(store: Store, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The private editions and the full export, which must hold every planted word."""
    out = tmp_path_factory.mktemp("private")
    for label in ISSUES:
        ok(store, "render", label, "--format", "markdown", "--private", "-o", str(out / f"{label[-1]}.md"))
    ok(store, "export", str(out / "all.csv"))
    return dict(file_texts(out))


def found(texts: dict[str, str], words: list[str]) -> list[tuple[str, str]]:
    return [(word, name) for word in words for name, text in texts.items() if word.casefold() in text.casefold()]


def test_the_public_outputs_are_all_there(public):
    names = set(public)
    assert {f"editions/{n}.{ext}" for n in "123" for ext in FORMATS.values()} <= names
    assert {f"exports/public.{ext}" for ext in ("csv", "json")} <= names
    assert any(n.startswith("exports/public.xlsx!xl/") for n in names)
    assert {"site/feeds/issues.atom", "site/feeds/issues.rss", "site/downloads/sample-newsletter.csv"} <= names
    assert any(n.startswith("site/pagefind/fragment/") for n in names)  # the search index, unpacked


def test_the_private_edition_and_the_full_export_hold_every_planted_word(private):
    export = private["all.csv"]
    for word in [*SECRET, LINK_ONLY_HAT_TIP, *EDITORIAL_VALUES, *EDITORIAL_COLUMNS]:
        assert word in export, word
    editions = private["1.md"] + private["2.md"]
    for word in [*WRITTEN[:5], LINK_ONLY_HAT_TIP, HIDDEN, HIDDEN_TEXT[1], "Marmaladex"]:
        assert word in editions, word


def test_the_hidden_entry_is_in_no_public_output(public):
    assert not found(public, [HIDDEN, *HIDDEN_TEXT, "Marmaladex", "Hushhush"])


def test_a_link_only_entry_shows_its_title_and_link_and_nothing_written_about_it(public):
    for name in ("editions/1.md", "editions/1.html", "editions/1.txt", "exports/public.csv", "exports/public.json",
                 "site/entries/sample-fellowship-announcement/index.html", "site/issues/sn-1/index.html"):
        assert LINK_ONLY in public[name] and LINK_ONLY_URL in public[name], name
    assert LINK_ONLY in public["editions/1.speech.txt"]
    assert LINK_ONLY in public["precis search --json 'fellowship'"]
    assert not found(public, WRITTEN)


def test_a_link_only_entry_s_hat_tip_is_in_no_public_output(public):
    assert not found(public, [LINK_ONLY_HAT_TIP])


def test_no_editorial_field_is_in_any_public_output(public):
    assert not found(public, EDITORIAL_VALUES)
    for name in ("exports/public.csv", "site/downloads/sample-newsletter.csv"):
        header = next(csv.reader(public[name].splitlines()))
        assert not set(header) & set(EDITORIAL_COLUMNS), name
    xlsx_header = public["exports/public.xlsx!xl/worksheets/sheet1.xml"]
    shared = public.get("exports/public.xlsx!xl/sharedStrings.xml", "")
    for column in EDITORIAL_COLUMNS:
        assert f">{column}<" not in xlsx_header + shared, column
    for name in ("exports/public.json", "site/downloads/sample-newsletter.json"):
        entries = json.loads(public[name])["entries"]
        assert len(entries) == 8, name  # every entry but the hidden one and the pending one (not published)
        assert all(e.get(key) is None for e in entries for key in EDITORIAL_KEYS), name
        assert {e.get("public_level") for e in entries} <= {"Yes", None}, name

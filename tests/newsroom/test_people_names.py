"""A person is counted once whatever name the archive writes them under ("Flo" and "Flo Dorner"):
in the statistics, the archive's summarizers index and search's summarizer filter; the names come
from the publication's [aliases] and from the team's people. The stored text never changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from precis.errors import PrecisError
from precis.model import Entry, Person
from precis.people_names import People
from precis.publication import Settings, load_settings
from precis.search import SearchIndex
from precis.site.archive import Archive
from precis.stats import compute
from precis.store import Store
from tests.helpers import invoke, load_sample

# The real archive's people written two ways: canonical name -> (other name, entries in all).
DOUBLED = {
    "Flo Dorner": ("Flo", 53),
    "Zachary Robertson": ("Zach", 44),
    "Dan Hendrycks": ("Dan H", 38),
    "Asya Bergal": ("Asya", 33),
    "Sudhanshu Kasewa": ("Sudhanshu", 16),
}


@pytest.fixture(scope="module")
def real_archive_store(real_db_template: Path) -> Store:
    """The real archive, read only by these tests."""
    return Store(str(real_db_template))


def test_stats_count_each_person_of_the_real_archive_once(real_archive_store):
    with real_archive_store.session() as s:
        stats = compute(s, real_archive_store.default_publication(s))
    counts = dict(stats.by_summarizer)
    for name, (other, total) in DOUBLED.items():
        assert counts[name] == total and other not in counts, name
    # Each entry is counted once (no entry of the real archive has two summarizers).
    assert sum(counts.values()) == stats.entries == 1956
    # The stored text keeps the name as written.
    with real_archive_store.session() as s:
        written = set(s.scalars(select(Entry.summarizer).where(Entry.summarizer.in_(["Flo", "Flo Dorner"]))))
    assert written == {"Flo", "Flo Dorner"}


def test_precis_stats_prints_one_line_per_person(real_archive_store):
    result = invoke(real_archive_store, "stats")
    assert result.exit_code == 0, result.output
    lines = [line.split("│") for line in result.output.splitlines() if "│" in line]
    by_name = {cells[0].strip(): cells[1].strip() for cells in lines}
    assert by_name["Flo Dorner"] == "53" and "Flo" not in by_name and "Dan H" not in by_name


def test_the_summarizers_index_groups_each_person_once_under_the_canonical_name(real_archive_store):
    archive = Archive.load(real_archive_store, warn=lambda message: None)
    groups = {g.name: g for g in archive.groups("summarizers")}
    counts = dict(archive.summarizer_counts())
    for name, (other, _) in DOUBLED.items():
        assert other not in groups and other not in counts, name
        assert {e.data.summarizer for e in groups[name].entries} == {name, other}
        assert counts[name] == len(groups[name].entries)
    assert groups["Flo Dorner"].path == "summarizers/flo-dorner/"
    assert "Natural Adversarial Examples" in {e.data.title.strip() for e in groups["Flo Dorner"].entries}


def test_searching_by_one_name_of_a_person_finds_the_entries_under_each(real_archive_store, tmp_path):
    store = Store(str(tmp_path / "an.db"))  # search writes its index: a copy
    Path(store.engine.url.database or "").write_bytes(Path(real_archive_store.engine.url.database or "").read_bytes())
    index = SearchIndex(store)
    for name in ("Flo", "Flo Dorner", " flo  dorner "):
        hits = index.search("adversarial examples", summarizer=name, limit=100)
        assert {h.summarizer for h in hits} == {"Flo", "Flo Dorner"}, name
    assert index.search("adversarial examples", summarizer="Nobody Here", limit=10) == []


def test_aliases_from_the_team_merge_too(tmp_path):
    store = load_sample(Store(str(tmp_path / "sample.db")))
    before = dict(_stats(store))
    with store.session(by="test") as s:
        s.add(Person(name="Ada Lovelace", email="ada@example.org", aliases=["Ada"], role="editor"))
    after = dict(_stats(store))
    assert after["Ada Lovelace"] == before["Ada"] and "Ada" not in after
    groups = {g.name: g for g in Archive.load(store).groups("summarizers")}
    assert "Ada" not in groups and groups["Ada Lovelace"].slug == "ada-lovelace"
    hits = SearchIndex(store).search("circuits", summarizer="Ada Lovelace", limit=10)
    assert "Zoom In: An Introduction to Circuits" in {h.title for h in hits}


def test_names_link_through_settings_and_people_and_texts_name_several():
    people = People({"Benjamin": ["Ben"], "Flo Dorner": ["Flo"]}, [("Ben Franklin", ["benjamin"])])
    assert people.canonical("BEN") == people.canonical("Benjamin") == "Ben Franklin"
    assert people.canonical("Cody") == "Cody" and people.canonical("  Dan   H ") == "Dan H"
    # "Rohin/Robert", "Asya and Rohin": each person once, in order.
    assert people.people("Flo/Ben and Flo & Cody") == ["Flo Dorner", "Ben Franklin", "Cody"]
    assert people.people("Anderson") == ["Anderson"] and people.people(None) == []


def test_the_aliases_table_round_trips_through_the_store_copy():
    settings = load_settings()
    assert settings.aliases["Flo Dorner"] == ["Flo"]
    assert Settings.from_dict(settings.to_dict()).aliases == settings.aliases


@pytest.mark.parametrize(("table", "words"), [
    ('aliases = "Flo"', "[aliases] must be a table"),
    ('[aliases]\n"Flo Dorner" = "Flo"', "[aliases] 'Flo Dorner' must be a list of names"),
    ('[aliases]\n"Flo Dorner" = ["Flo", 3]', "[aliases] 'Flo Dorner' must be a list of names"),
    ('[aliases]\n"Flo Dorner" = ["Flo"]\n"Florence" = ["flo"]',
     "[aliases] 'Florence': 'flo' is already a name of 'Flo Dorner'"),
])
def test_a_bad_aliases_table_is_one_line_naming_the_file_and_key(tmp_path, table, words):
    path = tmp_path / "pub.toml"
    path.write_text(f'name = "Sample"\nissue_prefix = "SN"\n{table}\n', encoding="utf-8")
    with pytest.raises(PrecisError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and words in message and "\n" not in message
    result = invoke(tmp_path / "x.db", "init", "--publication", str(path))
    assert result.exit_code == 1 and words in str(result.exception)


def _stats(store: Store) -> list[tuple[str, int]]:
    with store.session() as s:
        return compute(s, store.default_publication(s)).by_summarizer


def test_searching_by_one_name_of_a_person_on_postgresql(pg_url):
    store = load_sample(Store(pg_url))
    with store.session(by="test") as s:
        s.add(Person(name="Ada Lovelace", email="ada@example.org", aliases=["Ada"], role="editor"))
    index = SearchIndex(store)
    for name in ("ada lovelace", "ADA"):
        hits = index.search("circuits curve", summarizer=name, limit=10)
        assert {h.title for h in hits} == {"Zoom In: An Introduction to Circuits", "Curve Detectors"}, name
    assert index.search("circuits", summarizer="Ben", limit=10) == []
    store.close()

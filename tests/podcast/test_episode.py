"""AN #139 of the real archive read aloud by the default engine (piper): the MP3, its tags and
chapters, its loudness, the store. One synthesis, shared by the module (about two minutes here)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from sqlalchemy import select

from precis.audio.cache import AudioCache
from precis.audio.encode import TARGET_LUFS
from precis.audio.episode import EpisodeResult, Plan, prepare, record
from precis.audio.model import Episode
from precis.model import Entry, Issue
from precis.store import Store
from tests.helpers import require_program


@dataclass
class Recorded:
    store: Store
    plan: Plan
    result: EpisodeResult
    cache: AudioCache


@pytest.fixture(scope="module")
def an139(real_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """AN #139 read by piper into an MP3, once for this module."""
    folder = tmp_path_factory.mktemp("an139")
    shutil.copy(real_db_template, folder / "an.db")
    store = Store(str(folder / "an.db"))
    cache = AudioCache(folder / "cache")
    plan = prepare(store, "AN #139")
    result = record(store, plan, folder / "an-139.mp3", cache)
    return Recorded(store, plan, result, cache)


def public_entry_titles(store: Store, label: str) -> list[str]:
    series, number = label.split(" #")
    with store.session() as s:
        issue = s.scalar(select(Issue).where(Issue.series == series, Issue.number == int(number)))
        return [e.title.strip() for e in issue.entries if e.public_level != "No"]


def test_the_mp3_lasts_as_long_as_its_words_take_to_say(an139):
    words = an139.plan.words
    assert words > 3000
    assert words / 4 < an139.result.duration < words / 1.5


def test_every_segment_was_synthesized_once_and_cached(an139):
    synthesis = an139.result.synthesis
    assert sorted(synthesis.synthesized) == list(range(len(an139.plan.segments)))
    assert synthesis.work_seconds > 0 and an139.result.real_time_factor > 1
    assert len(list(an139.cache.root.rglob("*.wav"))) == len(an139.plan.segments)


def test_id3_tags_name_the_issue(an139):
    tags = ID3(an139.result.path)
    assert str(tags["TIT2"]) == "Alignment Newsletter #139"
    assert str(tags["TRCK"]) == "139"
    assert str(tags["TALB"]) == "Alignment Newsletter"
    assert "piper en_US-joe-medium" in str(tags["TSSE"])


def test_one_chapter_frame_per_entry_in_the_issues_order(an139):
    tags = ID3(an139.result.path)
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    entries = [c for c in chapters if c.element_id.startswith("entry")]
    titles = public_entry_titles(an139.store, "AN #139")
    assert len(entries) == len(titles) == 7
    # The Highlights entry comes first, then the sections in the category tree's order.
    assert str(entries[0].sub_frames["TIT2"]) == "Why does deep and cheap learning work so well?"
    assert sorted(str(c.sub_frames["TIT2"]) for c in entries) == sorted(titles)
    assert chapters[0].start_time == 0
    assert chapters[-1].end_time == pytest.approx(an139.result.duration * 1000, abs=200)
    for before, after in zip(chapters, chapters[1:]):
        assert before.end_time == after.start_time


def test_table_of_contents_frames_follow_the_sections(an139):
    tags = ID3(an139.result.path)
    tocs = {t.element_id: t for t in tags.getall("CTOC")}
    root = tocs["toc"]
    assert root.flags & 1 and root.flags & 2  # top level, ordered
    top = [str(tocs[i].sub_frames["TIT2"]) if i in tocs else i for i in root.child_element_ids]
    assert top == ["intro1", "Highlights", "Technical AI alignment", "Other progress in AI", "footer1"]
    technical = tocs[root.child_element_ids[2]]
    (mesa,) = technical.child_element_ids
    assert str(tocs[mesa].sub_frames["TIT2"]) == "Mesa optimization"
    assert len(tocs[mesa].child_element_ids) == 3


def test_a_player_reads_the_same_duration_and_chapters(an139):
    """ffprobe (FFmpeg, what many players are built on) reads the file independently of mutagen."""
    ffprobe = require_program("ffprobe")
    out = subprocess.run(
        [ffprobe, "-v", "error", "-show_chapters", "-show_entries", "format=duration", "-of", "json",
         str(an139.result.path)],
        capture_output=True, text=True, check=True,
    )
    probed = json.loads(out.stdout)
    assert float(probed["format"]["duration"]) == pytest.approx(an139.result.duration, abs=0.1)
    assert len(probed["chapters"]) == len(an139.result.chapters)


def test_the_episode_is_loudness_normalized(an139):
    import pyloudnorm
    from pedalboard.io import AudioFile

    with AudioFile(str(an139.result.path)) as f:
        audio = f.read(f.frames)[0]
        rate = f.samplerate
    assert pyloudnorm.Meter(rate).integrated_loudness(audio) == pytest.approx(TARGET_LUFS, abs=1.0)
    assert np.abs(audio).max() < 1.0  # nothing clipped


def test_the_episode_is_recorded_in_the_store(an139):
    with an139.store.session() as s:
        (episode,) = s.scalars(select(Episode)).all()
        assert episode.issue.label == "AN #139"
        assert episode.path == str(an139.result.path)
        assert episode.size == an139.result.path.stat().st_size
        assert episode.duration == pytest.approx(an139.result.duration)
        assert episode.engine == "piper"
        assert [c["title"] for c in episode.chapters] == [c.title for c in an139.result.chapters]


def test_an_entry_hidden_from_the_public_is_not_read(real_store):
    title = "Is SGD a Bayesian Sampler? Well, almost."
    with real_store.session(by="test") as s:
        s.scalar(select(Entry).where(Entry.title.startswith(title))).public_level = "No"
    plan = prepare(real_store, "AN #139")
    assert title not in [s.title for s in plan.segments]
    assert all("Bayesian Sampler" not in s.text for s in plan.segments)
    assert sum(s.kind == "entry" for s in plan.segments) == 6

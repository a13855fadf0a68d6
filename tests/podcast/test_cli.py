"""``precis podcast`` as a user runs it: the short form, the subcommands, the errors."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import feedparser
import pytest
from mutagen.mp3 import MP3

from tests.helpers import invoke, run_precis, sample_db


@pytest.fixture
def db(tmp_path: Path, espeak) -> Path:
    return sample_db(tmp_path / "sample.db")


def run(db: Path, *args: str, cache: Path) -> subprocess.CompletedProcess:
    return run_precis(db, *args, env={"PRECIS_AUDIO_CACHE": str(cache)})


def episodes(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT issue_id, path FROM podcast_episode ORDER BY issue_id").fetchall()


def test_short_form_and_subcommands_make_episodes_and_a_feed(db, tmp_path):
    cache = tmp_path / "cache"
    short = run(db, "podcast", "SN #1", "-o", str(tmp_path / "one.mp3"), "--engine", "espeak", cache=cache)
    assert short.returncode == 0, short.stderr
    assert "Wrote" in short.stdout and "4 entries" in short.stdout
    assert MP3(tmp_path / "one.mp3").info.length > 30

    # Options first also reach the default command; the long form names it.
    options_first = run(db, "podcast", "--engine", "espeak", "-o", str(tmp_path / "two.mp3"), "2", cache=cache)
    assert options_first.returncode == 0, options_first.stderr
    long = run(db, "podcast", "issue", "3", "--engine", "espeak", "-o", str(tmp_path / "three.mp3"), cache=cache)
    assert long.returncode == 0, long.stderr
    assert [Path(p).name for _, p in episodes(db)] == ["one.mp3", "two.mp3", "three.mp3"]

    feed = run(db, "podcast", "feed", str(tmp_path / "feed.xml"), "--base-url", "https://example.org/pod", cache=cache)
    assert feed.returncode == 0, feed.stderr
    assert "3 episodes" in feed.stdout
    parsed = feedparser.parse(str(tmp_path / "feed.xml"))
    assert [e.enclosures[0].href for e in parsed.entries] == [
        "https://example.org/pod/three.mp3", "https://example.org/pod/two.mp3", "https://example.org/pod/one.mp3"
    ]


def test_a_second_run_uses_the_cache_and_replaces_the_episode(db, tmp_path):
    cache = tmp_path / "cache"
    first = run(db, "podcast", "SN #3", "-o", str(tmp_path / "a.mp3"), "--engine", "espeak", cache=cache)
    assert "0 from the cache" in first.stdout
    # Without -o the file is named after the issue, in the current folder.
    second = run_precis(db, "podcast", "3", "--engine", "espeak", cwd=tmp_path, env={"PRECIS_AUDIO_CACHE": str(cache)})
    assert "Synthesized 0 of 7 segments" in second.stdout and "7 from the cache" in second.stdout
    assert episodes(db) == [(3, str(tmp_path / "sn-3.mp3"))]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["podcast", "99", "--engine", "espeak"], "no issue SN #99"),
        (["podcast", "feed", "f.xml", "--base-url", "example.org"], "the podcast's base URL"),
        (["podcast", "1", "--engine", "espeak", "-o", "/tmp"], "is a folder"),
    ],
)
def test_bad_input_is_one_line_without_a_traceback(db, tmp_path, args, message):
    result = run(db, *args, cache=tmp_path / "cache")
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_gives_an_example_for_each_command(tmp_path):
    for command in (["podcast"], ["podcast", "issue"], ["podcast", "feed"]):
        result = invoke(tmp_path / "x.db", *command, "--help")  # in this process: a new one per command took seconds
        assert result.exit_code == 0, command
        assert "Example:" in result.stdout, command


def test_an_episode_never_writes_through_a_link_to_something_that_is_not_a_file(db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "episode.mp3"
    link.symlink_to(fifo)
    result = run(db, "podcast", "1", "--engine", "espeak", "-o", str(link), cache=tmp_path / "cache")
    assert result.returncode == 1
    assert result.stderr.strip() == f"precis: error: {link}: not a regular file; give a new file name such as sn-1.mp3"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and link.is_symlink()

"""Synthesis through the cache, with espeak-ng (fast); piper is covered by test_real_piper.py."""

import numpy as np
import pytest

from precis.audio.cache import AudioCache
from precis.audio.engines import engine_spec
from precis.audio.synth import PARAGRAPH_PAUSE, segment_key, synthesize
from precis.errors import PrecisError

TEXTS = [
    "Alignment Newsletter 139.",
    "Why does deep and cheap learning work so well? By Henry Lin and others.",
    "Highlights.",
    "The second entry has two paragraphs.\n\nThis is the second one, read after a pause.",
]


def test_audio_has_a_length_that_fits_the_words(espeak, cache):
    result = synthesize(engine_spec("espeak"), TEXTS, cache, jobs=2)
    assert result.sample_rate == 22050
    for audio in result.audio:
        assert np.abs(audio).max() > 1000  # not silence
    seconds = sum(len(a) for a in result.audio) / result.sample_rate
    words = sum(len(t.split()) for t in TEXTS)
    assert words / 4 < seconds < words / 1.5


def test_paragraphs_are_read_with_a_pause_between_them(espeak, cache):
    spec = engine_spec("espeak")
    one, two = "The first paragraph.", "The second paragraph."
    parts = synthesize(spec, [one, two], cache).audio
    joined = synthesize(spec, [f"{one}\n\n{two}"], cache).audio[0]
    assert len(joined) == len(parts[0]) + len(parts[1]) + int(22050 * PARAGRAPH_PAUSE)


def test_second_run_reads_everything_from_the_cache(espeak, cache):
    spec = engine_spec("espeak")
    first = synthesize(spec, TEXTS, cache, jobs=2)
    assert sorted(first.synthesized) == [0, 1, 2, 3] and first.cached == []
    second = synthesize(spec, TEXTS, cache, jobs=2)
    assert second.synthesized == [] and sorted(second.cached) == [0, 1, 2, 3]
    for a, b in zip(first.audio, second.audio):
        assert np.array_equal(a, b)


def test_after_one_text_changes_only_that_one_is_synthesized_again(espeak, cache):
    spec = engine_spec("espeak")
    synthesize(spec, TEXTS, cache)
    edited = list(TEXTS)
    edited[1] = "Why does deep and cheap learning work so well? By Henry W. Lin and others."
    again = synthesize(spec, edited, cache)
    assert again.synthesized == [1]
    assert sorted(again.cached) == [0, 2, 3]


def test_the_same_text_is_synthesized_once(espeak, cache):
    result = synthesize(engine_spec("espeak"), ["Highlights.", "News.", "Highlights."], cache, jobs=2)
    assert sorted(result.synthesized) == [0, 1]
    assert result.cached == [2]
    assert np.array_equal(result.audio[0], result.audio[2])


def test_another_voice_does_not_reuse_cached_audio(espeak, cache):
    synthesize(engine_spec("espeak", "en-us"), TEXTS[:2], cache)
    other = synthesize(engine_spec("espeak", "en-gb"), TEXTS[:2], cache)
    assert sorted(other.synthesized) == [0, 1]


def test_a_damaged_cache_file_is_made_again(espeak, cache):
    spec = engine_spec("espeak")
    synthesize(spec, TEXTS[:1], cache)
    path = cache.path(segment_key(spec, TEXTS[0]))
    path.write_bytes(b"RIFF garbage")
    again = synthesize(spec, TEXTS[:1], cache)
    assert again.synthesized == [0]
    assert len(again.audio[0]) > 22050


def test_cache_files_live_under_the_cache_folder(espeak, tmp_path):
    cache = AudioCache(tmp_path / "c")
    synthesize(engine_spec("espeak"), TEXTS[:2], cache)
    files = sorted(p.name for p in (tmp_path / "c").rglob("*") if p.is_file())
    assert len(files) == 2 and all(f.endswith(".wav") for f in files)


def test_bad_engine_or_voice_is_a_clear_error(espeak, tmp_path):
    with pytest.raises(PrecisError, match="unknown speech engine"):
        engine_spec("festival")
    with pytest.raises(PrecisError, match="no such voice"):
        engine_spec("espeak", "xx-nowhere")
    with pytest.raises(PrecisError, match="not a piper voice model"):
        engine_spec("piper", str(tmp_path / "missing.onnx"))

"""From segment audio to an MP3 file: pauses, loudness, encoding, ID3 tags and chapters.

- Loudness: the whole episode is brought to -16 LUFS (ITU-R BS.1770, measured with pyloudnorm; the
  level podcast platforms ask for), its peaks held by a limiter (Spotify's pedalboard) at -3 dBFS,
  which leaves room for the overshoot of MP3 encoding (true peak about -1 dBFS after it).
- Encoding: LAME inside pedalboard (a PyPI wheel: no system program to install, and it encodes from
  memory), constant 64 kbit/s mono, plenty for speech.
- Tags: ID3v2.3 (what most podcast players read) with title, album, artist, track number, date, and
  the Chapter Frame Addendum's CHAP frames (one per chapter) and CTOC frames (the sections).
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from precis.audio.segments import Chapter, TocNode, table_of_contents
from precis.errors import PrecisError
from precis.render.segments import Segment

TARGET_LUFS = -16.0
PEAK_CEILING_DB = -3.0
BITRATE_KBPS = 64
LEAD_IN = 0.3  # seconds of silence before the first word
TAIL = 1.0  # and after the last one


def pause_before(previous: Segment | None, current: Segment) -> float:
    """Seconds of silence between two segments: longer before a new section or entry."""
    if previous is None:
        return LEAD_IN
    if previous.is_heading and (current.is_heading or current.kind == "entry"):
        return 0.6
    return 1.2


def assemble(
    segments: list[Segment], audio: list[np.ndarray], sample_rate: int
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The segments' audio joined with pauses, and where each segment starts and ends (seconds)."""
    pieces: list[np.ndarray] = []
    spans: list[tuple[float, float]] = []
    at = 0  # samples so far
    previous: Segment | None = None
    for seg, samples in zip(segments, audio, strict=True):
        gap = int(round(pause_before(previous, seg) * sample_rate))
        pieces.append(np.zeros(gap, np.int16))
        at += gap
        spans.append((at / sample_rate, (at + len(samples)) / sample_rate))
        pieces.append(samples)
        at += len(samples)
        previous = seg
    pieces.append(np.zeros(int(TAIL * sample_rate), np.int16))
    return np.concatenate(pieces), spans


@dataclass(frozen=True)
class Loudness:
    before: float  # integrated loudness as synthesized, LUFS
    after: float  # after normalization, LUFS
    gain_db: float  # gain applied in all


def normalize(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, Loudness]:
    """``samples`` (int16) brought to TARGET_LUFS, with peaks held near PEAK_CEILING_DB.

    Synthetic speech has peaks some 20 dB above its loudness, so gain alone cannot reach the target
    without clipping: a limiter catches the peaks. Limiting lowers loudness a little, so the result
    is measured again and the difference (a fraction of a dB) made up by plain gain, which moves the
    peaks by as much: the ceiling leaves room for it.
    """
    import pyloudnorm
    from pedalboard import Gain, Limiter, Pedalboard

    signal = samples.astype(np.float32) / 32768.0
    meter = pyloudnorm.Meter(sample_rate)
    if len(signal) < int(meter.block_size * sample_rate):
        raise PrecisError("the episode is shorter than 0.4 seconds: nothing to normalize")
    before = float(meter.integrated_loudness(signal))
    if not np.isfinite(before):
        raise PrecisError("the synthesized episode is silent")
    gain = TARGET_LUFS - before
    # JUCE's limiter raises its threshold to 0 dBFS; the last Gain brings it to the ceiling.
    board = Pedalboard(
        [Gain(gain), Limiter(threshold_db=PEAK_CEILING_DB, release_ms=60.0), Gain(PEAK_CEILING_DB)]
    )
    limited = board(signal, sample_rate)
    correction = TARGET_LUFS - float(meter.integrated_loudness(limited))
    out = np.clip(limited * 10 ** (correction / 20), -1.0, 1.0)
    pcm = np.round(out * 32767.0).astype(np.int16)
    return pcm, Loudness(before, TARGET_LUFS, gain + correction)


def encode_mp3(samples: np.ndarray, sample_rate: int) -> bytes:
    """Mono 16-bit samples as constant-bitrate MP3 data (with a LAME header giving its length)."""
    from pedalboard.io import AudioFile

    buffer = io.BytesIO()
    with AudioFile(buffer, "w", sample_rate, 1, format="mp3", quality=BITRATE_KBPS) as f:
        f.write(samples.astype(np.float32) / 32768.0)
    return buffer.getvalue()


@dataclass(frozen=True)
class Tags:
    title: str
    album: str  # the publication
    artist: str  # who speaks: the publication, read by the voice
    track: int
    date: date | None
    comment: str
    encoder: str


def write_mp3(path: Path, mp3: bytes, tags: Tags, chapters: list[Chapter]) -> None:
    """Write the MP3 with its tags to ``path``, replacing it only once complete."""
    from mutagen.id3 import ID3

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise PrecisError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(mp3)
        id3 = ID3()
        for frame in tag_frames(tags, chapters):
            id3.add(frame)
        id3.save(tmp, v2_version=3)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise PrecisError(f"{path}: cannot write there ({exc.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def tag_frames(tags: Tags, chapters: list[Chapter]) -> list[object]:
    """The ID3 frames: text tags, then the tables of contents, then one CHAP per chapter."""
    from mutagen.id3 import CHAP, COMM, CTOC, TALB, TCON, TDRC, TIT2, TPE1, TRCK, TSSE, CTOCFlags

    frames: list[object] = [
        TIT2(encoding=3, text=tags.title),
        TALB(encoding=3, text=tags.album),
        TPE1(encoding=3, text=tags.artist),
        TRCK(encoding=3, text=str(tags.track)),
        TCON(encoding=3, text="Podcast"),
        TSSE(encoding=3, text=tags.encoder),
        COMM(encoding=3, lang="eng", desc="", text=tags.comment),
    ]
    if tags.date is not None:
        frames.append(TDRC(encoding=3, text=tags.date.isoformat()))

    def toc(node: TocNode, top: bool) -> None:
        flags = CTOCFlags.ORDERED | (CTOCFlags.TOP_LEVEL if top else 0)
        frames.append(
            CTOC(
                element_id=node.id,
                flags=flags,
                child_element_ids=[child.id for child in node.children],
                sub_frames=[TIT2(encoding=3, text=node.title)],
            )
        )
        for child in node.children:
            if isinstance(child, TocNode):
                toc(child, False)

    if chapters:
        toc(table_of_contents(chapters), True)
    for c in chapters:
        frames.append(
            CHAP(
                element_id=c.id,
                start_time=int(round(c.start * 1000)),
                end_time=int(round(c.end * 1000)),
                sub_frames=[TIT2(encoding=3, text=c.title)],
            )
        )
    return frames


def mp3_duration(path: Path) -> float:
    """The duration of an MP3 file as a player reads it, in seconds."""
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        info = MP3(str(path)).info
        if info is None:
            raise PrecisError(f"{path}: not an MP3 file a player can read")
        return float(info.length)
    except MutagenError as exc:
        raise PrecisError(f"{path}: not a readable MP3 ({exc})") from None

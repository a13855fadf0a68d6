"""One issue's audio episode: speech script -> synthesis -> MP3 -> the store.

``prepare`` reads the issue's speech edition (public: what the public edition shows) and turns it
into segments; ``record`` synthesizes them, writes the MP3 and records the episode. Two steps, so
that a caller knows how much work there is before it starts (for a progress bar).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path

from sqlalchemy import select

from precis.audio.cache import AudioCache
from precis.audio.encode import Loudness, Tags, assemble, encode_mp3, mp3_duration, normalize, write_mp3
from precis.audio.engines import DEFAULT_ENGINE, EngineSpec, engine_spec
from precis.audio.model import Episode
from precis.audio.segments import Chapter, chapters_for
from precis.audio.synth import SynthesisResult, synthesize
from precis.errors import PrecisError
from precis.render.segments import Segment
from precis.store import Store

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True)
class Plan:
    """What will be read for one issue, by which engine."""

    issue_id: int
    label: str  # "AN #139"
    slug: str  # "an-139"
    number: int
    title: str  # the episode's title, "Alignment Newsletter #139"
    date: date | None
    publication: str
    segments: list[Segment]
    spec: EngineSpec

    @property
    def words(self) -> int:
        return sum(len(s.text.split()) for s in self.segments)


@dataclass(frozen=True)
class EpisodeResult:
    plan: Plan
    path: Path
    duration: float  # seconds, read back from the MP3
    size: int  # bytes
    chapters: list[Chapter]
    synthesis: SynthesisResult
    loudness: Loudness
    seconds: float  # wall-clock time of the whole run

    @property
    def real_time_factor(self) -> float | None:
        """Seconds of audio synthesized per second of synthesis (None when all came from cache)."""
        if not self.synthesis.synthesized or self.synthesis.work_seconds <= 0:
            return None
        return self.synthesis.synthesized_seconds / self.synthesis.work_seconds


def prepare(store: Store, issue_ref: str, engine: str = DEFAULT_ENGINE, voice: str | None = None) -> Plan:
    """The plan for ``issue_ref`` ("139", "AN #139", "Recon #5"); fails early on a bad engine."""
    from precis.render import Editions
    from precis.render.view import issue_heading

    spec = engine_spec(engine, voice)
    editions = Editions.load(store, issue=issue_ref)
    issue = editions.issue(issue_ref)
    segments = editions.speech(issue)
    if not any(s.kind == "entry" for s in segments):
        raise PrecisError(f"{issue.label} has no public entries: nothing to read")
    settings = editions.settings
    return Plan(
        issue_id=issue.id,
        label=issue.label,
        slug=issue.slug,
        number=issue.number,
        title=issue_heading(settings, issue),
        date=issue.date,
        publication=settings.name,
        segments=segments,
        spec=spec,
    )


def record(
    store: Store,
    plan: Plan,
    out: Path,
    cache: AudioCache | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> EpisodeResult:
    """Synthesize the plan, write the MP3 to ``out`` and record the episode in the store."""
    started = time.perf_counter()
    # absolute(), not resolve(): the episode replaces the file at ``out``; through a symbolic link it
    # would replace whatever the link points to (a device, another user's file).
    out = Path(out).expanduser().absolute()
    if out.is_dir():
        raise PrecisError(f"{out}: is a folder; give a file name such as {plan.slug}.mp3")
    if out.exists() and not out.is_file():
        raise PrecisError(f"{out}: not a regular file; give a new file name such as {plan.slug}.mp3")
    segments = plan.segments
    total = len(segments)
    done = 0

    def one_done(_index: int) -> None:
        nonlocal done
        done += 1
        if progress:
            progress("synthesize", done, total)

    synthesis = synthesize(plan.spec, [s.text for s in segments], cache or AudioCache(), jobs, one_done)
    if progress:
        progress("encode", 0, 1)
    samples, spans = assemble(segments, synthesis.audio, synthesis.sample_rate)
    chapters = chapters_for(segments, spans, total=len(samples) / synthesis.sample_rate)
    samples, loudness = normalize(samples, synthesis.sample_rate)
    tags = Tags(
        title=plan.title,
        album=plan.publication,
        artist=plan.publication,
        track=plan.number,
        date=plan.date,
        comment=contents_text(chapters),
        encoder=f"Précis {_version()}, {plan.spec.label}",
    )
    write_mp3(out, encode_mp3(samples, synthesis.sample_rate), tags, chapters)
    duration = mp3_duration(out)
    size = out.stat().st_size
    with store.session(by="podcast") as s:
        episode = s.scalar(select(Episode).where(Episode.issue_id == plan.issue_id))
        if episode is None:
            episode = Episode(issue_id=plan.issue_id)
            s.add(episode)
        episode.path = str(out)
        episode.size = size
        episode.duration = duration
        episode.engine = plan.spec.name
        episode.voice = plan.spec.label
        episode.loudness = round(loudness.after, 2)
        episode.chapters = [c.to_dict() for c in chapters]
    if progress:
        progress("encode", 1, 1)
    return EpisodeResult(
        plan, out, duration, size, chapters, synthesis, loudness, time.perf_counter() - started
    )


def contents_text(chapters: list[Chapter]) -> str:
    """The episode's contents, one chapter a line with its start time and section."""
    lines = []
    for c in chapters:
        where = f"{' > '.join(c.sections)}: " if c.sections else ""
        lines.append(f"{clock(c.start)} {where}{c.title}")
    return "\n".join(lines)


def clock(seconds: float) -> str:
    """Seconds as H:MM:SS (or M:SS under an hour), as podcast players show times."""
    whole = int(round(seconds))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _version() -> str:
    try:
        return metadata.version("precis")
    except metadata.PackageNotFoundError:
        return "dev"

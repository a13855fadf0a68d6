"""``precis podcast``: an issue's audio episode, and the podcast feed of all episodes."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from precis.cli import app, console, err, state
from precis.extras import AUDIO_MODULES, require_extra

# What recording an episode needs beyond the base install; the piper engine checks for its own.


class PodcastGroup(TyperGroup):
    """``precis podcast ISSUE ...`` means ``precis podcast issue ISSUE ...``; ``feed`` is itself.

    A first word that names no subcommand (an issue, or an option such as ``-o``) is handed to the
    ``issue`` command, so both the short form and the subcommands work.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["issue", *args]
        return super().parse_args(ctx, args)


podcast_app = typer.Typer(
    cls=PodcastGroup,
    no_args_is_help=True,
    help="The audio edition of an issue, and the podcast feed.\n\n"
    "precis podcast ISSUE -o FILE.mp3 is short for precis podcast issue ISSUE -o FILE.mp3.\n\n"
    "Example: precis podcast 139 -o an-139.mp3 && precis podcast feed feed.xml --base-url https://example.org/podcast/",
)
app.add_typer(podcast_app, name="podcast")


@podcast_app.command("issue")
def issue_command(
    ctx: typer.Context,
    issue: str = typer.Argument(..., metavar="ISSUE", help="139, 'AN #139' or 'Recon #5'."),
    output: Path | None = typer.Option(None, "-o", "--output", help="The MP3 file to write (default: an-139.mp3 …)."),
    engine: str = typer.Option("piper", "--engine", help="piper (neural voice) or espeak (espeak-ng)."),
    voice: str | None = typer.Option(
        None, "--voice", help="piper: a voice model .onnx file (default: the packaged en_US-joe-medium); "
        "espeak: an espeak-ng voice name (default: en-us).",
    ),
    cache: Path | None = typer.Option(
        None, "--cache", envvar="PRECIS_AUDIO_CACHE",
        help="Folder of cached segment audio (default: ~/.cache/precis/audio).",
    ),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1,
        help="Paragraphs synthesized at once, in worker processes (default: one per core).",
    ),
) -> None:
    """Read an issue aloud into an MP3 with ID3 tags and a chapter per entry; record the episode.

    Only segments whose text or voice changed since the last run are synthesized again.

    Example: precis podcast 139 -o an-139.mp3 --engine espeak
    """
    require_extra("podcast", "podcast", *AUDIO_MODULES)
    from precis.audio.cache import AudioCache
    from precis.audio.episode import clock, prepare, record

    store = state(ctx).store()
    with console.status("Reading the speech edition …"):
        plan = prepare(store, issue, engine, voice)
    out = output or Path(f"{plan.slug}.mp3")
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as bar:
        synth = bar.add_task(f"Reading {plan.label} ({plan.spec.label})", total=len(plan.segments))
        encode = bar.add_task("Normalizing and encoding", total=1, visible=False)

        def progress(phase: str, done: int, total: int) -> None:
            if phase == "synthesize":
                bar.update(synth, completed=done)
            else:
                bar.update(encode, completed=done, visible=True)

        result = record(store, plan, out, AudioCache(cache) if cache else None, jobs, progress)
    s = result.synthesis
    entries = sum(c.kind == "entry" for c in result.chapters)
    speed = f" at {result.real_time_factor:.1f}x real time" if result.real_time_factor else ""
    console.print(
        f"Wrote {out}: {clock(result.duration)}, {result.size / 1e6:.1f} MB, {len(result.chapters)} chapters "
        f"({entries} entries), {result.loudness.after:.1f} LUFS.\n"
        f"Synthesized {len(s.synthesized)} of {len(plan.segments)} segments{speed}; "
        f"{len(s.cached)} from the cache. Recorded the episode of {plan.label} in {store.display}.",
        highlight=False,
    )


@podcast_app.command("feed")
def feed_command(
    ctx: typer.Context,
    out: Path = typer.Argument(..., metavar="OUT.xml", help="The feed file to write."),
    base_url: str = typer.Option(..., "--base-url", help="The URL the MP3 files are served from."),
    image: str | None = typer.Option(None, "--image", help="URL of the podcast's cover image (itunes:image)."),
    email: str | None = typer.Option(None, "--email", help="The owner's e-mail address (itunes:owner)."),
) -> None:
    """Write the RSS podcast feed (iTunes tags, chapters) of every recorded episode.

    Example: precis podcast feed feed.xml --base-url https://example.org/podcast/
    """
    require_extra("podcast feed", "podcast", "feedgen")
    from precis.audio.feed import write_feed

    result = write_feed(state(ctx).store(), out, base_url, image=image, email=email)
    console.print(f"Wrote {result.path}: {result.episodes} episodes.", highlight=False)

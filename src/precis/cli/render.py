"""``precis render``: an issue as Markdown, email HTML, plain text or a speech script."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from precis.cli import app, console, err, state
from precis.errors import PrecisError
from precis.render import FORMATS, Editions, render_all

ALL_FORMATS = "markdown,html,text"


def _formats(text: str) -> list[str]:
    names = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in names if f not in FORMATS]
    if unknown or not names:
        raise PrecisError(f"--formats {text!r}: the formats are {', '.join(FORMATS)}")
    return names


def _warn(message: str) -> None:
    err.print(f"precis: warning: {message}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def render(
    ctx: typer.Context,
    issue: str | None = typer.Argument(None, metavar="ISSUE", help="The issue: 139, 'AN #139' or 'Recon #5'."),
    format: str = typer.Option("markdown", "--format", "-f", help=f"One of: {', '.join(FORMATS)}."),
    private: bool = typer.Option(False, "--private", help="Show every entry and mark what the public edition hides."),
    style: str | None = typer.Option(
        None, "--style",
        help="House style (default: the publication's), or a directory of templates.",
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to this file instead of stdout."),
    all_issues: bool = typer.Option(False, "--all", help="Render every issue into --out DIR."),
    out: Path | None = typer.Option(None, "--out", help="With --all: the directory for <issue-slug>.md, .html, .txt."),
    formats: str = typer.Option(ALL_FORMATS, "--formats", help="With --all: which formats, comma-separated."),
    strict: bool = typer.Option(False, "--strict", help="An unresolved cross-reference is an error, not a warning."),
) -> None:
    """Render an issue (to stdout by default), or every issue with --all.

    Unresolved cross-references are warned about on stderr and shown as plain text.

    Example: precis render "AN #62" --format html -o an-62.html
    """
    if all_issues == (issue is not None):
        raise PrecisError("give one ISSUE, or --all with --out DIR")
    if out is not None and not all_issues:
        raise PrecisError("--out DIR is for --all; write one issue to a file with -o FILE")
    store = state(ctx).store()
    if issue is not None:  # one issue (checked above: exactly one of ISSUE and --all)
        if format not in FORMATS:
            raise PrecisError(f"--format {format!r}: the formats are {', '.join(FORMATS)}")
        editions = Editions.load(store, issue=issue, strict=strict, warn=_warn)
        text = editions.render(editions.issue(issue), format, private=private, style=style)
        if output is None:
            sys.stdout.write(text)
        else:
            _write(output, text)
            console.print(f"Wrote {output}.")
        return
    if out is None:
        raise PrecisError("--all needs --out DIR")
    wanted = _formats(formats)
    editions = Editions.load(store, strict=strict, warn=_warn)
    with Progress(
        TextColumn("Rendering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("render", total=len(editions.issues))
        count = render_all(
            editions, out, wanted, private=private, style=style, progress=lambda: progress.advance(task)
        )
    console.print(f"Rendered {count} issues as {', '.join(wanted)} into {out}.")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PrecisError(f"{path}: cannot write: {exc.strerror}") from None

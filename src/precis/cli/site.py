"""The archive's commands: ``site build``, ``serve`` and ``search``."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from precis.cli import app, console, err, state
from precis.extras import SITE_MODULES, require_extra
from precis.search import SearchIndex
from precis.store import Store

if TYPE_CHECKING:
    from precis.site import BuildReport
    from precis.web.app import Built

# What building the archive needs beyond the base install (Pagefind for its search, feedgen for its feeds).

site_app = typer.Typer(help="The public archive website.", no_args_is_help=True)
app.add_typer(site_app, name="site")


def _build(store: Store, outdir: Path, base_url: str | None) -> BuildReport:
    from precis.site import build_site

    with Progress(
        TextColumn("Building the archive"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("build", total=None)
        report = build_site(
            store, outdir, base_url=base_url,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    for warning in report.warnings:
        err.print(f"precis: warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    return report


def _summary(report: BuildReport) -> str:
    if report.up_to_date:
        return (
            f"The archive in {report.outdir} is up to date ({report.entries} entries and {report.issues} issues): "
            f"nothing it shows changed since its last build; {report.unchanged} files kept, in {report.seconds:.1f} s."
        )
    return (
        f"Built the archive in {report.outdir}: {report.pages} pages for {report.entries} entries and "
        f"{report.issues} issues in {report.seconds:.1f} s; {len(report.written)} files written, "
        f"{report.unchanged} unchanged, {len(report.deleted)} removed"
        + ("; search index rebuilt." if report.search_indexed else "; search index unchanged.")
    )


@site_app.command("build")
def build(
    ctx: typer.Context,
    outdir: Path = typer.Argument(..., help="Where to write the site (created if missing)."),
    base_url: str | None = typer.Option(
        None, "--base-url", metavar="URL",
        help="Where the site will be published; makes feed and canonical links absolute.",
    ),
) -> None:
    """Build the public archive as a static website (only changed pages are rewritten).

    Entries whose public level is "No" appear nowhere; "Link only" ones show title, authors and link.

    Example: precis site build site/ --base-url https://example.org/archive/
    """
    require_extra("site build", "site", *SITE_MODULES)
    report = _build(state(ctx).store(), outdir, base_url)
    console.print(_summary(report), markup=False, highlight=False)


@app.command()
def serve(
    ctx: typer.Context,
    site: Path | None = typer.Option(
        None, "--site",
        help="The directory to build the site into and serve (default: a new private folder, removed on exit).",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="The address to listen on."),
    port: int = typer.Option(8000, "--port", help="The port to listen on."),
    base_url: str | None = typer.Option(None, "--base-url", metavar="URL", help="As for `site build`."),
    workers: int = typer.Option(
        1, "--workers", min=1, metavar="N",
        help="How many server processes answer requests. On PostgreSQL for a team; on SQLite more "
             "than one works too (their writes take turns on the file), but one is usually enough.",
    ),
) -> None:
    """Build the archive and serve it at /, the newsroom at /newsroom/ and its JSON API at /api/v1/
    (docs/api.md), with a public search API at /api/search?q=WORDS.

    Pages and the API follow changes to the store: when the store changed, the site is rebuilt
    (only changed pages are rewritten) and meanwhile an entry made private is gone from the next
    page a reader asks for, and pages that show a changed entry wait for the rebuild. The search API
    answers from the store's full-text index (SQLite FTS5 or PostgreSQL). With --workers N every
    process shares what matters through the store (sign-ins, API tokens, signing keys, versions),
    and one process at a time rebuilds the site.

    Example: precis --db postgresql+psycopg://precis@localhost/an serve --workers 4 --port 8000
    """
    require_extra("serve", "site", "uvicorn", "starlette", "asgi_csrf", "multipart", *SITE_MODULES)
    import uvicorn

    from precis.web.app import Built, Snapshot, build_lock

    store = state(ctx).store()
    # A folder of its own (mode 0700) for each run: one under a predictable name in the shared
    # temp folder could be made and filled by another user first.
    folder = site if site is not None else Path(tempfile.mkdtemp(prefix="precis-site-"))
    built_file: Path | None = None
    try:
        with build_lock(folder):  # the folder of a server already running may have been given
            before = Snapshot.of(store)
            report = _build(store, folder, base_url)
        console.print(_summary(report), markup=False, highlight=False)
        console.print(
            f"Serving on http://{host}:{port}/ (newsroom: /newsroom/, API: /api/v1/, search API: /api/search?q=...)"
            + (f" with {workers} worker processes" if workers > 1 else "") + ". Ctrl-C stops.",
            markup=False, highlight=False,
        )
        built = Built(before, report.entry_paths)
        if workers == 1:
            from precis.site.downloads import prepare
            from precis.web import create_app

            prepare()  # the downloads' child of the first rebuild, made ahead (``precis.site.spare``)
            uvicorn.run(create_app(store, folder, base_url=base_url, built=built), host=host, port=port,
                        log_level="warning")
        else:
            built_file = _environment_for_workers(store, folder, base_url, built)
            uvicorn.run("precis.web.app:app_from_environment", factory=True, workers=workers, host=host,
                        port=port, log_level="warning")
    finally:
        if built_file is not None:
            built_file.unlink(missing_ok=True)
        if site is None:
            from precis.site.build import forget_site

            forget_site(folder)
            shutil.rmtree(folder, ignore_errors=True)


def _environment_for_workers(store: Store, folder: Path, base_url: str | None, built: Built) -> Path:
    """Tell the worker processes (which inherit this environment) what to serve; the description of
    the built site goes in a private file (mode 0600), whose path is returned."""
    import os

    from precis.web import app as web

    handle, name = tempfile.mkstemp(prefix="precis-built-", suffix=".json")
    os.close(handle)
    web.save_built(built, Path(name))
    os.environ.update({web.ENV_DB: store.url, web.ENV_SITE: str(folder.resolve()), web.ENV_BUILT: name})
    if base_url:
        os.environ[web.ENV_BASE_URL] = base_url
    return Path(name)


@app.command()
def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="Words to look for in titles, authors, summaries and opinions."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    category: str | None = typer.Option(None, "--category", help="Only this category or top-level section."),
    year: int | None = typer.Option(None, "--year", help="Only works from this year."),
    summarizer: str | None = typer.Option(None, "--summarizer", help="Only summaries by this person."),
    limit: int = typer.Option(10, "--limit", help="How many results (1 to 100)."),
) -> None:
    """Search the public archive, best matches first.

    Example: precis search "mesa optimizers and inner alignment" --limit 5
    """
    index = SearchIndex(state(ctx).store())
    if not index.is_current():
        with console.status("Indexing the archive …"):
            index.refresh()  # brings the index up to date: the entries changed since, or all
    hits = index.search(query, category=category, year=year, summarizer=summarizer, limit=limit, refresh=False)
    if as_json:
        keys = ("title", "url", "issue", "category", "score", "snippet", "link")
        print(json.dumps({"results": [{k: h.to_json()[k] for k in keys} for h in hits]}, ensure_ascii=False, indent=2))
        return
    if not hits:
        console.print("No public entry matches.")
        return
    for n, h in enumerate(hits, 1):
        where = " · ".join(x for x in (h.issue, h.category) if x)
        console.print(f"[bold]{n}. {escape(h.title)}[/bold]" + (f"  [dim]{escape(where)}[/dim]" if where else ""))
        if h.snippet:
            console.print(f"   {escape(h.snippet)}", soft_wrap=False)
        console.print(f"   [dim]{escape(h.url)}[/dim]")

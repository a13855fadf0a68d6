"""Core commands: init, import, export, check, stats, issues."""

from __future__ import annotations

import contextlib
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from precis import check as checking
from precis import sheets
from precis import stats as statistics
from precis.cli import app, console, err, state
from precis.model import Entry, Issue, issue_label
from precis.publication import load_settings
from precis.store import import_records, load_records
from precis.store.imports import new_sqlite_store


@app.command()
def init(
    ctx: typer.Context,
    publication: Path | None = typer.Option(
        None, "--publication", help="A publication settings TOML file (default: the Alignment Newsletter)."
    ),
) -> None:
    """Create the store (or upgrade it) with its publication.

    Example: precis --db an.db init
    """
    store = state(ctx).store(require=False)
    settings = load_settings(publication) if publication else None
    pub = store.init(settings)
    console.print(f"Initialized {store.display} for the publication {pub.name!r}.")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="An AN .xlsx, a CSV, a Google Sheets HTML export, or Précis JSON."),
) -> None:
    """Import a spreadsheet into the store, in one transaction.

    Re-importing the same file updates entries in place; a bad file changes nothing.

    Example: precis import ../shared/data/alignment_newsletter.xlsx
    """
    store = state(ctx).store(require=False)
    # The file is read as it is imported (a large one is never held whole); a bad file leaves
    # nothing behind: the import is one transaction, a new SQLite file appears only when it
    # succeeded, and a new PostgreSQL store is made in the import's transaction.
    with contextlib.ExitStack() as stack:
        if store.exists():
            store.require()
        elif store.is_sqlite:
            store = stack.enter_context(new_sqlite_store(store))
            store.init()
        else:
            store = stack.enter_context(store.creating())
        with Progress(
            TextColumn("Importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        ) as progress:
            task = progress.add_task("import", total=None)
            result = import_records(store, sheets.iter_file(file), by=f"import {file.name}"[:200],
                                    progress=lambda n: progress.update(task, completed=n))
    console.print(
        f"Imported {result.total} entries from {file}: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged; {result.issues_created} new issues."
    )


@app.command()
def export(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Output file: .xlsx (AN layout with hyperlinks), .csv or .json."),
    public: bool = typer.Option(False, "--public", help="Only what the public may see (public levels applied)."),
) -> None:
    """Export every entry to a spreadsheet or JSON.

    Example: precis export archive.xlsx
    """
    store = state(ctx).store()
    records = load_records(store, public=public)
    with store.session() as s:
        settings = store.default_publication(s).settings
    sheets.write_file(file, records, publication=settings)
    console.print(f"Exported {len(records)} entries to {file}.")


@app.command()
def check(ctx: typer.Context) -> None:
    """List problems in the store with where they are; exit 1 if any is an error.

    Example: precis check
    """
    store = state(ctx).store()
    with store.session() as s:
        problems = checking.check(s, store.default_publication(s))
    errors = sum(p.severity == checking.ERROR for p in problems)
    for p in problems:
        console.print(str(p), markup=False, highlight=False, soft_wrap=True)
    console.print(f"{errors} errors, {len(problems) - errors} warnings.")
    raise typer.Exit(1 if errors else 0)


def _table(title: str, rows: list[tuple[str, int]], label: str) -> Table:
    table = Table(title=title, show_edge=False)
    table.add_column(label)
    table.add_column("entries", justify="right")
    for key, count in rows:
        table.add_row(key, str(count))
    return table


@app.command()
def stats(ctx: typer.Context) -> None:
    """Counts of entries by issue, category, summarizer and year.

    Example: precis stats
    """
    store = state(ctx).store()
    with store.session() as s:
        st = statistics.compute(s, store.default_publication(s))
    console.print(f"{st.entries} entries, {st.opinions} opinions, {st.issues} issues.")
    console.print(_table("By category", st.by_category, "category"))
    console.print(_table("By summarizer", st.by_summarizer, "summarizer"))
    console.print(_table("By year", st.by_year, "year"))
    console.print(_table("By issue", st.by_issue, "issue"))


@app.command("issues")
def issues_(ctx: typer.Context) -> None:
    """List the issues with their entry counts and links.

    Example: precis issues
    """
    store = state(ctx).store()
    with store.session() as s:
        rows = s.execute(
            select(Issue.series, Issue.number, Issue.title, Issue.date, Issue.url, func.count(Entry.id), Issue.status)
            .outerjoin(Entry, Entry.issue_id == Issue.id)
            .group_by(Issue.id)
            .order_by(Issue.series.desc(), Issue.number)
        ).all()
    table = Table(show_edge=False)
    for col in ("issue", "entries", "date", "title / link"):
        table.add_column(col, justify="right" if col == "entries" else "left", overflow="fold")
    for series, number, title, date, url, count, status in rows:
        label = issue_label(series, number) + (f" ({status})" if status != "published" else "")
        table.add_row(label, str(count), str(date or ""), title or url or "")
    console.print(table)
    console.print(f"{len(rows)} issues.")

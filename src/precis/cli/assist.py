"""``precis suggest …`` and ``precis bench assist``: suggestions learned from the store."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from precis.cli import app, console, err, state
from precis.errors import PrecisError
from precis.model import issue_label

if TYPE_CHECKING:
    from precis.assist import Assistant

suggest_app = typer.Typer(
    help="Suggest categories, cross-references and duplicates, learned from the store's entries.\n\n"
    'Example: precis suggest category "We train agents to infer human preferences from comparisons."',
    no_args_is_help=False,
)
app.add_typer(suggest_app, name="suggest")
bench_app = typer.Typer(help="Measure Précis on the real archive.\n\nExample: precis bench assist --cutoff 121",
                        no_args_is_help=True)
app.add_typer(bench_app, name="bench")


def _assistant(ctx: typer.Context) -> Assistant:
    from precis.assist import Assistant

    store = state(ctx).store()
    status = err.status("Training the suggesters on the store (cached for next time) …")
    started = False

    def on_fit() -> None:
        nonlocal started
        started = True
        status.start()

    try:
        return Assistant.for_store(store, on_fit=on_fit)
    finally:
        if started:
            status.stop()


def _show(results: list[str], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(results))
        return
    if not results:
        console.print("No suggestions: the store has nothing to learn from yet.")
    for n, r in enumerate(results, 1):
        console.print(f"{n:>2}. {escape(r)}", highlight=False, soft_wrap=True)


K = typer.Option(None, "-k", "--k", min=1, help="How many suggestions (default: 3 categories, 10 refs, 5 anchors).")
JSON = typer.Option(False, "--json", help="Print a JSON list.")


@suggest_app.callback(invoke_without_command=True)
def suggest(
    ctx: typer.Context,
    batch: Path | None = typer.Option(
        None, "--batch", metavar="FILE.jsonl",
        help='Answer every line of a JSON-lines file: {"id", "kind", "text", "context", "k"}.'
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="With --batch: write the answers here (default: stdout).",
    ),
) -> None:
    """Suggest categories, cross-references and duplicates, learned from the store's entries.

    Example: precis suggest --batch questions.jsonl -o answers.jsonl
    """
    if ctx.invoked_subcommand is not None:
        if batch is not None:
            raise PrecisError("--batch answers a file; give it without a subcommand")
        return
    if batch is None:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    from precis.assist.batch import answer_all, parse_questions

    try:
        with batch.open(encoding="utf-8") as f:
            questions = parse_questions(f, str(batch))
    except OSError as exc:
        raise PrecisError(f"{batch}: cannot read: {exc.strerror}") from None
    assistant = _assistant(ctx)
    with Progress(
        TextColumn("Answering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("answer", total=len(questions))
        results = answer_all(assistant, questions, lambda n: progress.update(task, completed=n))
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    if output is None:
        sys.stdout.write(lines)
    else:
        try:
            output.write_text(lines, "utf-8")
        except OSError as exc:
            raise PrecisError(f"{output}: cannot write: {exc.strerror}") from None
        err.print(f"Wrote {len(results)} answers to {output}.")


@suggest_app.command("category")
def category(ctx: typer.Context, text: str = typer.Argument(..., help="The summary being written."),
             k: int | None = K, as_json: bool = JSON) -> None:
    """The categories a text belongs in, best first.

    Example: precis suggest category "A survey of methods for learning rewards from human feedback."
    """
    _show(_assistant(ctx).category(text, k or 3), as_json)


@suggest_app.command("refs")
def refs(ctx: typer.Context, text: str = typer.Argument(..., help="The summary being written."),
         k: int | None = K, as_json: bool = JSON) -> None:
    """Titles of earlier entries the text should link, best first.

    Example: precis suggest refs "This extends iterated amplification with debate between two agents."
    """
    _show(_assistant(ctx).refs(text, k or 10), as_json)


@suggest_app.command("anchor")
def anchor(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="The words of the link: TEXT in <@TEXT@>(@…@)."),
    context: str = typer.Option("", "--context", help="The summary the link stands in."),
    k: int | None = K,
    as_json: bool = JSON,
) -> None:
    """Which entry <@TEXT@>(@ means, given the entry being written; best first.

    Example: precis suggest anchor "debate" --context "Like debate, this scheme pits two agents against each other."
    """
    _show(_assistant(ctx).anchor(text, context, k or 5), as_json)


@suggest_app.command("duplicates")
def duplicates(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Entries that are probably the same work: same arXiv id, same link, near-identical title.

    Example: precis suggest duplicates
    """
    from precis.assist.duplicates import find_duplicates

    groups = find_duplicates(state(ctx).store())
    if as_json:
        console.print_json(json.dumps([
            {"reasons": g.reasons, "entries": [vars(i) for i in g.items]} for g in groups
        ]))
        return
    table = Table(show_edge=False, show_lines=True)
    for col in ("#", "entries (id, issue, title)", "why"):
        table.add_column(col, overflow="fold")
    for n, g in enumerate(groups, 1):
        table.add_row(
            str(n),
            "\n".join(f"{i.id}  {i.issue or '-'}  {escape(i.title)}" for i in g.items),
            ", ".join(g.reasons),
        )
    console.print(table)
    console.print(f"{len(groups)} groups of probable duplicates.")


@bench_app.command("assist")
def bench_assist(
    ctx: typer.Context,
    cutoff: list[int] = typer.Option(
        [121], "--cutoff", help="Knowledge: issues before AN #N; questions: AN #N on. Repeatable."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    keep: Path | None = typer.Option(
        None, "--keep",
        help="Keep the held-out store, batch, answers and results in this folder.",
    ),
) -> None:
    """Held-out benchmark of the suggesters: train on older issues, answer for newer ones.

    Example: precis bench assist --cutoff 100 --cutoff 121 --cutoff 140
    """
    from precis.assist.bench import run_benchmark

    store = state(ctx).store()
    with store.session() as s:
        prefix = store.default_publication(s).issue_prefix
    figures = []
    with tempfile.TemporaryDirectory(prefix="precis-bench-") as tmp:
        for n in cutoff:
            with Progress(
                TextColumn(f"{issue_label(prefix, n)}: {{task.description}}"),
                BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=err, transient=True, disable=not err.is_terminal,
            ) as progress:
                task = progress.add_task("building the split and training", total=None)

                def report(what: str, done: int, total: int, task: TaskID = task) -> None:
                    progress.update(task, description=what, completed=done, total=total)

                figures.append(run_benchmark(store, n, (keep or Path(tmp)) / f"cutoff-{n}", report))
    if as_json:
        console.print_json(json.dumps(figures if len(figures) > 1 else figures[0]))
        return
    table = Table(show_edge=False)
    table.add_column("figure")
    for f in figures:
        table.add_column(f["cutoff"], justify="right")
    for key in figures[0]:
        if key != "cutoff":
            table.add_row(key, *(str(f[key]) for f in figures))
    console.print(table)

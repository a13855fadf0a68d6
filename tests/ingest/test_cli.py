"""The commands as a user runs them, on a copy of the real archive: known works are recognised
with the issue they went out in, the queue is ranked and explained, errors are one line."""

from __future__ import annotations

import os
import subprocess

from sqlalchemy import select, text
from typer.testing import Result

from precis.ingest import queue
from precis.ingest.config import IngestConfig
from precis.ingest.model import Candidate
from precis.ingest.pipeline import ingest_feed
from precis.store import Store
from tests.helpers import invoke, run_precis

from .conftest import FixtureServer


def cli(store: Store, *args: str) -> Result:
    """A command run in this process (fast); it must succeed."""
    result = invoke(store, *args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def precis(store: Store, *args: str) -> subprocess.CompletedProcess:
    """A command run as a user runs it, for what only the real entry point does (error lines)."""
    return run_precis(store.display, *args, env=os.environ, timeout=120)


def test_works_already_in_the_archive_say_which_issue_they_went_out_in(real_store: Store, server: FixtureServer) -> None:
    report = ingest_feed(real_store, server.url("/static/feed_known.xml"), IngestConfig.from_env())
    notes = {o.work.title: o.note for o in report.outcomes if o.status == queue.ARCHIVED}
    assert notes == {
        # by URL: lesswrong.com instead of alignmentforum.org, tracking parameters, a trailing slash
        "Selection vs Control": "already in AN #58 (same URL)",
        # by arXiv id: the feed links v2, the archive v1
        "Robust AI and robust human organisations (revised)": "already in AN #35 (same arXiv id 1811.10840)",
        # by title: "minimisation" for "Minimization", other case, no arXiv link
        "Imitation learning as f-divergence minimisation": "already in AN #58 (similar title, 98% alike)",
    }
    with real_store.session() as s:
        known = list(s.scalars(select(Candidate).where(Candidate.entry_id.is_not(None)).order_by(Candidate.id)))
        assert [(c.state, c.reason, c.entry.clean_title) for c in known] == [
            ("skipped", "already in AN #58", "Selection vs Control"),
            ("skipped", "already in AN #35", "Robust Artificial Intelligence and Robust Human Organizations"),
            ("skipped", "already in AN #58", "Imitation Learning as f-Divergence Minimization"),
        ]


def test_the_commands_ingest_a_feed_and_list_a_ranked_explained_queue(real_store: Store, server: FixtureServer) -> None:
    feed = server.url("/static/feed_known.xml")
    ingested = cli(real_store, "ingest", "feed", feed)
    assert f"feed {feed}: 6 works — 2 new, 3 already summarized, 0 already candidates, 1 repeated in this batch." in ingested.stdout
    assert "  already in AN #35 (same arXiv id 1811.10840): “Robust AI and robust human organisations (revised)”" in ingested.stdout

    cli(real_store, "ingest", "arxiv", "--query", "cat:cs.AI", "--since", "2024-05-25")
    listed = cli(real_store, "triage", "list")
    lines = listed.stdout.splitlines()
    heads = [l for l in lines if l[:5].strip().isdigit()]
    assert len(heads) == 3  # the mesa-optimizer paper (feed and arXiv: one candidate), soil, reward model
    assert "Detecting Deceptive Mesa-Optimizers with Activation Probes" in heads[0]
    assert "Soil Microbiome Sequencing at Continental Scale" in heads[-1]
    scores = [float(h.split()[1]) for h in heads]
    assert scores == sorted(scores, reverse=True)
    for head in heads:
        why = lines[lines.index(head) + 1].strip()
        assert why.startswith("like “") and " (AN #" in why, why

    skipped = cli(real_store, "triage", "list", "--state", "skipped")
    assert skipped.stdout.count("already in AN #58") == 2 and skipped.stdout.count("already in AN #35") == 1


def test_triage_commands_change_the_queue_and_refuse_bad_requests(real_store: Store, server: FixtureServer) -> None:
    ingest_feed(real_store, server.url("/static/feed_known.xml"), IngestConfig.from_env())
    with real_store.session() as s:
        mesa, soil = (c.id for c in s.scalars(select(Candidate).where(Candidate.state == "new").order_by(Candidate.id)))
    done = cli(real_store, "triage", "set", str(mesa), "--priority", "9")
    assert done.stdout.strip() == f"#{mesa} to summarize, priority 9: “Detecting Deceptive Mesa-Optimizers with Activation Probes”"
    done = cli(real_store, "triage", "skip", str(soil), "--reason", "not about AI")
    assert done.stdout.strip() == f"#{soil} skipped: not about AI: “Soil Microbiome Sequencing at Continental Scale”"
    todo = cli(real_store, "triage", "list", "--state", "summarize").stdout
    assert f"{mesa:>5}  p9" in todo

    bad = precis(real_store, "triage", "set", str(soil), "--priority", "0")
    assert (bad.returncode, bad.stderr) == (1, "precis: error: --priority 0: a priority is a whole number from 1 to 10\n")
    assert precis(real_store, "triage", "skip", "99999").stderr.startswith("precis: error: no candidate with id 99999")


def test_a_failing_feed_is_one_line_on_stderr_and_exit_1_with_the_store_unchanged(real_store: Store, server: FixtureServer) -> None:
    url = server.url("/static/feed_malformed.xml")
    with real_store.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM entry")).scalar(), conn.execute(text("SELECT count(*) FROM revision")).scalar()
    result = precis(real_store, "ingest", "feed", url)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"precis: error: feed {url}: malformed XML at line ")
    with real_store.engine.connect() as conn:
        after = conn.execute(text("SELECT count(*) FROM entry")).scalar(), conn.execute(text("SELECT count(*) FROM revision")).scalar()
        assert conn.execute(text("SELECT count(*) FROM candidate")).scalar() == 0
    assert after == before


def test_every_ingest_and_triage_command_has_help_with_an_example(empty_store: Store) -> None:
    for command in (["ingest", "url"], ["ingest", "arxiv"], ["ingest", "feed"], ["ingest", "all"],
                    ["triage", "list"], ["triage", "set"], ["triage", "skip"]):
        shown = cli(empty_store, *command, "--help")
        assert "Example: precis " + " ".join(command) in shown.stdout, command

"""Ingest: new papers and posts into a triage queue, from arXiv, feeds and web pages.

Sources are fetched with ``fetch.Fetcher`` and parsed into ``Work``s (``arxiv``, ``feeds``,
``pages``); ``queue.add_works`` stores them as candidates in one transaction, recognising works the
publication already summarized (``dedup``) and ranking the rest by predicted interest (``rank``).
``pipeline`` ties these together for the ``precis ingest`` commands.
"""

from precis.ingest.config import IngestConfig
from precis.ingest.model import Candidate, FeedState
from precis.ingest.pipeline import ingest_all, ingest_arxiv, ingest_feed, ingest_urls
from precis.ingest.work import Work

__all__ = [
    "Candidate",
    "FeedState",
    "IngestConfig",
    "Work",
    "ingest_all",
    "ingest_arxiv",
    "ingest_feed",
    "ingest_urls",
]

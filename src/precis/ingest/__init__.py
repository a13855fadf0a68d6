"""Ingest: new papers and posts into a triage queue, from arXiv, feeds and web pages.

Sources are fetched with ``fetch.Fetcher`` and parsed into ``work.Work``s (``arxiv``, ``feeds``,
``pages``); ``queue.add_works`` stores them as candidates in one transaction, recognising works the
publication already summarized (``dedup``) and ranking the rest by predicted interest (``rank``).
``pipeline`` ties these together for the ``precis ingest`` commands.

Nothing is imported here, so that the ``precis`` command (which imports every CLI module) does not
pay for httpx, feedparser and scikit-learn unless an ingest or triage command runs.
"""

"""Time ingesting a large feed into a store holding the real archive, over loopback HTTP.

Run: .venv/bin/python benchmarks/ingest_queue.py [PATH_TO_XLSX] [ITEMS]

It imports the archive into a temporary store (not timed) and serves a generated RSS 2.0 feed of
ITEMS items (default 500) from a server on 127.0.0.1: one item in ten links to an archived entry's
URL (deduplication hits), the rest are new titles made of archive words with abstracts. Then it
times: fitting the ranking model alone; scoring ITEMS works; the first ingest (fetch, parse,
deduplicate against 1,956 entries, store, rank); the same feed again without validators (every item
already a candidate); the same feed again with conditional GET (304).
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import delete, select

from precis.ingest.config import IngestConfig
from precis.ingest.model import FeedState
from precis.ingest.pipeline import ingest_feed
from precis.ingest.rank import Ranker
from precis.model import Entry
from precis.sheets import read_file
from precis.store import Store, import_records

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "alignment_newsletter.xlsx"


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<52}{time.perf_counter() - start:7.2f} s")
    return result


def make_feed(store: Store, items: int) -> bytes:
    rng = random.Random(7)
    with store.session() as s:
        rows = s.execute(select(Entry.title, Entry.title_url)).all()
    words = [w for t, _ in rows for w in t.split() if w.isalpha() and len(w) > 3]
    known = [u for _t, u in rows if u][: items // 10]
    out = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench</title>']
    for i in range(items):
        if i % 10 == 0 and known:
            title, link = f"Known work {i}", known.pop()
        else:
            title = " ".join(rng.sample(words, 7)).title()
            link = f"https://bench.example.org/posts/{i}"
        abstract = " ".join(rng.sample(words, 60))
        out.append(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f"<pubDate>{formatdate(1717920000 - i * 3600, usegmt=True)}</pubDate>"
            f"<description>{escape(abstract)}</description></item>"
        )
    out.append("</channel></rss>")
    return "".join(out).encode()


class ConditionalHandler(SimpleHTTPRequestHandler):
    """Static files with an ETag, answering 304 to a matching If-None-Match."""

    def log_message(self, *_args: object) -> None:
        return None

    def send_head(self):
        if self.headers.get("If-None-Match") == '"bench"':
            self.send_response(304)
            self.send_header("ETag", '"bench"')
            self.end_headers()
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("ETag", '"bench"')
        super().end_headers()


def main() -> None:
    xlsx = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    items = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "an.db"))
        store.init()
        import_records(store, read_file(xlsx))
        (Path(tmp) / "feed.xml").write_bytes(make_feed(store, items))
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(ConditionalHandler, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        config = IngestConfig.from_env()
        print(f"{items} feed items, archive of 1,956 entries")
        with store.session() as s:
            ranker = timed("fit the ranking model (TF-IDF of the archive)", lambda: Ranker.from_store(s, 1))
        works = [(f"title {i}", "reward model overoptimization and inner alignment") for i in range(items)]
        timed(f"score {items} works", lambda: ranker.score(works))
        first = timed("first ingest: fetch, parse, dedupe, store, rank", lambda: ingest_feed(store, url, config))
        print(
            f"  {first.count('new')} new, {first.count('archived')} already summarized, "
            f"{first.count('repeat')} repeated (the archive lists some works twice)"
        )
        with store.session() as s:
            s.execute(delete(FeedState))  # forget the validators: the next run re-reads everything
        again = timed("same feed, no validators: all already candidates", lambda: ingest_feed(store, url, config))
        print(f"  {again.count('queued')} already candidates")
        timed("same feed, conditional GET: 304", lambda: ingest_feed(store, url, config))
        server.shutdown()


if __name__ == "__main__":
    main()

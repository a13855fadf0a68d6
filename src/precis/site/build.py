"""Building the static archive: every page, the search index, feeds, charts and downloads.

``build_site(store, outdir)`` reads the public archive once (``Archive``), renders each page with
Jinja2, and hands every file to a ``SiteWriter``, which writes only what changed since the last
build. The Pagefind search index is made by the ``pagefind`` binary from a small search document
per entry, while the pages are rendered, and only when those documents changed.
"""

from __future__ import annotations

import gc
import json
import os
import string
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, fields
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from precis.errors import MissingExtra
from precis.links import base_url_of, safe_url
from precis.people_names import People
from precis.public import EntryData, public_view
from precis.render.source import entry_views
from precis.render.styles import compiled_templates
from precis.search.documents import body_text
from precis.site import urls
from precis.site.archive import Archive, EntryItem, Group, IssueItem, group_keys
from precis.site.charts import chart_data, reference_graph
from precis.site.downloads import FORMATS as DOWNLOAD_FORMATS
from precis.site.downloads import DownloadsProcess
from precis.site.feeds import fed_issues, feeds
from precis.site.inputs import BuildInputs, build_inputs
from precis.site.kept_source import KeptSource
from precis.site.kept_source import forget as forget_source
from precis.site.parsed import forget as forget_parsed
from precis.site.parsed import parsed_texts
from precis.site.search_parts import PRIMARY as SEARCH_INDEX
from precis.site.search_parts import SearchParts, location, ordered, part_name
from precis.site.search_parts import forget as forget_search
from precis.site.share import may_fork, share
from precis.site.spans import forget as forget_spans
from precis.site.vendor import vendored_files
from precis.site.writer import SiteWriter, digest
from precis.site.writer import forget as forget_record
from precis.store import Store, settings_of

HERE = Path(__file__).parent
STATIC = HERE / "static"
ASSETS = ("site.css", "site.js", "search.js", "stats.js", "favicon.svg")
INDEX_KINDS = {
    "categories": "Categories",
    "summarizers": "Summarizers",
    "authors": "Authors",
    "years": "Years",
    "venues": "Venues",
}
NAV = [
    ("issues/", "Issues"),
    ("categories/", "Categories"),
    ("summarizers/", "Summarizers"),
    ("authors/", "Authors"),
    ("years/", "Years"),
    ("venues/", "Venues"),
    ("stats/", "Statistics"),
    ("downloads/", "Downloads"),
    ("search/", "Search"),
]
LATEST_ISSUES = 8
FEED_FILES = ("feeds/issues.rss", "feeds/issues.atom")


@dataclass
class PendingDownloads:
    stem: str
    tmp: tempfile.TemporaryDirectory[str]
    process: DownloadsProcess

    def stop(self) -> None:
        self.process.stop()
        self.tmp.cleanup()


@dataclass
class BuildReport:
    outdir: Path
    entries: int
    issues: int
    pages: int
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    search_indexed: bool = False
    seconds: float = 0.0
    entry_paths: dict[int, str] = field(default_factory=dict)  # each public entry's page ("entries/x/")
    up_to_date: bool = False  # nothing the site shows changed since the last build: nothing was done


def pagefind_executable() -> Path:
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise MissingExtra("site", "the archive's search index (the pagefind binary)") from None
    return Path(get_executable())


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        bytecode_cache=compiled_templates("site"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        auto_reload=False,  # templates do not change during a build: no stat() per page
    )


def _scratch_dir() -> str | None:
    """Where the build's intermediate files go (search documents, Pagefind's output, downloads):
    in memory when the system has a tmpfs at /dev/shm, since thousands of small files are created,
    read and deleted there, which on a disk costs seconds of file-system calls; else the default."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def _scratch(prefix: str) -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=prefix, dir=_scratch_dir())


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} kB"


class SiteBuilder:
    """Renders the archive's pages and files into a ``SiteWriter``."""

    def __init__(self, archive: Archive, store: Store, writer: SiteWriter, base_url: str | None) -> None:
        self.archive = archive
        self.store = store
        self.writer = writer
        self.base_url = base_url_of(base_url, "the site's base URL") if base_url else None
        self.env = _environment()
        self.env.globals["entry_list"] = self.entry_list
        self.env.globals["chrome"] = self.chrome
        self._lines: dict[tuple[int, str, bool], Markup] = {}
        self._chrome: dict[tuple[str, str, str], Markup] = {}
        self.pages = 0
        self.first: set[str] = set()  # the entry and issue pages ``first_pages`` wrote
        self.lists_written = False  # the home page and the issue list, by ``first_pages``
        self.feeds_written = False  # by ``first_feeds``
        self.search_indexed = False
        self._issue_position = {issue.issue.id: n for n, issue in enumerate(archive.issues)}
        self.groups: dict[str, list[Group]] = {kind: archive.groups(kind) for kind in INDEX_KINDS}
        self.group_of: dict[str, dict[str, Group]] = {
            kind: {g.name: g for g in groups} for kind, groups in self.groups.items()
        }
        self.site = {
            "name": archive.settings.name,
            # The publication's address: a link when it passes the link policy, else text.
            "url": archive.settings.url,
            "link": safe_url(archive.settings.url),
            "base_url": self.base_url,
            "entries": len(archive.entries),
            "issues": len(archive.issues),
            "nav": NAV,
        }

    # -- pages -----------------------------------------------------------------------------

    def entry_list(self, items: list[EntryItem], root: str, show_issue: bool = True) -> Markup:
        """A list of entries linking to their pages (the most repeated HTML of the site, so each
        line is made once per entry and reused)."""
        lines = []
        for item in items:
            key = (item.id, root, show_issue)
            line = self._lines.get(key)
            if line is None:
                line = Markup('<li><a href="{}{}">{}</a>').format(root, item.path, item.title)
                if item.view.authors:
                    line += Markup(' <span class="authors">({})</span>').format(item.view.authors)
                if show_issue and item.issue_label:
                    line += Markup(' <span class="issue-label">{}</span>').format(item.issue_label)
                line = self._lines[key] = line + Markup("</li>")
            lines.append(line)
        return Markup('<ul class="entry-list">\n{}\n</ul>').format(Markup("\n").join(lines))

    def chrome(self, template: str, root: str, section: str) -> Markup:
        """The header or footer shared by every page, rendered once per way back to the root and
        current section (a handful of variants for 5,800 pages)."""
        key = (template, root, section)
        html = self._chrome.get(key)
        if html is None:
            html = self._chrome[key] = Markup(
                self.env.get_template(template).render(site=self.site, root=root, section=section)
            )
        return html

    def page(self, path: str, template: str, **context: Any) -> None:
        """Render ``template`` as the page at ``path`` ("entries/x/"; "" is the home page)."""
        context.setdefault("math", False)
        context.setdefault("section", path.split("/", 1)[0] + "/" if path else "")
        html = self.env.get_template(template).render(
            site=self.site, root=urls.root_of(path), path=path, archive=self.archive, **context
        )
        self.writer.write(path + "index.html", html)
        self.pages += 1

    def first_pages(self, changed: Collection[int]) -> list[str]:
        """Write at once what a change to the entries ``changed`` (ids) shows first: their pages,
        their issues' pages with the issues on either side (whose links to them change), the home
        page and the list of issues. The files written or found current, by site path."""
        issues, position = self.archive.issues, self._issue_position
        items = [self.archive.by_id[i] for i in sorted(changed) if i in self.archive.by_id]
        around = sorted({
            n for item in items if item.issue is not None and item.issue.id in position
            for n in range(position[item.issue.id] - 1, position[item.issue.id] + 2) if 0 <= n < len(issues)
        })
        for item in items:
            self.entry_page(item)
        for n in around:
            self.issue_page_at(n)
        self.home()
        self.issue_list()
        self.lists_written = True
        self.first = {item.path for item in items} | {issues[n].path for n in around}
        return [path + "index.html" for path in sorted(self.first)] + ["index.html", "issues/index.html"]

    def first_feeds(self) -> list[str]:
        """Write the feeds ahead of the rest (after ``first_pages``); their site paths."""
        self.feeds()
        self.feeds_written = True
        return list(FEED_FILES)

    def build(self, downloads: PendingDownloads, progress: Callable[[int, int], None] | None = None) -> None:
        """Write every page and file (but the pages ``first_pages`` wrote). Pagefind is started
        first, so that it runs while the pages are being rendered, as do the ``downloads``."""
        steps: list[Callable[[], None]] = [partial(self.entry_page, item) for item in self.archive.entries
                                           if item.path not in self.first]
        steps += [partial(self.issue_page_at, n) for n, issue in enumerate(self.archive.issues)
                  if issue.path not in self.first]
        steps += [self.assets, *self.index_steps(), self.stats, self.search_page]
        if not self.lists_written:
            steps += [self.home, self.issue_list]
        if not self.feeds_written:
            steps.append(self.feeds)
        self.archive.make_views()
        self._write(steps, downloads, progress)

    def build_edited(
        self, changed: Collection[int], downloads: PendingDownloads,
        progress: Callable[[int, int], None] | None = None, guessed: SearchParts | None = None,
    ) -> None:
        """Write what an edit of the texts of the entries ``changed`` (ids) changes, and keep every
        other file of the last build: ``edited_entries`` found that nothing else those entries
        show elsewhere (title, authors, issue, groups, references …) changed. Their pages and their
        issues' pages, the feeds if they show those issues (they hold whole issues), the downloads
        and the parts of the search index holding them are made again (but the pages
        ``first_pages`` wrote). Pagefind may already run on those parts (``guessed``)."""
        items = [self.archive.by_id[i] for i in sorted(changed)]
        issues, position = self.archive.issues, self._issue_position
        around = sorted({
            position[item.issue.id] for item in items if item.issue is not None and item.issue.id in position
        })
        steps: list[Callable[[], None]] = [partial(self.entry_page, item) for item in items
                                           if item.path not in self.first]
        steps += [partial(self.issue_page_at, n) for n in around if issues[n].path not in self.first]
        fed = {issue.issue.id for issue in fed_issues(self.archive)}
        if not self.feeds_written and any(item.issue is not None and item.issue.id in fed for item in items):
            steps.append(self.feeds)
        self._write(steps, downloads, progress, search={self.part_of(item) for item in items}, guessed=guessed)
        self.writer.keep_rest(but_not=SEARCH_INDEX)

    def _write(
        self, steps: list[Callable[[], None]], downloads: PendingDownloads,
        progress: Callable[[int, int], None] | None, search: Collection[str] | None = None,
        guessed: SearchParts | None = None,
    ) -> None:
        """Run ``steps`` (each writes pages or files) while Pagefind indexes the parts of the search
        index that changed (among ``search``, if given; ``guessed``: already at work on some) and
        the ``downloads`` are written; then write what those made."""
        total = len(steps) + 2
        indexer, helper = guessed, None
        try:
            # The helper process is forked before Pagefind's threads start (none when Pagefind
            # already runs on a guess, whose threads a fork must not copy).
            mine, helper = share(steps, self.writer, lambda: self.pages) if guessed is None else (steps, None)
            indexer = self.start_search_index(search, guessed)
            per_step = len(steps) / max(1, len(mine))  # the helper goes at about the same pace
            for done, step in enumerate(mine, 1):
                step()
                indexer.collect()
                if progress:
                    progress(min(len(steps), round(done * per_step)), total)
            if helper is not None:
                self.pages += helper.join(self.writer)
                helper = None
            self.finish_downloads(downloads)
            self.search_indexed = self.finish_search_index(indexer)
            if progress:
                progress(total, total)
        except BaseException:
            # Stop the helpers this build started before giving up.
            if helper is not None:
                helper.stop()
            if indexer is not None:
                indexer.stop()
            downloads.stop()
            raise

    def assets(self) -> None:
        for name in ASSETS:
            self.writer.write(f"assets/{name}", (STATIC / name).read_bytes())
        vendor = STATIC / "vendor"
        for rel in vendored_files():
            self.writer.write(f"assets/vendor/{rel.as_posix()}", (vendor / rel).read_bytes())
        for licence in sorted(vendor.glob("*/LICENSE")):
            self.writer.write(f"assets/vendor/{licence.relative_to(vendor).as_posix()}", licence.read_bytes())

    def home(self) -> None:
        latest = list(reversed(self.archive.issues))[:LATEST_ISSUES]
        self.page("", "home.html.j2", title="Home", latest=latest)

    def issue_list(self) -> None:
        self.page("issues/", "issues.html.j2", title="Issues", issues=list(reversed(self.archive.issues)))

    def issue_page_at(self, n: int) -> None:
        """The page of the archive's ``n``-th issue, which links the issues on either side."""
        issues = self.archive.issues
        self.issue_page(issues[n], issues[n - 1] if n else None, issues[n + 1] if n + 1 < len(issues) else None)

    def issue_page(self, issue: IssueItem, previous: IssueItem | None, next: IssueItem | None) -> None:
        root = urls.root_of(issue.path)
        self.page(
            issue.path,
            "issue.html.j2",
            title=issue.heading,
            issue=issue,
            previous=previous,
            next=next,
            r=self.archive.renderer(root, heading_offset=3),
            math=any(e.has_math for e in issue.entries),
        )

    def issue_body(self, issue: IssueItem, root: str) -> Markup:
        """An issue's public edition with links from ``root`` (for feeds)."""
        html = self.env.get_template("_issue_body.html.j2").render(
            issue=issue, root=root, archive=self.archive, r=self.archive.renderer(root, heading_offset=3)
        )
        return Markup(html)

    def entry_page(self, item: EntryItem) -> None:
        root = urls.root_of(item.path)
        r = self.archive.renderer(root)
        html = self.archive.editions.entry_fragments(item.view, r)

        def group(kind: str, keys: list[str]) -> Group | None:
            return self.group_of[kind].get(keys[0]) if keys else None

        by_id = self.archive.by_id
        self.page(
            item.path,
            "entry.html.j2",
            title=item.title,
            item=item,
            html=html,
            link=r.url(item.data.link),
            issue_link=item.issue and r.url(item.issue.url),
            issue_path=item.issue and urls.issue_path(item.issue.slug),
            issue_heading=item.issue and self.archive.issue_by_id[item.issue.id].heading,
            category=group("categories", self.archive.keys_of("categories", item)),
            year=group("years", self.archive.keys_of("years", item)),
            venue=group("venues", self.archive.keys_of("venues", item)),
            summarizer=group("summarizers", self.archive.keys_of("summarizers", item)),
            author_groups=[self.group_of["authors"][a] for a in dict.fromkeys(item.authors)],
            references=[by_id[i] for i in item.references],
            referenced_by=[by_id[i] for i in item.referenced_by],
            math=item.has_math,
        )

    def index_steps(self) -> list[Callable[[], None]]:
        """The index pages (categories, authors …) and their groups' pages, a step per page."""
        steps: list[Callable[[], None]] = []
        for kind, title in INDEX_KINDS.items():
            groups = self.groups[kind]
            steps.append(partial(self.index_page, kind, title))
            sections = (
                {g.name: s for s, gs in self.archive.category_tree(groups) for g in gs}
                if kind == "categories" else {}
            )
            steps += [partial(self.group_page, kind, title, g, sections.get(g.name)) for g in groups]
        return steps

    def index_page(self, kind: str, title: str) -> None:
        groups = self.groups[kind]
        if kind == "categories":
            tree = self.archive.category_tree(groups)
            counts = {s: sum(len(g.entries) for g in gs) for s, gs in tree}
            self.page("categories/", "categories.html.j2", title=title, tree=tree, counts=counts)
            return
        letters = self._letters(groups) if kind in ("authors", "venues") else None
        intro = {
            "summarizers": "Who wrote the summaries, with how many each.",
            "authors": f"{len(groups)} authors of the summarized works.",
            "years": "The summarized works by the year they appeared.",
            "venues": "Where the summarized works appeared.",
        }[kind]
        self.page(f"{kind}/", "index.html.j2", title=title, groups=groups, letters=letters, intro=intro)

    def group_page(self, kind: str, title: str, g: Group, section_name: str | None) -> None:
        self.page(
            g.path,
            "group.html.j2",
            title=self._group_title(kind, g),
            group=g,
            entries=list(reversed(g.entries)),
            parent_path=f"{kind}/",
            parent_title=title,
            section_name=section_name,
        )

    @staticmethod
    def _group_title(kind: str, g: Group) -> str:
        return {
            "categories": g.name,
            "summarizers": f"Summarized by {g.name}",
            "authors": f"Works by {g.name}",
            "years": f"Works from {g.name}",
            "venues": f"Works in {g.name}",
        }[kind]

    @staticmethod
    def _letters(groups: list[Group]) -> list[tuple[str, list[Group]]]:
        out: dict[str, list[Group]] = {}
        for g in groups:
            first = g.slug[:1].upper()
            letter = first if first in string.ascii_uppercase else "#"
            out.setdefault(letter, []).append(g)
        return sorted(out.items(), key=lambda kv: (kv[0] == "#", kv[0]))

    def stats(self) -> None:
        graph = reference_graph(self.archive)
        charts = chart_data(self.archive)
        by_slug = {i.slug: i for i in self.archive.entries}
        ranked = sorted(
            (by_slug[n["id"]] for n in graph["nodes"]),
            key=lambda i: (-len(i.referenced_by) - len(i.references), i.title.casefold()),
        )
        self.page(
            "stats/",
            "stats.html.j2",
            title="Statistics",
            timeline=charts["timeline"],
            summarizers=self.archive.summarizer_counts(),
            most_referenced=self.archive.most_referenced(),
            graph_entries=ranked,
        )
        self.writer.write("data/charts.json", json.dumps(charts, ensure_ascii=False))
        self.writer.write("data/references.json", json.dumps(graph, ensure_ascii=False))

    def search_page(self) -> None:
        self.page("search/", "search.html.j2", title="Search")

    def finish_downloads(self, pending: PendingDownloads) -> None:
        with pending.tmp:
            made = pending.process.wait()
            files = []
            for ext, label in DOWNLOAD_FORMATS:
                name = f"{pending.stem}.{ext}"
                self.writer.produce(f"downloads/{name}", f"{ext}:{made.key}", Path(pending.tmp.name, name))
                files.append((name, label, _size((self.writer.outdir / "downloads" / name).stat().st_size)))
        self.page("downloads/", "downloads.html.j2", title="Downloads", files=files, count=made.count)

    def feeds(self) -> None:
        base = self.base_url or "../"
        feed_base = (self.base_url + "feeds/") if self.base_url else ""
        rss, atom = feeds(self.archive, base, feed_base, self.issue_body)
        for path, text in zip(FEED_FILES, (rss, atom), strict=True):
            self.writer.write(path, text)

    # -- search index ------------------------------------------------------------------------

    def search_documents(self, only: Collection[str] | None = None) -> Iterator[tuple[str, dict[str, str] | None]]:
        """Pagefind's input: a small HTML document per public entry, at the path of its page, with
        the words search looks at (title, authors, summary, opinions) and the filters; by part of
        the index (``search_parts``), the parts in their order. A part's documents are made when it
        is reached, so that only one part's are held at a time (at 100,000 entries, all of them
        were 100 MB more of the builder's memory). With ``only``, the documents of the other parts
        are not made (None: as the last build left them)."""
        template = self.env.get_template("search_document.html.j2")
        for part, items in self.search_parts().items():
            if only is not None and part not in only:
                yield part, None
                continue
            yield part, {
                item.path + "index.html": search_document(template, item.data, self.archive.people)
                for item in items
            }

    def search_parts(self) -> dict[str, list[EntryItem]]:
        """The entries of each part of the search index, by part name, the parts in their order."""
        items_of: dict[str, list[EntryItem]] = {}
        for item in self.archive.entries:
            items_of.setdefault(self.part_of(item), []).append(item)
        return {part: items_of[part] for part in ordered(items_of)}

    def part_of(self, item: EntryItem) -> str:
        """The part of the search index an entry's document is in."""
        position = self._issue_position.get(item.issue.id) if item.issue else None
        return part_name(position)

    def start_search_index(
        self, only: Collection[str] | None = None, guessed: SearchParts | None = None
    ) -> SearchParts:
        """Start Pagefind on the parts of the index whose documents changed since the last build
        (with ``only``: among those parts), adopting what it ``guessed`` if right (``guess_search``)."""
        indexer = guessed or SearchParts(self.writer, pagefind_executable())
        indexer.start(self.search_documents(only), _scratch_dir())
        return indexer

    def finish_search_index(self, indexer: SearchParts) -> bool:
        """Wait for Pagefind and write its files (or keep the previous ones); True if it ran."""
        return indexer.finish()


#: The search filters: (index kind, Pagefind filter name).
SEARCH_FILTERS = (("categories", "category"), ("years", "year"), ("summarizers", "summarizer"))
#: A build after an edit of more entries than this does not start Pagefind before reading the archive.
GUESS_AT_MOST = 20


def search_document(template: Template, data: EntryData, people: People) -> str:
    """Pagefind's input for a public entry: a small HTML document, at the path of its page, with
    the words search looks at (title, authors, summary, opinions) and the filters (the groups of
    its indexes, ``people`` grouping summarizers)."""
    return template.render(
        title=data.clean_title,
        authors=", ".join(data.author_names) or data.authors_full,
        paragraphs=[p for p in body_text(data).split("\n\n") if p.strip()],
        filters=[(name, key) for kind, name in SEARCH_FILTERS for key in group_keys(people, kind, data)],
        issue_label=data.issue_label,
    )


def guess_search(store: Store, writer: SiteWriter, changed: set[int] | None) -> SearchParts | None:
    """Pagefind started on the parts of the search index holding the entries ``changed`` (ids, a
    few) since the last build, with their new search documents (``SearchParts.guess``), before the
    build reads the archive: at the real archive's size, indexing a part took as long as all the
    rest of a build after an edit, which then waited for it. The build adopts a run only if the
    part's documents it makes are the same. None when there is no guess to make."""
    last = writer.previous_build
    if not changed or len(changed) > GUESS_AT_MOST or last is None:
        return None
    try:
        where = {int(i): str(part) for part, ids in last["search_parts"].items() for i in ids if int(i) in changed}
        paths = {i: str(last["entry_paths"][str(i)]) for i in changed}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    with store.session() as s:
        people = People.load(s, store.default_publication(s))
        views = [public_view(data) for data in entry_views(s, changed)]
    if len(views) != len(changed) or where.keys() != changed:
        return None  # an entry deleted, or new to the archive: not an edit of texts
    template = _environment().get_template("search_document.html.j2")
    edited: dict[str, dict[str, str]] = {}
    for data in views:
        if data is None:
            return None  # no longer public
        edited.setdefault(where[data.id], {})[paths[data.id] + "index.html"] = search_document(template, data, people)
    indexer = SearchParts(writer, pagefind_executable())
    for part, docs in edited.items():
        indexer.guess(part, docs, _scratch_dir())
    return indexer if indexer.guessed else None


def search_parts_record(builder: SiteBuilder) -> dict[str, list[int]]:
    """Which entries (ids) each part of the search index holds, by its location: what
    ``guess_search`` reads in the next build's record."""
    return {
        location(n, name): [item.id for item in items] for n, (name, items) in enumerate(builder.search_parts().items())
    }


def start_downloads(store: Store, writer: SiteWriter, guess: Collection[int] | None) -> PendingDownloads:
    """Start writing the public database's files (see ``downloads.py``) in a child process; when
    the build knows the entries whose texts alone changed, it tells the child
    (``DownloadsProcess.decide``), which then splices their records into the last build's files.
    Until then, the child splices the entries whose version changed (``guess``)."""
    with store.session() as s:
        stem = settings_of(store.default_publication(s)).slug
    previous: dict[str, str] = {}
    for ext, _label in DOWNLOAD_FORMATS:
        key = writer.previous.get(f"downloads/{stem}.{ext}")
        if key and (writer.outdir / f"downloads/{stem}.{ext}").is_file():
            previous[ext] = key
    tmp = _scratch("precis-downloads-")
    return PendingDownloads(
        stem, tmp, DownloadsProcess(store.url, Path(tmp.name), stem, previous, writer.outdir, guess)
    )


def forget_site(outdir: Path) -> None:
    """Remove what the render cache keeps for the site in ``outdir`` (the last build's record, the
    downloads' spans, the parsed texts, the search documents, the edition source): for a folder
    about to be deleted, such as the temporary one of ``precis serve``, whose files would otherwise
    stay in the cache for nothing."""
    forget_record(outdir)
    forget_spans(outdir)
    forget_parsed(outdir)
    forget_search(outdir)
    forget_source(outdir)


def build_site(
    store: Store,
    outdir: Path,
    base_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    changed: Collection[int] = (),
    ready: Callable[[list[str]], None] | None = None,
) -> BuildReport:
    """Build (or bring up to date) the public archive of the store's publication in ``outdir``.

    With ``ready``, the build writes first what a change to the entries ``changed`` (ids) shows
    (``SiteBuilder.first_pages``: their pages and issues', the home page, the issue list) and
    calls ``ready`` with those files' site paths, then the feeds and calls it again with them
    added, and then writes the rest: the other pages, the downloads, the search index. ``precis
    serve`` serves those files as soon as they are ready.
    """
    started = time.perf_counter()
    if base_url is not None:
        base_url = base_url_of(base_url, "the site's base URL")
    # The build allocates millions of short-lived objects and frees them by reference counting;
    # the cyclic collector would walk the whole archive's object graph over and over for nothing
    # (0.3 to 0.5 s of a build of the real archive here). It is switched back on when the build ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(store, Path(outdir), base_url, progress, started, changed, ready)
    finally:
        if collecting:
            gc.enable()


#: What an entry's own page and its issue's show, and no other page: its texts, and when it changed.
TEXT_FIELDS = frozenset({"summary", "opinions", "prerequisites", "read_more", "hat_tip", "updated_at"})
_shown = attrgetter(*(f.name for f in fields(EntryData) if f.name not in TEXT_FIELDS))


def shown_elsewhere(item: EntryItem) -> str:
    """A digest of what pages other than the entry's own and its issue's (lists, indexes, charts,
    other entries' references) show of an entry: everything but its texts and the time it changed."""
    shown = (_shown(item.data), item.slug, item.section, item.references)
    return digest(repr(shown).encode("utf-8", "surrogatepass"))


def versions_changed(writer: SiteWriter, inputs: BuildInputs) -> set[int] | None:
    """The entries whose version changed since the last build (ids), when the store holds the
    same entries and the rest of the store and the code are as they were; else None."""
    last = writer.previous_build
    if last is None or last.get("others") != inputs.others:
        return None
    try:
        versions = {int(k): int(v) for k, v in last["versions"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if versions.keys() != inputs.versions.keys():
        return None
    return {i for i, v in inputs.versions.items() if versions[i] != v}


def edited_entries(
    writer: SiteWriter, changed: set[int] | None, archive: Archive
) -> tuple[set[int] | None, dict[int, str]]:
    """The entries whose texts alone changed since the last build (ids), when nothing else did:
    the same entries in the store and in the archive, nothing else of theirs changed (of those
    whose version changed: ``versions_changed``), and the rest of the store and the code as they
    were, with every file of that build still there; None when a whole build is needed. With
    them, what other pages show of each entry (``shown_elsewhere``, by id), for the next build."""
    last = writer.previous_build
    shown: dict[int, str] | None = None
    if last is not None and changed:
        try:
            shown = {int(k): str(v) for k, v in last["facets"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            shown = None
    # An entry outside the archive (private, or another publication's) can change what the
    # archive's cross-references resolve to, or an entry's "summarized elsewhere" link.
    if changed and shown is not None and shown.keys() == archive.by_id.keys() and changed <= shown.keys():
        now = {i: shown_elsewhere(archive.by_id[i]) for i in changed}
        if all(now[i] == shown[i] for i in changed) and writer.all_there():
            # What the other entries show elsewhere is made of their own rows (their versions are
            # the same), the rest of the store (the same) and the titles of all (the edited
            # entries' are the same): as the last build recorded it, not made again (2 s at
            # 100,000 entries).
            return changed, {**shown, **now}
    return None, {item.id: shown_elsewhere(item) for item in archive.entries}


def _kept(writer: SiteWriter, inputs: str, started: float) -> BuildReport | None:
    """When the last build was made from the same ``inputs`` (``precis.site.inputs``) and all its
    files are there: the folder kept as it is, reported as that build was; else None."""
    last = writer.previous_build
    try:
        if last is None or last["inputs"] != inputs or not writer.keep_all():
            return None
        report = BuildReport(
            outdir=writer.outdir,
            entries=int(last["entries"]),
            issues=int(last["issues"]),
            pages=0,
            unchanged=len(writer.unchanged),
            warnings=[str(w) for w in last["warnings"]],
            entry_paths={int(k): str(v) for k, v in last["entry_paths"].items()},
            up_to_date=True,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a manifest from another version: build
    writer.finish(build=last)
    report.seconds = time.perf_counter() - started
    return report


def _build(
    store: Store, outdir: Path, base_url: str | None, progress: Callable[[int, int], None] | None, started: float,
    changed: Collection[int], ready: Callable[[list[str]], None] | None,
) -> BuildReport:
    writer = SiteWriter(outdir)
    inputs = build_inputs(store, base_url)
    if (kept := _kept(writer, inputs.digest, started)) is not None:
        return kept
    # The downloads need only the store: they start first, before the parsed texts and the
    # archive are read (which their child, when forked, would otherwise be made with), so that its
    # work overlaps with all of that; unless some pages are wanted first, which then have the
    # processor to themselves.
    versions = versions_changed(writer, inputs)
    downloads = start_downloads(store, writer, versions) if ready is None else None
    guessed = None
    try:
        # After the downloads' child is forked (no thread of Pagefind's may be copied into it), and
        # before the parsed texts are read (a tenth of a second): the few texts the guess renders
        # are parsed again anyway, being new.
        guessed = guess_search(store, writer, versions) if ready is None else None
        with parsed_texts(outdir):
            kept_source = KeptSource(store, outdir, inputs)
            source = kept_source.read()
            archive = Archive.load(store, source=source, memo=kept_source.memo, changed=kept_source.changed)
            builder = SiteBuilder(archive, store, writer, base_url)
            if ready is not None:
                first = builder.first_pages(changed)
                ready(first)
                edited, facets = edited_entries(writer, versions, archive)
                if edited and not may_fork():  # nothing of this build forks (``precis serve``'s, in a thread)
                    guessed = guess_search(store, writer, edited)  # a sure guess: Pagefind starts now
                ready(first + builder.first_feeds())  # 0.2 s more (each shows 20 issues whole)
                downloads = start_downloads(store, writer, versions)
            else:
                edited, facets = edited_entries(writer, versions, archive)
            assert downloads is not None  # started first, or after the first pages
            # Before the build forks (its helper must not hold the pipe the decision goes through).
            downloads.process.decide(edited)
            if edited:
                builder.build_edited(edited, downloads, progress, guessed)
            else:
                if guessed is not None:  # the build forks its helper: no thread may run then
                    guessed.stop()
                    guessed = None
                builder.build(downloads, progress)
    except BaseException:
        if guessed is not None:
            guessed.stop()
        if downloads is not None:
            downloads.stop()
        raise
    writer.finish(build={
        "inputs": inputs.digest,
        "entries": len(archive.entries),
        "issues": len(archive.issues),
        "warnings": archive.warnings,
        "entry_paths": {str(item.id): item.path for item in archive.entries},
        "others": inputs.others,
        "versions": {str(i): v for i, v in inputs.versions.items()},
        "facets": {str(i): f for i, f in facets.items()},
        "search_parts": search_parts_record(builder),
    })
    kept_source.keep(archive.memo)
    return BuildReport(
        outdir=Path(outdir),
        entries=len(archive.entries),
        issues=len(archive.issues),
        pages=builder.pages,
        written=writer.written,
        unchanged=len(writer.unchanged),
        deleted=writer.deleted,
        warnings=archive.warnings,
        search_indexed=builder.search_indexed,
        seconds=time.perf_counter() - started,
        entry_paths={item.id: item.path for item in archive.entries},
    )

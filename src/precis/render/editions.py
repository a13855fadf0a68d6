"""Editions of an issue: loading what they need from the store once, and rendering templates.

``Editions`` reads a publication's issues and entries and the cross-reference resolver in one
session, then renders any issue in any format and house style without touching the store again.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import css_inline
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.errors import PrecisError
from precis.markup import CrossRef, Doc, Resolver, normalize_key, parse, walk
from precis.model import Entry, Issue, Publication, parse_issue_label
from precis.public import is_public
from precis.publication import Settings
from precis.render.base import Links, TreeRenderer
from precis.render.html import HtmlRenderer
from precis.render.markdown import MarkdownRenderer
from precis.render.speech import SpeechRenderer
from precis.render.text import TextRenderer
from precis.render.view import IssueView, SummaryLink, entry_view, issue_heading, sections_of
from precis.store import Store, publication_entries, settings_of

TEMPLATES = Path(__file__).parent / "templates"
# Templates every style may use unless it has its own: the email document, the planned summary.
COMMON = TEMPLATES / "_common"

#: format -> (template, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "markdown": ("issue.md.j2", ".md"),
    "html": ("email.html.j2", ".html"),
    "text": ("issue.txt.j2", ".txt"),
    "speech": ("issue.speech.j2", ".speech.txt"),
}
HTML_FRAGMENT = "issue.html.j2"
PLANNED = "planned.md.j2"

_INLINER = css_inline.CSSInliner(keep_style_tags=False, keep_link_tags=False, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Segment:
    """One stretch of the speech script: what the narrator reads, and what it is.

    ``kind`` is "intro", "section", "subsection", "entry" or "footer"; ``title`` names it for an
    audio chapter ("Highlights", an entry's title); ``text`` is plain words, paragraphs separated
    by blank lines; ``entry_id`` is set for entries; ``section`` is the top-level section it is in.
    """

    kind: str
    title: str
    text: str
    entry_id: int | None = None
    section: str | None = None


@dataclass(frozen=True)
class EntryHTML:
    """One entry's texts as HTML fragments (``Markup``); empty when absent."""

    summary: Markup
    opinions: list[tuple[str, Markup]]  # (author, opinion)
    prerequisites: Markup
    read_more: Markup


def print_warning(message: str) -> None:
    print(f"precis: warning: {message}", file=sys.stderr)


def available_styles() -> list[str]:
    return sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def style_directory(style: str) -> Path:
    """A built-in style by name, or a directory of templates given as a path."""
    builtin = TEMPLATES / style
    if "/" not in style and builtin.is_dir():
        return builtin
    path = Path(style).expanduser()
    if path.is_dir():
        return path
    raise PrecisError(f"no house style {style!r}; the styles are: {', '.join(available_styles())} (or a directory of templates)")


_ENVIRONMENTS: dict[tuple[Path, bool], Environment] = {}


def environment(directory: Path, html: bool) -> Environment:
    key = (directory, html)
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = Environment(
            loader=FileSystemLoader([directory, COMMON]),
            autoescape=html,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=StrictUndefined,
        )
    return _ENVIRONMENTS[key]


def _template(directory: Path, name: str, html: bool) -> Any:
    with _template_errors(directory, name):
        return environment(directory, html).get_template(name)


@contextmanager
def _template_errors(directory: Path, name: str) -> Iterator[None]:
    """A broken or missing template of a house style, as a one-line error naming it."""
    try:
        yield
    except TemplateNotFound as exc:
        raise PrecisError(f"house style {directory.name!r} has no template {exc.name} ({directory})") from None
    except TemplateSyntaxError as exc:
        raise PrecisError(f"{exc.filename or name}, line {exc.lineno}: {exc.message}") from None
    except UndefinedError as exc:
        raise PrecisError(f"house style {directory.name!r}, template {name}: {exc.message}") from None


def tidy(text: str) -> str:
    """Layout of a rendered text edition: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def url_key(url: str | None) -> str | None:
    """A URL reduced to what identifies the work: no scheme, "www.", arXiv version or trailing "/"."""
    if not url or not url.strip():
        return None
    key = url.strip().casefold()
    key = re.sub(r"^[a-z]+://", "", key)
    key = re.sub(r"^www\.", "", key)
    arxiv = re.match(r"arxiv\.org/(?:abs|pdf)/([\w.\-/]+?)(?:v\d+)?(?:\.pdf)?/?$", key)
    if arxiv:
        return "arxiv:" + arxiv.group(1)
    return key.split("#", 1)[0].rstrip("/")


class Editions:
    """Renders a publication's issues; built once from a session, then used without it.

    ``strict`` makes an unresolved cross-reference an error; otherwise ``warn`` is called once per
    entry and key (by default it prints on stderr) and the reference renders as plain text.
    """

    def __init__(
        self,
        session: Session,
        publication: Publication,
        *,
        strict: bool = False,
        warn: Callable[[str], None] = print_warning,
    ) -> None:
        self.publication = publication
        self.settings: Settings = settings_of(publication)
        self.strict = strict
        self.warn = warn
        self.resolver = Resolver.from_session(session, self.settings.series)
        rank = {s: i for i, s in enumerate(self.settings.series)}
        issues = session.scalars(select(Issue).where(Issue.publication_id == publication.id)).all()
        self.issues: list[Issue] = sorted(issues, key=lambda i: (rank.get(i.series, len(rank)), i.series, i.number))
        entries = publication_entries(session, publication)
        self._by_issue: dict[int, list[Entry]] = defaultdict(list)
        for e in entries:
            if e.issue_id is not None:
                self._by_issue[e.issue_id].append(e)
        self._summaries = self._summary_index(session, rank)
        self._warned: set[tuple[int, str]] = set()
        self._warned_messages: set[str] = set()
        self._views: dict[tuple[int, bool], IssueView] = {}

    @classmethod
    def load(cls, store: Store, **options: Any) -> "Editions":
        """Editions of the store's default publication."""
        with store.session() as s:
            return cls(s, store.default_publication(s), **options)

    # -- finding issues ------------------------------------------------------------------------

    def issue(self, ref: str | int) -> Issue:
        """An issue by "139", "AN #139" or "Recon #5" (a bare number is in the publication's series)."""
        text = str(ref).strip()
        parsed = (self.settings.issue_prefix, int(text)) if text.isdigit() else parse_issue_label(text)
        if parsed is None:
            raise PrecisError(f"{text!r} is not an issue; write 139, '{self.settings.issue_prefix} #139' or 'Recon #5'")
        for issue in self.issues:
            if issue.series.casefold() == parsed[0].casefold() and issue.number == parsed[1]:
                return issue
        raise PrecisError(f"no issue {parsed[0]} #{parsed[1]} in the store ({len(self.issues)} issues)")

    # -- views ---------------------------------------------------------------------------------

    def view(self, issue: Issue, private: bool = False) -> IssueView:
        """The issue as templates see it (cached); checks its cross-references."""
        key = (issue.id, private)
        if key not in self._views:
            entries = []
            for e in self._by_issue.get(issue.id, []):
                v = entry_view(e, private, self.newsletter_summary(e))
                if v is not None:
                    entries.append(v)
                    self._check(e, v.docs)
            boilerplate = {k: parse(v) for k, v in self.settings.boilerplate.items()}
            self._views[key] = IssueView(
                publication=self.settings.name,
                prefix=self.settings.issue_prefix,
                label=issue.label,
                series=issue.series,
                number=issue.number,
                slug=issue.slug,
                heading=issue_heading(self.settings, issue),
                title=issue.title,
                date=issue.date,
                url=issue.url,
                intro=boilerplate.get("intro", Doc(())),
                footer=boilerplate.get("footer", Doc(())),
                boilerplate=boilerplate,
                sections=sections_of(self.settings, entries),
                private=private,
            )
        return self._views[key]

    def _check(self, entry: Entry, docs: list[Doc]) -> None:
        for doc in docs:
            for node in walk(doc.blocks):
                if isinstance(node, CrossRef) and self.resolver.resolve(node.key) is None:
                    self._unresolved(entry, node.key)

    def _unresolved(self, entry: Entry, key: str) -> None:
        where = f"{entry.issue.label if entry.issue else 'no issue'} · {entry.title.strip()!r} (entry {entry.id})"
        closest = "; ".join(repr(t) for t in self.resolver.closest(key))
        message = f"{where}: cross-reference to {key.strip()!r} matches no entry; closest titles: {closest}"
        if self.strict:
            raise PrecisError(message)
        mark = (entry.id, normalize_key(key))
        if mark not in self._warned:
            self._warned.add(mark)
            self.warn(message)

    def _warn_once(self, message: str) -> None:
        if message not in self._warned_messages:
            self._warned_messages.add(message)
            self.warn(message)

    def _summary_index(self, session: Session, rank: dict[str, int]) -> dict[str, SummaryLink]:
        """Every work the store's other publications summarized in an issue, by URL key and by
        title key (the earliest issue wins): where a digest links to "the newsletter's summary"."""
        names = dict(session.execute(select(Publication.id, Publication.name)).all())
        rows = session.execute(
            select(Entry.id, Entry.title, Entry.title_url, Entry.url, Entry.publication_id,
                   Issue.series, Issue.number, Issue.url)
            .join(Issue, Entry.issue_id == Issue.id)
            .where(Entry.publication_id != self.publication.id)
        ).all()
        rows.sort(key=lambda r: (rank.get(r[5], len(rank)), r[6], r[0]), reverse=True)
        index: dict[str, SummaryLink] = {}
        for entry_id, title, title_url, url, pub_id, series, number, issue_url in rows:
            link = SummaryLink(names.get(pub_id, ""), f"{series} #{number}", issue_url, entry_id)
            for key in (url_key(title_url or url), "title:" + normalize_key(title)):
                if key:
                    index[key] = link  # earlier issues come last and win
        return index

    def newsletter_summary(self, entry: Entry) -> SummaryLink | None:
        """Where another publication of the store summarized the same work in an issue, matched by
        URL, else by title."""
        by_url = url_key(entry.link)
        return (self._summaries.get(by_url) if by_url else None) or self._summaries.get(
            "title:" + normalize_key(entry.title)
        )

    # -- renderers -----------------------------------------------------------------------------

    def speak_issue(self, label: str) -> str:
        """ "AN #58" as spoken: "Alignment Newsletter 58"."""
        parsed = parse_issue_label(label)
        if parsed is None:
            return label
        series, number = parsed
        if series == self.settings.issue_prefix:
            return f"{self.settings.name} {number}"
        if series in self.settings.series:
            return f"{series} {number}"
        return f"{series} number {number}"

    def renderer(self, format: str, links: Links | None = None) -> TreeRenderer:
        resolve = self.resolver.resolve
        base = self.settings.url
        if format == "html":
            return HtmlRenderer(resolve, links, base)
        if format == "markdown":
            return MarkdownRenderer(resolve, links, base)
        if format == "text":
            return TextRenderer(resolve, links, base)
        if format == "speech":
            return SpeechRenderer(resolve, self.speak_issue, links, base)
        raise PrecisError(f"unknown format {format!r}; the formats are: {', '.join(FORMATS)}")

    def style(self, style: str | None) -> Path:
        return style_directory(style or self.publication.house_style or self.settings.house_style)

    # -- editions ------------------------------------------------------------------------------

    def render(
        self,
        issue: Issue,
        format: str = "markdown",
        *,
        private: bool = False,
        style: str | None = None,
        links: Links | None = None,
        fragment: bool = False,
    ) -> str:
        """The issue in one format. With ``fragment``, HTML is the issue's body only (no document,
        no inlined CSS), for embedding in a page of one's own."""
        if format not in FORMATS:
            raise PrecisError(f"unknown format {format!r}; the formats are: {', '.join(FORMATS)}")
        if format == "speech":
            return speech_script(self.speech(issue, private=private, style=style, links=links))
        view = self.view(issue, private)
        directory = self.style(style)
        html = format == "html"
        name = HTML_FRAGMENT if html and fragment else FORMATS[format][0]
        r = self.renderer(format, links)
        with _template_errors(directory, name):
            out = _template(directory, name, html).render(issue=view, r=r, private=private)
        if not html:
            return tidy(out)
        return out if fragment else _INLINER.inline(out)

    def speech(
        self, issue: Issue, *, private: bool = False, style: str | None = None, links: Links | None = None
    ) -> list[Segment]:
        """The speech edition as ordered segments: intro, each section and subsection
        announcement, each entry, footer. Empty segments are left out."""
        view = self.view(issue, private)
        r = self.renderer("speech", links)
        directory, name = self.style(style), FORMATS["speech"][0]
        with _template_errors(directory, name):
            module = _template(directory, name, False).make_module({"issue": view, "r": r})
            segments = [Segment("intro", view.heading, _spoken(module.intro(view)))]
            for section in view.sections:
                segments.append(Segment("section", section.name, _spoken(module.section(section)), None, section.name))
                for sub in [None, *section.subsections]:
                    if sub is not None:
                        segments.append(
                            Segment("subsection", sub.name, _spoken(module.subsection(sub)), None, section.name)
                        )
                    for e in (sub or section).entries:
                        segments.append(Segment("entry", e.title, _spoken(module.entry(e)), e.id, section.name))
            segments.append(Segment("footer", "Closing", _spoken(module.footer(view))))
        return [s for s in segments if s.text]

    def render_all(
        self,
        out: Path,
        formats: list[str],
        *,
        private: bool = False,
        style: str | None = None,
        progress: Callable[[], None] | None = None,
        workers: int | None = None,
    ) -> int:
        """Write every issue in each format to ``out/<issue-slug><extension>``; return the number
        of issues. ``progress`` is called after each issue.

        Issues are rendered by ``workers`` processes (default: one per CPU) forked from this one,
        so that each needs nothing from the store; where the platform cannot fork, or with one
        worker, they are rendered here. Warnings are passed to ``warn`` in this process.
        """
        for fmt in formats:  # a missing style or template fails before any work starts
            if fmt not in FORMATS:
                raise PrecisError(f"unknown format {fmt!r}; the formats are: {', '.join(FORMATS)}")
            _template(self.style(style), FORMATS[fmt][0], fmt == "html")
        out.mkdir(parents=True, exist_ok=True)
        jobs = [(n, out, tuple(formats), private, style) for n in range(len(self.issues))]
        if workers is None:
            workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for job in jobs:
                self._write_issue(*job)
                if progress:
                    progress()
            return len(jobs)
        global _FORKED
        _FORKED = self
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                for done in as_completed([pool.submit(_write_issue_in_worker, *job) for job in jobs]):
                    for message in done.result():
                        self._warn_once(message)
                    if progress:
                        progress()
        finally:
            _FORKED = None
        return len(jobs)

    def _write_issue(self, n: int, out: Path, formats: tuple[str, ...], private: bool, style: str | None) -> None:
        issue = self.issues[n]
        for fmt in formats:
            path = out / f"{issue.slug}{FORMATS[fmt][1]}"
            try:
                path.write_text(self.render(issue, fmt, private=private, style=style), encoding="utf-8")
            except OSError as exc:
                raise PrecisError(f"{path}: cannot write: {exc.strerror}") from None

    def planned(self, entry: Entry, style: str | None = None) -> str:
        """The planned summary and opinion of an entry, in Markdown, for posting under the work."""
        view = entry_view(entry, private=True)
        assert view is not None  # a private view always exists
        self._check(entry, view.docs)
        r = self.renderer("markdown")
        directory = self.style(style)
        with _template_errors(directory, PLANNED):
            out = _template(directory, PLANNED, False).render(entry=view, r=r, publication=self.settings.name)
        return tidy(out)

    def entry_html(self, entry: Entry, links: Links | None = None, private: bool = False) -> EntryHTML | None:
        """One entry's summary, opinions, prerequisites and read-more as HTML fragments.

        None when a public rendering must leave the entry out; empty fragments for "Link only".
        Cross-references point where ``links`` says (by default the work and its issue's URL).
        """
        if not private and not is_public(entry.public_level):
            return None
        view = entry_view(entry, private)
        assert view is not None
        self._check(entry, view.docs)
        r = HtmlRenderer(self.resolver.resolve, links, self.settings.url, heading_offset=1)
        return EntryHTML(
            summary=r.blocks(view.summary),
            opinions=[(o.author, r.blocks(o.text)) for o in view.opinions],
            prerequisites=r.blocks(view.prerequisites),
            read_more=r.blocks(view.read_more),
        )

    def text_html(self, text: str | None, links: Links | None = None) -> Markup:
        """Any summary markup as an HTML fragment, cross-references resolved as in ``entry_html``."""
        return HtmlRenderer(self.resolver.resolve, links, self.settings.url, heading_offset=1).blocks(parse(text))


# The Editions a forked worker renders from (set in the parent just before the workers fork).
_FORKED: Editions | None = None


def _write_issue_in_worker(n: int, out: Path, formats: tuple[str, ...], private: bool, style: str | None) -> list[str]:
    """Render one issue's files in a worker; return its warnings for the parent to show."""
    assert _FORKED is not None, "render_all sets _FORKED before forking"
    messages: list[str] = []
    _FORKED.warn = messages.append
    _FORKED._write_issue(n, out, formats, private, style)
    return messages


def _spoken(text: Any) -> str:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", str(text))]
    return "\n\n".join(p for p in paragraphs if p)


def speech_script(segments: list[Segment]) -> str:
    """The whole speech edition as one text."""
    return "\n\n".join(s.text for s in segments) + "\n"

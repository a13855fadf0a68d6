"""Rendering an issue's editions from an ``EditionSource``: the views templates see, every format,
the speech segments, one entry's HTML and the planned summary.

Public editions are made from the public views of entries (``precis.public``) and resolve
cross-references only to public entries; private editions (for reviewers) from the private views.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import css_inline
from markupsafe import Markup

from precis.errors import PrecisError
from precis.markup import CrossRef, Doc, Target, may_refer, normalize_key, parse, walk
from precis.model import Entry, parse_issue_label
from precis.public import EntryData, IssueRef, private_view, public_view
from precis.render.base import Links, TreeRenderer
from precis.render.html import HtmlRenderer
from precis.render.markdown import MarkdownRenderer
from precis.render.segments import Segment, speech_script
from precis.render.source import EditionSource
from precis.render.speech import SpeechRenderer
from precis.render.styles import (
    FORMATS,
    HTML_FRAGMENT,
    PLANNED,
    check_format,
    style_directory,
    template,
    template_errors,
    tidy,
)
from precis.render.text import TextRenderer
from precis.render.view import EntryView, IssueView, entry_view, issue_heading, sections_of
from precis.store import Store

_INLINER = css_inline.CSSInliner(keep_style_tags=False, keep_link_tags=False, load_remote_stylesheets=False)


@dataclass(frozen=True)
class EntryHTML:
    """One entry's texts as HTML fragments (``Markup``); empty when absent."""

    summary: Markup
    opinions: list[tuple[str, Markup]]  # (author, opinion)
    prerequisites: Markup
    read_more: Markup


def print_warning(message: str) -> None:
    print(f"precis: warning: {message}", file=sys.stderr)


class Editions:
    """Renders a publication's issues from its ``EditionSource``, without touching the store.

    ``strict`` makes an unresolved cross-reference an error; otherwise ``warn`` is called once per
    entry and key (by default it prints on stderr) and the reference renders as plain text.
    """

    def __init__(
        self, source: EditionSource, *, strict: bool = False, warn: Callable[[str], None] = print_warning
    ) -> None:
        self.source = source
        self.settings = source.settings
        self.resolver = source.resolver
        self.issues: list[IssueRef] = source.issues
        self.strict = strict
        self.warn = warn
        self._warned: dict[tuple[int, str], str] = {}  # (entry id, key) -> the warning given
        self._views: dict[tuple[int, bool], IssueView] = {}

    @classmethod
    def load(
        cls, store: Store, *, issue: str | int | None = None, issue_id: int | None = None, **options: Any
    ) -> Editions:
        """Editions of the store's default publication. With ``issue`` ("139", "AN #139") or its
        ``issue_id``, they hold that issue's entries only (``EditionSource.read``): what rendering
        one issue needs, read in the same time whatever the size of the archive."""
        return cls(EditionSource.load(store, issue, issue_id), **options)

    def issue(self, ref: str | int) -> IssueRef:
        """An issue by "139", "AN #139" or "Recon #5" (a bare number is in the publication's series)."""
        return self.source.issue(ref)

    # -- views ---------------------------------------------------------------------------------

    def entries(self, issue: IssueRef, private: bool = False) -> list[EntryData]:
        """The issue's entries in order: their public views, or with ``private`` their private ones."""
        views = self.source.by_issue.get(issue.id, [])
        if private:
            return list(views)
        return [v for v in (public_view(view, in_issue=True) for view in views) if v is not None]

    def view(self, issue: IssueRef, private: bool = False) -> IssueView:
        """The issue as templates see it (cached); checks its cross-references."""
        key = (issue.id, private)
        if key not in self._views:
            entries = [self.entry_view(data, private) for data in self.entries(issue, private)]
            self._views[key] = self.issue_view(issue, entries, private)
        return self._views[key]

    def issue_view(self, issue: IssueRef, entries: list[EntryView], private: bool = False) -> IssueView:
        """The issue as templates see it, showing ``entries`` (views made already: the archive
        shows only its public entries, whose views it holds; not cached)."""
        boilerplate = {k: parse(v) for k, v in self.settings.boilerplate.items()}
        return IssueView(
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
            note=parse(issue.intro),
            footer=boilerplate.get("footer", Doc(())),
            boilerplate=boilerplate,
            sections=sections_of(self.settings, entries),
            private=private,
        )

    def entry_view(self, data: EntryData, private: bool) -> EntryView:
        """One entry as templates see it; its cross-references are checked."""
        view = entry_view(data, private, self.source.newsletter_summary(data))
        self._check(data, view.docs)
        return view

    def _check(self, data: EntryData, docs: list[Doc]) -> None:
        if not any(map(may_refer, data.texts())):  # most entries refer to no other: no tree to walk
            return
        for doc in docs:
            for node in walk(doc.blocks):
                if isinstance(node, CrossRef) and self.resolver.resolve(node.key) is None:
                    self._unresolved(data, node.key)

    def _unresolved(self, data: EntryData, key: str) -> None:
        mark = (data.id, normalize_key(key))
        if mark in self._warned and not self.strict:
            return
        where = f"{data.issue_label or 'no issue'} · {data.clean_title!r} (entry {data.id})"
        closest = "; ".join(repr(t) for t in self.resolver.closest(key))
        message = f"{where}: cross-reference to {key.strip()!r} matches no entry; closest titles: {closest}"
        if self.strict:
            raise PrecisError(message)
        self._warned[mark] = message
        self.warn(message)

    def warned(self) -> dict[int, list[tuple[str, str]]]:
        """The warnings given so far, by entry: (key, warning) each, in the order given."""
        out: dict[int, list[tuple[str, str]]] = {}
        for (entry_id, key), message in self._warned.items():
            out.setdefault(entry_id, []).append((key, message))
        return out

    def warn_again(self, entry_id: int, warned: list[tuple[str, str]]) -> None:
        """Give again the warnings ``warned`` (as ``warned`` gave them) of an entry whose views are
        not made, known for the same texts and titles: its views, if made later, warn no more."""
        for key, message in warned:
            if (entry_id, key) not in self._warned:
                self._warned[entry_id, key] = message
                self.warn(message)

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

    def resolve(self, private: bool) -> Callable[[str], Target | None]:
        """How cross-references resolve: to any entry in a private edition, to public ones only in
        a public edition (a reference to anything else shows as its anchor text)."""
        return self.resolver.resolve if private else self.source.resolve_public

    def renderer(self, format: str, links: Links | None = None, private: bool = False) -> TreeRenderer:
        resolve, base = self.resolve(private), self.settings.url
        if check_format(format) == "html":
            return HtmlRenderer(resolve, links, base)
        if format == "markdown":
            return MarkdownRenderer(resolve, links, base)
        if format == "text":
            return TextRenderer(resolve, links, base)
        return SpeechRenderer(resolve, self.speak_issue, links, base)

    def style(self, style: str | None) -> Path:
        return style_directory(style or self.source.house_style or self.settings.house_style)

    # -- editions ------------------------------------------------------------------------------

    def render(
        self,
        issue: IssueRef,
        format: str = "markdown",
        *,
        private: bool = False,
        style: str | None = None,
        links: Links | None = None,
        fragment: bool = False,
    ) -> str:
        """The issue in one format. With ``fragment``, HTML is the issue's body only (no document,
        no inlined CSS), for embedding in a page of one's own."""
        if check_format(format) == "speech":
            return speech_script(self.speech(issue, private=private, style=style, links=links))
        view = self.view(issue, private)
        directory = self.style(style)
        html = format == "html"
        name = HTML_FRAGMENT if html and fragment else FORMATS[format][0]
        r = self.renderer(format, links, private)
        with template_errors(directory, name):
            out = template(directory, name, html).render(issue=view, r=r, private=private)
        if not html:
            return tidy(out)
        return out if fragment else _INLINER.inline(out)

    def speech(
        self, issue: IssueRef, *, private: bool = False, style: str | None = None, links: Links | None = None
    ) -> list[Segment]:
        """The speech edition as ordered segments: intro, each section and subsection
        announcement, each entry, footer. Empty segments are left out."""
        view = self.view(issue, private)
        r = self.renderer("speech", links, private)
        directory, name = self.style(style), FORMATS["speech"][0]
        with template_errors(directory, name):
            module: Any = template(directory, name, False).make_module({"issue": view, "r": r})
            segments = [Segment("intro", "Introduction", _spoken(module.intro(view)))]
            for section in view.sections:
                path: tuple[str, ...] = (section.name,)
                segments.append(Segment("section", section.name, _spoken(module.section(section)), path))
                for sub in [None, *section.subsections]:
                    if sub is not None:
                        path = (section.name, sub.name)
                        segments.append(Segment("subsection", sub.name, _spoken(module.subsection(sub)), path))
                    for e in (sub or section).entries:
                        # Titles are summary markup ("[A](url) and [B](url)"): chapters show their words.
                        title = parse(e.title).plain().strip() or e.title
                        segments.append(Segment("entry", title, _spoken(module.entry(e)), path, e.id))
            segments.append(Segment("footer", "Closing", _spoken(module.footer(view))))
        return [s for s in segments if s.text]

    def planned(self, entry: Entry, style: str | None = None) -> str:
        """The planned summary and opinion of an entry, in Markdown, for posting under the work."""
        view = self.entry_view(private_view(entry), private=True)
        r = self.renderer("markdown", private=True)
        directory = self.style(style)
        with template_errors(directory, PLANNED):
            out = template(directory, PLANNED, False).render(entry=view, r=r, publication=self.settings.name)
        return tidy(out)

    def entry_html(
        self, entry: Entry | EntryData, links: Links | None = None, private: bool = False
    ) -> EntryHTML | None:
        """One entry's summary, opinions, prerequisites and read-more as HTML fragments.

        None when a public rendering must leave the entry out; empty fragments for "Link only".
        Cross-references point where ``links`` says (by default the work and its issue's URL).
        """
        data = private_view(entry) if isinstance(entry, Entry) else entry
        shown = data if private else public_view(data)
        if shown is None:
            return None
        r = HtmlRenderer(self.resolve(private), links, self.settings.url, heading_offset=1)
        return self.entry_fragments(self.entry_view(shown, private), r)

    @staticmethod
    def entry_fragments(view: EntryView, r: HtmlRenderer) -> EntryHTML:
        """The HTML fragments of an entry already seen as an ``EntryView`` (every entry's HTML,
        the archive's pages included, is made here), with ``r`` deciding where links point."""
        return EntryHTML(
            summary=r.blocks(view.summary),
            opinions=[(o.author, r.blocks(o.text)) for o in view.opinions],
            prerequisites=r.blocks(view.prerequisites),
            read_more=r.blocks(view.read_more),
        )

    def text_html(self, text: str | None, links: Links | None = None) -> Markup:
        """Any summary markup as an HTML fragment, cross-references resolved as in ``entry_html``
        (to public entries only)."""
        return HtmlRenderer(self.resolve(False), links, self.settings.url, heading_offset=1).blocks(parse(text))


def _spoken(text: Any) -> str:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", str(text))]
    return "\n\n".join(p for p in paragraphs if p)

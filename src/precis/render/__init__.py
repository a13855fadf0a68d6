"""Editions: an issue rendered as email HTML, forum Markdown, plain text and a speech script.

Library API (stable; the CLI, the archive and the podcast use it)::

    from precis.render import Editions, Links

    ed = Editions.load(store)                  # reads the store once; then no database needed
    issue = ed.issue("AN #62")                 # or "62", "Recon #5"
    ed.render(issue, "markdown")               # "markdown" | "html" | "text" | "speech"
    ed.render(issue, "html", private=True)     # everything, marking what the public edition hides
    ed.render(issue, "html", fragment=True)    # the issue body only, no <html>, CSS not inlined
    ed.render(issue, "markdown", style="distillation")

    # Speech, for audio: ordered segments, one per intro / section / subsection / entry / footer.
    for seg in ed.speech(issue):               # list[Segment]
        seg.kind, seg.title, seg.text, seg.entry_id, seg.section
    speech_script(ed.speech(issue))            # the whole script as one text

    # One entry's texts as HTML fragments, cross-references pointing where you like:
    links = Links(entry=lambda t: f"/entries/{t.entry_id}.html", issue=lambda t: f"/issues/{t.issue_slug}.html")
    ed.entry_html(entry, links=links)          # EntryHTML(summary, opinions, prerequisites, read_more) or None
    ed.text_html(markup_text, links=links)     # any summary markup as an HTML fragment

    ed.planned(entry)                          # "Planned summary for the Alignment Newsletter: ..."
    ed.render_all(out_dir, ["markdown", "html", "text"])   # every issue to out_dir/<slug>.<ext>

Cross-references resolve through ``precis.markup.Resolver`` only; an unresolved one calls ``warn``
(stderr by default) once per entry and key and renders as plain text; ``Editions(..., strict=True)``
makes it a ``PrecisError``. Public editions follow ``precis.public``.
"""

from precis.render.base import Links, absolute_url
from precis.render.editions import (
    FORMATS,
    Editions,
    EntryHTML,
    Segment,
    available_styles,
    speech_script,
)
from precis.render.view import EntryView, IssueView, SectionView

__all__ = [
    "FORMATS",
    "Editions",
    "EntryHTML",
    "EntryView",
    "IssueView",
    "Links",
    "SectionView",
    "Segment",
    "absolute_url",
    "available_styles",
    "speech_script",
]

"""Editions: an issue rendered as email HTML, forum Markdown, plain text and a speech script.

Library API (stable; the CLI, the archive and the podcast use it)::

    from precis.render import Editions, Links, render_all

    ed = Editions.load(store)                  # reads the store once (an EditionSource); then no database
    issue = ed.issue("AN #62")                 # or "62", "Recon #5"
    ed.render(issue, "markdown")               # "markdown" | "html" | "text" | "speech"
    ed.render(issue, "html", private=True)     # everything, marking what the public edition hides
    ed.render(issue, "html", fragment=True)    # the issue body only, no <html>, CSS not inlined
    ed.render(issue, "markdown", style="distillation")

    # Speech, for audio: ordered segments, one per intro / section / subsection / entry / footer.
    for seg in ed.speech(issue):               # list[Segment], the type the audio edition reads too
        seg.kind, seg.title, seg.text, seg.sections, seg.entry_id
    speech_script(ed.speech(issue))            # the whole script as one text

    # One entry's texts as HTML fragments, cross-references pointing where you like:
    links = Links(entry=lambda t: f"/entries/{t.entry_id}.html", issue=lambda t: f"/issues/{t.issue_slug}.html")
    ed.entry_html(entry, links=links)          # EntryHTML(summary, opinions, prerequisites, read_more) or None
                                               # (entry: an ORM Entry or a precis.public.EntryData)
    ed.text_html(markup_text, links=links)     # any summary markup as an HTML fragment

    ed.planned(entry)                          # "Planned summary for the Alignment Newsletter: ..."
    render_all(ed, out_dir, ["markdown", "html", "text"])  # every issue to out_dir/<slug>.<ext>, in workers

Cross-references resolve through ``precis.markup.Resolver`` only; an unresolved one calls ``warn``
(stderr by default) once per entry and key and renders as plain text; ``Editions(..., strict=True)``
makes it a ``PrecisError``. Public editions are made from ``precis.public`` views only, and their
cross-references reach public entries only.

Modules: ``source`` (what is read from the store), ``view`` (what templates see), ``styles``
(templates and formats), ``editions`` (rendering), ``batch`` (every issue to files), ``segments``
(the speech edition's segments), and one renderer per format (``html``, ``markdown``, ``text``,
``speech``) over the markup tree.
"""

from precis.render.base import Links
from precis.render.batch import render_all
from precis.render.editions import Editions, EntryHTML
from precis.render.segments import Segment, speech_script
from precis.render.source import EditionSource
from precis.render.styles import FORMATS, available_styles
from precis.render.view import EntryView, IssueView, SectionView

__all__ = [
    "FORMATS",
    "EditionSource",
    "Editions",
    "EntryHTML",
    "EntryView",
    "IssueView",
    "Links",
    "SectionView",
    "Segment",
    "available_styles",
    "render_all",
    "speech_script",
]

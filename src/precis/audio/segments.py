"""The chapters an episode's segments make, and its table of contents.

Segments are the speech edition's own (``precis.render.segments.Segment``). A segment is the unit
of synthesis and of caching: editing one entry changes one segment's text, so only that segment is
synthesized again. Chapters follow the listener's view of an issue: one per
entry (starting where its section is announced, when it is the section's first entry), grouped by
section, with the opening and the closing as chapters of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from precis.render.segments import Segment


@dataclass(frozen=True)
class Chapter:
    """A span of the episode, in seconds, with the section path it belongs to."""

    id: str
    title: str
    start: float
    end: float
    kind: str
    sections: tuple[str, ...] = ()
    entry_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "kind": self.kind,
            "sections": list(self.sections),
            "entry_id": self.entry_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Chapter:
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            start=float(data["start"]),  # type: ignore[arg-type]
            end=float(data["end"]),  # type: ignore[arg-type]
            kind=str(data["kind"]),
            sections=tuple(data.get("sections") or ()),  # type: ignore[arg-type]
            entry_id=data.get("entry_id"),  # type: ignore[arg-type]
        )


def chapters_for(
    segments: list[Segment], spans: list[tuple[float, float]], total: float | None = None
) -> list[Chapter]:
    """Chapters from segments and where each one sits in the episode (start, end in seconds).

    Headings open no chapter of their own: the next entry's chapter starts where they start, so a
    listener who skips to an entry hears which section it is in. Chapters cover the whole episode
    (from 0 to ``total``, when given) without gaps or overlaps.
    """
    if len(segments) != len(spans):
        raise ValueError("one span per segment")
    chapters: list[Chapter] = []
    pending: float | None = None  # the start of headings not yet given to a chapter
    counts = {"intro": 0, "entry": 0, "footer": 0}
    for seg, (start, end) in zip(segments, spans, strict=True):
        if seg.is_heading:
            pending = start if pending is None else pending
            continue
        begin = pending if pending is not None else start
        pending = None
        counts[seg.kind] += 1
        chapters.append(
            Chapter(
                id=f"{seg.kind}{counts[seg.kind]}",
                title=seg.title,
                start=begin,
                end=end,
                kind=seg.kind,
                sections=seg.sections,
                entry_id=seg.entry_id,
            )
        )
    if pending is not None and chapters:
        # Trailing headings with nothing under them: fold them into the last chapter.
        last = chapters[-1]
        chapters[-1] = Chapter(last.id, last.title, last.start, spans[-1][1], last.kind, last.sections, last.entry_id)
    # Close gaps (pauses) so that each chapter ends where the next one begins.
    for i, c in enumerate(chapters):
        start = 0.0 if i == 0 else c.start
        end = chapters[i + 1].start if i + 1 < len(chapters) else (total if total is not None else c.end)
        chapters[i] = Chapter(c.id, c.title, start, end, c.kind, c.sections, c.entry_id)
    return chapters


@dataclass
class TocNode:
    """A table of contents: a section with its children (chapters and subsections), in order."""

    id: str
    title: str
    children: list[TocNode | Chapter] = field(default_factory=list)


def table_of_contents(chapters: list[Chapter]) -> TocNode:
    """The section tree over the chapters: the root lists the opening, each section, the closing."""
    root = TocNode("toc", "Contents")
    nodes: dict[tuple[str, ...], TocNode] = {(): root}
    count = 0
    for chapter in chapters:
        parent = root
        for depth in range(1, len(chapter.sections) + 1):
            path = chapter.sections[:depth]
            node = nodes.get(path)
            # A section heard again after another one (rare) gets a node of its own.
            if node is None or node is not _last_child(parent):
                count += 1
                node = TocNode(f"toc{count}", path[-1])
                parent.children.append(node)
                nodes[path] = node
            parent = node
        parent.children.append(chapter)
    return root


def _last_child(node: TocNode) -> TocNode | Chapter | None:
    return node.children[-1] if node.children else None

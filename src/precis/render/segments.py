"""The speech edition as segments: the one type the editions make and the audio edition reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["intro", "section", "subsection", "entry", "footer"]


@dataclass(frozen=True)
class Segment:
    """One stretch of the speech script: what the narrator reads, and what it is.

    ``kind`` is "intro", "section" or "subsection" (an announcement), "entry" or "footer";
    ``title`` names it for an audio chapter, in plain words ("Highlights", an entry's title);
    ``text`` is plain words, paragraphs separated by blank lines; ``sections`` is the path of
    section names it stands in, outermost first; ``entry_id`` is set for entries.
    """

    kind: Kind
    title: str
    text: str
    sections: tuple[str, ...] = ()
    entry_id: int | None = None

    @property
    def section(self) -> str | None:
        """The top-level section the segment is in."""
        return self.sections[0] if self.sections else None

    @property
    def is_heading(self) -> bool:
        return self.kind in ("section", "subsection")


def speech_script(segments: list[Segment]) -> str:
    """The whole speech edition as one text."""
    return "\n\n".join(s.text for s in segments) + "\n"

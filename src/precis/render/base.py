"""What every edition's tree renderer shares: links, cross-reference targets, the lead rule.

A renderer turns markup trees (``precis.markup``) into one output format. Templates call it as
``r``: ``r.blocks(doc, lead=...)`` renders a text's blocks, ``r.link(label, url)`` a link,
``r.text(s)`` escapes a plain string. A new renderer is made for each rendering, because some
hold state (the plain-text edition numbers its links).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from precis.links import safe_url
from precis.markup import Block, CrossRef, Doc, Inline, Paragraph, Target


def _entry_link(target: Target) -> str | None:
    return target.link


def _issue_link(target: Target) -> str | None:
    return target.issue_url


@dataclass(frozen=True)
class Links:
    """Where a resolved cross-reference points.

    ``entry`` gives the link for the referenced entry (default: the work's own link, as the
    newsletter did), ``issue`` the link for the issue it appeared in (default: the issue's
    published URL). The archive passes functions that point at its own pages; what they return is
    used as given (a relative link stays relative), and None means no link.
    """

    entry: Callable[[Target], str | None] = field(default=_entry_link)
    issue: Callable[[Target], str | None] = field(default=_issue_link)


class TreeRenderer(ABC):
    """Base of the format renderers; subclasses implement the node methods ``_<NodeName>``."""

    #: What a paragraph's lead and its first words are joined with.
    lead_joiner = " "

    def __init__(
        self,
        resolve: Callable[[str], Target | None],
        links: Links | None = None,
        base_url: str | None = None,
        heading_offset: int = 3,
    ) -> None:
        self.resolve = resolve
        self.links = links or Links()
        self.base_url = base_url
        # Headings inside a summary sit below the issue's own headings.
        self.heading_offset = heading_offset

    # -- what templates call -----------------------------------------------------------------

    def blocks(self, doc: Doc | None, lead: str | None = None) -> str:
        """Render a text's blocks. ``lead`` (already rendered) opens its first paragraph, or
        stands as a paragraph of its own when the text is empty or starts with something else."""
        blocks = list(doc.blocks) if doc else []
        lead = lead.strip() if lead else lead
        if lead and blocks and isinstance(blocks[0], Paragraph):
            first = self.paragraph(blocks[0].children, lead=lead)
            return self.join_blocks([first, *(self.block(b) for b in blocks[1:])])
        rendered = [self.block(b) for b in blocks]
        if lead:
            rendered.insert(0, self.paragraph((), lead=lead))
        return self.join_blocks(rendered)

    def url(self, href: str | None) -> str | None:
        return safe_url(href, self.base_url)

    # -- dispatch ----------------------------------------------------------------------------

    def block(self, node: Block) -> str:
        if isinstance(node, Paragraph):
            return self.paragraph(node.children)
        return cast(str, getattr(self, "_" + type(node).__name__)(node))

    def inline(self, nodes: tuple[Inline, ...]) -> str:
        return "".join(self.inline_node(n, nodes[i + 1] if i + 1 < len(nodes) else None)
                       for i, n in enumerate(nodes))

    def inline_node(self, node: Inline, following: Inline | None) -> str:
        return cast(str, getattr(self, "_" + type(node).__name__)(node))

    def cross_reference(self, node: CrossRef) -> tuple[Target | None, str | None, str | None]:
        """The target of a cross-reference and the links for it and its issue (None if absent)."""
        target = self.resolve(node.key)
        if target is None:
            return None, None, None
        return target, self._target_url(self.links.entry, target), self._target_url(self.links.issue, target)

    def _target_url(self, link: Callable[[Target], str | None], target: Target) -> str | None:
        # Links from the store are repaired like any link; a caller's own links are used as given.
        url = link(target)
        return self.url(url) if link in (_entry_link, _issue_link) else (url or None)

    # -- what each format defines ----------------------------------------------------------------

    @abstractmethod
    def paragraph(self, children: tuple[Inline, ...], lead: str | None = None) -> str:
        """A paragraph, opened by ``lead`` if given."""

    @abstractmethod
    def join_blocks(self, rendered: list[str]) -> str:
        """Rendered blocks put one after another."""


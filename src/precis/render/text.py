"""Markup trees as plain text, wrapped at 80 columns, with numbered link references.

A link reads ``text [3]``; ``r.references()`` lists ``[3] https://...`` at the end. The same URL
keeps its number. A cross-reference reads ``text (AN #58) [4]``. Emphasis is dropped; math keeps its
TeX between dollars. Only a word longer than a line (a long URL) may exceed the width.
"""

from __future__ import annotations

from collections.abc import Callable

from precis.markup import (
    Block,
    Code,
    CodeBlock,
    CrossRef,
    Emph,
    HardBreak,
    Heading,
    Image,
    Inline,
    Link,
    ListBlock,
    Math,
    MathBlock,
    Quote,
    Rule,
    SoftBreak,
    Strong,
    Text,
)
from precis.render.base import Links, Target, TreeRenderer

WIDTH = 80
# Joins the words of a formula while wrapping, so that math is never broken across lines.
_KEEP = "\x1f"


def wrap(line: str, width: int) -> str:
    """Greedy word wrap at spaces (never inside a word or at a hyphen); runs of spaces become one.

    Much faster than ``textwrap`` on the archive's long paragraphs, and all the text edition needs.
    """
    lines: list[str] = []
    current = ""
    for word in line.split(" "):
        if not word:
            continue
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return "\n".join(lines)


class TextRenderer(TreeRenderer):
    def __init__(
        self,
        resolve: Callable[[str], Target | None],
        links: Links | None = None,
        base_url: str | None = None,
        heading_offset: int = 3,
        width: int = WIDTH,
    ) -> None:
        super().__init__(resolve, links, base_url, heading_offset)
        self.width = width
        self._numbers: dict[str, int] = {}

    # -- what templates call -----------------------------------------------------------------

    def text(self, s: str | None) -> str:
        return s or ""

    def link(self, label: str, url: str | None) -> str:
        href = self.url(url)
        return f"{label} [{self.number(href)}]" if href else label

    def strong(self, s: str) -> str:
        return s

    def em(self, s: str) -> str:
        return s

    def title(self, s: str) -> str:
        """The issue's heading, underlined."""
        return self.fill(s) + "\n" + "=" * min(len(s), self.width)

    def heading(self, s: str, level: int = 1) -> str:
        """A section heading: top level underlined, subsections on a line of their own."""
        line = self.fill(s)
        return line + "\n" + "-" * min(len(s), self.width) if level <= 1 else line

    def references(self) -> str:
        """The numbered list of every link so far."""
        return "\n".join(f"[{n}] {url}" for url, n in self._numbers.items())

    def number(self, url: str) -> int:
        return self._numbers.setdefault(url, len(self._numbers) + 1)

    def fill(self, text: str) -> str:
        """Wrap text to the current width; a line break in it is kept."""
        return "\n".join(wrap(line, self.width) for line in text.split("\n")).replace(_KEEP, " ")

    def paragraph(self, children: tuple[Inline, ...], lead: str | None = None) -> str:
        body = self.inline(children)
        if lead:
            body = f"{lead} {body}" if body else str(lead)
        return self.fill(body)

    def join_blocks(self, rendered: list[str]) -> str:
        return "\n\n".join(r for r in rendered if r)

    # -- inline nodes ------------------------------------------------------------------------

    def _Text(self, node: Text) -> str:
        return " ".join(node.text.split("\n"))

    def _Code(self, node: Code) -> str:
        return node.text

    def _Math(self, node: Math) -> str:
        tex = node.tex.replace(" ", _KEEP)
        return f"$${tex}$$" if node.display else f"${tex}$"

    def _SoftBreak(self, node: SoftBreak) -> str:
        return "\n"

    def _HardBreak(self, node: HardBreak) -> str:
        return "\n"

    def _Emph(self, node: Emph) -> str:
        return self.inline(node.children)

    def _Strong(self, node: Strong) -> str:
        return self.inline(node.children)

    def _Link(self, node: Link) -> str:
        body = self.inline(node.children)
        href = self.url(node.href)
        return f"{body} [{self.number(href)}]" if href else body

    def _Image(self, node: Image) -> str:
        return self.link(node.alt.strip() or "image", node.src)

    def _CrossRef(self, node: CrossRef) -> str:
        body = self.inline(node.children)
        target, entry_url, _issue_url = self.cross_reference(node)
        if target is None:
            return body
        if target.issue_label:
            body += f" ({target.issue_label})"
        if entry_url:
            body += f" [{self.number(entry_url)}]"
        return body

    # -- blocks ------------------------------------------------------------------------------

    def _nested(self, blocks: tuple[Block, ...], indent: int, tight: bool = False) -> list[str]:
        """Render blocks ``indent`` columns narrower; returns their lines."""
        self.width -= indent
        try:
            body = ("\n" if tight else "\n\n").join(self.block(b) for b in blocks)
        finally:
            self.width += indent
        return body.split("\n")

    def _Heading(self, node: Heading) -> str:
        return self.fill(self.inline(node.children))

    def _ListBlock(self, node: ListBlock) -> str:
        items = []
        for n, item in enumerate(node.items, node.start):
            marker = f"{n}. " if node.ordered else "- "
            lines = self._nested(item, len(marker), node.tight)
            pad = " " * len(marker)
            items.append("\n".join([marker + lines[0], *((pad + line) if line else "" for line in lines[1:])]))
        return ("\n" if node.tight else "\n\n").join(items)

    def _Quote(self, node: Quote) -> str:
        return "\n".join(("> " + line) if line else ">" for line in self._nested(node.children, 2))

    def _CodeBlock(self, node: CodeBlock) -> str:
        return "\n".join("    " + line for line in node.text.split("\n"))

    def _MathBlock(self, node: MathBlock) -> str:
        return "\n".join("    " + line for line in f"$${node.tex}$$".split("\n"))

    def _Rule(self, node: Rule) -> str:
        return "* * *"

"""Markup trees as Markdown for forums (LessWrong and the Alignment Forum accept Markdown).

Text is escaped so that nothing in it turns into markup by accident; in particular ``$`` is escaped,
because forum editors read ``$...$`` as LaTeX and the archive's dollars are money. Math from the
source is written back as ``$tex$`` / ``$$tex$$``, intact. A line break inside a paragraph (how the
sheet's writers broke lines) is kept as a hard break.
"""

from __future__ import annotations

import re

from precis.markup import (
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
from precis.render.base import TreeRenderer

_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]<>$|~"})
# What would start a block if it began a line.
_LINE_START = re.compile(r"^(\s*)([#+=-]|\d+[.)])")
_BREAK = "\\\n"


def escape_markdown(text: str, line_start: bool = False) -> str:
    out = text.translate(_ESCAPES)
    if line_start:
        out = _LINE_START.sub(lambda m: m.group(1) + re.sub(r"([#+=\-.)])", r"\\\1", m.group(2), count=1), out)
    return out


_URL_UNSAFE = str.maketrans({"<": "%3C", ">": "%3E", "\\": "%5C"})
# What would open raw HTML or an autolink in Markdown: "<" before a letter, "/", "!" or "?".
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


def _destination(url: str) -> str:
    """A link destination that ends where the URL ends: angle brackets and backslashes (which could
    close it early or escape its end, leaving the rest to be read as raw HTML) are percent-encoded."""
    url = url.translate(_URL_UNSAFE)
    return f"<{url}>" if re.search(r"[\s()]", url) else url


def _inert_tex(tex: str) -> str:
    """TeX as written, except that "<" never starts an HTML tag (a space after it means the same in TeX)."""
    return _TAG_OPEN.sub("< ", tex)


class MarkdownRenderer(TreeRenderer):
    _depth = 0  # how many Emph/Strong enclose the node being rendered
    def text(self, s: str | None) -> str:
        return escape_markdown(s or "")

    def link(self, label: str, url: str | None) -> str:
        """``label`` (plain text) linked to ``url`` if it is usable."""
        href = self.url(url)
        body = escape_markdown(label)
        return f"[{body}]({_destination(href)})" if href else body

    def strong(self, s: str) -> str:
        return f"**{s}**" if s else ""

    def em(self, s: str) -> str:
        return f"*{s}*" if s else ""

    def paragraph(self, children: tuple[Inline, ...], lead: str | None = None) -> str:
        body = self.inline(children, line_start=not lead)
        if lead:
            return f"{lead} {body}" if body else str(lead)
        return body

    def join_blocks(self, rendered: list[str]) -> str:
        return "\n\n".join(r for r in rendered if r)

    def inline(self, nodes: tuple[Inline, ...], line_start: bool = False) -> str:
        out: list[str] = []
        at_start = line_start
        for i, node in enumerate(nodes):
            if isinstance(node, Text):
                out.append(escape_markdown(node.text, line_start=at_start))
            else:
                out.append(self.inline_node(node, nodes[i + 1] if i + 1 < len(nodes) else None))
            at_start = isinstance(node, (SoftBreak, HardBreak))
        return "".join(out)

    # -- inline nodes ------------------------------------------------------------------------

    def _Code(self, node: Code) -> str:
        fence = "`" * (max((len(m) for m in re.findall(r"`+", node.text)), default=0) + 1)
        pad = " " if node.text.startswith("`") or node.text.endswith("`") else ""
        return f"{fence}{pad}{node.text}{pad}{fence}"

    def _Math(self, node: Math) -> str:
        tex = _inert_tex(node.tex)
        return f"$${tex}$$" if node.display else f"${tex}$"

    def _SoftBreak(self, node: SoftBreak) -> str:
        return _BREAK

    def _HardBreak(self, node: HardBreak) -> str:
        return _BREAK

    def _Emph(self, node: Emph) -> str:
        return self._delimited(node, "*", "_")

    def _Strong(self, node: Strong) -> str:
        return self._delimited(node, "**", "__")

    def _delimited(self, node: Emph | Strong, marker: str, nested: str) -> str:
        # Emphasis directly inside emphasis alternates its marker ("*_x_*"), else "**x*" would
        # read back as strong.
        self._depth += 1
        try:
            body = self.inline(node.children)
        finally:
            self._depth -= 1
        mark = marker if self._depth % 2 == 0 else nested
        return f"{mark}{body}{mark}" if body else ""

    def _Link(self, node: Link) -> str:
        body = self.inline(node.children)
        href = self.url(node.href)
        return f"[{body}]({_destination(href)})" if href else body

    def _Image(self, node: Image) -> str:
        src = self.url(node.src)
        alt = escape_markdown(node.alt.strip() or "image")
        return f"![{alt}]({_destination(src)})" if src else alt

    def _CrossRef(self, node: CrossRef) -> str:
        body = self.inline(node.children)
        target, entry_url, issue_url = self.cross_reference(node)
        if target is None:
            return body
        if entry_url:
            body = f"[{body}]({_destination(entry_url)})"
        if target.issue_label:
            label = escape_markdown(target.issue_label)
            body += f" ([{label}]({_destination(issue_url)}))" if issue_url else f" ({label})"
        return body

    # -- blocks ------------------------------------------------------------------------------

    def _Heading(self, node: Heading) -> str:
        level = min(node.level + self.heading_offset, 6)
        return "#" * level + " " + self.inline(node.children)

    def _ListBlock(self, node: ListBlock) -> str:
        items = []
        for n, item in enumerate(node.items, node.start):
            marker = f"{n}. " if node.ordered else "- "
            body = ("\n" if node.tight else "\n\n").join(self.block(b) for b in item)
            pad = " " * len(marker)
            lines = body.split("\n")
            items.append(marker + lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:]))
        return ("\n" if node.tight else "\n\n").join(items)

    def _Quote(self, node: Quote) -> str:
        body = self.join_blocks([self.block(b) for b in node.children])
        return "\n".join(("> " + line) if line else ">" for line in body.split("\n"))

    def _CodeBlock(self, node: CodeBlock) -> str:
        fence = "`" * max(3, max((len(m) for m in re.findall(r"`{3,}", node.text)), default=0) + 1)
        return f"{fence}\n{node.text}\n{fence}"

    def _MathBlock(self, node: MathBlock) -> str:
        return f"$$\n{_inert_tex(node.tex)}\n$$"

    def _Rule(self, node: Rule) -> str:
        return "---"

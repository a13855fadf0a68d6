"""Markup trees as HTML (the email edition and the archive's pages).

Every string this renderer returns is ``markupsafe.Markup``: escaped once, here, so templates with
autoescaping never escape it twice. Links are absolute or left out (the text stays). Math keeps its
TeX between ``\\( \\)`` / ``\\[ \\]`` in an element of class ``math``, for KaTeX or MathJax.
"""

from __future__ import annotations

from markupsafe import Markup, escape

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
    Paragraph,
    Quote,
    Rule,
    SoftBreak,
    Strong,
    Text,
)
from precis.render.base import TreeRenderer


class HtmlRenderer(TreeRenderer):
    def text(self, s: str | None) -> Markup:
        return escape(s or "")

    def link(self, label: str | Markup, url: str | None) -> Markup:
        """``label`` (plain text, or Markup already rendered) linked to ``url`` if it is usable."""
        href = self.url(url)
        body = escape(label)
        return Markup('<a href="{}">{}</a>').format(href, body) if href else body

    def strong(self, s: str | Markup) -> Markup:
        return Markup("<strong>{}</strong>").format(s)

    def em(self, s: str | Markup) -> Markup:
        return Markup("<em>{}</em>").format(s)

    def paragraph(self, children: tuple[Inline, ...], lead: str | None = None) -> Markup:
        body = self.inline(children)
        if lead:
            body = Markup(lead) + (Markup(" ") + body if body else Markup(""))
        return Markup("<p>{}</p>").format(body)

    def join_blocks(self, rendered: list[str]) -> Markup:
        return Markup("\n").join(Markup(r) for r in rendered)

    def inline(self, nodes: tuple[Inline, ...]) -> Markup:
        return Markup(super().inline(nodes))

    # -- inline nodes ------------------------------------------------------------------------

    def _Text(self, node: Text) -> Markup:
        return escape(node.text)

    def _Code(self, node: Code) -> Markup:
        return Markup("<code>{}</code>").format(node.text)

    def _Math(self, node: Math) -> Markup:
        if node.display:
            return Markup('<span class="math math-display">\\[{}\\]</span>').format(node.tex)
        return Markup('<span class="math math-inline">\\({}\\)</span>').format(node.tex)

    def _SoftBreak(self, node: SoftBreak) -> Markup:
        return Markup("<br>\n")

    def _HardBreak(self, node: HardBreak) -> Markup:
        return Markup("<br>\n")

    def _Emph(self, node: Emph) -> Markup:
        return self.em(self.inline(node.children))

    def _Strong(self, node: Strong) -> Markup:
        return self.strong(self.inline(node.children))

    def _Link(self, node: Link) -> Markup:
        body = self.inline(node.children)
        href = self.url(node.href)
        if not href:
            return body
        if node.title:
            return Markup('<a href="{}" title="{}">{}</a>').format(href, node.title, body)
        return Markup('<a href="{}">{}</a>').format(href, body)

    def _Image(self, node: Image) -> Markup:
        src = self.url(node.src)
        alt = node.alt.strip() or "image"
        if not src:
            return escape(alt)
        return Markup('<img src="{}" alt="{}">').format(src, alt)

    def _CrossRef(self, node: CrossRef) -> Markup:
        body = self.inline(node.children)
        target, entry_url, issue_url = self.cross_reference(node)
        if target is None:
            return body
        if entry_url:
            body = Markup('<a class="cross-reference" href="{}">{}</a>').format(entry_url, body)
        if target.issue_label:
            label = self.link(target.issue_label, issue_url)
            body = body + Markup(" ({})").format(label)
        return body

    # -- blocks ------------------------------------------------------------------------------

    def _Heading(self, node: Heading) -> Markup:
        level = min(node.level + self.heading_offset, 6)
        return Markup("<h{0}>{1}</h{0}>").format(level, self.inline(node.children))

    def _ListBlock(self, node: ListBlock) -> Markup:
        items = []
        for item in node.items:
            if node.tight:
                parts = [self.inline(b.children) if isinstance(b, Paragraph) else self.block(b) for b in item]
            else:
                parts = [self.block(b) for b in item]
            items.append(Markup("<li>{}</li>").format(Markup("\n").join(parts)))
        body = Markup("\n").join(items)
        if node.ordered:
            start = Markup(' start="{}"').format(node.start) if node.start != 1 else Markup("")
            return Markup("<ol{}>\n{}\n</ol>").format(start, body)
        return Markup("<ul>\n{}\n</ul>").format(body)

    def _Quote(self, node: Quote) -> Markup:
        return Markup("<blockquote>\n{}\n</blockquote>").format(self.join_blocks([self.block(b) for b in node.children]))

    def _CodeBlock(self, node: CodeBlock) -> Markup:
        return Markup("<pre><code>{}</code></pre>").format(node.text)

    def _MathBlock(self, node: MathBlock) -> Markup:
        return Markup('<div class="math math-display">\\[{}\\]</div>').format(node.tex)

    def _Rule(self, node: Rule) -> Markup:
        return Markup("<hr>")

"""Markup trees as HTML (the email edition and the archive's pages).

What templates get from this renderer is ``markupsafe.Markup``: escaped once, here, so templates
with autoescaping never escape it twice (inside, plain strings are built, for speed). Links are
absolute or left out (the text stays). Math keeps its TeX between ``\\( \\)`` / ``\\[ \\]`` in an
element of class ``math``, for KaTeX or MathJax.
"""

from __future__ import annotations

from html import escape as _escape

from markupsafe import Markup

from precis.markup import (
    Code,
    CodeBlock,
    CrossRef,
    Doc,
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


def esc(s: str) -> str:
    """Escape plain text for HTML, unless it is Markup already."""
    return str(s) if isinstance(s, Markup) else _escape(s, quote=True)


def feed_text(text: str) -> str:
    """Plain text for a feed element that readers show as HTML although the format calls it text
    (RSS's ``title`` and ``description``): "&" and "<" escaped once more, so a title holding
    ``<script>`` is shown as those characters, never run ("A > B" stays as written)."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


class HtmlRenderer(TreeRenderer):
    # -- what templates call (Markup out) ------------------------------------------------------

    def blocks(self, doc: Doc | None, lead: str | None = None) -> Markup:
        return Markup(super().blocks(doc, lead))

    def text(self, s: str | None) -> Markup:
        return Markup(esc(s or ""))

    def link(self, label: str | Markup, url: str | None) -> Markup:
        """``label`` (plain text, or Markup already rendered) linked to ``url`` if it is usable."""
        href = self.url(url)
        body = esc(label)
        return Markup(f'<a href="{esc(href)}">{body}</a>' if href else body)

    def strong(self, s: str | Markup) -> Markup:
        return Markup(f"<strong>{esc(s)}</strong>")

    def em(self, s: str | Markup) -> Markup:
        return Markup(f"<em>{esc(s)}</em>")

    # -- inside: plain strings of HTML ---------------------------------------------------------

    def paragraph(self, children: tuple[Inline, ...], lead: str | None = None) -> str:
        body = self.inline(children)
        if lead:
            body = f"{lead} {body}" if body else str(lead)
        return f"<p>{body}</p>"

    def join_blocks(self, rendered: list[str]) -> str:
        return "\n".join(rendered)

    def _Text(self, node: Text) -> str:
        return _escape(node.text, quote=False)

    def _Code(self, node: Code) -> str:
        return f"<code>{_escape(node.text, quote=False)}</code>"

    def _Math(self, node: Math) -> str:
        if node.display:
            return f'<span class="math math-display">\\[{_escape(node.tex, quote=False)}\\]</span>'
        return f'<span class="math math-inline">\\({_escape(node.tex, quote=False)}\\)</span>'

    def _SoftBreak(self, node: SoftBreak) -> str:
        return "<br>\n"

    def _HardBreak(self, node: HardBreak) -> str:
        return "<br>\n"

    def _Emph(self, node: Emph) -> str:
        return f"<em>{self.inline(node.children)}</em>"

    def _Strong(self, node: Strong) -> str:
        return f"<strong>{self.inline(node.children)}</strong>"

    def _Link(self, node: Link) -> str:
        body = self.inline(node.children)
        href = self.url(node.href)
        if not href:
            return body
        title = f' title="{_escape(node.title)}"' if node.title else ""
        return f'<a href="{_escape(href)}"{title}>{body}</a>'

    def _Image(self, node: Image) -> str:
        src = self.url(node.src)
        alt = _escape(node.alt.strip() or "image")
        return f'<img src="{_escape(src)}" alt="{alt}">' if src else alt

    def _CrossRef(self, node: CrossRef) -> str:
        body = self.inline(node.children)
        target, entry_url, issue_url = self.cross_reference(node)
        if target is None:
            return body
        if entry_url:
            body = f'<a class="cross-reference" href="{_escape(entry_url)}">{body}</a>'
        if target.issue_label:
            label = _escape(target.issue_label)
            body += f' (<a href="{_escape(issue_url)}">{label}</a>)' if issue_url else f" ({label})"
        return body

    def _Heading(self, node: Heading) -> str:
        level = min(node.level + self.heading_offset, 6)
        return f"<h{level}>{self.inline(node.children)}</h{level}>"

    def _ListBlock(self, node: ListBlock) -> str:
        items = []
        for item in node.items:
            parts = [
                self.inline(b.children) if node.tight and isinstance(b, Paragraph) else self.block(b) for b in item
            ]
            items.append("<li>" + "\n".join(parts) + "</li>")
        body = "\n".join(items)
        if node.ordered:
            start = f' start="{node.start}"' if node.start != 1 else ""
            return f"<ol{start}>\n{body}\n</ol>"
        return f"<ul>\n{body}\n</ul>"

    def _Quote(self, node: Quote) -> str:
        return "<blockquote>\n" + self.join_blocks([self.block(b) for b in node.children]) + "\n</blockquote>"

    def _CodeBlock(self, node: CodeBlock) -> str:
        return f"<pre><code>{_escape(node.text, quote=False)}</code></pre>"

    def _MathBlock(self, node: MathBlock) -> str:
        return f'<div class="math math-display">\\[{_escape(node.tex, quote=False)}\\]</div>'

    def _Rule(self, node: Rule) -> str:
        return "<hr>"

"""Markup trees as what a narrator reads: words only.

No URL, no Markdown symbol: a link reads as its text, a cross-reference as "text, from Alignment
Newsletter 58", emphasis is dropped, list items become sentences (numbered ones "First, ...").
Text is put in spoken form by ``speakable``: "AN #58" becomes "Alignment Newsletter 58", "et al"
"and others", "e.g." "for example", "$2-8M" "2 to 8 million dollars", "1e15" "10 to the 15",
"10x" "10 times", "=" "equals", bare URLs "a link"; symbols a narrator cannot read are dropped.
Math is read in words when it is simple, else "an equation".
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
from precis.model import issue_label
from precis.render.base import Links, Target, TreeRenderer

ORDINALS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth"]

_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>]+", re.IGNORECASE)
# Heard in the podcast (precis.audio): a Markdown link written into a title ("[A](url) and [B](url)")
# reads as its text, and a URL in parentheses ("Think Again (https://...)") is left out, where
# "(a link)" would only interrupt the sentence.
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|www\.)[^)\s]*\)", re.IGNORECASE)
_URL_ASIDE = re.compile(r"\s*\((?:https?://|www\.)[^)\s]*\)", re.IGNORECASE)
_MONEY = re.compile(
    r"\$(\d[\d,]*(?:\.\d+)?)(?:\s?[-–]\s?\$?(\d[\d,]*(?:\.\d+)?))?(?:\s?(k|K|M|B|T|thousand|million|billion|trillion|quadrillion))?\b(?!\.\d)"
)
_MONEY_UNITS = {"k": "thousand", "K": "thousand", "M": "million", "B": "billion", "T": "trillion"}
_ABBREVIATIONS = [
    (re.compile(r"\bet al\b\.?", re.IGNORECASE), "and others"),
    (re.compile(r"\be\.g\b\.?,?", re.IGNORECASE), "for example,"),
    (re.compile(r"\bi\.e\b\.?,?", re.IGNORECASE), "that is,"),
    (re.compile(r"\betc\.", re.IGNORECASE), "et cetera."),
    (re.compile(r"\bvs\.?(?=\s)", re.IGNORECASE), "versus"),
    (re.compile(r"\bH/T\b"), "hat tip to"),
]
_SYMBOLS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"\b(\d+(?:\.\d+)?)e\+?(-?\d+)\b"), lambda m: (
        f"10 to the {m.group(2)}" if m.group(1) == "1" else f"{m.group(1)} times 10 to the {m.group(2)}")),
    (re.compile(r"(?<=\d)x\b"), " times"),
    (re.compile(r"(?<=\d)\s?[-–]\s?(?=\d)"), " to "),
    (re.compile(r"<=|≤"), " at most "),
    (re.compile(r">=|≥"), " at least "),
    (re.compile(r"\s<\s"), " less than "),
    (re.compile(r"\s>\s"), " greater than "),
    (re.compile(r"->|→|=>"), " to "),
    (re.compile(r"\s&\s"), " and "),
    (re.compile(r"≠"), " is not equal to "),
    (re.compile(r"="), " equals "),
    (re.compile(r"\+"), " plus "),
    (re.compile(r"\s[*×⋅]\s|×|⋅"), " times "),
    (re.compile(r"−"), " minus "),
    (re.compile(r"√"), " square root of "),
    (re.compile(r"∈"), " in "),
    (re.compile(r"∞"), " infinity "),
    (re.compile(r"(?<=\w)@(?=\w)"), " at "),
    # Heard in the podcast: "and/or", "win/loss" and "~10" read as "slash" and "tilde" otherwise.
    (re.compile(r"\band/or\b"), "and or"),
    (re.compile(r"(?<=[A-Za-z])/(?=[A-Za-z])"), " or "),
    (re.compile(r"~\s?(?=\d)|≈"), " about "),
    (re.compile(r"\$(?=[A-Za-z])"), ""),  # a placeholder such as "$JOBTYPE" reads as its name
    (re.compile(r"#(?=\d)"), "number "),
    # Invisible and private-use characters pasted into the sheet.
    (re.compile(r"[\u200b-\u200f\u2060\ufeff\ue000-\uf8ff]"), " "),
]
# Characters that are markup, not words; dropped from what is read.
_DROP = re.compile(r"[*_#`~\[\]<>|\\{}^]+")
_SPACES = re.compile(r"[ \t]{2,}")

# Simple TeX, read in words.
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
    "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
}
_TEX_WORDS = {
    r"\times": " times ", r"\cdot": " times ", r"\leq": " is at most ", r"\le": " is at most ",
    r"\geq": " is at least ", r"\ge": " is at least ", r"\neq": " is not equal to ", r"\approx": " is about ",
    r"\to": " to ", r"\infty": " infinity ", r"\in": " in ",
}
_TEX_TOKEN = re.compile(r"\\[a-zA-Z]+|\^\{?-?\w+\}?|_\{?\w+\}?|[A-Za-z]+|\d+(?:\.\d+)?|[=+\-*/<>(),.]|\s+|.")
_TEX_OPS = {"=": " equals ", "+": " plus ", "-": " minus ", "*": " times ", "/": " over ",
            "<": " is less than ", ">": " is greater than ", "(": " ", ")": " ", ",": ", ", ".": "."}


def _dollars(m: re.Match[str]) -> str:
    """ "$1B" -> "1 billion dollars"; "$2-8M" -> "2 to 8 million dollars"."""
    amount = m.group(1) + (f" to {m.group(2)}" if m.group(2) else "")
    unit = _MONEY_UNITS.get(m.group(3) or "", m.group(3) or "")
    return f"{amount} {unit} dollars" if unit else f"{amount} dollars"


def speak_math(tex: str) -> str:
    """TeX in words when it is simple ("x squared plus y"), else "an equation"."""
    words: list[str] = []
    for tok in _TEX_TOKEN.findall(tex.strip()):
        if tok.isspace():
            continue
        if tok.startswith("\\"):
            name = tok[1:]
            if name in _GREEK or name.lower() in _GREEK:
                words.append(name.lower())
            elif tok in _TEX_WORDS:
                words.append(_TEX_WORDS[tok])
            else:
                return "an equation"
        elif tok.startswith("^"):
            exp = tok.strip("^{}")
            words.append({"2": " squared", "3": " cubed"}.get(exp, f" to the power {exp.replace('-', 'minus ')}"))
        elif tok.startswith("_"):
            words.append(f" sub {tok.strip('_{}')}")
        elif tok in _TEX_OPS:
            words.append(_TEX_OPS[tok])
        elif tok[0].isalnum():
            words.append(f" {tok} ")
        else:
            return "an equation"
        if len(words) > 24:
            return "an equation"
    spoken = " ".join("".join(words).split())
    return spoken or "an equation"


class SpeechRenderer(TreeRenderer):
    def __init__(
        self,
        resolve: Callable[[str], Target | None],
        speak_issue: Callable[[str], str],
        links: Links | None = None,
        base_url: str | None = None,
    ) -> None:
        super().__init__(resolve, links, base_url)
        self.speak_issue = speak_issue

    def speakable(self, text: str) -> str:
        """Text in spoken form (see the module's docstring)."""
        text = _MARKDOWN_LINK.sub(r"\1", text)
        text = _URL_ASIDE.sub("", text)
        text = _URL.sub("a link", text)
        text = re.sub(
            r"\b([A-Z][A-Za-z]*) ?#(\d+)\b", lambda m: self.speak_issue(issue_label(m.group(1), int(m.group(2)))), text
        )
        text = _MONEY.sub(_dollars, text)
        for pattern, words in _ABBREVIATIONS:
            text = pattern.sub(words, text)
        for pattern, replacement in _SYMBOLS:
            text = pattern.sub(replacement, text)
        text = _DROP.sub(" ", text)
        return _SPACES.sub(" ", text)

    # -- what templates call -----------------------------------------------------------------

    def text(self, s: str | None) -> str:
        return self.speakable(s or "").strip()

    say = text

    def issue(self, label: str) -> str:
        """An issue label as spoken: "Alignment Newsletter 58"."""
        return self.speak_issue(label)

    def sentence(self, text: str) -> str:
        return sentence(text)

    def link(self, label: str, url: str | None) -> str:
        return self.text(label)

    def strong(self, s: str) -> str:
        return s

    def em(self, s: str) -> str:
        return s

    def paragraph(self, children: tuple[Inline, ...], lead: str | None = None) -> str:
        body = _tidy(self.inline(children))
        if lead:
            body = f"{lead} {body}" if body else str(lead)
        return sentence(body)

    def join_blocks(self, rendered: list[str]) -> str:
        return "\n\n".join(r for r in rendered if r)

    # -- inline nodes ------------------------------------------------------------------------

    def _Text(self, node: Text) -> str:
        return self.speakable(node.text)

    def _Code(self, node: Code) -> str:
        return self.speakable(node.text)

    def _Math(self, node: Math) -> str:
        return speak_math(node.tex)

    def _SoftBreak(self, node: SoftBreak) -> str:
        return " "

    def _HardBreak(self, node: HardBreak) -> str:
        return " "

    def _Emph(self, node: Emph) -> str:
        return self.inline(node.children)

    def _Strong(self, node: Strong) -> str:
        return self.inline(node.children)

    def _Link(self, node: Link) -> str:
        return self.inline(node.children)

    def _Image(self, node: Image) -> str:
        return self.speakable(node.alt)

    def inline_node(self, node: Inline, following: Inline | None) -> str:
        if isinstance(node, CrossRef):
            return self._cross_reference(node, following)
        return super().inline_node(node, following)

    def _cross_reference(self, node: CrossRef, following: Inline | None) -> str:
        body = self.inline(node.children)
        target = self.resolve(node.key)
        if target is None or not target.issue_label:
            return body
        spoken = f"{body}, from {self.speak_issue(target.issue_label)}"
        # Close the aside with a comma when the sentence goes on ("X, from AN 5, shows ...").
        if isinstance(following, Text) and re.match(r"\s+[\w(]", following.text):
            spoken += ","
        return spoken

    # -- blocks ------------------------------------------------------------------------------

    def _Heading(self, node: Heading) -> str:
        return sentence(_tidy(self.inline(node.children)))

    def _ListBlock(self, node: ListBlock) -> str:
        items = []
        for n, item in enumerate(node.items, node.start):
            body = " ".join(self.block(b) for b in item)
            if node.ordered:
                body = (ORDINALS[n - 1] if 0 < n <= len(ORDINALS) else f"Number {n}") + ", " + body
            items.append(sentence(body))
        return "\n".join(items)

    def _Quote(self, node: Quote) -> str:
        return self.join_blocks([self.block(b) for b in node.children])

    def _CodeBlock(self, node: CodeBlock) -> str:
        return sentence(_tidy(self.speakable(node.text)))

    def _MathBlock(self, node: MathBlock) -> str:
        return sentence(speak_math(node.tex))

    def _Rule(self, node: Rule) -> str:
        return ""


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    return re.sub(r"\s+([,.;:!?])", r"\1", text)


def sentence(text: str) -> str:
    """Text ending like a sentence, so that a narrator pauses after it."""
    text = text.strip()
    if not text:
        return ""
    end = text.rstrip("\"”’')")
    return text if end and end[-1] in ".!?:;…" else text + "."

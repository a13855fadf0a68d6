"""House styles: where their templates are, the Jinja2 environments that load them, and the
formats an edition can be rendered in.

This module owns the template environments (one per style folder and escaping mode, made once per
process) and turns a broken or missing template into a one-line ``PrecisError`` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import jinja2
from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)

from precis.errors import InvalidValue, NotFound, PrecisError
from precis.paths import cache_dir

TEMPLATES = Path(__file__).parent / "templates"
# Templates every style may use unless it has its own: the email document, the planned summary.
COMMON = TEMPLATES / "_common"

#: format -> (template, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "markdown": ("issue.md.j2", ".md"),
    "html": ("email.html.j2", ".html"),
    "text": ("issue.txt.j2", ".txt"),
    "speech": ("issue.speech.j2", ".speech.txt"),
}
HTML_FRAGMENT = "issue.html.j2"
PLANNED = "planned.md.j2"


def check_format(format: str) -> str:
    """``format`` if it is one of ``FORMATS``; an ``InvalidValue`` naming them otherwise."""
    if format not in FORMATS:
        raise InvalidValue("format", format, f"the formats are: {', '.join(FORMATS)}")
    return format


def available_styles() -> list[str]:
    return sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def style_directory(style: str) -> Path:
    """A built-in style by name, or a directory of templates given as a path."""
    builtin = TEMPLATES / style
    if "/" not in style and builtin.is_dir():
        return builtin
    path = Path(style).expanduser()
    if path.is_dir():
        return path
    raise NotFound(
        f"no house style {style!r}; the styles are: {', '.join(available_styles())} (or a directory of templates)"
    )


@cache
def compiled_templates(kind: str) -> BytecodeCache | None:
    """Templates compiled by earlier runs, kept in the render cache (``precis.paths``): compiling
    the site's and the house style's templates took over a second of each build's start. One
    folder per Jinja2 version and ``kind`` of environment, since Jinja2 keys compiled code by the
    template's file and source only, not by the environment's options (autoescaping). None when
    the folder cannot be made: templates are then compiled in each process."""
    folder = cache_dir("render") / "templates" / f"jinja2-{jinja2.__version__}" / kind
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


@cache
def environment(directory: Path, html: bool) -> Environment:
    """The environment of one style folder (its own templates first, then the common ones)."""
    return Environment(
        loader=FileSystemLoader([directory, COMMON]),
        bytecode_cache=compiled_templates("html" if html else "text"),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )


def template(directory: Path, name: str, html: bool) -> Template:
    with template_errors(directory, name):
        return environment(directory, html).get_template(name)


@contextmanager
def template_errors(directory: Path, name: str) -> Iterator[None]:
    """A broken or missing template of a house style, as a one-line error naming it."""
    try:
        yield
    except TemplateNotFound as exc:
        raise PrecisError(f"house style {directory.name!r} has no template {exc.name} ({directory})") from None
    except TemplateSyntaxError as exc:
        raise PrecisError(f"{exc.filename or name}, line {exc.lineno}: {exc.message}") from None
    except UndefinedError as exc:
        raise PrecisError(f"house style {directory.name!r}, template {name}: {exc.message}") from None


def tidy(text: str) -> str:
    """Layout of a rendered text edition: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"

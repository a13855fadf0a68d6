"""The parsed texts of a site's archive, kept between builds in the render cache.

Parsing every summary and opinion is most of what a build spends reading the archive (over half
of a build after one edit, before this cache); with it, a build parses only the texts that
changed. There is one file per parser and site folder,
``<render cache>/parsed/<parser>-<folder>.pickle`` (``precis.paths``): the parser's digest covers
``precis/markup.py`` and the versions of markdown-it-py and mdit-py-plugins, so a changed parser
never hands back old trees. The file holds the trees of the texts the last build used and no
others, and is rewritten only when that set changed. A tree depends on its text and the parser
alone, so the first build into a new folder starts from the trees of the folder built last.
Like every cache of Précis it can be deleted at any time: the next build then parses everything
again. It lives in the user's own cache folder, next to the assistant's (also pickles): files
there are trusted as the code is.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from precis import markup
from precis.markup import Doc, Trees, keeping
from precis.paths import cache_dir, folder_key, load_cached, save_cached

#: How many texts a build may parse anew before the file is rewritten.
REWRITE_AFTER = 20


@contextmanager
def parsed_texts(site: Path) -> Iterator[None]:
    """Within the block, texts parsed by the last build of ``site`` are not parsed again; when the
    block ends without an error, the trees it used are kept for the next build."""
    path = _path(site)
    trees = Trees(_load(path) or _load(_latest(path)), {})
    with keeping(trees):
        yield
    # Rewriting the file costs a fraction of a second: not for the few texts an edit changes (each
    # parsed again in a millisecond until a larger change rewrites it), nor when nothing changed.
    missing = sum(1 for text in trees.used if text not in trees.known)
    if missing > REWRITE_AFTER or (not trees.known and trees.used):
        save_cached(path, trees.used)


def _path(site: Path) -> Path:
    parser = hashlib.sha256(Path(markup.__file__).read_bytes())
    for name in ("markdown-it-py", "mdit-py-plugins"):
        parser.update(metadata.version(name).encode())
    return cache_dir("render") / "parsed" / f"{parser.hexdigest()[:32]}-{folder_key(site)}.pickle"


def forget(site: Path) -> None:
    """Remove the trees kept for the folder ``site`` (which is about to be deleted), whatever parser
    made them."""
    for path in (cache_dir("render") / "parsed").glob(f"*-{folder_key(site)}.pickle"):
        with contextlib.suppress(OSError):
            path.unlink()


def _latest(path: Path) -> Path:
    """The file of the same parser written last, for any folder (``path`` if there is none)."""
    parser = path.name.split("-", 1)[0]
    try:
        return max(path.parent.glob(f"{parser}-*.pickle"), key=lambda p: p.stat().st_mtime_ns, default=path)
    except OSError:  # a file removed while looking
        return path


def _load(path: Path) -> dict[str, Doc]:
    """The kept trees, or none when there are none or they cannot be read (then all are parsed)."""
    found = load_cached(path)
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, Doc)}

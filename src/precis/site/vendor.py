"""The browser libraries the archive and the newsroom ship, copied from installed npm packages.

Pages never load anything from another host (the archive must work offline and on any static
host), so the files below are committed under ``static/vendor/`` with each package's licence.
``static/vendor/package.json`` and ``package-lock.json`` pin the versions. To update them::

    cd "$(mktemp -d)" && cp /path/to/src/precis/site/static/vendor/package*.json . && npm ci
    python -m precis.site.vendor node_modules

(Or edit ``package.json``, ``npm install`` and copy the new lock file back.) The search library,
Pagefind, is not here: its browser files are written by the ``pagefind`` binary (PyPI
``pagefind-bin``) together with the index, so they always match it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

VENDOR = Path(__file__).parent / "static" / "vendor"

#: package -> files to copy (relative to the package), the first matching licence file included.
FILES: dict[str, list[str]] = {
    "chart.js": ["dist/chart.umd.min.js"],
    "cytoscape": ["dist/cytoscape.min.js"],
    "htmx.org": ["dist/htmx.min.js"],  # the newsroom's pages (``precis.web``), not the archive's
    "katex": ["dist/katex.min.js", "dist/katex.min.css", "dist/fonts/*.woff2"],
}
LICENCES = ("LICENSE", "LICENSE.md", "LICENSE.txt")


def vendored_files() -> list[Path]:
    """Every file the site needs from ``static/vendor`` (relative to it), by the list above."""
    out: list[Path] = []
    for package, patterns in FILES.items():
        for pattern in patterns:
            name = Path(pattern).name
            folder = Path(package) / Path(pattern).parent.relative_to("dist")
            if "*" in name:
                out.extend(p.relative_to(VENDOR) for p in sorted((VENDOR / folder).glob(name)))
            else:
                out.append(folder / name)
    return out


def refresh(node_modules: Path) -> list[Path]:
    """Copy the listed files and licences from ``node_modules`` into ``static/vendor``."""
    copied: list[Path] = []
    versions: dict[str, str] = {}
    for package, patterns in FILES.items():
        source = node_modules / package
        versions[package] = json.loads((source / "package.json").read_text("utf-8"))["version"]
        target = VENDOR / package
        if target.exists():
            shutil.rmtree(target)
        for pattern in patterns:
            for path in sorted(source.glob(pattern)):
                dest = target / path.relative_to(source / "dist")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
                copied.append(dest)
        licence = next(source / n for n in LICENCES if (source / n).exists())
        shutil.copyfile(licence, target / "LICENSE")
    (VENDOR / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n", "utf-8")
    return copied


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m precis.site.vendor NODE_MODULES")
    for path in refresh(Path(sys.argv[1])):
        print(path.relative_to(VENDOR))

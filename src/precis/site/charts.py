"""The figures behind the statistics page's charts, as JSON-able data.

The page draws them with Chart.js and Cytoscape.js (vendored, see ``vendor.py``); this module
only counts. Everything is computed from the public archive, so a private entry is in no chart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from precis.site.archive import Archive, EntryItem


def issue_of(item: EntryItem) -> str | None:
    return item.issue_label


def quarter(item: EntryItem) -> str | None:
    date = item.issue.date if item.issue is not None else None
    return f"{date.year} Q{(date.month - 1) // 3 + 1}" if date else None


def timeline(archive: Archive) -> dict[str, Any]:
    """Entries per quarter (of their issue's date) by top-level section.

    Issues of the real archive carry no dates; without any dated issue the chart counts entries
    per issue instead, and says so in its title.
    """
    sections = archive.sections()
    dated = [i for i in archive.entries if quarter(i)]
    if dated:
        keys: list[str] = sorted({q for i in dated if (q := quarter(i)) is not None})
        key_of, unit = quarter, "Quarter"
        title = "Entries per quarter by top-level category"
        items = dated
    else:
        keys = [issue.label for issue in archive.issues]
        key_of, unit = issue_of, "Issue"
        title = "Entries per issue by top-level category (the issues have no dates)"
        items = [i for i in archive.entries if i.issue is not None]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        key = key_of(item)
        if key is not None:
            counts[item.section][key] += 1
    return {
        "title": title,
        "unit": unit,
        "labels": keys,
        "series": [{"label": s, "data": [counts[s][k] for k in keys]} for s in sections if counts[s]],
    }


def chart_data(archive: Archive) -> dict[str, Any]:
    """Everything ``stats.js`` draws: the timeline, summarizers, most-referenced entries."""
    most = archive.most_referenced()
    summarizers = archive.summarizer_counts()
    return {
        "timeline": timeline(archive),
        "summarizers": {"labels": [n for n, _ in summarizers], "data": [c for _, c in summarizers]},
        "referenced": {
            "labels": [i.title for i in most],
            "data": [len(i.referenced_by) for i in most],
            "paths": [i.path for i in most],
        },
    }


def reference_graph(archive: Archive) -> dict[str, Any]:
    """Every public entry that refers or is referred to, and the references between them."""
    linked = [i for i in archive.entries if i.references or i.referenced_by]
    return {
        "nodes": [
            {"id": i.slug, "title": i.title, "path": i.path, "issue": i.issue_label or ""} for i in linked
        ],
        "edges": [
            [i.slug, archive.by_id[target].slug] for i in linked for target in i.references
        ],
    }

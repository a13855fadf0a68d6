"""What the podcast reads for every issue of the real archive (no synthesis: the script only)."""

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from precis.model import Issue
from precis.render import Editions

# Markup or URLs left in what is read; chapter titles are shown, not read, but show no markup.
NOT_SPEECH = re.compile(r"https?://|www\.|\]\(|[*_#`\[\]<>|~\\$]|^\s*[-+]\s", re.M)
NOT_A_TITLE = re.compile(r"https?://|www\.|\]\(|\*\*|<@|@>")


def test_every_issue_reads_each_public_entry_once_without_urls_or_markup(real_store):
    editions = Editions.load(real_store, warn=lambda message: None)
    with real_store.session() as s:
        public = {
            i.label: sorted(e.id for e in i.entries if e.public_level != "No")
            for i in s.scalars(select(Issue).options(selectinload(Issue.entries)))
        }
    assert len(editions.issues) == len(public) == 172
    for issue in editions.issues:
        segments = editions.speech(issue)
        for seg in segments:
            found = NOT_SPEECH.search(seg.text) or NOT_A_TITLE.search(seg.title)
            assert found is None, (issue.label, seg.title, found and found.group())
        read = [s.entry_id for s in segments if s.kind == "entry"]
        assert sorted(read) == public[issue.label], issue.label
        assert [s.kind for s in segments][0] == "intro" and segments[-1].kind == "footer"
        assert "recorded by" not in segments[-1].text  # the synthetic voice claims no narrator

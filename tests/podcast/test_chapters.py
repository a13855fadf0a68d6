"""Chapters and the table of contents, from segments and where they sit in the episode."""

from precis.audio.episode import clock, contents_text
from precis.audio.segments import Chapter, chapters_for, table_of_contents
from precis.render import Segment

SEGMENTS = [
    Segment("intro", "Introduction", "Welcome."),
    Segment("section", "Highlights", "Highlights.", ("Highlights",)),
    Segment("entry", "First", "First entry.", ("Highlights",), 1),
    Segment("section", "Technical AI alignment", "Technical AI alignment.", ("Technical AI alignment",)),
    Segment("subsection", "Interpretability", "Interpretability.", ("Technical AI alignment", "Interpretability")),
    Segment("entry", "Second", "Second entry.", ("Technical AI alignment", "Interpretability"), 2),
    Segment("entry", "Third", "Third entry.", ("Technical AI alignment", "Interpretability"), 3),
    Segment("footer", "Closing", "Goodbye."),
]
SPANS = [(0.3, 2.0), (3.2, 4.0), (4.6, 10.0), (11.2, 12.0), (12.6, 13.5), (14.1, 20.0), (21.2, 30.0), (31.2, 33.0)]


def test_one_chapter_per_entry_starting_where_its_section_is_announced():
    chapters = chapters_for(SEGMENTS, SPANS, total=34.0)
    assert [c.title for c in chapters] == ["Introduction", "First", "Second", "Third", "Closing"]
    assert [c.kind for c in chapters] == ["intro", "entry", "entry", "entry", "footer"]
    by_title = {c.title: c for c in chapters}
    assert by_title["First"].start == 3.2  # "Highlights." is heard at the start of the chapter
    assert by_title["Second"].start == 11.2  # both section and subsection announcements
    assert by_title["Third"].start == 21.2
    assert by_title["Second"].entry_id == 2


def test_chapters_cover_the_whole_episode_without_gaps_or_overlaps():
    chapters = chapters_for(SEGMENTS, SPANS, total=34.0)
    assert chapters[0].start == 0.0
    assert chapters[-1].end == 34.0
    for before, after in zip(chapters, chapters[1:]):
        assert before.end == after.start


def test_table_of_contents_groups_entries_by_section_and_subsection():
    root = table_of_contents(chapters_for(SEGMENTS, SPANS, total=34.0))
    names = [(c.title, type(c).__name__) for c in root.children]
    assert names == [("Introduction", "Chapter"), ("Highlights", "TocNode"),
                     ("Technical AI alignment", "TocNode"), ("Closing", "Chapter")]
    technical = root.children[2]
    (interpretability,) = technical.children
    assert interpretability.title == "Interpretability"
    assert [c.title for c in interpretability.children] == ["Second", "Third"]
    ids = [root.id] + [n.id for n in root.children] + [interpretability.id]
    assert len(ids) == len(set(ids))


def test_chapters_survive_the_store_as_json():
    chapters = chapters_for(SEGMENTS, SPANS, total=34.0)
    assert [Chapter.from_dict(c.to_dict()) for c in chapters] == chapters


def test_contents_list_start_times_and_sections():
    chapters = chapters_for(SEGMENTS, SPANS, total=34.0)
    lines = contents_text(chapters).splitlines()
    assert lines[0] == "0:00 Introduction"
    assert lines[2] == "0:11 Technical AI alignment > Interpretability: Second"
    assert clock(3725.4) == "1:02:05"

"""Chapters and the table of contents, from segments and where they sit in the episode."""

from precis.audio.episode import clock, contents_text, speech_segments
from precis.audio.segments import Chapter, Segment, chapters_for, table_of_contents
from precis.render import Segment as SpeechSegment

SEGMENTS = [
    Segment("intro", "Welcome.", "Introduction"),
    Segment("heading", "Highlights.", "Highlights", ("Highlights",)),
    Segment("entry", "First entry.", "First", ("Highlights",), 1),
    Segment("heading", "Technical AI alignment.", "Technical AI alignment", ("Technical AI alignment",)),
    Segment("heading", "Interpretability.", "Interpretability", ("Technical AI alignment", "Interpretability")),
    Segment("entry", "Second entry.", "Second", ("Technical AI alignment", "Interpretability"), 2),
    Segment("entry", "Third entry.", "Third", ("Technical AI alignment", "Interpretability"), 3),
    Segment("outro", "Goodbye.", "Closing"),
]
SPANS = [(0.3, 2.0), (3.2, 4.0), (4.6, 10.0), (11.2, 12.0), (12.6, 13.5), (14.1, 20.0), (21.2, 30.0), (31.2, 33.0)]


def test_one_chapter_per_entry_starting_where_its_section_is_announced():
    chapters = chapters_for(SEGMENTS, SPANS, total=34.0)
    assert [c.title for c in chapters] == ["Introduction", "First", "Second", "Third", "Closing"]
    assert [c.kind for c in chapters] == ["intro", "entry", "entry", "entry", "outro"]
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


def test_speech_edition_segments_get_their_section_path_and_plain_titles():
    rendered = [
        SpeechSegment("intro", "Alignment Newsletter #1", "Alignment Newsletter 1."),
        SpeechSegment("section", "Technical AI alignment", "Technical AI alignment.", None, "Technical AI alignment"),
        SpeechSegment("entry", "Direct entry", "Direct entry.", 7, "Technical AI alignment"),
        SpeechSegment("subsection", "Interpretability", "Interpretability.", None, "Technical AI alignment"),
        SpeechSegment("entry", "[Paper A](https://a.example) and [Paper B](https://b.example)", "Paper A and B.", 8,
                      "Technical AI alignment"),
        SpeechSegment("section", "News", "News.", None, "News"),
        SpeechSegment("entry", "Fellowship", "Fellowship.", 9, "News"),
        SpeechSegment("footer", "Closing", "Thanks."),
    ]
    segments = speech_segments(rendered)
    assert [s.kind for s in segments] == ["intro", "heading", "entry", "heading", "entry", "heading", "entry", "outro"]
    assert segments[2].sections == ("Technical AI alignment",)
    assert segments[4].sections == ("Technical AI alignment", "Interpretability")
    assert segments[4].title == "Paper A and Paper B"
    assert segments[6].sections == ("News",)
    assert [s.entry_id for s in segments if s.kind == "entry"] == [7, 8, 9]


def test_contents_list_start_times_and_sections():
    chapters = chapters_for(SEGMENTS, SPANS, total=34.0)
    lines = contents_text(chapters).splitlines()
    assert lines[0] == "0:00 Introduction"
    assert lines[2] == "0:11 Technical AI alignment > Interpretability: Second"
    assert clock(3725.4) == "1:02:05"

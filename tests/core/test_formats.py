"""Reading the other formats: a Google Sheets HTML download, CSV with editorial columns."""

from pathlib import Path

from precis.sheets import read_file
from tests.helpers import SAMPLE_CSV

FIXTURES = Path(__file__).parent / "fixtures"


def test_google_sheets_html_export_reads_values_links_and_line_breaks():
    first, second = read_file(FIXTURES / "google_sheets.html")
    assert first.title == "Risks from Learned Optimization in Advanced Machine Learning Systems"
    # Google wraps every link in a redirect; the real target is kept.
    assert first.title_url == "https://arxiv.org/abs/1906.01820"
    assert first.issue == "AN #58" and first.issue_url == "https://mailchi.mp/example/an-58"
    assert first.year == 2019 and first.highlight and first.public_level == "With edits"
    assert first.summary == "First paragraph of the summary.\n\nSecond paragraph with <@an anchor@>(@Some Earlier Title@)."
    assert [(o.author, o.text) for o in first.opinions] == [("Flo", "An opinion."), ("Rohin", "Another opinion.")]
    assert first.summarizer == "Rohin"
    assert second.issue is None and second.issue_note == "N/A" and second.venue == "N/A"
    assert second.public_level == "Link only"


def test_sample_csv_reads_editorial_columns_and_link_columns():
    records = {r.title: r for r in read_file(SAMPLE_CSV)}
    rec = records["Learning to summarize from human feedback"]
    assert rec.public_level == "With edits" and rec.email_status == "Sent" and rec.priority == 7
    assert rec.prerequisites_url == "https://arxiv.org/abs/1706.03741"
    assert rec.notes == "Check the KL coefficient before sending."
    assert records["Internal Draft on Lab Policy"].public_level == "No"

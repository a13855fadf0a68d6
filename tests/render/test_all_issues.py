"""Every issue of the real archive, in every edition, through the command a user runs."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib
import pytest
from lxml import html as lxml_html

from precis.render import speech_script
from tests.helpers import invoke
from tests.helpers import run_precis as run

ISSUES = 172
# What would be Markdown (or a URL) if it were left in the speech script.
NOT_SPEECH = re.compile(r"https?://|www\.|\]\(|[*_#`\[\]<>|~\\]|^\s*[-+]\s", re.M)


@pytest.fixture(scope="module")
def rendered(real_db: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("all")
    result = run(real_db, "render", "--all", "--out", str(out))
    return result, out


def test_render_all_writes_three_editions_of_all_172_issues_and_warns_on_the_broken_references(rendered):
    result, out = rendered
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for ext in (".md", ".html", ".txt"):
        assert len(list(out.glob(f"*{ext}"))) == ISSUES
    assert (out / "an-62.md").exists() and (out / "recon-5.html").exists()
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 3
    assert all("'More realistic tales of doom'" in w and "closest titles:" in w for w in warnings)
    assert sorted(re.search(r"(AN #\d+) ·", w).group(1) for w in warnings) == ["AN #56", "AN #59", "AN #88"]
    # An unresolved reference renders as its plain text.
    an56 = (out / "an-56.md").read_text()
    assert "More realistic tales of doom" in an56 and "<@" not in an56


def test_email_html_parses_has_no_style_no_relative_link_and_every_image_has_alt(rendered):
    _result, out = rendered
    for path in sorted(out.glob("*.html")):
        text = path.read_text()
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
        doc = lxml_html.fromstring(text)
        assert not doc.xpath("//style | //script | //link"), path.name
        ids = set(doc.xpath("//@id"))
        for href in doc.xpath("//a/@href"):
            if href.startswith("#"):  # the table of contents: an anchor in the same email
                assert href[1:] in ids, (path.name, href)
            else:
                assert re.match(r"^(https?|mailto):\S+$", href), (path.name, href)
        assert all(img.get("alt") for img in doc.xpath("//img")), path.name
        assert doc.xpath("//p[@style]"), f"{path.name}: CSS was not inlined"


def test_plain_text_is_wrapped_at_80_columns(rendered):
    _result, out = rendered
    for path in sorted(out.glob("*.txt")):
        for line in path.read_text().splitlines():
            if len(line) > 80:
                # Only a word too long for any line may stick out: a URL, or a formula.
                words = line.lstrip("-> 0123456789.").split(" ")
                assert len(words) == 1 or re.match(r"^\[\d+\] \S+$", line), (path.name, line)


def test_speech_of_every_issue_has_no_url_and_no_markdown(real_editions):
    ed, _warnings = real_editions
    assert len(ed.issues) == ISSUES
    for issue in ed.issues:
        script = speech_script(ed.speech(issue))
        found = NOT_SPEECH.search(script)
        assert found is None, (issue.label, script[max(0, found.start() - 60): found.end() + 60])


def test_strict_makes_an_unresolved_reference_an_error(real_db):
    result = run(real_db, "render", "56", "--strict")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("precis: error: AN #56 · ")
    assert "'More realistic tales of doom' matches no entry" in lines[0]


def test_issue_can_be_named_three_ways_and_a_missing_one_is_an_error(real_db, tmp_path):
    by_number = run(real_db, "render", "139", "--format", "text")
    by_label = run(real_db, "render", "AN #139", "--format", "text")
    assert by_number.returncode == 0 and by_number.stdout == by_label.stdout
    assert by_number.stdout.startswith("Alignment Newsletter #139\n")
    recon = run(real_db, "render", "Recon #5", "-o", str(tmp_path / "r5.md"))
    assert recon.returncode == 0 and (tmp_path / "r5.md").read_text().startswith("# Recon #5\n")
    missing = run(real_db, "render", "AN #999")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "precis: error: no issue AN #999 in the store (172 issues)"
    bad = run(real_db, "render", "62", "--format", "pdf")
    assert bad.returncode == 1 and "markdown, html, text, speech" in bad.stderr


def test_planned_summary_for_posting_under_the_paper(real_db):
    result = run(real_db, "entry", "show", "Deep Double Descent", "--format", "planned")
    assert result.returncode == 0
    out = result.stdout
    assert out.startswith("Planned summary for the Alignment Newsletter:\n\nThis blog post provides empirical evidence")
    assert "\n\nPlanned opinion:\n\nWhile I previously didn't think that double descent was a real phenomenon" in out
    default = run(real_db, "entry", "show", "Deep Double Descent")
    assert "Planned summary" not in default.stdout and "Preetum Nakkiran" in default.stdout


def test_render_has_help_with_an_example(tmp_path):
    result = invoke(tmp_path / "x.db", "render", "--help")  # in this process: a new one took seconds
    assert result.exit_code == 0 and "Example:" in result.stdout

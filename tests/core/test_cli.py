"""The core commands as a user runs them."""

from pathlib import Path

from tests.helpers import SAMPLE_CSV, SAMPLE_TOML, invoke, sample_db
from tests.helpers import run_precis as run


def test_init_import_and_look_around(tmp_path):
    db = tmp_path / "s.db"
    assert "Sample Newsletter" in run(db, "init", "--publication", str(SAMPLE_TOML)).stdout
    out = run(db, "import", str(SAMPLE_CSV)).stdout
    assert "10 new" in out and "3 new issues" in out
    stats = run(db, "stats").stdout
    assert "10 entries" in stats and "Interpretability" in stats
    issues = run(db, "issues").stdout
    assert "SN #1" in issues and "SN #3" in issues
    show = run(db, "entry", "show", "curve detectors")
    assert show.returncode == 0
    assert "Curve Detectors" in show.stdout and "Ada's opinion" in show.stdout
    assert "https://distill.pub/2020/circuits/curve-circuits/" in show.stdout


def test_every_command_has_help_with_an_example(tmp_path):
    for command in (["init"], ["import"], ["export"], ["check"], ["stats"], ["issues"], ["entry", "show"]):
        result = invoke(tmp_path / "x.db", *command, "--help")  # in this process: a new one per command took seconds
        assert result.exit_code == 0
        assert "Example:" in result.stdout, command


def test_public_export_leaves_out_private_entries_and_editorial_notes(tmp_path):
    db = sample_db(tmp_path / "s.db")  # init and import as a user runs them: test_init_import_and_look_around
    out = tmp_path / "public.json"
    assert run(db, "export", "--public", str(out)).returncode == 0
    text = out.read_text()
    assert "Internal Draft on Lab Policy" not in text
    assert "Check the KL coefficient" not in text
    assert "Sample Fellowship Announcement" in text


def test_check_on_the_real_sheet_names_exactly_the_three_broken_references(real_store):
    result = run(Path(real_store.engine.url.database), "check")
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    for line in errors:
        assert "'More realistic tales of doom' matches no entry" in line
        assert line.count("';") + line.count("'\n") >= 2  # three suggestions, separated by ';'
    titles = {"What can the principal-agent literature tell us about AI risk?", "A shift in arguments for AI risk",
              "Agency Failure AI Apocalypse?"}
    assert {next(t for t in titles if t in error) for error in errors} == titles

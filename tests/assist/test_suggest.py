"""Suggestions as a writer gets them: from the whole real archive, through the library and the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

from precis.assist import Assistant
from tests.helpers import invoke, run_precis


def run(db: Path, *args: str, cache: Path) -> subprocess.CompletedProcess:
    return run_precis(db, *args, env={"PRECIS_CACHE_DIR": str(cache), "PRECIS_ASSIST_EMBED": "0"})


def test_anchor_finds_the_entry_a_short_name_means(real_assistant):
    context = "Like debate, this proposal has two AI systems argue, and a human judge decides who won."
    assert "AI safety via debate" in real_assistant.anchor("debate", context)
    cirl = real_assistant.anchor("CIRL", "We model the human and robot as playing a CIRL game.")
    assert "Cooperative Inverse Reinforcement Learning" in cirl
    assert real_assistant.anchor("Agent57", "Agent57 beats the human baseline on all Atari games.")[0].startswith(
        "Agent57"
    )


def test_refs_suggest_the_work_a_summary_builds_on(real_assistant):
    text = (
        "This post extends iterated amplification: a human with access to copies of the agent "
        "decomposes questions, and the agent is distilled from the amplified system."
    )
    refs = real_assistant.refs(text, 10)
    assert len(refs) == 10 and len(set(refs)) == 10
    assert any("Iterated Amplification" in t for t in refs)


def test_category_suggestions_are_categories_of_the_tree(real_assistant):
    got = real_assistant.category(
        "We find adversarial examples that fool image classifiers with imperceptible perturbations, "
        "and study adversarial training as a defense.", 3
    )
    assert len(got) == 3 and "Adversarial examples" in got
    # Case variants of a category are one category ("Miscellaneous (alignment)" is filed with it).
    assert "Miscellaneous (alignment)" not in real_assistant.categories.classes


def test_cli_single_suggestions_and_batch(real_assist_db, assist_cache, tmp_path):
    out = run(real_assist_db, "suggest", "category", "A new reward learning method from human comparisons.",
              "--json", cache=assist_cache)
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 3
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "kind": "anchor", "text": "debate",
                    "context": "AI safety via debate, two agents argue."})
        + "\n\n"
        + json.dumps({"id": 7, "kind": "refs", "text": "Inner alignment and mesa optimizers.", "k": 4})
        + "\n"
        + json.dumps({"id": "c", "kind": "category", "text": "Forecasting when transformative AI arrives.", "k": 1})
        + "\n",
        "utf-8",
    )
    out = run(real_assist_db, "suggest", "--batch", str(batch), cache=assist_cache)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", 7, "c"]
    assert len(lines[0]["results"]) == 5 and len(lines[1]["results"]) == 4 and len(lines[2]["results"]) == 1
    assert "AI safety via debate" in lines[0]["results"]
    assert lines[2]["results"] == ["Forecasting"]


def test_a_bad_batch_line_is_named_and_nothing_is_answered(real_assist_db, assist_cache, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": 1, "kind": "refs", "text": "x"}\n{"id": 2, "kind": "summary", "text": "x"}\n', "utf-8")
    out = run(real_assist_db, "suggest", "--batch", str(batch), cache=assist_cache)
    assert out.returncode == 1
    assert "line 2" in out.stderr and "kind" in out.stderr and "Traceback" not in out.stderr
    assert out.stdout == ""
    batch.write_text('{"id": 1, "kind": "refs", "text": "x", "k": 0}\n', "utf-8")
    out = run(real_assist_db, "suggest", "--batch", str(batch), cache=assist_cache)
    assert out.returncode == 1 and "line 1" in out.stderr and '"k"' in out.stderr


def test_every_command_has_help_with_an_example(tmp_path):
    for command in (["suggest"], ["suggest", "category"], ["suggest", "refs"], ["suggest", "anchor"],
                    ["suggest", "duplicates"], ["bench", "assist"]):
        out = invoke(tmp_path / "x.db", *command, "--help")  # in this process: a new one per command took seconds
        assert out.exit_code == 0 and "Example:" in out.stdout, command


def test_an_empty_store_suggests_nothing_rather_than_failing(empty_store, tmp_path, monkeypatch):
    monkeypatch.setenv("PRECIS_CACHE_DIR", str(tmp_path / "cache"))
    Assistant._memory.clear()
    assistant = Assistant.for_store(empty_store)
    assert assistant.category("anything") == []
    assert assistant.refs("anything") == [] and assistant.anchor("x", "y") == []


def test_the_model_is_cached_by_the_store_content_and_retrained_after_an_edit(sample_store, tmp_path, monkeypatch):
    from sqlalchemy import select

    from precis.model import Entry

    monkeypatch.setenv("PRECIS_CACHE_DIR", str(tmp_path / "cache"))
    Assistant._memory.clear()
    fitted: list[int] = []
    first = Assistant.for_store(sample_store, on_fit=lambda: fitted.append(1))
    assert fitted == [1] and len(list((tmp_path / "cache").glob("*.pkl"))) == 1
    Assistant._memory.clear()  # a new process: read back from the cache, not trained again
    again = Assistant.for_store(sample_store, on_fit=lambda: fitted.append(2))
    assert fitted == [1] and again.fingerprint == first.fingerprint
    with sample_store.session() as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        entry.title = "Curve neurons revisited"
    after = Assistant.for_store(sample_store, on_fit=lambda: fitted.append(3))
    assert fitted == [1, 3] and after.fingerprint != first.fingerprint
    text = "Curve neurons revisited finds the same circuits in other vision models."
    assert "Curve neurons revisited" in after.refs(text, 3)
    assert "Curve neurons revisited" not in first.refs(text, 3)
    Assistant._memory.clear()


def test_a_small_store_learns_from_what_it_has(sample_store, tmp_path, monkeypatch):
    monkeypatch.setenv("PRECIS_CACHE_DIR", str(tmp_path / "cache"))
    Assistant._memory.clear()
    assistant = Assistant.for_store(sample_store)
    titles = set(assistant.titles)
    refs = assistant.refs("curve detectors in vision models", 3)
    assert refs and set(refs) <= titles
    assert any("Curve" in t for t in refs)
    assert set(assistant.category("interpretability of neurons", 2)) <= set(assistant.categories.classes)
    Assistant._memory.clear()


def test_a_store_of_two_entries_with_one_link_still_answers(empty_store, tmp_path, monkeypatch):
    from precis.record import EntryRecord
    from precis.store import import_records

    monkeypatch.setenv("PRECIS_CACHE_DIR", str(tmp_path / "cache"))
    Assistant._memory.clear()
    import_records(empty_store, [
        EntryRecord(title="Reward modeling", issue="AN #1", category="Learning human intent",
                    summary="Learning a reward model from human feedback."),
        EntryRecord(title="Scaling reward models", issue="AN #2", category="Learning human intent",
                    summary="It builds on <@the agenda@>(@Reward modeling@) at scale."),
    ])
    assistant = Assistant.for_store(empty_store)
    # Too few links to learn weights from: the text's likeness alone ranks, and ranks sensibly.
    assert assistant.links.anchor_weights is None
    assert assistant.anchor("reward modeling", "We extend reward modeling from human feedback.", 1) == [
        "Reward modeling"
    ]
    assert assistant.category("reward feedback") == ["Learning human intent"]
    Assistant._memory.clear()


def test_the_best_category_leads_and_a_catch_all_is_offered_next_when_close(monkeypatch):
    from precis.assist.category import CategoryModel
    from precis.assist.corpus import Doc

    docs = [
        Doc(i, f"t{i}", f"t{i}\n\n{words}", category, (0, 0, i), None)
        for i, (words, category) in enumerate(
            [("reward model preferences", "Learning human intent"), ("neurons circuits", "Interpretability"),
             ("assorted thoughts", "Miscellaneous (Alignment)")] * 3
        )
    ]
    model = CategoryModel(docs)
    assert model.catch_all.tolist() == [c.startswith("Miscellaneous") for c in model.classes]

    def given(p: dict[str, float]) -> list[str]:
        monkeypatch.setattr(model, "probabilities", lambda text: np.array([p[c] for c in model.classes]))
        return model.ranked("any text")

    # A catch-all a little less likely than a narrower category is offered before it, never first.
    assert given({"Learning human intent": 0.45, "Interpretability": 0.30, "Miscellaneous (Alignment)": 0.25}) == [
        "Learning human intent", "Miscellaneous (Alignment)", "Interpretability",
    ]
    assert given({"Learning human intent": 0.30, "Interpretability": 0.45, "Miscellaneous (Alignment)": 0.25})[0] == (
        "Interpretability"
    )
    # Far behind, it stays behind.
    assert given({"Learning human intent": 0.55, "Interpretability": 0.30, "Miscellaneous (Alignment)": 0.15})[1] == (
        "Interpretability"
    )

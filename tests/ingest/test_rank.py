"""Ranking: predicted interest from the archive (and the editor's skips), explained in one line."""

from __future__ import annotations

from precis.ingest.rank import Archived, Ranker

ARCHIVE = [
    Archived("Risks from Learned Optimization", "Mesa-optimizers are learned optimizers whose objective may differ from the base objective; inner alignment.", True, "AN #58"),
    Archived("Deceptive alignment in toy models", "A mesa-optimizer may act aligned during training to pursue its own objective later.", False, "AN #70"),
    Archived("Specification gaming examples", "Agents exploit flaws in their reward function: reward hacking.", False, "AN #1"),
    Archived("Goal misgeneralization in deep RL", "Agents keep capabilities but pursue the wrong goal out of distribution.", False, "AN #160"),
    Archived("Scaling laws for neural language models", "Loss of language models falls as a power law in compute, data and parameters.", False, None),
]


def test_works_like_highlighted_archive_entries_score_higher_and_say_why() -> None:
    mesa, soil = Ranker(ARCHIVE).score([
        ("Detecting deceptive mesa-optimizers", "Probes find inner misalignment and deceptive alignment in mesa-optimizers."),
        ("Soil microbiome sequencing", "We sequence bacteria in soil samples from farms across a continent."),
    ])
    assert mesa.score > soil.score
    assert mesa.explanation == (
        "like “Risks from Learned Optimization” (AN #58, highlight), “Deceptive alignment in toy models” (AN #70)"
    )
    assert soil.score == 0.0 and soil.explanation == "shares no words with any archived entry"


def test_an_unsent_archive_entry_is_named_as_not_sent() -> None:
    (lm,) = Ranker(ARCHIVE).score([("Scaling laws for language models", "power law in compute")])
    assert lm.explanation.startswith("like “Scaling laws for neural language models” (not sent)")


def test_words_the_archive_never_uses_dilute_the_score() -> None:
    focused, diluted = Ranker(ARCHIVE).score([
        ("Reward hacking", "Agents exploit their reward function."),
        ("Reward hacking", "Agents exploit their reward function. Quarterly earnings, retail deposits, mortgage rates, dividends."),
    ])
    assert focused.score > diluted.score > 0


def test_skipped_candidates_pull_similar_works_down_and_leave_others_alone() -> None:
    works = [
        ("Scaling laws for pretraining language models", "Language model loss follows a power law in compute."),
        ("Reward hacking in RL agents", "Agents exploit their reward function."),
    ]
    plain = Ranker(ARCHIVE).score(works)
    taught = Ranker(ARCHIVE, skipped=[("Compute-optimal language model scaling", "Power law fits of language model loss against compute.")]).score(works)
    assert taught[0].score < plain[0].score
    assert taught[0].explanation.endswith("; but close to skipped “Compute-optimal language model scaling”")
    assert taught[1] == plain[1]


def test_an_empty_archive_gives_no_scores_and_says_so() -> None:
    (scored,) = Ranker([]).score([("Anything", None)])
    assert (scored.score, scored.explanation) == (0.0, "no archived entries to learn from yet")

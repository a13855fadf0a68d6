"""The embed extra: sentence embeddings from a model shipped inside a PyPI package, offline."""

from __future__ import annotations

import pytest

from precis.assist import Assistant
from precis.assist import embed


def test_embeddings_join_the_category_model_and_are_computed_once(sample_store, tmp_path, monkeypatch):
    if not embed.installed():
        pytest.skip("the embed extra is not installed (pip install -e .[embed])")
    monkeypatch.setenv(embed.ENV, "1")
    monkeypatch.setenv("PRECIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    Assistant._memory.clear()
    assistant = Assistant.for_store(sample_store)
    assert assistant.categories.embedded is not None
    vectors = assistant.embedder.encode(["curve detectors", "curve detectors"], save=False)
    assert vectors.shape == (2, 384) and abs(float(vectors[0] @ vectors[0]) - 1) < 1e-4
    # Every stored entry's vector is kept: a second training embeds nothing new.
    assert (tmp_path / "cache" / f"vectors-{embed.MODEL}-{embed.MAX_TOKENS}.pkl").exists()
    stored = len(assistant.embedder._store())
    assert stored >= 10
    assert set(assistant.category("interpretability of vision neurons", 2)) <= set(assistant.categories.classes)
    # The two models' blend is still one probability per category.
    p = assistant.categories.probabilities("interpretability of vision neurons")
    assert p.shape == (len(assistant.categories.classes),) and abs(float(p.sum()) - 1) < 1e-6
    Assistant._memory.clear()


def test_embeddings_are_used_when_the_extra_is_installed_unless_turned_off(monkeypatch):
    monkeypatch.delenv(embed.ENV, raising=False)
    monkeypatch.setattr(embed, "installed", lambda: True)
    assert embed.enabled()
    monkeypatch.setenv(embed.ENV, "0")
    assert not embed.enabled()
    # The light default install suggests from words alone, without being asked to.
    monkeypatch.delenv(embed.ENV)
    monkeypatch.setattr(embed, "installed", lambda: False)
    assert not embed.enabled()


def test_asking_for_embeddings_without_the_extra_says_how_to_get_it(monkeypatch):
    from precis.errors import PrecisError

    monkeypatch.setenv(embed.ENV, "1")
    monkeypatch.setattr(embed, "installed", lambda: False)
    with pytest.raises(PrecisError, match=r"pip install 'precis\[embed\]'"):
        embed.enabled()

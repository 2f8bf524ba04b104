"""The reports' vocabulary (rag/index/vocab.py) and the calibration's threshold choice."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from rag.index.vocab import Vocabulary, VocabularyStore, words_of
from rag.types import Unit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "eval"))

import calibrate  # noqa: E402

#: A toy embedding: words sharing a first letter point the same way.
AXES = {"c": [1.0, 0.0], "p": [0.0, 1.0]}


def fake_embed(words: list[str]) -> np.ndarray:
    return np.array([AXES.get(w[0], [0.6, 0.8]) for w in words], dtype=np.float32)


def test_words_are_kept_once_and_survive_a_reload(tmp_path: Path) -> None:
    unit = Unit("d", "1", "paragraph", "", "Children and the Police; children again.", 0, 9, 5, 0)
    assert words_of([unit]) == {"children", "and", "the", "police", "again"}
    store = VocabularyStore(tmp_path, "toy")
    assert store.add({"children", "police"}, fake_embed) == 2
    assert store.add({"children", "prisons"}, fake_embed) == 1  # only the new word
    again = VocabularyStore(tmp_path, "toy").load()
    assert set(again.words) == {"children", "police", "prisons"}
    near = again.nearest(fake_embed(["cubs"]))
    assert near[0][0] == "children" and near[0][1] > 0.99
    # Another embedding model's vocabulary is not used.
    assert VocabularyStore(tmp_path, "other").load().words == ()


def test_an_empty_vocabulary_finds_nothing() -> None:
    empty = Vocabulary((), np.zeros((0, 2), dtype=np.float32))
    assert empty.nearest(fake_embed(["kids"])) == [("", 0.0)]


def test_refusal_threshold_keeps_false_refusals_within_the_budget() -> None:
    conf = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.05, 0.15])
    answerable = np.array([True] * 10 + [False, False])
    right = np.array([False, False, False, True, True, True, True, True, True, True,
                      False, False])
    refuse_below, sure_above = calibrate.thresholds(conf, answerable, right, budget=0.1)
    # One answerable question in ten may be refused: the one at 0.1, not the one at 0.2.
    assert (conf[answerable] < refuse_below).sum() == 1
    assert (conf[~answerable] < refuse_below).all()
    assert sure_above >= refuse_below

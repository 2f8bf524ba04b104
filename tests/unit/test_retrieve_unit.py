"""Pure pieces of retrieval and evaluation."""

from __future__ import annotations

from rag.evaluation import first_hit_rank, retrieval_scores
from rag.index import split_unit
from rag.retrieve import mentioned_labels
from rag.types import Unit


def test_mentioned_labels() -> None:
    assert mentioned_labels("What does recommendation 6 say?") == {"Recommendation 6"}
    assert mentioned_labels("Who made recommendation 122.66?") == {"122.66"}
    assert mentioned_labels("see paragraph 121.4 and ¶10") == {"121.4", "10"}
    assert mentioned_labels("What did China say?") == set()


def test_retrieval_scores() -> None:
    s = retrieval_scores([1, 3, None, 10])
    assert (s.recall_at_1, s.recall_at_5) == (0.25, 0.5)
    assert abs(s.mrr_at_10 - (1 + 1 / 3 + 1 / 10) / 4) < 1e-9
    assert first_hit_rank([False, True, True]) == 2
    assert first_hit_rank([False]) is None


def test_long_units_split_keep_their_label() -> None:
    text = " ".join(f"Sentence number {i} about trafficking in persons." for i in range(200))
    unit = Unit("d", "42", "paragraph", "S", text, 0, len(text), 1800, 0)
    parts = split_unit(unit)
    assert len(parts) > 5
    assert {p.unit.label for p in parts} == {"42"}
    assert [p.index for p in parts] == list(range(len(parts)))
    assert all(p.count == len(parts) for p in parts)
    assert "Sentence number 199" in parts[-1].text

"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by weighted reciprocal rank.

Dense search finds paraphrases; BM25 finds names, numbers and rare terms that
a small embedding model blurs. Fusion by rank needs no score calibration
between the two. Two cheap signals sharpen it: a question that names a unit
("recommendation 6", "paragraph 10") gets that unit first, and a question about
recommendations prefers recommendation units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.errors import UnknownDocument
from rag.index import Index, Snapshot
from rag.settings import RetrievalSettings
from rag.types import Hit, Unit

_MENTION = re.compile(
    r"(?:\b(recommendations?)\s+(\d{1,3}(?:\.\d{1,3})?)|(?:\bparagraphs?|\bpara\.?|¶)\s*"
    r"(\d{1,4}(?:\.\d{1,3})?))\b",
    re.I,
)
_ABOUT_RECOMMENDATIONS = re.compile(r"\brecommend", re.I)


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    k: int
    doc: str | None = None


def mentioned_labels(question: str) -> set[str]:
    """Labels a question names: 'recommendation 6' → 'Recommendation 6', '¶10' → '10'.

    A UPR recommendation is a sub-item, so 'recommendation 122.66' → '122.66'.
    """
    labels: set[str] = set()
    for m in _MENTION.finditer(question):
        if m.group(2):
            labels.add(m.group(2) if "." in m.group(2) else f"Recommendation {m.group(2)}")
        elif m.group(3):
            labels.add(m.group(3))
    return labels


def _prefers(unit: Unit) -> bool:
    return unit.kind == "recommendation" or "recommendation" in unit.section.lower()


def search(index: Index, query: Query, config: RetrievalSettings) -> list[Hit]:
    """The ``query.k`` best units for a question, best first."""
    snap = index.snapshot()
    if query.doc is not None and query.doc not in snap.docs:
        raise UnknownDocument(query.doc, snap.docs)
    if not query.text.strip():
        return []
    return fuse(index, snap, query, config)


def fuse(index: Index, snap: Snapshot, query: Query, config: RetrievalSettings) -> list[Hit]:
    lexical = snap.lexical
    row_of = lexical.row_of
    n = max(config.candidates, query.k)

    vector = index.embedder.embed([query.text])[0]
    dense_rank: dict[int, int] = {}
    similarity: dict[int, float] = {}
    # Over-fetch a little: several parts of one long unit count once.
    for doc, label, sim in index.dense(vector, n + 10, snap.versions, query.doc):
        row = row_of.get((doc, label))
        if row is not None and row not in dense_rank:  # parts of one unit: best part counts
            dense_rank[row] = len(dense_rank) + 1
            similarity[row] = sim
        if len(dense_rank) >= n:
            break
    lexical_rank = {
        row: r for r, (row, _score) in enumerate(lexical.search(query.text, n, query.doc), 1)
    }

    scores: dict[int, float] = {}
    for ranks, weight in ((dense_rank, config.dense_weight), (lexical_rank, config.lexical_weight)):
        for row, rank in ranks.items():
            scores[row] = scores.get(row, 0.0) + weight / (config.rrf_k + rank)

    about_recs = bool(_ABOUT_RECOMMENDATIONS.search(query.text))
    named = mentioned_labels(query.text)
    top = max(scores.values(), default=1.0)
    for row in list(scores):
        unit = lexical.units[row]
        if not config.headings and unit.kind in ("heading", "title"):
            del scores[row]
            continue
        if about_recs and _prefers(unit):
            scores[row] *= 1.0 + config.section_boost
    for label in named:
        for doc in [query.doc] if query.doc else list(snap.docs):
            row = row_of.get((doc, label))
            if row is not None:
                scores[row] = scores.get(row, 0.0) + top  # named units come first

    best = sorted(scores, key=lambda r: (-scores[r], lexical.units[r].order))[: query.k]
    return [
        Hit(
            unit=lexical.units[r],
            score=scores[r],
            dense_rank=dense_rank.get(r),
            lexical_rank=lexical_rank.get(r),
            symbol=snap.docs[lexical.units[r].doc].symbol,
            similarity=similarity.get(r),
        )
        for r in best
    ]

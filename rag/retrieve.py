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
from rag.index.lexical import Key
from rag.settings import RetrievalSettings
from rag.types import Hit, Unit

_MENTION = re.compile(
    r"(?:\b(recommendations?)\s+(\d{1,3}(?:\.\d{1,3})?)|(?:\bparagraphs?|\bpara\.?|¶)\s*"
    r"(\d{1,4}(?:\.\d{1,3})?))\b",
    re.I,
)
_ABOUT_RECOMMENDATIONS = re.compile(r"\brecommend", re.I)
#: Deepest candidate fetch when copies crowd the results (Chroma and tantivy stay fast).
_MAX_FETCH = 640


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
    unit_of = lexical.unit_of
    n = max(config.candidates, query.k)

    vector = index.embedder.embed([query.text])[0]
    # Verbatim copies in other reports count as one paragraph (the first copy).
    # Where copies crowd the candidates, fetch deeper until n distinct ones are in.
    same = (lambda k: k) if query.doc else (lambda k: lexical.copy_of.get(k, k))
    fetch = n
    while True:
        dense_hits = index.dense(vector, fetch + 10, snap.versions, query.doc)
        lexical_hits = lexical.search(query.text, fetch, query.doc)
        dense_rank: dict[Key, int] = {}
        similarity: dict[Key, float] = {}
        for doc, label, sim in dense_hits:
            key = same((doc, label))
            if key in unit_of and key not in dense_rank:  # parts of one unit: best part counts
                dense_rank[key] = len(dense_rank) + 1
                similarity[key] = sim
            if len(dense_rank) >= n:
                break
        lexical_rank: dict[Key, int] = {}
        for key, _score in lexical_hits:
            lexical_rank.setdefault(same(key), len(lexical_rank) + 1)
            if len(lexical_rank) >= n:
                break
        drained = (len(dense_rank) < n and len(dense_hits) == fetch + 10) or (
            len(lexical_rank) < n and len(lexical_hits) == fetch)
        if not drained or fetch >= _MAX_FETCH:
            break
        fetch = min(_MAX_FETCH, fetch * 4)

    scores: dict[Key, float] = {}
    for ranks, weight in ((dense_rank, config.dense_weight), (lexical_rank, config.lexical_weight)):
        for key, rank in ranks.items():
            scores[key] = scores.get(key, 0.0) + weight / (config.rrf_k + rank)

    about_recs = bool(_ABOUT_RECOMMENDATIONS.search(query.text))
    named = mentioned_labels(query.text)
    top = max(scores.values(), default=1.0)
    for key in list(scores):
        unit = unit_of[key]
        if not config.headings and unit.kind in ("heading", "title"):
            del scores[key]
            continue
        if about_recs and _prefers(unit):
            scores[key] *= 1.0 + config.section_boost
    for label in named:
        for doc in [query.doc] if query.doc else list(snap.docs):
            if (doc, label) in unit_of:
                key = same((doc, label))
                scores[key] = scores.get(key, 0.0) + top  # named units come first

    best = sorted(scores, key=lambda k: (-scores[k], unit_of[k].doc, unit_of[k].order))
    return [
        Hit(
            unit=unit_of[k],
            score=scores[k],
            dense_rank=dense_rank.get(k),
            lexical_rank=lexical_rank.get(k),
            symbol=snap.docs[k[0]].symbol,
            similarity=similarity.get(k),
        )
        for k in best[: query.k]
    ]

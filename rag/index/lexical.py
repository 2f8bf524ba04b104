"""BM25 over the live units (bm25s + Snowball stemming), cached on local disk.

The lexical index is derived state: it is rebuilt from the vector store's live
units whenever the registry changes, and saved under ``RAG_HOME/lexical``
keyed by the registry's content. This works the same with an embedded store
and with a Chroma server shared by several processes: each process keeps its
own cache and notices a new registry on its next query.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.types import Unit

_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One lower-case word as the BM25 index spells it."""
    return str(_stemmer().stemWord(word))


def registry_key(versions: dict[str, str]) -> str:
    """A name for the set of live document versions."""
    blob = json.dumps(sorted(versions.items())).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def lexical_text(unit: Unit) -> str:
    """What BM25 sees: the paragraph, its label words and the last heading above it."""
    heading = unit.section.rsplit(" > ", 1)[-1]
    label = unit.label if unit.kind == "recommendation" else ""
    return f"{label} {heading} {unit.text}"


def _tokenize(texts: Sequence[str]) -> Any:
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False
    )


@dataclass(slots=True)
class LexicalIndex:
    """BM25 scores over ``units`` (row i of the index is ``units[i]``)."""

    key: str
    units: list[Unit]
    retriever: Any
    doc_rows: dict[str, np.ndarray]
    #: (doc, label) → row, built once: a per-query dict of every unit cost ~40 ms at 100k.
    row_of: dict[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.row_of:
            self.row_of = {(u.doc, u.label): i for i, u in enumerate(self.units)}

    @classmethod
    def build(cls, key: str, units: Iterable[Unit]) -> LexicalIndex:
        import bm25s

        units = list(units)
        retriever = bm25s.BM25()
        if units:
            retriever.index(_tokenize([lexical_text(u) for u in units]), show_progress=False)
        return cls(key, units, retriever, _doc_rows(units))

    def search(
        self, query: str, n: int, doc: str | None = None
    ) -> list[tuple[int, float]]:
        """(row, score) of the best ``n`` units with a positive score."""
        if not self.units or not re.search(r"\w", query):
            return []
        tokens = _tokenize([query])
        if not tokens.vocab:
            return []
        mask = None
        if doc is not None:
            rows = self.doc_rows.get(doc)
            if rows is None:
                return []
            mask = np.zeros(len(self.units), dtype=np.float32)
            mask[rows] = 1.0
        k = min(n, len(self.units))
        results, scores = self.retriever.retrieve(
            tokens, k=k, weight_mask=mask, show_progress=False, n_threads=1
        )
        return [
            (int(r), float(s)) for r, s in zip(results[0], scores[0], strict=True) if s > 0
        ]

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term; a term no unit has gets the maximum."""
        n = len(self.units)
        vocab: dict[str, int] = getattr(self.retriever, "vocab_dict", None) or {}
        tid = vocab.get(term)
        df = 0
        if tid is not None:
            indptr = self.retriever.scores["indptr"]
            df = int(indptr[tid + 1] - indptr[tid])
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    # -- persistence ---------------------------------------------------------
    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.units:
            self.retriever.save(str(tmp / "bm25"))
        (tmp / "units.json").write_text(
            json.dumps([u.to_dict() for u in self.units], ensure_ascii=False)
        )
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, key: str, folder: Path) -> LexicalIndex | None:
        import bm25s

        units_file = folder / "units.json"
        if not units_file.exists():
            return None
        try:
            units = [Unit(**u) for u in json.loads(units_file.read_text())]
            retriever = bm25s.BM25.load(str(folder / "bm25")) if units else bm25s.BM25()
        except (OSError, ValueError, TypeError, KeyError):
            return None  # a damaged cache is rebuilt, not trusted
        return cls(key, units, retriever, _doc_rows(units))


def _doc_rows(units: list[Unit]) -> dict[str, np.ndarray]:
    rows: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        rows.setdefault(u.doc, []).append(i)
    return {d: np.asarray(r, dtype=np.int64) for d, r in rows.items()}

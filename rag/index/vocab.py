"""The reports' own words, embedded one by one: near-synonyms for words they never use.

A delegate asks about "kids", "cops" or "convicts"; the reports write
"children", "police", "prisoners". A fixed synonym list would be guessing which
pairs matter, so the embedding model decides: each distinct word of the
indexed reports is embedded once (at ingest, about 1 ms a word, cached under
the lexical index by word), and a question word that no report uses is read as
the nearest report word, when the two are close enough (cosine ≥
:data:`MIN_SIMILARITY`). Names are never swapped ("Sweden" is not "Norway"),
and a word the reports do use is left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.types import Unit

#: How close a report word must be to stand in for a question word ("kids" →
#: "children" 0.88, "cops" → "police" 0.93; "jobless" → "unemployed" 0.62 is not
#: taken: "stateless" ties with it).
MIN_SIMILARITY = 0.75
#: Words as the vocabulary keeps them: lower case, letters, three or more.
WORD = re.compile(r"[A-Za-z][a-z]{2,}")


def words_of(units: Iterable[Unit]) -> set[str]:
    return {w.lower() for u in units for w in WORD.findall(u.text)}


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Report words and their unit-length embeddings, one row each."""

    words: tuple[str, ...]
    vectors: np.ndarray

    def nearest(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        """The closest report word to each vector, with its cosine similarity."""
        if not self.words:
            return [("", 0.0)] * len(vectors)
        sims = vectors @ self.vectors.T
        best = sims.argmax(axis=1)
        return [(self.words[int(i)], float(sims[n, i])) for n, i in enumerate(best)]


class VocabularyStore:
    """``vocab.json`` (the words) and ``vocab.npy`` (their vectors) in one folder.

    Words are only added: a removed report's words stay (a word no live unit
    uses matches nothing, so it does no harm), and re-ingesting costs nothing.
    """

    def __init__(self, folder: Path, embedder_name: str) -> None:
        self.folder = folder
        self.embedder_name = embedder_name
        self._cached: Vocabulary | None = None

    @property
    def _words_file(self) -> Path:
        return self.folder / "vocab.json"

    @property
    def _vectors_file(self) -> Path:
        return self.folder / "vocab.npy"

    def load(self) -> Vocabulary:
        if self._cached is None:
            try:
                meta = json.loads(self._words_file.read_text(encoding="utf-8"))
                vectors = np.load(self._vectors_file, mmap_mode="r")
                if meta.get("embedder") != self.embedder_name or len(vectors) != len(
                        meta["words"]):
                    raise ValueError("stale vocabulary")
                self._cached = Vocabulary(tuple(meta["words"]), np.asarray(vectors))
            except (OSError, ValueError, KeyError):
                self._cached = Vocabulary((), np.zeros((0, 1), dtype=np.float32))
        return self._cached

    def add(self, words: set[str], embed: Callable[[list[str]], np.ndarray]) -> int:
        """Embed and keep the words not kept yet; how many were added."""
        have = self.load()
        known = set(have.words)
        new = sorted(words - known)
        if not new:
            return 0
        vectors = np.asarray(embed(new), dtype=np.float32)
        merged = Vocabulary(have.words + tuple(new),
                            np.vstack([have.vectors, vectors]) if have.words else vectors)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self._vectors_file.with_suffix(".tmp.npy")
        np.save(tmp, merged.vectors)
        tmp.replace(self._vectors_file)
        meta = self._words_file.with_suffix(".tmp")
        meta.write_text(json.dumps({"embedder": self.embedder_name,
                                    "words": list(merged.words)}), encoding="utf-8")
        meta.replace(self._words_file)
        self._cached = merged
        return len(new)

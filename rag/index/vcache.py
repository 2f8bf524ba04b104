"""A cache of paragraph embeddings, keyed by model and exact text.

Re-ingesting a changed report re-embeds only the paragraphs whose text changed,
and a paragraph that occurs in several documents (a report and its addendum,
an archive with copies) is embedded once. The cache is a SQLite file per
embedding model under ``RAG_HOME/vectors`` (kept by ``ingest --rebuild``); it
also serves a Chroma server, since it only saves the model's work. Queries do
not use it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.index.embed import Embedder

_CHUNK = 500  # SQLite's host-parameter limit is 999 on older builds


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class CachedEmbeddings:
    """``embed(texts)`` through a persistent text → vector cache."""

    def __init__(self, embedder: Embedder, folder: Path) -> None:
        self.embedder = embedder
        folder.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder.name)
        self._db = sqlite3.connect(folder / f"{safe}.sqlite3")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self.hits = self.misses = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i:i + _CHUNK]
            rows = self._db.execute(
                f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        todo = [(k, t) for k, t in dict(zip(keys, texts, strict=True)).items()
                if k not in found]
        if todo:
            vectors = np.asarray(self.embedder.embed([t for _, t in todo]), dtype=np.float32)
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO vec (key, v) VALUES (?, ?)",
                                     [(k, v.tobytes()) for (k, _), v in zip(todo, vectors,
                                                                           strict=True)])
            for (k, _), v in zip(todo, vectors, strict=True):
                found[k] = v
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)

    def close(self) -> None:
        self._db.close()

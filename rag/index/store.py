"""The vector store: Chroma, embedded (``PersistentClient``) or a server (``HttpClient``).

This is the only module that imports chromadb. Three collections per embedding
model:

* ``…-vectors``: one vector per *distinct* unit part, id ``<content key>::<part>``
  (see :mod:`rag.index.content`). A paragraph that several reports repeat word
  for word (a draft and its final version, one report as text and as PDF) has
  its vectors once: identical vectors crowd an HNSW graph and cost dense recall
  at scale (at 10k units with 3 copies of each report, 0.62 through the ANN
  against 0.73 by exact search);
* ``…-units``: one record per unit and document version (text and position,
  no vector: the embedding is a 1-float placeholder Chroma requires);
* ``…-docs``: the registry, one record per document naming its *live* version.

A changed document has its new vectors and unit records written first, then
the registry record is switched (one write), then the old version's unit
records are deleted, and vectors no live unit uses any more. Readers only see
versions the registry names, so no query ever sees a mix of old and new
paragraphs, and an interrupted ingest leaves the previous version live.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from rag.errors import IndexMismatch, StoreUnavailable
from rag.settings import Settings
from rag.types import DocInfo, Unit

F = TypeVar("F", bound=Callable[..., Any])


def _remote(method: F) -> F:
    """Turn a lost connection to a Chroma server into :class:`StoreUnavailable`.

    A server that goes away mid-ingest must fail that file with a message that
    says what to check, not crash the run with an httpx traceback.
    """

    @functools.wraps(method)
    def wrapper(self: ChromaStore, *args: Any, **kwargs: Any) -> Any:
        import httpx

        try:
            return method(self, *args, **kwargs)
        except (httpx.TransportError, ConnectionError) as exc:
            raise StoreUnavailable(self.where, _reason(exc)) from exc

    return wrapper  # type: ignore[return-value]

#: Bump when the record layout changes.
SCHEMA = "3"
_PAGE = 20_000  # units per registry read: bounded memory at any size
#: HNSW with more links than Chroma's defaults (16, 100, 100): fused recall@5 at
#: 10k units went 0.75 → 0.79 when copies still had a vector each. Applies to
#: new collections: `reportbot ingest --rebuild` moves an old one over.
_HNSW: Any = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 200}
#: Collections that are never searched by vector (unit records, the registry):
#: the cheapest graph Chroma accepts over their placeholder vectors.
_FLAT: Any = {"space": "l2", "max_neighbors": 4, "ef_construction": 8, "ef_search": 8}
_PLACEHOLDER = [0.0]
#: The registry record that changes with every commit (a file stem has no "/").
_GENERATION = "reportbot/generation"
#: Part vectors kept for searches scoped to one report (384 floats each: ~60 MB).
_MAX_CACHED_VECTORS = 40_000
_MAX_BATCH = 4000
_MAX_IN = 500  # values per ``$in`` filter


@dataclass(frozen=True, slots=True)
class Part:
    """One embedded piece of a unit."""

    unit: Unit
    index: int
    count: int
    text: str


def vector_id(key: str, part: int) -> str:
    """A part's vector id: its unit's content key and its place in the unit."""
    return f"{key}::{part}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "-", name).strip("-").lower()


def unit_from_meta(meta: dict[str, Any]) -> Unit:
    return Unit(
        doc=str(meta["doc"]),
        label=str(meta["label"]),
        kind=meta["kind"],
        section=str(meta.get("section", "")),
        text=str(meta["text"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        tokens=int(meta["tokens"]),
        order=int(meta["order"]),
    )


class ChromaStore:
    """Units and the document registry in Chroma."""

    def __init__(self, settings: Settings, embedder_name: str, fingerprint: dict[str, str]):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.where = settings.chroma_url or str(settings.chroma_path)
        try:
            if settings.chroma_url:
                url = urlparse(settings.chroma_url)
                self.client = chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                settings.chroma_path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(
                    path=str(settings.chroma_path), settings=chroma_settings
                )
        except Exception as exc:  # connection errors differ between client kinds
            raise StoreUnavailable(self.where, _reason(exc)) from exc
        base = f"{settings.collection_prefix}-{_slug(embedder_name)}"
        self.vectors_name = f"{base}-vectors"
        self.units_name = f"{base}-units"
        self.docs_name = f"{base}-docs"
        self.fingerprint = {**fingerprint, "schema": SCHEMA}
        self._vecs: Any = None
        self._units: Any = None
        self._docs: Any = None
        #: (generation, registry) of the last registry read
        self._registry: tuple[str, dict[str, DocInfo]] | None = None
        #: (doc, version) → its parts' vector ids and vectors, for scoped searches
        self._scoped: OrderedDict[tuple[str, str], tuple[list[str], np.ndarray]] = \
            OrderedDict()
        self._scoped_lock = threading.Lock()

    # -- collections ---------------------------------------------------------
    def _collection(self, name: str, create: bool, config: Any) -> Any:
        try:
            if create:
                return self.client.get_or_create_collection(
                    name,
                    configuration={"hnsw": config},
                    metadata=self.fingerprint,
                    embedding_function=None,
                )
            return self.client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if not create and _is_not_found(exc):
                return None
            raise StoreUnavailable(self.where, _reason(exc)) from exc

    def open(self, create: bool = False) -> bool:
        """Open the collections; False if they do not exist (and ``create`` is False)."""
        if self._units is not None:
            return True
        units = self._collection(self.units_name, create, _FLAT)
        if units is None:
            return False
        stored = units.metadata or {}
        for key in ("parser", "embedder", "tokenizer", "schema"):
            if key in stored and str(stored[key]) != self.fingerprint.get(key):
                raise IndexMismatch(key, str(stored[key]), str(self.fingerprint.get(key)))
        vecs = self._collection(self.vectors_name, create, _HNSW)
        docs = self._collection(self.docs_name, create, _FLAT)
        if vecs is None or docs is None:
            return False
        self._vecs, self._units, self._docs = vecs, units, docs
        return True

    def drop(self) -> None:
        """Delete the collections (``ingest --rebuild``)."""
        for name in (self.vectors_name, self.units_name, self.docs_name):
            try:
                self.client.delete_collection(name)
            except Exception as exc:
                if not _is_not_found(exc):
                    raise StoreUnavailable(self.where, _reason(exc)) from exc
        self._vecs = self._units = self._docs = None
        self._registry = None
        with self._scoped_lock:
            self._scoped.clear()

    # -- registry ------------------------------------------------------------
    @_remote
    def documents(self) -> dict[str, DocInfo]:
        """The registry: every live document and its version.

        Read whole only when its generation changed: every query takes a
        snapshot, and reading 1,000 records cost ~20 ms; the generation is one
        record read by id.
        """
        if not self.open():
            return {}
        got = self._docs.get(ids=[_GENERATION], include=["metadatas"])
        generation = str(got["metadatas"][0]["generation"]) if got["ids"] else ""
        cached = self._registry
        if cached is not None and cached[0] == generation:
            return dict(cached[1])
        got = self._docs.get(include=["metadatas"])
        out = {}
        for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            if doc_id != _GENERATION:
                out[doc_id] = DocInfo(**json.loads(meta["info"]))
        # Kept under the generation read *before* the registry: a write in between
        # makes the next call read again, never serve a stale registry as new.
        self._registry = (generation, out)
        return dict(out)

    @_remote
    def commit(self, info: DocInfo) -> None:
        """Make ``info.version`` the live version of the document (one write)."""
        self._docs.upsert(
            ids=[info.id],
            embeddings=[_PLACEHOLDER],
            documents=[info.title or info.id],
            metadatas=[{"version": info.version, "info": json.dumps(info.to_dict())}],
        )
        self._bump()

    @_remote
    def uncommit(self, doc: str) -> None:
        self._docs.delete(ids=[doc])
        self._bump()

    def _bump(self) -> None:
        """A new registry generation, written after the change it announces."""
        self._docs.upsert(ids=[_GENERATION], embeddings=[_PLACEHOLDER], documents=[""],
                          metadatas=[{"generation": uuid.uuid4().hex}])

    # -- vectors -------------------------------------------------------------
    @_remote
    def missing_vectors(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` the store has no vector for."""
        have: set[str] = set()
        unique = sorted(set(ids))
        for b in range(0, len(unique), _MAX_BATCH):
            got = self._vecs.get(ids=unique[b : b + _MAX_BATCH], include=[])
            have.update(str(i) for i in got["ids"])
        return set(unique) - have

    @_remote
    def add_vectors(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        for b in range(0, len(ids), _MAX_BATCH):
            chunk = ids[b : b + _MAX_BATCH]
            self._vecs.upsert(
                ids=list(chunk),
                embeddings=vectors[b : b + len(chunk)],
                metadatas=[{"key": i.rsplit("::", 1)[0]} for i in chunk],
            )

    @_remote
    def delete_vectors(self, keys: Sequence[str]) -> None:
        """Delete every part vector of the given content keys."""
        unique = sorted(set(keys))
        for b in range(0, len(unique), _MAX_IN):
            self._vecs.delete(where={"key": {"$in": unique[b : b + _MAX_IN]}})

    @_remote
    def count(self) -> int:
        """Vectors stored (one per distinct part)."""
        return int(self._vecs.count()) if self.open() else 0

    # -- units ---------------------------------------------------------------
    @_remote
    def add_units(self, version: str, units: Sequence[Unit]) -> None:
        for b in range(0, len(units), _MAX_BATCH):
            chunk = units[b : b + _MAX_BATCH]
            self._units.upsert(
                ids=[f"{u.doc}::{u.label}::{version}" for u in chunk],
                embeddings=[_PLACEHOLDER] * len(chunk),
                # The text is metadata, not a Chroma "document": documents go into
                # Chroma's trigram full-text index, which we never query (BM25 is
                # ours) and which doubled the write time and the disk (20k records:
                # 11.4 s and 55 MB as documents, 5.4 s and 29 MB as metadata).
                metadatas=[{
                    "text": u.text,
                    "doc": u.doc, "version": version, "label": u.label, "kind": u.kind,
                    "section": u.section, "start": u.start, "end": u.end, "tokens": u.tokens,
                    "order": u.order,
                } for u in chunk],
            )

    @_remote
    def delete_versions(self, doc: str, keep: str | None) -> None:
        """Delete a document's unit records except those of version ``keep``."""
        where: dict[str, Any] = {"doc": doc}
        if keep is not None:
            where = {"$and": [{"doc": doc}, {"version": {"$ne": keep}}]}
        self._units.delete(where=where)

    @_remote
    def unit_count(self) -> int:
        """Unit records stored, of every version."""
        return int(self._units.count()) if self.open() else 0

    def units(self, versions: dict[str, str],
              expected: dict[str, int] | None = None) -> Iterator[Unit]:
        """Every live unit, document by document.

        Read in pages of all documents at once: one filtered ``get`` per document
        made the lexical rebuild quadratic (75 s at 100k units, 1,000+ documents).
        A document whose count differs from ``expected`` (pages can shift while
        another process deletes old versions) is read again on its own.
        """
        live = sorted(set(versions.values()))
        if not live:
            return
        found: dict[tuple[str, str], tuple[int, Any]] = {}
        offset = 0
        while True:
            got = self._get_units(live, offset, _PAGE)
            for meta in got["metadatas"]:
                if versions.get(str(meta["doc"])) == meta["version"]:
                    found[(str(meta["doc"]), str(meta["label"]))] = (int(meta["order"]), meta)
            if len(got["ids"]) < _PAGE:
                break
            offset += _PAGE
        for doc, count in (expected or {}).items():
            if doc in versions and sum(1 for d, _ in found if d == doc) != count:
                found = {k: v for k, v in found.items() if k[0] != doc}
                got = self._get_units([versions[doc]], 0, None)
                for meta in got["metadatas"]:
                    found[(doc, str(meta["label"]))] = (int(meta["order"]), meta)
        for (_doc, _label), (_order, meta) in sorted(found.items(),
                                                    key=lambda kv: (kv[0][0], kv[1][0])):
            yield unit_from_meta(meta)

    @_remote
    def _get_units(self, live: list[str], offset: int, limit: int | None) -> Any:
        where = {"version": {"$in": live}} if len(live) > 1 else {"version": live[0]}
        return self._units.get(where=where, include=["metadatas"], limit=limit, offset=offset)

    # -- search --------------------------------------------------------------
    @_remote
    def query(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(content key, cosine similarity) of the ``n`` nearest part vectors.

        Keys no live unit uses (a version being written, or left by a killed
        ingest) are the caller's to drop: the vectors carry no version.
        """
        if not self.open() or n <= 0:
            return []
        # Ids only: reading metadata too made the query 5x slower (5.4 against
        # 1.0 ms for 50 results at 10k units).
        got = self._vecs.query(query_embeddings=vector.reshape(1, -1), n_results=n,
                               include=["distances"])
        return [(str(pid).rsplit("::", 1)[0], 1.0 - float(d))
                for pid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def query_within(self, vector: np.ndarray, n: int, doc: str, version: str,
                     keys: Sequence[str]) -> list[tuple[str, float]]:
        """(content key, similarity) of the nearest parts among one document's ``keys``.

        Exact search over that document version's vectors, read once: a filtered
        HNSW query cost 180 ms p50 at 100k units; this costs about 1 ms.
        """
        ids, matrix = self._scoped_vectors(doc, version, keys)
        if not ids:
            return []
        sims = matrix @ vector.astype(np.float32)
        top = np.argsort(-sims, kind="stable")[:n]
        return [(ids[i], float(sims[i])) for i in top]

    @_remote
    def _scoped_vectors(self, doc: str, version: str,
                        keys: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Content keys and vectors of one document version's parts (cached, least recent out)."""
        cache_key = (doc, version)
        with self._scoped_lock:
            if cache_key in self._scoped:
                self._scoped.move_to_end(cache_key)
                return self._scoped[cache_key]
        out_ids: list[str] = []
        rows: list[Any] = []
        unique = sorted(set(keys))
        for b in range(0, len(unique), _MAX_IN):
            got = self._vecs.get(where={"key": {"$in": unique[b : b + _MAX_IN]}},
                                 include=["embeddings"])
            out_ids.extend(str(pid).rsplit("::", 1)[0] for pid in got["ids"])
            rows.extend(got["embeddings"])
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(out_ids), -1)
        with self._scoped_lock:
            self._scoped[cache_key] = (out_ids, matrix)
            while sum(len(v[0]) for v in self._scoped.values()) > _MAX_CACHED_VECTORS \
                    and len(self._scoped) > 1:
                self._scoped.popitem(last=False)
        return out_ids, matrix


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _is_not_found(exc: BaseException) -> bool:
    return "not exist" in str(exc).lower() or "not found" in str(exc).lower()

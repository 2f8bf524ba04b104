"""The vector store: Chroma, embedded (``PersistentClient``) or a server (``HttpClient``).

This is the only module that imports chromadb. Two collections per embedding
model:

* ``…-units``: one record per unit part (a unit longer than the embedding
  window has several parts, all with the unit's label), tagged with the
  document's ``version``;
* ``…-docs``: the registry, one record per document naming its *live* version.

A changed document is written under its new version first, then the registry
record is switched (one write), then the old version is deleted. Readers only
see versions the registry names, so no query ever sees a mix of old and new
paragraphs, and an interrupted ingest leaves the previous version live.
"""

from __future__ import annotations

import functools
import json
import re
import threading
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
SCHEMA = "1"
_PAGE = 20_000  # units per registry read: bounded memory at any size
#: HNSW with more links than Chroma's defaults (16, 100, 100). Verbatim copies
#: (drafts, a report as text and PDF) are identical vectors, and hnswlib's graph
#: degrades around them: at 10k units with 3 copies of each report, dense
#: recall@5 was 0.62 against 0.73 for exact search; these settings give 0.69
#: (ef_search 400: 0.71) and fused recall@5 0.75 → 0.79. Applies to new
#: collections: `reportbot ingest --rebuild` moves an old one over.
#: Part vectors kept for searches scoped to one report (384 floats each: ~60 MB).
_MAX_CACHED_VECTORS = 40_000
_HNSW: Any = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 200}
_MAX_BATCH = 4000


@dataclass(frozen=True, slots=True)
class Part:
    """One embedded piece of a unit."""

    unit: Unit
    index: int
    count: int
    text: str

    @property
    def id(self) -> str:
        return part_id(self.unit.doc, self.unit.label, self.index)


def part_id(doc: str, label: str, index: int) -> str:
    """A part's id (plus ``::version`` in Chroma); queries parse it back from the right,
    so a document id may contain ``::`` (labels never do: the parser makes them)."""
    return f"{doc}::{label}::{index}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "-", name).strip("-").lower()


def unit_from_meta(meta: dict[str, Any], text: str) -> Unit:
    return Unit(
        doc=str(meta["doc"]),
        label=str(meta["label"]),
        kind=meta["kind"],
        section=str(meta.get("section", "")),
        text=text,
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
        self.units_name = f"{base}-units"
        self.docs_name = f"{base}-docs"
        self.fingerprint = {**fingerprint, "schema": SCHEMA}
        self._units: Any = None
        self._vectors: OrderedDict[tuple[str, str], tuple[list[str], np.ndarray]] = \
            OrderedDict()
        self._vectors_lock = threading.Lock()
        self._docs: Any = None

    # -- collections ---------------------------------------------------------
    def _collection(self, name: str, create: bool) -> Any:
        try:
            if create:
                return self.client.get_or_create_collection(
                    name,
                    configuration={"hnsw": _HNSW},
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
        units = self._collection(self.units_name, create)
        docs = self._collection(self.docs_name, create)
        if units is None or docs is None:
            return False
        stored = units.metadata or {}
        for key in ("parser", "embedder", "tokenizer", "schema"):
            if key in stored and str(stored[key]) != self.fingerprint.get(key):
                raise IndexMismatch(key, str(stored[key]), str(self.fingerprint.get(key)))
        self._units, self._docs = units, docs
        return True

    def drop(self) -> None:
        """Delete both collections (``ingest --rebuild``)."""
        for name in (self.units_name, self.docs_name):
            try:
                self.client.delete_collection(name)
            except Exception as exc:
                if not _is_not_found(exc):
                    raise StoreUnavailable(self.where, _reason(exc)) from exc
        self._units = self._docs = None

    # -- registry ------------------------------------------------------------
    @_remote
    def documents(self) -> dict[str, DocInfo]:
        if not self.open():
            return {}
        got = self._docs.get(include=["metadatas"])
        out = {}
        for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            info = json.loads(meta["info"])
            out[doc_id] = DocInfo(**info)
        return out

    @_remote
    def commit(self, info: DocInfo) -> None:
        """Make ``info.version`` the live version of the document (one write)."""
        self._docs.upsert(
            ids=[info.id],
            embeddings=[[0.0]],
            documents=[info.title or info.id],
            metadatas=[{"version": info.version, "info": json.dumps(info.to_dict())}],
        )

    @_remote
    def uncommit(self, doc: str) -> None:
        self._docs.delete(ids=[doc])

    # -- units ---------------------------------------------------------------
    @_remote
    def add(self, version: str, parts: Sequence[Part], vectors: np.ndarray) -> None:
        for b in range(0, len(parts), _MAX_BATCH):
            chunk = parts[b : b + _MAX_BATCH]
            self._units.upsert(
                ids=[f"{p.id}::{version}" for p in chunk],
                embeddings=vectors[b : b + len(chunk)],
                documents=[p.text for p in chunk],
                metadatas=[self._part_meta(p, version) for p in chunk],
            )

    @staticmethod
    def _part_meta(part: Part, version: str) -> dict[str, Any]:
        u = part.unit
        meta: dict[str, Any] = {
            "doc": u.doc, "version": version, "label": u.label, "kind": u.kind,
            "section": u.section, "start": u.start, "end": u.end, "tokens": u.tokens,
            "order": u.order, "part": part.index, "parts": part.count,
        }
        if part.count > 1 and part.index == 0:
            meta["unit_text"] = u.text  # the whole paragraph, for show and BM25
        return meta

    @_remote
    def delete_versions(self, doc: str, keep: str | None) -> None:
        """Delete a document's parts except those of version ``keep``."""
        where: dict[str, Any] = {"doc": doc}
        if keep is not None:
            where = {"$and": [{"doc": doc}, {"version": {"$ne": keep}}]}
        self._units.delete(where=where)

    @_remote
    def count(self) -> int:
        return int(self._units.count()) if self.open() else 0

    def units(self, versions: dict[str, str],
              expected: dict[str, int] | None = None) -> Iterator[Unit]:
        """Every live unit (part 0 carries the whole text), document by document.

        Read in pages of all documents at once: one filtered ``get`` per document
        made the lexical rebuild quadratic (75 s at 100k units, 1,000+ documents).
        A document whose count differs from ``expected`` (pages can shift while
        another process deletes old versions) is read again on its own.
        """
        live = sorted(set(versions.values()))
        if not live:
            return
        found: dict[tuple[str, str], tuple[int, Any, str]] = {}
        offset = 0
        while True:
            got = self._get_part0(live, offset, _PAGE)
            for meta, text in zip(got["metadatas"], got["documents"], strict=True):
                if versions.get(str(meta["doc"])) == meta["version"]:
                    found[(str(meta["doc"]), str(meta["label"]))] = (int(meta["order"]), meta,
                                                                      text)
            if len(got["ids"]) < _PAGE:
                break
            offset += _PAGE
        for doc, count in (expected or {}).items():
            if doc in versions and sum(1 for d, _ in found if d == doc) != count:
                found = {k: v for k, v in found.items() if k[0] != doc}
                got = self._get_part0([versions[doc]], 0, None)
                for meta, text in zip(got["metadatas"], got["documents"], strict=True):
                    found[(doc, str(meta["label"]))] = (int(meta["order"]), meta, text)
        for (_doc, _label), (_order, meta, text) in sorted(found.items(),
                                                          key=lambda kv: (kv[0][0], kv[1][0])):
            yield unit_from_meta(meta, str(meta.get("unit_text", text)))

    @_remote
    def _get_part0(self, live: list[str], offset: int, limit: int | None) -> Any:
        where = {"$and": [{"part": 0}, {"version": {"$in": live}}]} if len(live) > 1 else \
            {"$and": [{"part": 0}, {"version": live[0]}]}
        return self._units.get(where=where, include=["metadatas", "documents"],
                               limit=limit, offset=offset)

    def query(
        self, vector: np.ndarray, n: int, versions: dict[str, str], doc: str | None = None
    ) -> list[tuple[str, str, float]]:
        """(doc, label, cosine similarity) of the nearest parts of live versions."""
        if not versions:
            return []
        if doc is not None:
            # One report: exact search over its vectors, read once per version. A
            # filtered HNSW query cost 180 ms p50 at 100k units; this costs < 1 ms.
            labels, matrix = self._doc_vectors(doc, versions[doc])
            if not labels:
                return []
            sims = matrix @ vector.astype(np.float32)
            top = np.argsort(-sims, kind="stable")[:n]
            return [(doc, labels[i], float(sims[i])) for i in top]
        # A metadata filter makes Chroma's search 3x slower, and parts of other
        # versions exist only while an ingest runs (or after one was killed):
        # search unfiltered and drop them, with a filtered search as the fallback.
        hits = self._query(vector, n, None)
        live = [h for h in hits if versions.get(h[0]) == h[3]]
        if len(live) < len(hits) and len(hits) == n:
            live = self._query(vector, n, {"version": {"$in": sorted(set(versions.values()))}})
        return [(d, label, sim) for d, label, sim, _v in live]

    @_remote
    def _doc_vectors(self, doc: str, version: str) -> tuple[list[str], np.ndarray]:
        """Labels and vectors of one document version's parts (cached, least recent out)."""
        key = (doc, version)
        with self._vectors_lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        got = self._units.get(where={"$and": [{"doc": doc}, {"version": version}]},
                              include=["embeddings"])
        labels = [str(pid).rsplit("::", 3)[1] for pid in got["ids"]]
        matrix = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(labels), -1)
        with self._vectors_lock:
            self._vectors[key] = (labels, matrix)
            while sum(len(v[0]) for v in self._vectors.values()) > _MAX_CACHED_VECTORS \
                    and len(self._vectors) > 1:
                self._vectors.popitem(last=False)
        return labels, matrix

    @_remote
    def _query(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None
    ) -> list[tuple[str, str, float, str]]:
        # Ids carry doc, label and version: reading metadata too made the query 5x
        # slower (5.4 ms against 1.0 ms for 50 results at 10k units, 19 against 2.4 for 250).
        got = self._units.query(
            query_embeddings=vector.reshape(1, -1), n_results=n, where=where,
            include=["distances"],
        )
        out = []
        for pid, d in zip(got["ids"][0], got["distances"][0], strict=True):
            doc, label, _part, version = str(pid).rsplit("::", 3)
            out.append((doc, label, 1.0 - float(d), version))
        return out


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _is_not_found(exc: BaseException) -> bool:
    return "not exist" in str(exc).lower() or "not found" in str(exc).lower()

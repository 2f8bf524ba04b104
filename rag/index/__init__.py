"""The index: parse → split to the embedding window → embed → store, plus the lexical side.

:class:`Index` is what front ends and the retriever use; it hides Chroma, the
embedder and tantivy behind a few calls (``ingest``, ``remove``, ``documents``,
``unit``, ``snapshot``, ``dense``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from rag import tokens
from rag.errors import (
    EmptyIndex,
    IndexBusy,
    InputError,
    RagError,
    UnknownDocument,
    UnknownLabel,
)
from rag.index.content import EMBED_TEXT_VERSION, content_key, embed_prefix
from rag.index.embed import Embedder, load_embedder
from rag.index.lexical import LexicalIndex, LexicalStore
from rag.index.store import ChromaStore, Part, vector_id
from rag.index.vcache import CachedEmbeddings
from rag.index.vocab import Vocabulary, VocabularyStore, words_of
from rag.parse import PARSER_VERSION, SUPPORTED_SUFFIXES, parse_file
from rag.settings import Settings
from rag.types import (
    NUMBERED_KINDS,
    DocInfo,
    FileResult,
    FileStatus,
    IngestReport,
    Unit,
    label_key,
    whole_label,
)

#: Tiktoken tokens per part. MiniLM's window is 256 word pieces; this text runs
#: at ~1.2 word pieces per cl100k token, so 180 tokens plus the heading fit.
PART_TOKENS = 180
PART_OVERLAP = 20
#: How long a writer waits for another one (a large ingest) before giving up.
_WRITE_WAIT_S = 600.0
_SKIP_NAMES = ("readme", "license", "licence", "changelog", "contributing")

Progress = Callable[[str, int, int], None]


def embed_text(part: Part) -> str:
    """What the embedding model sees: the paragraph with the heading it sits under."""
    return f"{embed_prefix(part.unit)}{part.text}"


def split_unit(unit: Unit, max_tokens: int = PART_TOKENS) -> list[Part]:
    """A unit as embedding-sized parts; every part keeps the unit's label."""
    if unit.tokens <= max_tokens:
        return [Part(unit, 0, 1, unit.text)]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=tokens.ENCODING,
        chunk_size=max_tokens,
        chunk_overlap=PART_OVERLAP,
        separators=["\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    texts = [t.strip() for t in splitter.split_text(unit.text) if t.strip()]
    return [Part(unit, i, len(texts), t) for i, t in enumerate(texts)]


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """Report files named by ``paths`` (directories are walked)."""
    out: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_dir():
            found = []
            for root, _dirs, files in os.walk(path, followlinks=False):
                for name in files:
                    p = Path(root) / name
                    if p.suffix.lower() in SUPPORTED_SUFFIXES and not p.stem.lower().startswith(
                        _SKIP_NAMES
                    ):
                        found.append(p)
            if not found:
                raise InputError(
                    f"{path}: no report files here (supported: {', '.join(SUPPORTED_SUFFIXES)})"
                )
            out.extend(sorted(found))
        else:
            out.append(path)
    return out


def file_version(data: bytes) -> str:
    """A document version: its bytes and everything that shapes its index records."""
    h = hashlib.sha256(data)
    h.update(f"parser={PARSER_VERSION};embed={EMBED_TEXT_VERSION}".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A consistent view for one query: the live versions and the lexical index over them."""

    docs: dict[str, DocInfo]
    lexical: LexicalIndex

    @property
    def versions(self) -> dict[str, str]:
        return {d: info.version for d, info in self.docs.items()}


class Index:
    """Ingest reports and read them back. Heavy parts load on first use."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._cached: CachedEmbeddings | None = None
        self._store: ChromaStore | None = None
        self._lexical: LexicalStore | None = None
        self._vocabulary: VocabularyStore | None = None
        #: Units parsed by this ingest, handed to the lexical index directly:
        #: reading 100k units back from Chroma took 20 s of a 22 s first build.
        self._fresh: dict[tuple[str, str], list[Unit]] = {}

    # -- components ----------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings)
        return self._embedder

    @property
    def cached_embeddings(self) -> CachedEmbeddings:
        """The embedder behind a text → vector cache, for ingest (queries skip it)."""
        if self._cached is None:
            self._cached = CachedEmbeddings(self.embedder,
                                            self.settings.home / "vectors")
        return self._cached

    def _embedder_name(self) -> str:
        if self._embedder is not None:
            return self._embedder.name
        cfg = self.settings.embedding
        return cfg.model if cfg.backend == "local" else f"openai:{cfg.model}"

    @property
    def store(self) -> ChromaStore:
        if self._store is None:
            fingerprint = {
                "parser": PARSER_VERSION,
                "embedder": self._embedder_name(),
                "tokenizer": tokens.ENCODING,
            }
            self._store = ChromaStore(self.settings, self._embedder_name(), fingerprint)
        return self._store

    # -- writing -------------------------------------------------------------
    def ingest(
        self, paths: Sequence[Path], *, rebuild: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        """Add new reports, replace changed ones, skip unchanged ones."""
        started = time.perf_counter()
        files = collect_files(paths)
        with self._writing():
            if rebuild:
                self.store.drop()
                # The lexical store keys its units by document version; a rebuild
                # must not reuse them (a parser change may leave versions alone).
                self._lexical_store().drop()
            self.store.open(create=True)
            registry = self.store.documents()
            report = IngestReport()
            seen: dict[str, Path] = {}
            stale: list[str] = []  # content keys of replaced versions
            for n, path in enumerate(files):
                if progress:
                    progress(path.name, n, len(files))
                report.files.append(self._ingest_one(path, registry, seen, stale))
            if any(f.status in ("added", "updated") for f in report.files):
                self._sync_lexical()
                self._sync_vocabulary()
                self._drop_unused(stale)
            elif not self.vocabulary().words:
                self._sync_vocabulary()  # an index made before the vocabulary
            self._fresh.clear()
        if progress:
            progress("", len(files), len(files))
        report.seconds = time.perf_counter() - started
        return report

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time per ``RAG_HOME``.

        Vectors are shared between documents, so a writer that drops the vectors
        of a removed report must not race one that is about to reuse them.
        """
        from filelock import FileLock, Timeout

        self.settings.home.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.settings.home / "write.lock"))
        try:
            lock.acquire(timeout=_WRITE_WAIT_S)
        except Timeout:
            raise IndexBusy(self.settings.home, _WRITE_WAIT_S) from None
        try:
            yield
        finally:
            lock.release()

    def _ingest_one(
        self, path: Path, registry: dict[str, DocInfo], seen: dict[str, Path],
        stale: list[str],
    ) -> FileResult:
        doc_id = path.stem
        if doc_id in seen:
            return FileResult(
                str(path), doc_id, "failed",
                error=f"document id '{doc_id}' also comes from {seen[doc_id]}; "
                "rename one of the files",
            )
        seen[doc_id] = path
        try:
            data = path.read_bytes()
            version = file_version(data)
            old = registry.get(doc_id)
            if old is not None and old.version == version:
                return FileResult(str(path), doc_id, "unchanged", old.units)
            doc = parse_file(path, doc_id)
            # Vectors first, only for text the store lacks: a paragraph another
            # report already has (a copy) reuses that report's vectors.
            parts = [(vector_id(content_key(u), p.index), p)
                     for u in doc.units for p in split_unit(u)]
            missing = self.store.missing_vectors([i for i, _ in parts])
            todo = list({i: p for i, p in parts if i in missing}.items())
            if todo:
                vectors = self.cached_embeddings.embed([embed_text(p) for _, p in todo])
                self.store.add_vectors([i for i, _ in todo], vectors)
            self.store.add_units(version, doc.units)
            info = DocInfo(
                id=doc_id, symbol=doc.symbol, title=doc.title, date=doc.date, body=doc.body,
                path=str(path), version=version, units=len(doc.units),
                paragraphs=sum(1 for u in doc.units if u.kind in NUMBERED_KINDS),
                ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self.store.commit(info)  # the switch: from here on queries see the new version
            if old is not None:
                stale.extend(content_key(u) for u in self.store.units({doc_id: old.version}))
            self.store.delete_versions(doc_id, keep=version)
            self._fresh[(doc_id, version)] = list(doc.units)
            registry[doc_id] = info
        except RagError as exc:
            return FileResult(str(path), doc_id, "failed", error=str(exc))
        except OSError as exc:
            return FileResult(str(path), doc_id, "failed", error=f"{path}: {exc.strerror}")
        status: FileStatus = "updated" if old is not None else "added"
        return FileResult(str(path), doc_id, status, len(doc.units), warnings=doc.warnings)

    def remove(self, doc: str) -> DocInfo:
        """Remove a document from every index."""
        with self._writing():
            docs = self.documents()
            if doc not in docs:
                raise UnknownDocument(doc, docs)
            stale = [content_key(u) for u in self.store.units({doc: docs[doc].version})]
            self.store.uncommit(doc)
            self.store.delete_versions(doc, keep=None)
            self._sync_lexical()
            self._drop_unused(stale)
        return docs[doc]

    def _drop_unused(self, keys: Sequence[str]) -> None:
        """Delete the vectors of ``keys`` that no live unit uses any more."""
        if not keys:
            return
        try:
            used = self.snapshot().lexical.by_content
        except EmptyIndex:
            used = {}
        unused = [k for k in set(keys) if k not in used]
        if unused:
            self.store.delete_vectors(unused)

    def _sync_vocabulary(self) -> None:
        """Embed the words of the new units that the vocabulary lacks (rag.index.vocab)."""
        if self.vocabulary().words:
            units: Iterable[Unit] = (u for us in self._fresh.values() for u in us)
        else:  # an index made before the vocabulary: every live unit, once
            try:
                units = [u for us in self.snapshot().lexical.doc_units.values() for u in us]
            except EmptyIndex:
                return
        self.vocabulary_store.add(words_of(units), lambda ws: self.embedder.embed(ws))

    @property
    def vocabulary_store(self) -> VocabularyStore:
        if self._vocabulary is None:
            self._vocabulary = VocabularyStore(
                self.settings.home / "vocabulary" / self.store.units_name,
                self._embedder_name())
        return self._vocabulary

    def vocabulary(self) -> Vocabulary:
        """The reports' words and their embeddings (empty for an index made before them)."""
        return self.vocabulary_store.load()

    def _sync_lexical(self) -> None:
        """Bring the lexical index to the registry now, so the next query does not pay."""
        with contextlib.suppress(EmptyIndex):
            self.snapshot()

    # -- reading -------------------------------------------------------------
    def documents(self) -> dict[str, DocInfo]:
        return self.store.documents()

    def _lexical_store(self) -> LexicalStore:
        if self._lexical is None:
            self._lexical = LexicalStore(self.settings.lexical_path / self.store.units_name)
        return self._lexical

    def snapshot(self) -> Snapshot:
        """The live documents and a lexical index over exactly those versions."""
        docs = self.documents()
        if not docs:
            raise EmptyIndex()
        versions = {d: i.version for d, i in docs.items()}
        expected = {d: i.units for d, i in docs.items()}
        lexical = self._lexical_store()

        def fetch(wanted: dict[str, str]) -> Iterator[Unit]:
            rest = {}
            for d, v in wanted.items():
                if (d, v) in self._fresh:
                    yield from self._fresh[(d, v)]
                else:
                    rest[d] = v
            if rest:
                yield from self.store.units(rest, {d: expected[d] for d in rest if d in expected})

        return Snapshot(docs, lexical.view(versions, fetch))

    def units_of(self, doc: str) -> tuple[DocInfo, list[Unit]]:
        """A document's units in reading order."""
        snap = self.snapshot()
        if doc not in snap.docs:
            raise UnknownDocument(doc, snap.docs)
        units = sorted(snap.lexical.doc_units.get(doc, []), key=lambda u: u.order)
        return snap.docs[doc], units

    def unit(self, doc: str, label: str) -> tuple[DocInfo, Unit]:
        """The unit a citation names, with its document."""
        snap = self.snapshot()
        if doc not in snap.docs:
            raise UnknownDocument(doc, snap.docs)
        units = snap.lexical.doc_units.get(doc, [])
        found = next((u for u in units if u.label == label), None)
        if found is None:
            found = next((u for u in units if label_key(u.label) == label_key(label)), None)
        if found is None:
            raise UnknownLabel(doc, label, [u.label for u in units if u.kind in NUMBERED_KINDS])
        return snap.docs[doc], found

    def parts(self, doc: str, label: str) -> list[Unit]:
        """A unit cut into parts ("111", "111 part 2", …), all of them in order; a unit
        that was not cut is its only part."""
        whole = whole_label(self.unit(doc, label)[1].label)
        return [u for u in self.units_of(doc)[1] if whole_label(u.label) == whole]

    def dense(
        self, vector: np.ndarray, n: int, snap: Snapshot, doc: str | None = None
    ) -> list[tuple[str, str, float]]:
        """(doc, label, similarity) of the units nearest to ``vector``, in ``snap`` only.

        ``n`` counts vectors: one unit may have several (a long paragraph), and
        units of several reports may share one (verbatim copies), listed in
        document order.
        """
        by_content = snap.lexical.by_content
        if doc is not None:
            units = snap.lexical.doc_units.get(doc, [])
            labels: dict[str, list[str]] = {}
            for u in units:
                labels.setdefault(content_key(u), []).append(u.label)
            hits = self.store.query_within(vector, n, doc, snap.versions[doc], list(labels))
            return [(doc, label, sim) for key, sim in hits for label in labels.get(key, [])]
        out: list[tuple[str, str, float]] = []
        for key, sim in self.store.query(vector, n):
            # A key no live unit uses: a version being written, or a killed ingest's.
            out.extend((d, label, sim) for d, label in sorted(by_content.get(key, ())))
        return out

"""BM25 over the live units: a tantivy index on local disk, kept in step with the registry.

Why tantivy: bm25s (used before) bakes idf and document lengths into one score
matrix at index time, so every new report re-indexed every paragraph (20 s at
100k units). Tantivy keeps postings in segments and computes the global BM25
statistics at query time, so adding or removing a report costs that report's
paragraphs, and deletes are by term.

The index is derived state, one per vector collection, under
``RAG_HOME/lexical/<collection>``. :class:`LexicalStore` brings it to a
registry by a document diff (delete the stale versions, add the new ones, one
commit) and returns an immutable :class:`LexicalIndex` view for one snapshot.
The same design works with a Chroma server: each machine keeps its own lexical
index and fills it from the server; processes that share a ``RAG_HOME`` share
one index (tantivy allows one writer at a time; the others wait for it).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.index.content import content_key
from rag.types import Unit

#: Bump when the schema, the analyzer or ``lexical_text`` changes: the index is rebuilt.
LEXICAL_VERSION = "5"
_ANALYZER = "reportbot_en"
#: Fields written as stems already (:func:`lexical_text`, :func:`scope_text`): split on spaces.
_STEMS = "reportbot_stems"
# bm25s's tokenizer, which the calibrated thresholds were measured with: words of
# two or more characters, Lucene's English stopwords, Snowball (Porter2) stems.
_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_STOPWORDS = (
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with",
)
#: Tantivy's writer memory budget; 15 MB is its floor per thread, one thread suffices.
_WRITER_HEAP = 32_000_000
#: How long a process waits for another one's sync before giving up.
_WRITER_WAIT_S = 120.0

Key = tuple[str, str]
Fetch = Callable[[dict[str, str]], Iterable[Unit]]

_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One lower-case word as the BM25 index spells it (the same Porter2 stemmer)."""
    return str(_stemmer().stemWord(word))


def registry_key(versions: dict[str, str]) -> str:
    """A name for the set of live document versions."""
    blob = json.dumps(sorted(versions.items())).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def analyze(text: str) -> list[str]:
    """The BM25 terms of a text: lower case, stopwords out, Porter2 stems."""
    return list(_analyzer().analyze(text))


def report_scope(units: Iterable[Unit]) -> frozenset[str]:
    """The terms that say which report a unit is in: those of its title block
    (body, session, symbol, date, title; for a report without one, its first
    heading), and the acronyms of the title's names ("Universal Periodic Review"
    → "upr").

    "… at the 2019 trafficking working group" is said of every paragraph of that
    report; only the few that *write* those words would match them as text.
    """
    units = list(units)
    head = next((u for u in units if u.kind == "title"), None)
    if head is None:
        head = next((u for u in units if u.kind == "heading"), None)
    if head is None:
        return frozenset()
    words = set(analyze(head.text))
    for name in _NAME_RUN.findall(head.text):
        if len(acronym := initials(name)) >= 3:
            words.add(acronym)
    return frozenset(words)


def initials(name: str) -> str:
    """A name's acronym as reports form it, lower case: "Universal Periodic Review" →
    "upr", "Committee on Economic, Social and Cultural Rights" → "cescr"."""
    return "".join(w[0] for w in re.findall(r"[\w’'-]+", name)
                   if w.lower() not in LINK_WORDS).lower()


_NAME_RUN = re.compile(r"[A-Z][\w’'-]+(?:\s+(?:(?:of|the|on|for|and|in|against|to)\s+)*"
                       r"[A-Z][\w’'-]+)+")
#: Words inside a name that its acronym skips.
LINK_WORDS = frozenset({"of", "the", "on", "for", "and", "in", "against", "to"})


def lexical_text(unit: Unit, scope: frozenset[str] = frozenset()) -> str:
    """What BM25 reads as the unit's text: the stems of the paragraph, its label
    words and its heading (:attr:`Unit.heading`), less its report's scope terms,
    which every unit of the report carries in the ``scope`` field instead. So the
    words that name the report match all its units alike, and the rest of the
    question decides the rank within it."""
    heading = unit.heading
    label = unit.label if unit.kind == "recommendation" else ""
    return " ".join(t for t in analyze(f"{label} {heading} {unit.text}") if t not in scope)


def scope_text(scope: frozenset[str]) -> str:
    return " ".join(sorted(scope))


class LexicalBusy(RagError):
    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"{folder}: another process has held the lexical index for "
            f"{_WRITER_WAIT_S:.0f} s; wait for its ingest to finish and try again"
        )


@lru_cache(maxsize=1)
def _stems_analyzer() -> Any:
    import tantivy

    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(_TOKEN_PATTERN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(list(_STOPWORDS)))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", tokenizer_name=_STEMS, index_option="freq")
    # The report's scope terms (:func:`report_scope`), the same for all its units.
    builder.add_text_field("scope", tokenizer_name=_STEMS, index_option="freq")
    # raw: ids and labels are matched (and deleted) exactly, never tokenized
    builder.add_text_field("doc", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("label", stored=True, tokenizer_name="raw", index_option="basic")
    # A column read per hit instead of a stored document: 640 hits cost ~0.2 ms, not ~30.
    builder.add_integer_field("uid", fast=True)
    return builder.build()


def uid(doc: str, label: str) -> int:
    """A unit's 64-bit id in the lexical index."""
    digest = hashlib.blake2b(f"{doc}\0{label}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)  # tantivy reads Python ints as i64


@dataclass(frozen=True, slots=True)
class LexicalIndex:
    """A read-only view for one registry: its units and a BM25 searcher over exactly them."""

    key: str
    #: (doc, label) → unit, for every live unit.
    unit_of: Mapping[Key, Unit]
    #: doc → its units in reading order.
    doc_units: Mapping[str, list[Unit]]
    searcher: Any
    schema: Any
    #: unit → the unit it is a verbatim copy of in another report (only copies are here).
    copy_of: Mapping[Key, Key] = field(default_factory=dict)
    #: the lexical index's unit id → (doc, label)
    key_of: Mapping[int, Key] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    #: content key (see :mod:`rag.index.content`) → the live units whose vectors it names
    by_content: Mapping[str, frozenset[Key]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.unit_of)

    def terms(self, text: str) -> list[str]:
        """The BM25 terms of a text, as the index spells them."""
        return analyze(text)

    def has_term(self, term: str) -> bool:
        """Whether any unit has this (stemmed) term, in its text or its report's scope."""
        return bool(self.searcher.doc_freq("text", term) or self.searcher.doc_freq("scope", term))

    def search(self, query: str, n: int, doc: str | None = None, *,
               also: str = "", also_weight: float = 0.3,
               scope_weight: float = 0.5) -> list[tuple[Key, float]]:
        """((doc, label), score) of the best ``n`` units with a positive score.

        ``also``: more words that count, at ``also_weight`` of a query word's
        score (the countries of a region the question names). A query word that
        names a unit's report (its ``scope`` field) counts at ``scope_weight``.
        """
        import tantivy

        terms = self.terms(query)
        if not terms or not self.unit_of or n <= 0:
            return []
        if doc is not None and doc not in self.doc_units:
            return []
        should = [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "text", t))
                  for t in terms]
        if scope_weight > 0:
            should += [(tantivy.Occur.Should, tantivy.Query.boost_query(
                tantivy.Query.term_query(self.schema, "scope", t), scope_weight))
                for t in dict.fromkeys(terms)]
        extra = [t for t in dict.fromkeys(self.terms(also)) if t not in terms]
        should += [(tantivy.Occur.Should, tantivy.Query.boost_query(
            tantivy.Query.term_query(self.schema, "text", t), also_weight)) for t in extra]
        q = tantivy.Query.boolean_query(should)
        if doc is not None:
            # A zero-score filter: the ranking within the document stays pure BM25.
            only = tantivy.Query.const_score_query(
                tantivy.Query.term_query(self.schema, "doc", doc), 0.0)
            q = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, only), (tantivy.Occur.Must, q)])
        hits = [(s, a) for s, a in self.searcher.search(q, n, count=False).hits if s > 0]
        ids = self.searcher.fast_field_values("uid", [a for _s, a in hits])
        out: list[tuple[Key, float]] = []
        for (score, _address), i in zip(hits, ids, strict=True):
            key = self.key_of.get(i)
            if key is not None:  # a version another process just added is not ours yet
                out.append((key, float(score)))
        return out

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term; a term no unit has gets the maximum."""
        n = len(self.unit_of)
        df = min(int(self.searcher.doc_freq("text", term)), n) if n else 0
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


class LexicalStore:
    """The on-disk lexical index of one collection, brought to each registry by a diff."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._index: Any = None
        #: (doc, version) → units, so a new view reuses what the last one read.
        self._units: dict[Key, list[Unit]] = {}
        self._catalogue = _Catalogue()
        #: Seconds the last sync spent, and how many units it wrote (for benchmarks).
        self.last_sync: tuple[float, int] = (0.0, 0)

    @property
    def _tantivy_dir(self) -> Path:
        return self.folder / "tantivy"

    @property
    def _state_file(self) -> Path:
        return self.folder / "state.json"

    def view(self, versions: dict[str, str], fetch: Fetch) -> LexicalIndex:
        """The index over exactly ``versions``; ``fetch`` reads units of the versions it lacks."""
        key = registry_key(versions)
        view = self._catalogue.view
        if view is not None and view.key == key:
            return view
        with self._lock:
            if self._catalogue.view is not None and self._catalogue.view.key == key:
                return self._catalogue.view
            started = time.perf_counter()
            # One process at a time opens, creates or writes the folder; tantivy's own
            # writer lock alone let two processes create the index over each other.
            with self._file_lock():
                index = self._open()
                written = self._sync(index, versions, fetch)
            index.reload()
            units = {d: self._doc_units(d, v, fetch) for d, v in versions.items()}
            view = self._catalogue.next_view(key, versions, units, index)
            self._units = {(d, versions[d]): us for d, us in units.items()}
            self.last_sync = (time.perf_counter() - started, written)
            return view

    def drop(self) -> None:
        """Forget everything on disk (``ingest --rebuild``): the next view rebuilds it."""
        with self._lock, self._file_lock():
            self._index = None
            self._units = {}
            self._catalogue = _Catalogue()
            shutil.rmtree(self._tantivy_dir, ignore_errors=True)
            for child in self.folder.iterdir():
                if child.name != "lock":
                    if child.is_dir():
                        shutil.rmtree(child, ignore_errors=True)
                    else:
                        child.unlink(missing_ok=True)

    # -- the on-disk index ---------------------------------------------------
    def _read_state(self) -> dict[str, Any]:
        try:
            state = json.loads(self._state_file.read_text())
            if state.get("version") == LEXICAL_VERSION:
                return dict(state)
        except (OSError, ValueError):
            pass
        return {"version": LEXICAL_VERSION, "docs": {}, "dirty": []}

    def _write_state(self, docs: dict[str, str], dirty: Iterable[str]) -> None:
        state = {"version": LEXICAL_VERSION, "docs": docs, "dirty": sorted(dirty)}
        tmp = self._state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, sort_keys=True))
        tmp.replace(self._state_file)

    def _open(self) -> Any:
        import tantivy

        if self._index is not None:
            return self._index
        self.folder.mkdir(parents=True, exist_ok=True)
        _prune_legacy(self.folder)
        index = None
        if self._read_state()["docs"] and tantivy.Index.exists(str(self._tantivy_dir)):
            try:
                index = tantivy.Index.open(str(self._tantivy_dir))
            except (ValueError, OSError):
                index = None  # damaged or from another tantivy: rebuilt, not trusted
        if index is None:
            shutil.rmtree(self._tantivy_dir, ignore_errors=True)
            self._tantivy_dir.mkdir(parents=True)
            index = tantivy.Index(_schema(), path=str(self._tantivy_dir))
            self._write_state({}, [])
        index.register_tokenizer(_ANALYZER, _analyzer())
        index.register_tokenizer(_STEMS, _stems_analyzer())
        self._index = index
        return index

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(self.folder / "lock", timeout=_WRITER_WAIT_S):
                yield
        except Timeout as exc:
            raise LexicalBusy(self.folder) from exc

    def _sync(self, index: Any, versions: dict[str, str], fetch: Fetch) -> int:
        """Delete stale versions and add missing ones; the number of units written."""
        import tantivy

        def diff(state: dict[str, Any]) -> tuple[set[str], dict[str, str]]:
            have: dict[str, str] = state["docs"]
            dirty = set(state["dirty"])
            gone = {d for d in have if versions.get(d) != have[d]} | dirty
            new = {d: v for d, v in versions.items() if have.get(d) != v or d in dirty}
            return gone, new

        gone, new = diff(self._read_state())  # under the file lock: nobody else writes
        if not gone and not new:
            return 0
        state = self._read_state()
        writer = index.writer(heap_size=_WRITER_HEAP, num_threads=1)
        try:
            # Mark before writing: a crash between commit and the state write leaves
            # these documents dirty, and the next sync redoes them from scratch.
            self._write_state(state["docs"], set(state["dirty"]) | gone | set(new))
            for d in sorted(gone | set(new)):
                writer.delete_documents_by_term("doc", d)
            written = 0
            fetched = _by_doc(fetch(new))
            for d, v in new.items():
                units = fetched.get(d, [])
                self._save_units(d, v, units)
                self._units[(d, v)] = units
                scope = report_scope(units)
                scoped = scope_text(scope)
                for u in units:
                    writer.add_document(
                        tantivy.Document(text=lexical_text(u, scope), scope=scoped, doc=u.doc,
                                         label=u.label, uid=uid(u.doc, u.label)))
                written += len(units)
            writer.commit()
            docs = {d: v for d, v in state["docs"].items() if d not in gone}
            docs.update(new)
            self._write_state(docs, [])
            self._prune_units(versions)
            return written
        finally:
            writer.wait_merging_threads()  # also releases the writer lock

    # -- the unit catalogue (per document version, JSON) ---------------------
    def _units_file(self, doc: str, version: str) -> Path:
        name = hashlib.sha256(f"{doc}\0{version}".encode()).hexdigest()[:24]
        return self.folder / "units" / f"{name}.json"

    def _save_units(self, doc: str, version: str, units: list[Unit]) -> None:
        path = self._units_file(doc, version)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"doc": doc, "version": version,
                                   "units": [u.to_dict() for u in units]}, ensure_ascii=False))
        tmp.replace(path)

    def _doc_units(self, doc: str, version: str, fetch: Fetch) -> list[Unit]:
        cached = self._units.get((doc, version))
        if cached is not None:
            return cached
        try:
            data = json.loads(self._units_file(doc, version).read_text())
            return [Unit(**u) for u in data["units"]]
        except (OSError, ValueError, TypeError, KeyError):
            units = _by_doc(fetch({doc: version})).get(doc, [])
            self._save_units(doc, version, units)
            return units

    def _prune_units(self, versions: dict[str, str]) -> None:
        live = {self._units_file(d, v).name for d, v in versions.items()}
        folder = self.folder / "units"
        for path in folder.glob("*.json") if folder.exists() else ():
            if path.name not in live:
                path.unlink(missing_ok=True)


def _copy_text(unit: Unit) -> str | None:
    """The text two paragraphs must share to be copies; None for short lines.

    "Opening of the session." repeats in every report: a heading, not a copy.
    """
    text = " ".join(unit.text.split())
    return text if len(text) >= 40 else None


class _Catalogue:
    """Builds each view's maps from the last one, touching only changed documents.

    Rebuilding them cost ~1 s per change at 100k units; patching costs the
    changed documents plus a C-level dict copy.
    """

    def __init__(self) -> None:
        self.view: LexicalIndex | None = None
        #: copy text → its units as (doc, order, label), for the copy map
        self.texts: dict[str, set[tuple[str, int, str]]] = {}

    def next_view(self, key: str, versions: dict[str, str],
                  units: dict[str, list[Unit]], index: Any) -> LexicalIndex:
        prev = self.view
        if prev is None:
            old_units: Mapping[str, list[Unit]] = {}
            changed = set(versions)
            unit_of: dict[Key, Unit] = {}
            key_of: dict[int, Key] = {}
            copy_of: dict[Key, Key] = {}
            by_content: dict[str, frozenset[Key]] = {}
        else:
            old_units = prev.doc_units
            changed = {d for d in set(versions) | set(prev.versions)
                       if prev.versions.get(d) != versions.get(d)}
            unit_of, key_of, copy_of = dict(prev.unit_of), dict(prev.key_of), dict(prev.copy_of)
            by_content = dict(prev.by_content)  # values are frozen: the old view keeps its own
        touched: set[str] = set()
        for d in changed:
            for u in old_units.get(d, []):
                unit_of.pop((u.doc, u.label), None)
                key_of.pop(uid(u.doc, u.label), None)
                ck = content_key(u)
                rest = by_content.get(ck, frozenset()) - {(u.doc, u.label)}
                if rest:
                    by_content[ck] = rest
                else:
                    by_content.pop(ck, None)
                if (text := _copy_text(u)) is not None:
                    touched.add(text)
                    self.texts[text].discard((u.doc, u.order, u.label))
            for u in units.get(d, []):
                unit_of[(u.doc, u.label)] = u
                key_of[uid(u.doc, u.label)] = (u.doc, u.label)
                ck = content_key(u)
                by_content[ck] = by_content.get(ck, frozenset()) | {(u.doc, u.label)}
                if (text := _copy_text(u)) is not None:
                    touched.add(text)
                    self.texts.setdefault(text, set()).add((u.doc, u.order, u.label))
        for text in touched:
            members = self.texts.get(text, set())
            for doc, _order, label in members:
                copy_of.pop((doc, label), None)
            if not members:
                self.texts.pop(text, None)
                continue
            first_doc, _order, first_label = min(members)
            for doc, _order, label in members:
                if doc != first_doc:
                    copy_of[(doc, label)] = (first_doc, first_label)
        # A removed first copy: its copies pointed at it and are re-pointed above,
        # because its text is touched. Entries of removed units are gone with them.
        for d in changed:
            for u in old_units.get(d, []):
                if (u.doc, u.label) not in unit_of:
                    copy_of.pop((u.doc, u.label), None)
        self.view = LexicalIndex(key, unit_of, units, index.searcher(), index.schema,
                                 copy_of, key_of, dict(versions), by_content)
        return self.view


def _by_doc(units: Iterable[Unit]) -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {}
    for u in units:
        out.setdefault(u.doc, []).append(u)
    for us in out.values():
        us.sort(key=lambda u: u.order)
    return out


def _prune_legacy(folder: Path) -> None:
    """Drop the bm25s caches of earlier versions (one folder per registry)."""
    keep = {"tantivy", "units", "state.json", "state.tmp", "lock"}
    for child in folder.iterdir():
        if child.name not in keep:
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)

"""The tantivy lexical index: incremental sync, crash recovery, sharing between processes."""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Iterable
from pathlib import Path

import pytest

from rag.index.lexical import LexicalStore, stem
from rag.types import Unit

TOPICS = ["trafficking victims", "DNA databases", "firearms licensing", "cybercrime evidence",
          "migrant smuggling", "asset recovery"]


def make_doc(doc: str, n: int, topic: str) -> list[Unit]:
    return [
        Unit(doc, str(i + 1), "paragraph", "Discussion",
             f"Paragraph {i + 1} of {doc} discusses {topic} and item{i} in detail.",
             0, 10, 12, i)
        for i in range(n)
    ]


class Source:
    """A stand-in for the vector store: documents by version, counting what is read."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[str, list[Unit]]] = {}
        self.read: list[str] = []

    def put(self, doc: str, version: str, units: list[Unit]) -> None:
        self.docs[doc] = (version, units)

    def versions(self) -> dict[str, str]:
        return {d: v for d, (v, _) in self.docs.items()}

    def fetch(self, wanted: dict[str, str]) -> Iterable[Unit]:
        for doc, version in wanted.items():
            have = self.docs.get(doc)
            if have and have[0] == version:
                self.read.extend(u.label for u in have[1])
                yield from have[1]


def corpus(n_docs: int = 6, per_doc: int = 50) -> Source:
    src = Source()
    for i in range(n_docs):
        src.put(f"doc{i}", "v1", make_doc(f"doc{i}", per_doc, TOPICS[i % len(TOPICS)]))
    return src


def test_search_filters_and_idf(tmp_path: Path) -> None:
    src = corpus()
    view = LexicalStore(tmp_path).view(src.versions(), src.fetch)
    assert len(view) == 300
    hits = view.search("Who talked about DNA databases?", 5)
    assert hits and all(doc == "doc1" for (doc, _), _score in hits)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    # The doc filter keeps BM25's ranking inside the document and nothing else.
    only = view.search("paragraph item7 databases", 3, doc="doc4")
    assert only[0][0] == ("doc4", "8") and {d for (d, _), _ in only} == {"doc4"}
    assert view.search("DNA", 5, doc="nope") == []
    assert view.search("the of and", 5) == []  # stopwords only
    assert view.idf(stem("databases")) < view.idf(stem("item7")) < view.idf("zzzunseen")


def test_adding_a_report_costs_that_report(tmp_path: Path) -> None:
    src = corpus()
    store = LexicalStore(tmp_path)
    store.view(src.versions(), src.fetch)
    assert store.last_sync[1] == 300
    src.read.clear()
    src.put("new", "v1", make_doc("new", 7, "electronic evidence retention"))
    view = store.view(src.versions(), src.fetch)
    assert store.last_sync[1] == 7 and len(src.read) == 7  # only the new report is read
    assert view.search("electronic evidence retention", 1)[0][0][0] == "new"
    # A changed report replaces its old version; a removed one leaves no trace.
    src.put("doc1", "v2", make_doc("doc1", 3, "wildlife crime"))
    view = store.view(src.versions(), src.fetch)
    assert store.last_sync[1] == 3 and len(view.doc_units["doc1"]) == 3
    assert not view.search("DNA databases", 5)
    del src.docs["doc2"]
    view = store.view(src.versions(), src.fetch)
    assert "doc2" not in view.doc_units and view.searcher.num_docs == len(view) == 300 + 7 - 47 - 50
    # An unchanged registry is the same view, no work at all.
    assert store.view(src.versions(), src.fetch) is view


def test_a_new_process_reuses_the_index_on_disk(tmp_path: Path) -> None:
    src = corpus()
    LexicalStore(tmp_path).view(src.versions(), src.fetch)
    src.read.clear()
    view = LexicalStore(tmp_path).view(src.versions(), src.fetch)
    assert src.read == [] and len(view) == 300  # units come from the cache, postings from disk


def test_crash_between_commit_and_state_redoes_dirty_documents(tmp_path: Path) -> None:
    src = corpus()
    LexicalStore(tmp_path).view(src.versions(), src.fetch)
    state = json.loads((tmp_path / "state.json").read_text())
    state["dirty"] = ["doc3"]  # what a crash mid-sync leaves behind
    (tmp_path / "state.json").write_text(json.dumps(state))
    src.read.clear()
    store = LexicalStore(tmp_path)
    view = store.view(src.versions(), src.fetch)
    assert store.last_sync[1] == 50 and view.searcher.num_docs == 300  # no duplicates
    assert json.loads((tmp_path / "state.json").read_text())["dirty"] == []


def test_a_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    src = corpus()
    LexicalStore(tmp_path).view(src.versions(), src.fetch)
    for f in (tmp_path / "tantivy").iterdir():
        f.write_bytes(b"garbage")
    view = LexicalStore(tmp_path).view(src.versions(), src.fetch)
    assert view.search("firearms licensing", 1)[0][0][0] == "doc2"


def test_legacy_bm25s_caches_are_dropped(tmp_path: Path) -> None:
    (tmp_path / "0123456789abcdef").mkdir(parents=True)
    (tmp_path / "0123456789abcdef" / "units.json").write_text("[]")
    src = corpus(1, 3)
    LexicalStore(tmp_path).view(src.versions(), src.fetch)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lock", "state.json", "tantivy", "units"]


def test_threads_share_one_store(tmp_path: Path) -> None:
    src = corpus()
    store = LexicalStore(tmp_path)
    views = []
    threads = [threading.Thread(target=lambda: views.append(store.view(src.versions(),
                                                                        src.fetch)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(v) for v in views}) == 1 and views[0].searcher.num_docs == 300


def _sync_in_process(folder: str, docs: int, queue: multiprocessing.Queue[int]) -> None:
    src = corpus(docs)
    queue.put(LexicalStore(Path(folder)).view(src.versions(), src.fetch).searcher.num_docs)


def test_processes_take_turns_with_the_writer(tmp_path: Path) -> None:
    """Two processes sync the same folder at once: tantivy's lock makes one wait, not fail."""
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[int] = ctx.Queue()
    procs = [ctx.Process(target=_sync_in_process, args=(str(tmp_path), 6, queue))
             for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert sorted(queue.get() for _ in procs) == [300, 300, 300]
    assert LexicalStore(tmp_path).view(corpus(6).versions(), corpus(6).fetch).searcher.num_docs \
        == 300


@pytest.mark.parametrize("query", ["", "   ", "¶¶ —", "x"])
def test_queries_without_terms(tmp_path: Path, query: str) -> None:
    src = corpus(1, 3)
    assert LexicalStore(tmp_path).view(src.versions(), src.fetch).search(query, 5) == []


def test_copies_point_at_the_first_report(tmp_path: Path) -> None:
    src = corpus(2, 4)
    twin = [Unit("a-twin", u.label, u.kind, u.section, u.text, 0, 1, 1, u.order)
            for u in make_doc("doc1", 4, TOPICS[1])]
    twin[0] = Unit("a-twin", "1", "paragraph", "S", "Opening of the session.", 0, 1, 1, 0)
    repeat = Unit("a-twin", "9", "paragraph", "S", twin[1].text, 0, 1, 1, 9)
    src.put("a-twin", "v1", [*twin, repeat])
    view = LexicalStore(tmp_path).view(src.versions(), src.fetch)
    # "a-twin" sorts first, so doc1's paragraphs are the copies; short lines never are.
    assert view.copy_of == {("doc1", "2"): ("a-twin", "2"), ("doc1", "3"): ("a-twin", "3"),
                            ("doc1", "4"): ("a-twin", "4")}


def test_patched_views_equal_views_built_from_scratch(tmp_path: Path) -> None:
    """Adds, updates and removals patch the maps; a fresh store must agree at every step."""
    import random

    rng = random.Random(7)
    texts = [f"Shared paragraph number {i} about {TOPICS[i % len(TOPICS)]} here." for i in
             range(12)]
    src = Source()
    store = LexicalStore(tmp_path / "a")
    had_copies = False
    for step in range(25):
        doc = f"d{rng.randrange(6)}"
        if doc in src.docs and rng.random() < 0.3:
            del src.docs[doc]
        else:
            picks = rng.sample(texts, 4)
            units = [Unit(doc, str(i + 1), "paragraph", "S", t, 0, 1, 1, i)
                     for i, t in enumerate(picks)]
            src.put(doc, f"v{step}", units)
        if not src.docs:
            continue
        patched = store.view(src.versions(), src.fetch)
        fresh = LexicalStore(tmp_path / f"fresh{step}").view(src.versions(), src.fetch)
        assert patched.copy_of == fresh.copy_of, step
        assert patched.unit_of == fresh.unit_of and patched.key_of == fresh.key_of
        assert patched.by_content == fresh.by_content  # which units each vector serves
        assert {k for ks in patched.by_content.values() for k in ks} == set(patched.unit_of)
        assert patched.searcher.num_docs == len(patched)
        had_copies = had_copies or bool(patched.copy_of)
    assert had_copies


def test_words_searched_as_well_count_for_less(tmp_path: Path) -> None:
    src = corpus()
    view = LexicalStore(tmp_path).view(src.versions(), src.fetch)
    # item7 is in one paragraph of each report; "firearms" in doc2's only.
    plain = dict(view.search("firearms item7", 300))
    weak = dict(view.search("firearms", 300, also="item7"))
    assert ("doc2", "8") in weak and ("doc0", "8") in weak  # found by the extra word alone
    assert weak[("doc0", "8")] < plain[("doc0", "8")]  # at a fraction of a query word's score
    # A word already in the question is not counted twice.
    assert view.search("firearms", 20, also="firearms") == view.search("firearms", 20)

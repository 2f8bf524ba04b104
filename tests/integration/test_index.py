"""Ingest and search with the real model and a real Chroma (embedded and `chroma run`)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from rag.errors import EmptyIndex, IndexMismatch, UnknownDocument, UnknownLabel
from rag.index import Index
from rag.index.embed import Embedder
from rag.retrieve import Query, search
from rag.settings import Settings
from tests.conftest import free_port, start_chroma

pytestmark = pytest.mark.slow


def ask(index: Index, settings: Settings, q: str, k: int = 5, doc: str | None = None) -> list[str]:
    return [h.unit.label for h in search(index, Query(q, k, doc), settings.retrieval)]


def test_ingest_search_show(settings: Settings, embedder: Embedder, corpus_copy: Path) -> None:
    index = Index(settings, embedder)
    with pytest.raises(EmptyIndex):
        ask(index, settings, "anything")
    report = index.ingest([corpus_copy])
    assert (report.count("added"), report.count("failed")) == (1, 0)
    assert ask(index, settings, "What did China say about DNA databases?")[0] == "10"
    assert "Recommendation 8" in ask(index, settings, "Which recommendation is about the media?")
    assert ask(index, settings, "What does recommendation 6 say?")[0] == "Recommendation 6"
    info, unit = index.unit("CTOC_COP_WG.4_2019_draft", "Recommendation 6")
    assert "DNA database" in unit.text and info.paragraphs == 50
    with pytest.raises(UnknownLabel):
        index.unit("CTOC_COP_WG.4_2019_draft", "99")
    with pytest.raises(UnknownDocument):
        ask(index, settings, "x", doc="nope")

    # Unchanged file: nothing is re-embedded.
    again = index.ingest([corpus_copy])
    assert again.count("unchanged") == 1 and again.units == 0


def test_changed_file_replaces_its_paragraphs(
    settings: Settings, embedder: Embedder, corpus_copy: Path
) -> None:
    index = Index(settings, embedder)
    index.ingest([corpus_copy])
    before, units = index.store.count(), index.store.unit_count()
    path = next(corpus_copy.iterdir())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("3,901 children", "4,321 children"), encoding="utf-8")
    report = index.ingest([corpus_copy])
    assert report.count("updated") == 1
    _, unit = index.unit("CTOC_COP_WG.4_2019_draft", "10")
    assert "4,321" in unit.text and "3,901" not in unit.text
    # The old version's records are gone, and the vector of its old ¶10 with them.
    assert index.store.count() == before and index.store.unit_count() == units
    hits = search(index, Query("3,901 children found", 50), settings.retrieval)
    assert all("3,901" not in h.unit.text for h in hits)


def test_interrupted_ingest_keeps_the_old_version(
    settings: Settings, embedder: Embedder, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = Index(settings, embedder)
    index.ingest([corpus_copy])
    path = next(corpus_copy.iterdir())
    path.write_text(
        path.read_text(encoding="utf-8").replace("Qingtian Meng", "Q. Meng"), encoding="utf-8"
    )

    def crash(*_args: object) -> None:
        raise KeyboardInterrupt  # killed between writing the new parts and the switch

    monkeypatch.setattr(index.store, "commit", crash)
    with pytest.raises(KeyboardInterrupt):
        index.ingest([corpus_copy])
    monkeypatch.undo()
    fresh = Index(settings, embedder)  # a new process
    _, unit = fresh.unit("CTOC_COP_WG.4_2019_draft", "10")
    assert "Qingtian Meng" in unit.text
    labels = ask(fresh, settings, "What did Meng say about DNA databases?", k=50)
    assert len(labels) == len(set(labels))  # no half-written duplicate parts are served
    # The retry completes the update and leaves one version.
    assert fresh.ingest([corpus_copy]).count("updated") == 1
    _, unit = fresh.unit("CTOC_COP_WG.4_2019_draft", "10")
    assert "Q. Meng" in unit.text
    assert fresh.store.count() == Index(settings, embedder).store.count()


def test_fingerprint_mismatch_asks_for_rebuild(
    settings: Settings, embedder: Embedder, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Index(settings, embedder).ingest([corpus_copy])
    monkeypatch.setattr("rag.index.PARSER_VERSION", "999")
    with pytest.raises(IndexMismatch, match="--rebuild"):
        Index(settings, embedder).documents()
    report = Index(settings, embedder).ingest([corpus_copy], rebuild=True)
    assert report.count("added") == 1


def test_rebuild_reads_every_paragraph_again(
    settings: Settings, embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ingest --rebuild` trusts nothing kept from before, not even units cached for a
    document version: a parser change that forgot its version bump is still undone."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r.txt").write_text("1. The delegation of Atlantis spoke about fisheries.\n")
    Index(settings, embedder).ingest([folder])
    import rag.index

    real = rag.index.parse_file

    def reworded(path: Path, doc_id: str | None = None) -> Any:
        doc = real(path, doc_id)
        return replace(doc, units=[replace(u, text=u.text.replace("fisheries", "whaling"))
                                   for u in doc.units])

    monkeypatch.setattr(rag.index, "parse_file", reworded)
    index = Index(settings, embedder)
    index.ingest([folder], rebuild=True)
    assert index.unit("r", "1")[1].text == "The delegation of Atlantis spoke about whaling."
    hits = search(index, Query("whaling", 1), settings.retrieval)
    assert [(h.unit.label, h.unit.text) for h in hits] == [
        ("1", "The delegation of Atlantis spoke about whaling.")]


def test_remove_and_bad_paths(
    settings: Settings, embedder: Embedder, corpus_copy: Path, tmp_path: Path
) -> None:
    index = Index(settings, embedder)
    index.ingest([corpus_copy])
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x00binary")
    report = index.ingest([bad, corpus_copy])
    assert report.count("failed") == 1 and report.count("unchanged") == 1
    assert "binary" in (report.files[0].error or "")
    index.remove("CTOC_COP_WG.4_2019_draft")
    assert index.documents() == {}
    assert index.store.count() == 0


@pytest.mark.corpus
def test_whole_shared_corpus(settings: Settings, embedder: Embedder, shared_corpus: Path) -> None:
    index = Index(settings, embedder)
    report = index.ingest(sorted(shared_corpus.glob("*.txt")))
    assert report.count("failed") == 0 and report.count("added") == 11
    assert (
        ask(
            index,
            settings,
            "What did Fiji recommend to Slovenia about climate change?",
            doc="A_HRC_43_15",
        )[:3].count("122.66")
        == 1
    )
    labels = ask(index, settings, "national DNA database for trafficking", k=3)
    assert "Recommendation 6" in labels


def test_chroma_server_mode(
    chroma_server: str,
    embedder: Embedder,
    corpus_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "client-a"))
    monkeypatch.setenv("RAG_CHROMA_URL", chroma_server)
    settings = Settings()
    index = Index(settings, embedder)
    assert index.ingest([corpus_copy]).count("added") == 1
    assert ask(index, settings, "What did China say about DNA databases?")[0] == "10"
    # A second process with its own local state sees the same index (lexical side included).
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "client-b"))
    other = Settings()
    assert ask(Index(other, embedder), other, "How many children were found?")[0] == "10"
    assert not (tmp_path / "client-a" / "chroma").exists()


def test_unreachable_server_is_a_clear_error(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.errors import StoreUnavailable

    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    monkeypatch.setenv("RAG_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreUnavailable, match="RAG_CHROMA_URL"):
        Index(Settings(), embedder).documents()


def test_duplicate_document_ids_fail_one_file(
    settings: Settings, embedder: Embedder, corpus_copy: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "CTOC_COP_WG.4_2019_draft.txt").write_text("1. Another report, same name.\n")
    report = Index(settings, embedder).ingest([corpus_copy, other])
    assert [f.status for f in report.files] == ["added", "failed"]
    assert "also comes from" in (report.files[1].error or "")


def test_killed_ingest_leaves_old_or_new_never_a_mix(
    settings: Settings, embedder: Embedder, corpus_copy: Path, tmp_path: Path
) -> None:
    """SIGKILL a real `reportbot ingest` mid-run, many times over: each document is old or new."""
    import os
    import signal

    index = Index(settings, embedder)
    index.ingest([corpus_copy])
    path = next(corpus_copy.iterdir())
    old = {u.label: u.text for u in index.store.units(
        {d: i.version for d, i in index.documents().items()})}
    path.write_text(path.read_text(encoding="utf-8").replace("Qingtian Meng", "Q. Meng"),
                    encoding="utf-8")
    # A second, larger document makes the run long enough to be killed inside it.
    (corpus_copy / "SECOND.txt").write_text(
        "".join(f"{n}. Paragraph {n} on victim identification and data collection in "
                f"trafficking cases, with national measures described at length.\n\n"
                for n in range(1, 1500)), encoding="utf-8")
    env = {**os.environ, "RAG_HOME": str(settings.home), "RAG_CHROMA_URL": ""}
    for delay in (1.5, 3.0, 4.5):
        proc = subprocess.Popen([sys.executable, "-m", "rag", "ingest", str(corpus_copy)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        fresh = Index(settings, embedder)
        live = fresh.documents()
        units = {u.label: u.text for u in fresh.store.units(
            {"CTOC_COP_WG.4_2019_draft": live["CTOC_COP_WG.4_2019_draft"].version})}
        assert units == old or all("Qingtian Meng" not in t for t in units.values())
        assert len(units) == live["CTOC_COP_WG.4_2019_draft"].units
        if "SECOND" in live:
            second = list(fresh.store.units({"SECOND": live["SECOND"].version}))
            assert len(second) == live["SECOND"].units  # complete, never half-written
    report = Index(settings, embedder).ingest([corpus_copy])  # the retry finishes the job
    assert report.count("failed") == 0
    final = Index(settings, embedder)
    assert set(final.documents()) == {"CTOC_COP_WG.4_2019_draft", "SECOND"}
    hits = search(final, Query("victim identification data collection", 50, None),
                  settings.retrieval)
    keys = [(h.unit.doc, h.unit.label) for h in hits]
    assert len(keys) == len(set(keys))  # no unit served twice from two versions


def test_unchanged_paragraphs_are_not_embedded_again(
    settings: Settings, embedder: Embedder, corpus_copy: Path
) -> None:
    index = Index(settings, embedder)
    index.ingest([corpus_copy])
    cache = index.cached_embeddings
    first = cache.misses
    assert first > 60 and cache.hits == 0
    path = next(corpus_copy.iterdir())
    path.write_text(path.read_text(encoding="utf-8").replace("Qingtian Meng", "Q. Meng"),
                    encoding="utf-8")
    (corpus_copy / "COPY.txt").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    report = index.ingest([corpus_copy])
    assert sorted(f.status for f in report.files) == ["added", "updated"]
    from rag.index import embed_text, split_unit
    from rag.parse import parse_file

    edited = {embed_text(p) for u in parse_file(path).units for p in split_unit(u)
              if "Q. Meng" in embed_text(p)}
    assert 1 <= len(edited) < 10
    assert cache.misses - first == len(edited)  # only edited parts went through the model
    _, unit = index.unit("COPY", "10")
    assert "Q. Meng" in unit.text
    hits = search(index, Query("What did Meng say about DNA databases?", 4, None),
                  settings.retrieval)
    # Same text, same vector: the two reports' ¶10 count once, as the lower id's copy.
    assert (hits[0].unit.doc, hits[0].unit.label) == ("COPY", "10")
    assert len({h.unit.text for h in hits}) == len(hits)


def test_chroma_server_restarted_mid_ingest(
    embedder: Embedder, corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server goes away while a report is written: a clear failure, and the retry completes."""
    import threading

    from rag.errors import StoreUnavailable

    port = free_port()
    server = start_chroma(tmp_path / "server", port)
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "client"))
    monkeypatch.setenv("RAG_CHROMA_URL", f"http://127.0.0.1:{port}")
    settings = Settings()
    try:
        Index(settings, embedder).ingest([corpus_copy])
        (corpus_copy / "SECOND.txt").write_text(
            "".join(f"{n}. Paragraph {n} of the second report, on border management and "
                    f"the protection of witnesses in case number {n * 7}.\n\n"
                    for n in range(1, 1200)), encoding="utf-8")
        stopper = threading.Timer(2.0, server.terminate)
        stopper.start()
        try:
            report = Index(settings, embedder).ingest([corpus_copy])
            second = next(f for f in report.files if f.doc == "SECOND")
            assert second.status == "failed" and "RAG_CHROMA_URL" in (second.error or "")
        except StoreUnavailable as exc:  # the registry itself could not be read
            assert "RAG_CHROMA_URL" in str(exc)
        stopper.join()
        server.wait(timeout=30)
        server = start_chroma(tmp_path / "server", port)  # restarted, same data
        index = Index(settings, embedder)
        report = index.ingest([corpus_copy])
        assert report.count("failed") == 0
        docs = index.documents()
        assert set(docs) == {"CTOC_COP_WG.4_2019_draft", "SECOND"}
        units = list(index.store.units({"SECOND": docs["SECOND"].version}))
        assert len(units) == docs["SECOND"].units == 1199  # whole, once
        hits = search(index, Query("protection of witnesses case number", 50, None),
                      settings.retrieval)
        keys = [(h.unit.doc, h.unit.label) for h in hits]
        assert len(keys) == len(set(keys))
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_verbatim_copies_in_other_reports_count_once(
    settings: Settings, embedder: Embedder, corpus_copy: Path, tmp_path: Path
) -> None:
    """A report ingested twice (say as text and as PDF) must not fill the top 5 with twins."""
    import shutil

    src = next(corpus_copy.glob("*.txt"))
    twins = tmp_path / "twins"
    twins.mkdir()
    for i in range(6):
        shutil.copy(src, twins / f"copy{i}_{src.name}")
    index = Index(settings, embedder)
    index.ingest([corpus_copy])
    vectors, units = index.store.count(), index.store.unit_count()
    index.ingest([twins])
    # The copies reuse the first report's vectors: one vector per distinct text.
    assert index.store.count() == vectors and index.store.unit_count() == 7 * units
    hits = search(index, Query("What did China say about DNA databases?", 5), settings.retrieval)
    texts = [h.unit.text for h in hits]
    assert len(set(texts)) == len(texts) == 5  # five different paragraphs, not 5 copies of ¶10
    assert (hits[0].unit.doc, hits[0].unit.label) == (src.stem, "10")  # the lowest id
    # Scoped to one report, its own paragraphs are cited.
    twin = f"copy3_{src.stem}"
    scoped = search(index, Query("What did China say about DNA databases?", 3, twin),
                    settings.retrieval)
    assert {h.unit.doc for h in scoped} == {twin} and scoped[0].unit.label == "10"
    # Removing the first copy hands the paragraph to the next one.
    index.remove(src.stem)
    hits = search(index, Query("What did China say about DNA databases?", 5), settings.retrieval)
    assert (hits[0].unit.doc, hits[0].unit.label) == (f"copy0_{src.stem}", "10")
    assert index.store.count() == vectors  # the copies still use them
    scoped = search(index, Query("What did China say about DNA databases?", 3,
                                 f"copy5_{src.stem}"), settings.retrieval)
    assert scoped[0].unit.label == "10"
    for i in range(6):
        index.remove(f"copy{i}_{src.stem}")
    assert index.store.count() == 0 and index.store.unit_count() == 0  # nothing left behind


def test_a_second_writer_waits_then_gives_a_clear_error(
    settings: Settings, embedder: Embedder, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers share vectors, so they take turns; one that waits too long is told why."""
    from filelock import FileLock

    from rag.errors import IndexBusy

    index = Index(settings, embedder)
    index.ingest([corpus_copy])
    monkeypatch.setattr("rag.index._WRITE_WAIT_S", 0.5)
    with FileLock(str(settings.home / "write.lock")):  # another process's ingest
        with pytest.raises(IndexBusy, match="wait for it to finish"):
            Index(settings, embedder).remove("CTOC_COP_WG.4_2019_draft")
        # Readers do not wait for writers.
        assert ask(Index(settings, embedder), settings, "DNA databases")
    assert "CTOC_COP_WG.4_2019_draft" in Index(settings, embedder).documents()  # nothing lost


def test_a_reader_sees_every_change_another_writer_makes(
    settings: Settings, embedder: Embedder, corpus_copy: Path, tmp_path: Path
) -> None:
    """The registry is cached per reader; each commit and removal must still reach it."""
    reader, writer = Index(settings, embedder), Index(settings, embedder)
    writer.ingest([corpus_copy])
    assert set(reader.documents()) == {"CTOC_COP_WG.4_2019_draft"}
    more = tmp_path / "more"
    more.mkdir()
    (more / "SECOND.txt").write_text(
        "".join(f"{n}. Paragraph {n} on lighthouse maintenance budgets.\n\n" for n in range(1, 9)),
        encoding="utf-8")
    writer.ingest([more])
    assert set(reader.documents()) == {"CTOC_COP_WG.4_2019_draft", "SECOND"}
    assert ask(reader, settings, "lighthouse maintenance budgets", 3, doc="SECOND")[0] in {
        str(n) for n in range(1, 9)}
    (more / "SECOND.txt").write_text("1. Only one paragraph about lighthouses now.\n",
                                     encoding="utf-8")
    writer.ingest([more])
    assert reader.documents()["SECOND"].units == 1
    writer.remove("SECOND")
    assert set(reader.documents()) == {"CTOC_COP_WG.4_2019_draft"}

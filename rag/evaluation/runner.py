"""Run a question set through the answerer: ingest what it needs, answer, score, aggregate."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rag.answer import UNSURE_NOTE, Answerer, cite
from rag.evaluation.metrics import (
    CitedLabel,
    Metric,
    Record,
    Scores,
    SentenceCheck,
    aggregate,
    groups,
    score,
)
from rag.evaluation.questions import Question, load_questions
from rag.index import Index
from rag.retrieve import Query, search
from rag.types import Answer, Hit

Scope = Literal["doc", "whole"]
SCOPES: tuple[Scope, ...] = ("doc", "whole")
SUFFIXES = (".txt", ".pdf", ".docx", ".html", ".htm", ".md")  # preferred first


def find_document(doc: str, dirs: Sequence[Path]) -> Path | None:
    """The file a document id comes from (its stem), searched in ``dirs`` in order."""
    for folder in dirs:
        for suffix in SUFFIXES:
            path = folder / f"{doc}{suffix}"
            if path.is_file():
                return path
    return None


@dataclass(slots=True)
class Preparation:
    ingested: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # documents found nowhere: questions skipped


def ensure_indexed(index: Index, docs: set[str], dirs: Sequence[Path]) -> Preparation:
    """Ingest the documents the questions need that the index lacks."""
    prep = Preparation()
    known = set(index.documents())
    wanted = []
    for doc in sorted(docs - known):
        path = find_document(doc, dirs)
        if path is None:
            prep.missing.append(doc)
        else:
            wanted.append(path)
    if wanted:
        report = index.ingest(wanted)
        for f in report.files:
            (prep.missing if f.status == "failed" else prep.ingested).append(f.doc or f.path)
    return prep


def check_sentences(answer: Answer, threshold: float,
                    titles: dict[str, str] | None = None) -> list[SentenceCheck]:
    """Each answer sentence, its cited paragraphs, and whether they support it (read, as
    the verifier reads them, under their label, section and report title)."""
    if answer.refused:
        return []
    out = []
    for s in cite.parse(answer.answer, answer.retrieved, titles):
        cited = [CitedLabel(u.doc, u.label, cite.support(
            s.text, u.text, threshold, cite.context_of(u, titles)).ok) for u in s.cites]
        together = " ".join(u.text for u in s.cites)
        context = " ".join(cite.context_of(u, titles) for u in s.cites)
        out.append(SentenceCheck(s.text, cited, bool(s.cites) and
                                 cite.support(s.text, together, threshold, context).ok))
    return out


def _key(question: str) -> str:
    return " ".join(question.split()).lower()


def answer_one(answerer: Answerer, q: Question, mode: str | None, scope: Scope,
               planted: dict[str, dict[str, Any]] | None = None) -> Record:
    """Answer one question; ``planted``: question (as asked) → the error its recorded
    answer carries, from a planted-error cassette."""
    settings = answerer.settings
    doc = q.doc if scope == "doc" else None
    started = time.perf_counter()
    # One search for both: its top 10 scores retrieval, its top k is what the answer reads.
    hits: list[Hit] = search(answerer.index, Query(q.question, max(10, settings.answer.k), doc),
                             settings.retrieval)
    answer = answerer.ask(q.question, doc=doc, mode=mode, hits=hits)
    latency = (time.perf_counter() - started) * 1000
    return Record(
        id=q.id, question=q.question, doc=q.doc, answer=answer.answer, refused=answer.refused,
        citations=[{"doc": c.doc, "label": c.label} for c in answer.citations],
        retrieved=[{"doc": h.unit.doc, "label": h.unit.label} for h in hits[:10]],
        latency_ms=round(latency, 2), mode=answer.mode,
        sentences=check_sentences(answer, settings.answer.support_threshold,
                                  cite.report_contexts(answerer.index.snapshot().docs)),
        notes=answer.notes, confidence=answer.confidence,
        cautioned=UNSURE_NOTE in answer.notes, llm_check=answer.llm_check,
        planted=planted.get(_key(answer.standalone or q.question)) if planted else None,
    )


@dataclass(slots=True)
class EvalRun:
    """Everything one ``reportbot eval`` produced."""

    mode: str
    scope: Scope
    datasets: dict[str, list[Question]]  # dataset name (file stem) → questions answered
    records: dict[str, Record]  # by question id
    scores: dict[str, Scores]
    metrics: dict[str, dict[str, Metric]]  # group → metric → value
    skipped: dict[str, int]  # document → questions skipped because it was not found
    started_at: str
    seconds: float
    baseline: dict[str, Any] | None = None

    def questions(self) -> list[tuple[str, Question]]:
        return [(name, q) for name, qs in self.datasets.items() for q in qs]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": {"mode": self.mode, "scope": self.scope, "started_at": self.started_at,
                    "seconds": round(self.seconds, 1),
                    "datasets": {k: len(v) for k, v in self.datasets.items()},
                    "skipped": self.skipped},
            "metrics": {g: {k: m._asdict() for k, m in ms.items()}
                        for g, ms in self.metrics.items()},
            "baseline": self.baseline,
        }


def load_datasets(paths: Sequence[Path]) -> dict[str, list[Question]]:
    out: dict[str, list[Question]] = {}
    for path in paths:
        out.setdefault(path.stem, []).extend(load_questions([path]))
    return out


def evaluate(
    answerer: Answerer,
    datasets: dict[str, list[Question]],
    *,
    mode: str | None = None,
    scope: Scope = "doc",
    corpus_dirs: Sequence[Path] = (),
    progress: Callable[[int, int], None] | None = None,
    rounds: int = 1000,
    planted: dict[str, dict[str, Any]] | None = None,
) -> EvalRun:
    """Answer every question whose document can be found, then score and aggregate.

    ``planted``: with a planted-error cassette, question → the error planted in its answer.
    """
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    chosen = answerer.resolve_mode(mode)
    needed = {q.doc for qs in datasets.values() for q in qs}
    ensure_indexed(answerer.index, needed, corpus_dirs)
    available = set(answerer.index.documents())
    kept = {name: [q for q in qs if q.doc in available] for name, qs in datasets.items()}
    kept = {name: qs for name, qs in kept.items() if qs}
    skipped: dict[str, int] = {}
    for qs in datasets.values():
        for q in qs:
            if q.doc not in available:
                skipped[q.doc] = skipped.get(q.doc, 0) + 1
    todo = [q for qs in kept.values() for q in qs]
    records: dict[str, Record] = {}
    for n, q in enumerate(todo):
        if progress:
            progress(n, len(todo))
        records[q.id] = answer_one(answerer, q, chosen, scope, planted)
    if progress:
        progress(len(todo), len(todo))
    by_id = {q.id: q for q in todo}
    scores = {qid: score(by_id[qid], r) for qid, r in records.items()}
    grouped = groups((name, q) for name, qs in kept.items() for q in qs)
    metrics = {g: aggregate([scores[i] for i in ids], rounds) for g, ids in grouped.items()}
    return EvalRun(chosen, scope, kept, records, scores, metrics, skipped, started_at,
                   time.perf_counter() - t0)

"""Scoring: one answered question → its scores; many → metrics with bootstrap intervals.

Everything here reads only a :class:`Record` (what ``reportbot eval --out``
writes) and the :class:`Question`, so anyone can re-score a saved run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import numpy as np

from rag.evaluation.questions import Question, first_hit_rank
from rag.types import whole_label


@dataclass(slots=True)
class CitedLabel:
    doc: str
    label: str
    supports: bool  # the offline support check passes for this paragraph and its sentence


@dataclass(slots=True)
class SentenceCheck:
    text: str
    citations: list[CitedLabel]
    supported: bool  # its cited paragraphs, together, support it


@dataclass(slots=True)
class Record:
    """One answered question: the ``--out`` line."""

    id: str
    question: str
    doc: str
    answer: str
    refused: bool
    citations: list[dict[str, str]]  # [{"doc", "label"}] in order of first citation
    retrieved: list[dict[str, str]]  # top 10, best first
    latency_ms: float
    mode: str = "extractive"
    sentences: list[SentenceCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The calibrated decision's confidence, and whether the answer came with its
    #: caution (rag/answer/decide.py); None / False in runs saved before them.
    confidence: float | None = None
    cautioned: bool = False
    #: LLM mode: what the check made of each sentence of the model's answer
    #: (``Answer.llm_check``), and, with a planted-error cassette, the error planted.
    llm_check: dict[str, Any] | None = None
    planted: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Record:
        sents = [SentenceCheck(s["text"], [CitedLabel(**c) for c in s["citations"]],
                               s["supported"]) for s in row.get("sentences", [])]
        return cls(row["id"], row["question"], row["doc"], row["answer"], row["refused"],
                   row["citations"], row["retrieved"], row["latency_ms"],
                   row.get("mode", "extractive"), sents, row.get("notes", []),
                   row.get("confidence"), row.get("cautioned", False),
                   row.get("llm_check"), row.get("planted"))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def fact_found(fact: str, answer: str) -> bool:
    """Case- and whitespace-insensitive containment."""
    return _norm(fact) in _norm(answer)


@dataclass(frozen=True, slots=True)
class Scores:
    """One question's scores; None where a metric does not apply to it."""

    answerable: bool
    rank: int | None  # 1-based rank of the first gold paragraph in the top 10
    gold_hit: float | None
    citation_precision: float | None
    citation_recall: float | None
    sentence_support: float | None
    fact_recall: float | None
    refused: bool
    latency_ms: float
    cautioned: bool = False
    #: LLM mode, faithful answers: 1.0 per sentence of the model's that the answer kept as
    #: verified (or re-cited to the paragraph that says it), 0.0 per sentence lost.
    llm_sentences: tuple[float, ...] = ()
    #: Planted-error cassette: 1.0 when the error was caught (flagged, re-cited, fallen back).
    planted_caught: float | None = None


def _norm_sentence(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def llm_sentences(r: Record) -> tuple[float, ...]:
    """Per sentence the model wrote: kept as verified (1.0) or lost (0.0)."""
    check = r.llm_check
    if not check or r.planted or check.get("refused"):
        return ()
    fell_back = check.get("fallback") is not None
    return tuple(0.0 if fell_back or s["status"] == "unverified" else 1.0
                 for s in check.get("sentences", []))


def caught(r: Record) -> float | None:
    """Whether the verifier caught the error planted in this answer (None: none planted)."""
    if not r.planted:
        return None
    check = r.llm_check or {}
    if r.planted["kind"] == "refusal":
        # A refusal of what the paragraphs answer is caught when an answer is given anyway.
        return float(not r.refused)
    if check.get("fallback") in ("unsupported", "off-topic"):
        return 1.0
    wanted = _norm_sentence(r.planted["sentence"])
    for s in check.get("sentences", []):
        if _norm_sentence(s["text"]) == wanted:
            return float(s["status"] != "verified")
    return 0.0


def score(q: Question, r: Record) -> Scores:
    """Score one answer against its question's gold labels and facts."""
    # A part of a long unit ("111 part 3") is that unit: citing it cites the paragraph.
    gold = {(q.doc, whole_label(g)) for g in q.gold}
    cited = [(c["doc"], whole_label(c["label"])) for c in r.citations]
    rank = first_hit_rank([(h["doc"], whole_label(h["label"])) in gold
                           for h in r.retrieved[:10]])
    if not q.answerable:
        return Scores(False, None, None, None, None, None, None, r.refused, r.latency_ms,
                      r.cautioned, llm_sentences(r), caught(r))
    precision = support = None
    if cited:
        good = {(c.doc, whole_label(c.label)) for s in r.sentences for c in s.citations
                if c.supports}
        precision = sum(1 for c in cited if c in gold or c in good) / len(cited)
    if r.sentences and not r.refused:
        support = sum(s.supported for s in r.sentences) / len(r.sentences)
    facts = (sum(fact_found(f, r.answer) for f in q.facts) / len(q.facts)
             if q.facts and not r.refused else (0.0 if q.facts else None))
    return Scores(
        True, rank,
        gold_hit=float(bool(set(cited) & gold)),
        citation_precision=precision,
        citation_recall=len(set(cited) & gold) / len(gold),
        sentence_support=support,
        fact_recall=facts,
        refused=r.refused,
        latency_ms=r.latency_ms,
        cautioned=r.cautioned,
        llm_sentences=llm_sentences(r),
        planted_caught=caught(r),
    )


class Metric(NamedTuple):
    value: float
    low: float  # 95 % bootstrap interval
    high: float
    n: int


# name → (label, how to get the per-question values). Order = display order.
Extract = Callable[[Sequence[Scores]], list[float]]


def _ans(f: Callable[[Scores], float | None]) -> Extract:
    return lambda ss: [v for s in ss if s.answerable and (v := f(s)) is not None]


METRICS: dict[str, tuple[str, Extract]] = {
    "recall@1": ("retrieval recall@1",
                 _ans(lambda s: float(s.rank is not None and s.rank <= 1))),
    "recall@5": ("retrieval recall@5",
                 _ans(lambda s: float(s.rank is not None and s.rank <= 5))),
    "mrr@10": ("retrieval MRR@10", _ans(lambda s: 1 / s.rank if s.rank else 0.0)),
    "gold_hit": ("gold-hit (≥1 gold paragraph cited)", _ans(lambda s: s.gold_hit)),
    "citation_precision": ("citation precision", _ans(lambda s: s.citation_precision)),
    "citation_recall": ("citation recall", _ans(lambda s: s.citation_recall)),
    "sentence_support": ("sentence support (ALCE-style)", _ans(lambda s: s.sentence_support)),
    "fact_recall": ("fact recall (correctness)", _ans(lambda s: s.fact_recall)),
    "refusal_accuracy": ("unanswerable refused",
                         lambda ss: [float(s.refused) for s in ss if not s.answerable]),
    "false_refusals": ("answerable refused (false refusals)",
                       _ans(lambda s: float(s.refused))),
    # Not gated: how often an answer says it may not answer fully, answerable
    # questions and unanswerable ones apart.
    "cautioned": ("answerable answered with a caution",
                  _ans(lambda s: float(s.cautioned))),
    "cautioned_unanswerable": ("unanswerable answered with a caution",
                               lambda ss: [float(s.cautioned) for s in ss if not s.answerable]),
    # LLM mode, the verifier as a classifier (recorded answers; eval/cassettes/).
    "llm_verified": ("LLM sentences kept as verified",
                     lambda ss: [v for s in ss for v in s.llm_sentences]),
    "planted_caught": ("planted errors caught",
                       lambda ss: [s.planted_caught for s in ss if s.planted_caught is not None]),
}
#: Metrics that describe rather than judge: reported, never gated.
UNGATED = frozenset({"cautioned", "cautioned_unanswerable"})
LATENCY = ("latency_p50_ms", "latency_p95_ms")


def bootstrap(values: Sequence[float], stat: Callable[[np.ndarray], float] = np.mean,
              rounds: int = 1000, seed: int = 0) -> Metric:
    """The statistic with a 95 % percentile bootstrap interval (questions resampled)."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return Metric(float("nan"), float("nan"), float("nan"), 0)
    rng = np.random.default_rng(seed)
    samples = arr[rng.integers(0, arr.size, size=(rounds, arr.size))]
    stats = np.array([stat(s) for s in samples]) if stat is not np.mean else samples.mean(1)
    low, high = np.percentile(stats, [2.5, 97.5])
    return Metric(float(stat(arr)), float(low), float(high), int(arr.size))


def _p(q: float) -> Callable[[np.ndarray], float]:
    return lambda a: float(np.percentile(a, q))


def aggregate(scores: Sequence[Scores], rounds: int = 1000) -> dict[str, Metric]:
    """Every metric over these questions, with its interval; empty metrics are left out."""
    out: dict[str, Metric] = {}
    for name, (_, extract) in METRICS.items():
        values = extract(scores)
        if values:
            out[name] = bootstrap(values, rounds=rounds)
    lat = [s.latency_ms for s in scores]
    if lat:
        out["latency_p50_ms"] = bootstrap(lat, _p(50), rounds=rounds)
        out["latency_p95_ms"] = bootstrap(lat, _p(95), rounds=rounds)
    return out


def label(name: str) -> str:
    if name in METRICS:
        return METRICS[name][0]
    return {"latency_p50_ms": "latency p50 (ms)", "latency_p95_ms": "latency p95 (ms)"}[name]


def groups(questions: Iterable[tuple[str, Question]]) -> dict[str, list[str]]:
    """Group names → question ids: "all", "set:NAME" per dataset file, "doc:ID" per document."""
    out: dict[str, list[str]] = {"all": []}
    for dataset, q in questions:
        out["all"].append(q.id)
        out.setdefault(f"set:{dataset}", []).append(q.id)
        out.setdefault(f"doc:{q.doc}", []).append(q.id)
    return out


def badness(q: Question, s: Scores) -> float:
    """How wrong an answer is, for picking the worst questions to show (higher = worse)."""
    if not q.answerable:
        return 0.0 if s.refused else 2.0
    if s.refused:
        return 3.0
    return ((1 - (s.gold_hit or 0)) * 2 + (1 - (s.fact_recall if s.fact_recall is not None
                                                else 1))
            + (1 - (s.citation_precision or 0)) * 0.5)

"""Records that cross module boundaries. Defined once; ``--json`` prints these."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

UnitKind = Literal[
    "paragraph", "subparagraph", "recommendation", "block", "preamble", "turn", "heading",
    "title", "text"
]

#: Kinds that carry the report's own numbering and are what answers cite.
NUMBERED_KINDS: frozenset[str] = frozenset(
    {"paragraph", "subparagraph", "recommendation", "block", "preamble", "turn"}
)


def label_key(label: str) -> str:
    """A label as compared: "¶ 10" = "10", "p. 12, China" = "p. 12 China", any case."""
    key = re.sub(r"\s+", " ", label).strip().lower().replace(",", "")
    key = re.sub(r"¶\s*", "¶", key)
    return re.sub(r"^¶(?=\d)", "", key)


@dataclass(frozen=True, slots=True)
class Unit:
    """One retrievable unit: a numbered paragraph, sub-item, recommendation or other block.

    ``text`` is the paragraph's words as printed (layout noise removed, lines
    joined); ``start``/``end`` delimit the unit in the source text so anyone can
    check it against the original.
    """

    doc: str
    label: str
    kind: UnitKind
    section: str
    text: str
    start: int
    end: int
    tokens: int
    order: int

    @property
    def heading(self) -> str:
        """The heading a unit is read under, for search: the nearest one, and for a
        numbered sub-heading ("4. Concluding remarks of the State under review") the
        one above it too ("Italy"), which says what the sub-heading is about."""
        path = self.section.split(" > ")
        if len(path) > 1 and re.match(r"\d{1,2}\.\s", path[-1]):
            return f"{path[-2]} > {path[-1]}"
        return path[-1]

    @property
    def scope(self) -> str:
        """The embedded text the unit belongs to ("Resolution 68/1", "Annex I"), or ""."""
        label = whole_label(self.label)
        if m := re.match(r"^(.*?)\s+(?:¶\S+|PP\d+|text \d+)$", label):
            return m.group(1)
        if _SCOPE_LABEL.match(label):
            return label
        return ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def whole_label(label: str) -> str:
    """The unit a part belongs to: "111 part 3" → "111" (long units are cut into parts,
    each keeping the label; see ``rag.parse.structure.split_large``)."""
    return re.sub(r" part \d+$", "", label)


_SCOPE_LABEL = re.compile(r"^(?:Resolution|Decision|Draft |Intersessional |Annex\b)")


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed report."""

    id: str
    path: str
    format: str
    sha256: str
    symbol: str | None
    title: str | None
    date: str | None
    body: str | None
    units: tuple[Unit, ...]
    warnings: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return self.symbol or self.id

    def unit(self, label: str) -> Unit | None:
        return next((u for u in self.units if u.label == label), None)


@dataclass(frozen=True, slots=True)
class DocInfo:
    """A document as the index knows it."""

    id: str
    symbol: str | None
    title: str | None
    date: str | None
    body: str | None
    path: str
    version: str
    units: int
    paragraphs: int
    ingested_at: str

    @property
    def display_name(self) -> str:
        return self.symbol or self.id

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Hit:
    """A unit found by a search, with its fused score and per-retriever ranks."""

    unit: Unit
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    symbol: str | None = None
    #: Cosine similarity of the question to the unit's best part (dense side), if found there.
    similarity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc": self.unit.doc,
            "label": self.unit.label,
            "symbol": self.symbol,
            "kind": self.unit.kind,
            "section": self.unit.section,
            "score": round(self.score, 6),
            "dense_rank": self.dense_rank,
            "lexical_rank": self.lexical_rank,
            "similarity": None if self.similarity is None else round(self.similarity, 4),
            "text": self.unit.text,
        }


FileStatus = Literal["added", "updated", "unchanged", "failed"]


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    doc: str | None
    status: FileStatus
    units: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def units(self) -> int:
        return sum(f.units for f in self.files if f.status in ("added", "updated"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "units": self.units,
            "seconds": round(self.seconds, 3),
            "files": [asdict(f) for f in self.files],
        }


AnswerMode = Literal["extractive", "llm"]


@dataclass(frozen=True, slots=True)
class Citation:
    """A paragraph an answer cites, with its verbatim text and whether the check passed."""

    doc: str
    label: str
    symbol: str | None
    text: str
    verified: bool

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "label": self.label, "symbol": self.symbol,
                "text": self.text, "verified": self.verified}


@dataclass(slots=True)
class Answer:
    """What ``reportbot ask --json`` prints; the bot and the evaluation read the same record.

    ``notes`` says what happened on the way when it matters to the reader (an LLM
    failure answered extractively, a sentence no paragraph supports).
    """

    question: str
    answer: str
    refused: bool
    mode: AnswerMode
    citations: list[Citation]
    retrieved: list[Hit]
    timings_ms: dict[str, float]
    notes: list[str] = field(default_factory=list)
    standalone: str | None = None  # the question as retrieval saw it, when a follow-up
    #: The calibrated decision's confidence that the retrieved paragraphs answer (0..1).
    confidence: float | None = None
    #: LLM mode: each sentence of the model's answer and what the check made of it
    #: (``verified``, ``recited``, ``unverified``), and ``fallback``: why the extractive
    #: answer was given instead (``unsupported``, ``off-topic``, ``unavailable``) or None.
    llm_check: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [
                {"doc": h.unit.doc, "label": h.unit.label, "score": round(h.score, 6)}
                for h in self.retrieved
            ],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "notes": list(self.notes),
            "confidence": self.confidence,
            "llm_check": self.llm_check,
        }

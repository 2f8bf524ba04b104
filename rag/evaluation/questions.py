"""Question sets: loading, checking, and the rank-based retrieval metrics.

A question set is JSON Lines: ``{"id", "question", "doc", "gold": [labels],
"facts": [strings], "answerable"}``. ``gold`` labels are the report's own
paragraph numbers; any one of them counts as a hit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.errors import InputError
from rag.types import Document, whole_label

_KEYS = {"id", "question", "doc", "gold", "facts", "answerable"}


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    question: str
    doc: str
    gold: tuple[str, ...]
    facts: tuple[str, ...]
    answerable: bool

    def is_gold(self, doc: str, label: str) -> bool:
        """Is this unit one of the question's gold paragraphs (or a part of one)?"""
        return doc == self.doc and whole_label(label) in {whole_label(g) for g in self.gold}


def load_questions(paths: Iterable[Path]) -> list[Question]:
    out: list[Question] = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            if set(row) != _KEYS:
                raise InputError(f"{path}:{n}: keys must be exactly {sorted(_KEYS)}")
            out.append(
                Question(row["id"], row["question"], row["doc"], tuple(row["gold"]),
                         tuple(row["facts"]), bool(row["answerable"]))
            )
    return out


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def check_questions(questions: Sequence[Question], docs: Mapping[str, Document]) -> list[str]:
    """Problems with a question set: unknown docs or labels, facts not in gold, duplicate ids."""
    problems = []
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            problems.append(f"{q.id}: duplicate id")
        seen.add(q.id)
        if q.doc not in docs:
            problems.append(f"{q.id}: unknown document {q.doc}")
            continue
        if q.answerable != bool(q.gold):
            problems.append(f"{q.id}: answerable questions need gold labels, others none")
        # A long unit cut into parts ("16", "16 part 2", …) is one gold paragraph.
        units: dict[str, list[str]] = {}
        for u in docs[q.doc].units:
            units.setdefault(whole_label(u.label), []).append(u.text)
        for label in q.gold:
            if whole_label(label) not in units:
                problems.append(f"{q.id}: {q.doc} has no unit {label!r}")
        gold_text = " ".join(_norm(t) for g in q.gold for t in units.get(whole_label(g), []))
        for fact in q.facts:
            if _norm(fact) not in gold_text:
                problems.append(f"{q.id}: fact {fact!r} is in none of its gold paragraphs")
    return problems


# A proper name: capitalised words, joined by the short words names contain
# ("World Day against Trafficking in Persons", "Conference of the Parties").
_NAME = re.compile(
    r"\b[A-Z][\w-]*(?:\s+(?:(?:of|on|in|against|for|and|the|to)\s+)*[A-Z][\w-]*)+"
)


def _name_tokens(text: str) -> list[tuple[str, ...]]:
    """Word sequences (lower case) of the proper names ``text`` writes, longest first."""
    names = {tuple(re.findall(r"\w+", m.group().lower())) for m in _NAME.finditer(text)}
    return sorted(names, key=len, reverse=True)


def _fold_names(words: list[str], names: list[tuple[str, ...]]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for name in names:
            if tuple(words[i:i + len(name)]) == name:
                out.append("_".join(name))
                i += len(name)
                break
        else:
            out.append(words[i])
            i += 1
    return out


def longest_shared_phrase(question: str, text: str, *, names_as_one_word: bool = False) -> int:
    """Length in words of the longest word sequence the question copies from ``text``.

    The sets are meant to paraphrase: a question that copies a long phrase tests
    string matching, not retrieval. With ``names_as_one_word`` a proper name that
    ``text`` writes ("the World Day against Trafficking in Persons") counts as one
    word: delegates name a body or a day by its name, and that is not copying.
    """
    q = re.findall(r"\w+", question.lower())
    words = re.findall(r"\w+", text.lower())
    if names_as_one_word:
        names = _name_tokens(text)
        q, words = _fold_names(q, names), _fold_names(words, names)
    t = " " + " ".join(words) + " "
    best = 0
    for i in range(len(q)):
        n = best + 1
        while i + n <= len(q) and f" {' '.join(q[i:i + n])} " in t:
            best = n
            n += 1
    return best


@dataclass(frozen=True, slots=True)
class RetrievalScores:
    n: int
    recall_at_1: float
    recall_at_5: float
    mrr_at_10: float

    def row(self) -> str:
        return (f"n={self.n:3d}  recall@1={self.recall_at_1:.3f}  "
                f"recall@5={self.recall_at_5:.3f}  MRR@10={self.mrr_at_10:.3f}")


def first_hit_rank(ranked_hits: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant result, if any."""
    return next((i for i, hit in enumerate(ranked_hits, 1) if hit), None)


def retrieval_scores(ranks: Sequence[int | None]) -> RetrievalScores:
    """Recall@1/@5 and MRR@10 from the rank of the first gold hit per question."""
    n = len(ranks)
    if n == 0:
        return RetrievalScores(0, 0.0, 0.0, 0.0)
    r1 = sum(1 for r in ranks if r is not None and r <= 1) / n
    r5 = sum(1 for r in ranks if r is not None and r <= 5) / n
    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / n
    return RetrievalScores(n, r1, r5, mrr)

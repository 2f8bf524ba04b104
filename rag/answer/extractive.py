"""Extractive answers: the retrieved paragraphs' most relevant sentences, each cited.

Offline, no model beyond the query embedding retrieval already made. Sentences
are scored by how much of the question's weight (BM25 idf of its content words)
they cover, plus a prior for the rank of their paragraph. Selection is greedy
over *new* coverage, so a second sentence is added only when it answers a part
of the question the first did not ("What did China say about DNA databases?":
the sentence naming China's speaker and the one about the database).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.answer import regions
from rag.answer.cite import Sentence
from rag.answer.kinds import (
    asks_for_names,
    counts_asked,
    expected_type,
    has_type,
    is_enumeration,
    ordinals,
)
from rag.answer.text import evidence_terms, names, sentences, terms
from rag.types import Hit

#: Questions that want several items get longer answers.
_LIST_QUESTION = re.compile(
    r"^\s*(list|name|enumerate)\b|\bwhat (are|were) (the|all)\b|\bwhich (\w+ ){0,2}"
    r"(recommendations|countries|states|delegations|speakers|measures|steps|topics|items)\b",
    re.I,
)
#: A sentence that leans on the one before it ("She detailed …", "In that decision, …").
_LEANS_BACK = re.compile(
    r"^(She|He|They|It|This|These|That|Those|Such|The speaker|The panellist|"
    r"In addition|Furthermore|Moreover|However|Also|Finally|"
    r"(In|At|To|By|Under|For|On|During|With|Through) (that|this|these|those|the same|such))\b"
)


@dataclass(frozen=True, slots=True)
class Candidate:
    hit_rank: int
    index: int  # sentence number within the unit
    text: str
    terms: frozenset[str]


#: Longer sentences are read clause by clause (see :func:`clauses`).
_LONG_SENTENCE_WORDS = 60
#: Items a lead-in sentence ending in ":" brings into the answer with it.
_LEAD_IN_ITEMS = 4
_CLAUSE_END = re.compile(r";\s+(?=(?:and\s+)?[\w(“\"‘])")


def clauses(sentence: str) -> list[str]:
    """A long sentence's semicolon clauses; a short sentence whole.

    A declaration's commitments ("We reaffirm …; We encourage …; …") and a
    session's list of speakers ("Minister for Foreign Affairs of Sweden, Ann
    Linde; …") are single sentences of hundreds of words: quoting one whole to
    answer "Who spoke for Sweden?" buries the answer.
    """
    if len(sentence.split()) <= _LONG_SENTENCE_WORDS or ";" not in sentence:
        return [sentence]
    # "…; and Ms. Rafaella Mikos Passos, Federal Public Defender …": the last
    # clause is quoted without its "and".
    parts = [re.sub(r"^(?:and|or)\s+", "", p.strip()) for p in _CLAUSE_END.split(sentence)]
    return [p for p in parts if re.search(r"\w", p)] or [sentence]


#: "What is X's position?", "Which ministry does Ms. Meng work for?": the answer is
#: the title a report gives after a name ("Ms. Rafaella Mikos Passos, Federal
#: Public Defender, …").
_ROLE_Q = re.compile(r"\b(position|title|role|job|post)\b|^\s*who (is|was)\b|\bworks? for\b|"
                     r"\b(which|what) (ministry|office|agency|department|organi[sz]ation|"
                     r"institution)\b", re.I)


def gives_role(question: str, sentence: str) -> bool:
    """Whether ``sentence`` gives a title after a name the question asks about."""
    for name in names(question):
        # "Ms. Calhoun (US), Mr. Marquez (Spain)" is a list of people, not a title.
        if re.search(rf"\b(?i:{re.escape(name)})\b(?:\s*\([^)]{{1,40}}\))?,\s+(?:the\s+)?"
                     rf"(?!(?:Mr|Ms|Mrs|Dr|H\.E)\b)[A-Z]", sentence):
            return True
    return False


#: "Which session number was this?", "Which cycle of the review was it?": an ordinal.
_ORDINAL_Q = re.compile(r"\b(session|meeting|cycle|review|round) number\b|"
                        r"^\s*which (session|meeting|cycle|round)\b(?! of)", re.I)
#: The numbered things "Which … number?" asks for: "The ninth meeting", "its
#: forty-third session" ("its first eight meetings" is a count, not a number).
_ORDINAL_NOUNS = ("session", "meeting", "cycle", "review", "round")


def _typed(kind: str | None, question: str, sentence: str) -> int:
    """How well ``sentence`` has what the question's form asks for: 0, 1 or 2."""
    if kind is None:
        return 0
    if kind == "role":
        return int(gives_role(question, sentence))
    if kind == "ordinal":
        return int(bool(ordinals(sentence, _ORDINAL_NOUNS)))
    return int(has_type(kind, sentence, question)) + int(
        kind == "number" and counts_asked(question, sentence))


def is_list_question(question: str) -> bool:
    return bool(_LIST_QUESTION.search(question))


def _weights(question: str, idf: Callable[[str], float]) -> dict[str, float]:
    return {t: idf(t) for t in terms(question)}


def _cover(weights: dict[str, float], words: frozenset[str], total: float) -> float:
    return sum(w for t, w in weights.items() if t in words) / total if total else 0.0


def compose(
    question: str,
    hits: Sequence[Hit],
    idf: Callable[[str], float],
    *,
    max_sentences: int = 3,
    rank_prior: float = 0.15,
    min_gain: float = 0.12,
    anchor: bool = True,
    anchors: int = 1,
    type_bonus: float = 0.15,
    min_typed_cover: float = 0.2,
) -> list[Sentence]:
    """Pick up to ``max_sentences`` sentences from ``hits`` that answer ``question``."""
    kind = expected_type(question)
    if kind is None and _ROLE_Q.search(question) and names(question):
        kind = "role"
    elif kind is None and _ORDINAL_Q.search(question):
        kind = "ordinal"
    weights = _weights(question, idf)
    total = sum(weights.values())
    cands: list[Candidate] = []
    for r, h in enumerate(hits):
        parts = [part for span in sentences(h.unit.text) for part in clauses(span.text)]
        for i, part in enumerate(parts):
            cands.append(Candidate(r, i, part, evidence_terms(part)))
    if not cands:
        return []
    unit_cover = [_cover(weights, evidence_terms(h.unit.text), total) for h in hits]

    # "How many …" wants a number and "when …" a date: a sentence that has one is
    # likelier to be the answer than one that only repeats the question's words.
    # A number right before the counted noun ("Five meetings") is better still.
    typed = {c: _typed(kind, question, c.text) for c in cands}

    def prior(c: Candidate) -> float:
        return (rank_prior / (1 + c.hit_rank) + 0.5 * unit_cover[c.hit_rank] * rank_prior
                + type_bonus * typed[c])

    if list_q := is_list_question(question):
        max_sentences = max(max_sentences, 6)
    chosen: list[Candidate] = []
    covered: set[str] = set()
    for _ in range(max_sentences):
        best: Candidate | None = None
        best_score = -1.0
        for c in cands:
            if c in chosen:
                continue
            gain = _cover(weights, c.terms - covered, total) if total else 0.0
            score = gain + prior(c)
            if score > best_score:
                best, best_score = c, score
        if best is None:
            break
        gain = _cover(weights, best.terms - covered, total)
        # The first sentence always goes in; later ones only if they add to the answer.
        if chosen and gain < min_gain and not (list_q and best.hit_rank < 3 and gain > 0):
            break
        chosen.append(best)
        covered |= best.terms
    # "When …" wants a date and "how many …" a number: an answer with none has not
    # answered, however many of the question's words it repeats ("When did the
    # group first meet?" drew sentences on meetings, not the one listing dates).
    if kind is not None and chosen and not any(typed[c] for c in chosen):
        typed_cands = [c for c in cands if typed[c] and c not in chosen]
        if typed_cands:
            best_typed = max(typed_cands,
                             key=lambda c: _cover(weights, c.terms, total) + prior(c))
            if _cover(weights, best_typed.terms, total) >= min_typed_cover:
                if len(chosen) >= max_sentences:
                    chosen.pop()
                chosen.append(best_typed)
    # The best-ranked paragraph is the retriever's strongest evidence (dense and
    # BM25 agree on it); when the word-overlap choice passed it over, its best
    # sentence goes in too, so the answer cites it.
    # ``anchors`` > 1 (an unsure answer): the next best paragraphs are cited too, so
    # the delegate sees each candidate's best sentence.
    for rank in range(min(anchors, len(hits)) if anchor else 0):
        if chosen and all(c.hit_rank != rank for c in chosen) and len(chosen) < max_sentences:
            top = [c for c in cands if c.hit_rank == rank]
            if top:
                chosen.append(max(top, key=lambda c: _cover(weights, c.terms, total)))
    # A chosen sentence that leans on the one before it gets that sentence too.
    for c in list(chosen):
        if c.index > 0 and _LEANS_BACK.match(c.text):
            prev = next((p for p in cands if p.hit_rank == c.hit_rank and p.index == c.index - 1),
                        None)
            if prev is not None and prev not in chosen:
                chosen.append(prev)
    # A lead-in ("The following pledges were made by Slovenia:") says nothing by
    # itself: what it introduces comes with it.
    for c in list(chosen):
        if c.text.rstrip().endswith(":"):
            for nxt in [p for p in cands if p.hit_rank == c.hit_rank
                        and c.index < p.index <= c.index + _LEAD_IN_ITEMS]:
                if nxt not in chosen:
                    chosen.append(nxt)
    # Paragraphs in the order they were first chosen, sentences in reading order.
    first_pick: dict[int, int] = {}
    for n, c in enumerate(chosen):
        first_pick.setdefault(c.hit_rank, n)
    chosen.sort(key=lambda c: (first_pick[c.hit_rank], c.index))
    return [Sentence(c.text, [hits[c.hit_rank].unit]) for c in chosen]


#: A list of names longer than this is cut to the region's countries even without a
#: lead-in ("…: A, B, C"); a shorter one without a lead-in is quoted whole.
_LONG_LIST_WORDS = 40


def region_asked(question: str) -> regions.Region | None:
    """The region of a who/which question about a region's countries, if it is one."""
    region = regions.in_question(question)
    return region if region is not None and asks_for_names(question) else None


def region_list(hits: Sequence[Hit], region: regions.Region, *,
                max_sentences: int = 6) -> list[Sentence]:
    """"Which countries from Oceania attended?": what the paragraphs say of the region's countries.

    A list of names after a lead-in ("… were represented: Algeria, Argentina,
    …"), or a long one, is cut to the region's items ("… were represented:
    Australia, Fiji, New Zealand"); any other sentence or clause that names one
    ("opened by H.E. Nazhat Shameem Khan (Fiji)", "The Bahamas congratulated
    …") is quoted whole. Paragraphs in rank order.
    """
    out: list[Sentence] = []
    for h in hits:
        for span in sentences(h.unit.text):
            for part in clauses(span.text):
                listing = is_enumeration(part)
                items = regions.items_in(part, region, lists=listing)
                if not items:
                    continue
                text = part
                # A list after a lead-in is cut to the region's items; so is a long one.
                if listing and (":" in part or len(part.split()) > _LONG_LIST_WORDS):
                    lead = part.split(":", 1)[0].strip() if ":" in part else ""
                    text = ", ".join(items)
                    if lead and len(lead.split()) <= 30:
                        text = f"{lead}: {text}"
                out.append(Sentence(text, [h.unit]))
                if len(out) >= max_sentences:
                    return out
    return out

"""Evidence features: how well each retrieved paragraph answers the question, as numbers.

One row per hit. None of them decides anything on its own: :mod:`rag.answer.decide`
combines them with weights fitted on the labelled question sets
(``eval/calibrate.py``), so a paragraph that lacks one signal (the report writes
"CESCR" where the question says "Committee on Economic, Social and Cultural
Rights") can still answer on the strength of the others.

Every feature lies in [0, 1]; the names are what the calibration file stores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rag.answer import refusal, regions
from rag.answer.text import evidence_terms, mentions, names, sentences, terms
from rag.types import Hit

#: The features, in the calibration file's order.
FEATURES: tuple[str, ...] = (
    "coverage",        # share of the question's idf weight in heading + title + text
    "text_coverage",   # … in the paragraph's own text
    "sentence_coverage",  # … in its best single sentence
    "typed_coverage",  # … in its best sentence that holds the answer type asked for
    "similarity",      # dense cosine similarity (0 when BM25 alone found it)
    "dense_rr",        # 1 / dense rank
    "lexical_rr",      # 1 / BM25 rank
    "position_rr",     # 1 / fused rank
    "score_ratio",     # fused score / best fused score
    "report_share",    # share of the hits that come from this hit's report
    "rarest_missing",  # idf of the rarest question word the paragraph lacks / the rarest's
    "names_missing",   # share of the question's names the paragraph does not name
    "type_missing",    # the question asks for a number / date / amount / percentage, absent
    "person_missing",  # "Who chaired …?" and no person named
    "future_missing",  # "When will …?" and nothing about the future
    "count_missing",   # "How many victims …?" and no number before "victims"
    "other_session",   # the paragraph is about another numbered session / meeting / cycle
    "only_listed",     # the party asked about is only one name in a list or roll call
    "region_missing",  # "Which African states …?" and none of the region's countries
)


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    """What the features need to know of the question, computed once per question."""

    weights: dict[str, float]
    total: float
    asked: frozenset[str]
    region: regions.Region | None
    kind: str | None
    counted: bool
    future: bool
    person: bool
    lists_answer: bool
    speaker: frozenset[str]


def read_question(question: str, idf: Callable[[str], float]) -> QuestionInfo:
    weights = {t: idf(t) for t in terms(question)}
    asked = names(question)
    region = regions.in_question(question)
    if region is not None:
        asked -= region.words
    return QuestionInfo(
        weights=weights, total=sum(weights.values()), asked=frozenset(asked), region=region,
        kind=refusal.expected_type(question), counted=refusal.counted_noun(question),
        future=refusal.asks_future(question), person=refusal.asks_person(question),
        lists_answer=refusal.asks_for_names(question),
        speaker=frozenset(refusal.speaker_names(question)),
    )


def _cover(info: QuestionInfo, have: frozenset[str] | set[str]) -> float:
    if not info.total:
        return 0.0
    return sum(w for t, w in info.weights.items() if t in have) / info.total


def _sentence_cover(info: QuestionInfo, question: str, text: str,
                    present: set[str]) -> tuple[float, float]:
    """Coverage by the paragraph's best sentence, and by its best sentence of the
    type asked for (a number for "how many", a date for "when").

    A near miss spreads the question's words over sentences that each say
    something else ("Brazil spoke …" and "… 120 victims were identified in
    Argentina"); an answer has them together."""
    names_have = terms(" ".join(present))
    best = typed = 0.0
    for span in sentences(text):
        have = evidence_terms(span.text.lower()) | names_have
        c = _cover(info, have)
        best = max(best, c)
        if info.kind is None or refusal.has_type(info.kind, span.text, question):
            typed = max(typed, c)
    return best, typed


def _rarest_missing(info: QuestionInfo, have: frozenset[str] | set[str]) -> float:
    """How rare the rarest question word missing from the paragraph is (1: the rarest of all).

    "What is the capital of Australia?" of a recommendation by Australia: the
    paragraph has "Australia" and lacks "capital"."""
    if not info.weights:
        return 0.0
    top = max(info.weights.values()) or 1.0
    return max((w for t, w in info.weights.items() if t not in have), default=0.0) / top


def features(question: str, hits: Sequence[Hit], idf: Callable[[str], float],
             titles: Mapping[str, str] | None = None) -> list[list[float]]:
    """One row of :data:`FEATURES` per hit, in hit order."""
    if not hits:
        return []
    info = read_question(question, idf)
    titles = titles or {}
    top = hits[0].score or 1.0
    per_doc: dict[str, int] = {}
    for h in hits:
        per_doc[h.unit.doc] = per_doc.get(h.unit.doc, 0) + 1
    rows = []
    for i, h in enumerate(hits):
        text = h.unit.text
        evidence = f"{titles.get(h.unit.doc, '')} {h.unit.section} {text}".lower()
        present = {n for n in info.asked if mentions(evidence, n)}
        region_hit = info.region is not None and (
            any(mentions(evidence, w) for w in info.region.words)
            or bool(regions.items_in(text, info.region)))
        # A name the paragraph writes another way ("UK" as "United Kingdom") still
        # counts towards coverage.
        have = evidence_terms(evidence) | terms(" ".join(present))
        if region_hit and info.region is not None:
            have |= terms(" ".join(info.region.words))
        in_text = {n for n in present if mentions(text.lower(), n)}
        speaking = (in_text & info.speaker) or in_text
        listed = bool(speaking) and not info.lists_answer and all(
            refusal.in_passing(text, n) is not None for n in speaking)
        rows.append([
            _cover(info, have),
            _cover(info, evidence_terms(text.lower())),
            *_sentence_cover(info, question, text, present),
            max(0.0, h.similarity or 0.0),
            1.0 / h.dense_rank if h.dense_rank else 0.0,
            1.0 / h.lexical_rank if h.lexical_rank else 0.0,
            1.0 / (i + 1),
            h.score / top,
            per_doc[h.unit.doc] / len(hits),
            _rarest_missing(info, have),
            (len(info.asked) - len(present)) / len(info.asked) if info.asked else 0.0,
            float(info.kind is not None and not refusal.has_type(info.kind, text, question)),
            float(info.person and not refusal.names_a_person(text, question)),
            float(info.future and not refusal.speaks_of_future(text)),
            float(info.counted and not refusal.counts_asked(question, text)),
            float(refusal.other_ordinal(question, evidence) is not None),
            float(listed),
            float(info.region is not None and not region_hit),
        ])
    return rows

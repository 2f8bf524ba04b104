"""Evidence features: how well each retrieved paragraph answers the question, as numbers.

One row per hit. None of them decides anything on its own: :mod:`rag.answer.decide`
combines them with weights fitted on the labelled question sets
(``eval/calibrate.py``), so a paragraph that lacks one signal (the report writes
"CESCR" where the question says "Committee on Economic, Social and Cultural
Rights") can still answer on the strength of the others.

Every feature lies in [0, 1]; the names are what the calibration file stores.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rag.answer import kinds, regions
from rag.answer.text import evidence_terms, mentions, names, sentences, terms
from rag.retrieve import YEAR
from rag.types import Hit

#: The features, in the calibration file's order.
FEATURES: tuple[str, ...] = (
    "text_coverage",   # share of the question's idf weight in the paragraph's text
    "typed_coverage",  # … in its best sentence that holds the answer type asked for
    "similarity",      # dense cosine similarity (0 when BM25 alone found it)
    "dense_rr",        # 1 / dense rank
    "lexical_rr",      # 1 / BM25 rank
    "position_rr",     # 1 / fused rank
    "score_ratio",     # fused score / best fused score
    "type_missing",    # the question asks for a number / date / amount / percentage, absent
    "count_missing",   # "How many victims …?" and no number before "victims"
    "only_listed",     # the party asked about is only one name in a list or roll call
    "country_missing",  # share of the countries the question names that the paragraph does not
    "year_missing",    # the question names a year that neither the paragraph nor its report's
                       # scope (date, title block, an addendum's report) has
)
#: Tried and removed, because removing each made no held-out set worse (heldout5,
#: fitted on the other sets; docs/evaluation.md): coverage with the report title and
#: heading, best-sentence coverage, the share of hits from one report, the rarest
#: missing word, the share of the question's names missing, "When will …" without
#: a future tense, another numbered session, a region without its countries, and
#: an NER (spaCy en_core_web_sm) answer-type check in place of the patterns; and
#: (2026-12-03, fitted on the other sets of the 20-document index) "Who …?" with no
#: person named, whose removal raised the question AUC on heldout6 and heldout7.


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    """What the features need to know of the question, computed once per question."""

    weights: dict[str, float]
    total: float
    asked: frozenset[str]
    kind: str | None
    counted: bool
    lists_answer: bool
    speaker: frozenset[str]
    #: Countries the question names, by the country table or an adjective ("Chinese").
    countries: frozenset[str]
    #: Years the question names ("the 2019 review", "convictions in 2024").
    years: frozenset[str]


def countries_in(text: str) -> set[str]:
    """The countries a text names: by the country table's patterns, or by an adjective
    of nationality ("the Chinese police")."""
    return regions.countries_named(text, lists=False) | _demonym_countries(text)


def _demonym_countries(text: str) -> set[str]:
    return {country for word in re.findall(r"\b[A-Z][a-z]{3,}\b", text)
            if (country := regions.country_of_demonym(word)) is not None}


def read_question(question: str, idf: Callable[[str], float]) -> QuestionInfo:
    weights = {t: idf(t) for t in terms(question)}
    asked = names(question)
    # "Which countries from Oceania attended?": "Oceania" is not a name a list of
    # Pacific states writes.
    region = regions.in_question(question)
    if region is not None:
        asked -= region.words
    return QuestionInfo(
        weights=weights, total=sum(weights.values()), asked=frozenset(asked),
        kind=kinds.expected_type(question), counted=kinds.counted_noun(question),
        lists_answer=kinds.asks_for_names(question),
        speaker=frozenset(kinds.speaker_names(question)),
        countries=frozenset(countries_in(question)) if region is None else frozenset(),
        years=frozenset(YEAR.findall(question)),
    )


def _cover(info: QuestionInfo, have: frozenset[str] | set[str]) -> float:
    if not info.total:
        return 0.0
    return sum(w for t, w in info.weights.items() if t in have) / info.total


def _typed_cover(info: QuestionInfo, question: str, text: str, present: set[str]) -> float:
    """Coverage by the paragraph's best sentence that holds the type asked for (a
    number for "how many", a date for "when"; any sentence when no type is asked).

    A near miss spreads the question's words over sentences that each say
    something else ("Brazil spoke …" and "… 120 victims were identified in
    Argentina"); an answer has them together, beside what is asked for."""
    names_have = terms(" ".join(present))
    best = 0.0
    for span in sentences(text):
        if info.kind is None or kinds.has_type(info.kind, span.text, question):
            best = max(best, _cover(info, evidence_terms(span.text.lower()) | names_have))
    return best


def _missing_countries(info: QuestionInfo, evidence: str) -> float:
    """Share of the question's countries the paragraph (with its heading and report
    title) does not name: "What did Iceland say …" of a paragraph on Norway."""
    if not info.countries:
        return 0.0
    # Only the asked countries' patterns are tried (regions.names_all): naming every
    # country of a long speaker list costs far more.
    adjectives = _demonym_countries(evidence)
    missing = [c for c in info.countries
               if c not in adjectives and not regions.names_all(evidence, {c})]
    return len(missing) / len(info.countries)


def _year_missing(info: QuestionInfo, text: str, scope: frozenset[str]) -> float:
    """Whether the paragraph and its report both lack every year the question names.

    A year is said of the report ("Slovenia's 2019 review") or in the paragraph
    ("convictions in 2024"); a paragraph from the 2014 review that has neither is
    likely the wrong report, however well it matches the rest."""
    if not info.years:
        return 0.0
    return float(not (info.years & scope) and not info.years & set(YEAR.findall(text)))


def features(question: str, hits: Sequence[Hit], idf: Callable[[str], float],
             titles: Mapping[str, str] | None = None,
             years: Mapping[str, frozenset[str]] | None = None) -> list[list[float]]:
    """One row of :data:`FEATURES` per hit, in hit order. ``years``: each report's
    scope years (:func:`rag.retrieve.scope_years`)."""
    if not hits:
        return []
    info = read_question(question, idf)
    titles = titles or {}
    years = years or {}
    top = hits[0].score or 1.0
    rows = []
    for i, h in enumerate(hits):
        text = h.unit.text
        evidence = f"{titles.get(h.unit.doc, '')} {h.unit.section} {text}".lower()
        # A name the paragraph writes another way ("UK" as "United Kingdom") still
        # counts towards coverage.
        present = {n for n in info.asked if mentions(evidence, n)}
        in_text = {n for n in present if mentions(text.lower(), n)}
        # Whose words are asked for: the speaker's when the question names one
        # ("What did Finland, speaking for …, say"), else every name it has.
        speaking = (in_text & info.speaker) or in_text
        listed = bool(speaking) and not info.lists_answer and all(
            kinds.in_passing(text, n) is not None for n in speaking)
        rows.append([
            _cover(info, evidence_terms(text.lower()) | terms(" ".join(in_text))),
            _typed_cover(info, question, text, present),
            max(0.0, h.similarity or 0.0),
            1.0 / h.dense_rank if h.dense_rank else 0.0,
            1.0 / h.lexical_rank if h.lexical_rank else 0.0,
            1.0 / (i + 1),
            h.score / top,
            float(info.kind is not None and not kinds.has_type(info.kind, text, question)),
            float(info.counted and not kinds.counts_asked(question, text)),
            float(listed),
            _missing_countries(info, f"{titles.get(h.unit.doc, '')}. {h.unit.section}. {text}"),
            _year_missing(info, f"{h.unit.section} {text}", years.get(h.unit.doc, frozenset())),
        ])
    return rows

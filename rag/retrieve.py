"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by weighted reciprocal rank.

Dense search finds paraphrases; BM25 finds names, numbers and rare terms that
a small embedding model blurs. Fusion by rank needs no score calibration
between the two. Two cheap signals sharpen it: a question that names a unit
("recommendation 6", "paragraph 10") gets that unit first, and a question about
recommendations prefers recommendation units.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from rag.errors import UnknownDocument
from rag.index import Index, Snapshot
from rag.index.lexical import Key, analyze, initials, report_scope
from rag.settings import RetrievalSettings
from rag.types import DocInfo, Hit, Unit, label_key

_MENTION = re.compile(
    r"(?:\b(recommendations?)\s+(\d{1,3}(?:\.\d{1,3})?)|(?:\bparagraphs?|\bpara\.?|¶)\s*"
    r"(\d{1,4}(?:\.\d{1,3})?))\b",
    re.I,
)
#: An embedded text a question names: "resolution 68/1", "draft decision I", "annex II".
_SCOPE_NAME = (r"(?:(?:draft\s+|intersessional\s+)?(?:resolution|decision)\s+"
               r"(?:\d{1,4}/\d{1,4}|\d{1,4}(?:\s*\(\d{4}\))?|[IVXL]{1,6}\b)|annex\s+[IVXL\d]{1,6}\b)")
#: "operative paragraph 3 of resolution 68/1", "preambular paragraph 2 of decision 7/2",
#: "paragraph 5 of annex I", "paragraph 4 of General Assembly resolution 80/9" (the
#: body that adopted it, as UN texts cite resolutions: up to four capitalised words);
#: and "resolution 68/1, paragraph 3", "annex I ¶5".
_SCOPED_MENTION = re.compile(
    rf"\b(?:(?P<kind1>operative|preambular)\s+)?(?:paragraphs?|paras?\.?|¶|pp|op)\s*"
    rf"(?P<n1>\d{{1,3}})\s+(?:of|in)\s+(?:the\s+)?(?:(?-i:[A-Z][\w’'.-]*)\s+){{0,4}}"
    rf"(?P<scope1>{_SCOPE_NAME})"
    rf"|\b(?P<scope2>{_SCOPE_NAME}),?\s+(?:(?P<kind2>operative|preambular)\s+)?"
    rf"(?:paragraphs?|paras?\.?|¶|pp|op)\s*(?P<n2>\d{{1,3}})\b",
    re.I,
)
_SCOPE_MENTION = re.compile(rf"\b{_SCOPE_NAME}", re.I)
#: A question about recommendations, by name or by what they do: "What should
#: states do …?", "What research does the Working Group want states to do?"
_ABOUT_RECOMMENDATIONS = re.compile(
    r"\brecommend|\bshould\b|\bwants?\b(?:\s+\w+){1,4}\s+to\b|\burged?\b|\bcalls? (?:on|upon)\b",
    re.I)
#: Deepest BM25 fetch when copies crowd the results.
_MAX_LEXICAL = 1000


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    k: int
    doc: str | None = None


def mentioned_labels(question: str) -> set[str]:
    """Labels a question names: 'recommendation 6' → 'Recommendation 6', '¶10' → '10'.

    A UPR recommendation is a sub-item, so 'recommendation 122.66' → '122.66'.
    """
    labels: set[str] = set()
    for m in _SCOPED_MENTION.finditer(question):
        scope = _scope_name(m.group("scope1") or m.group("scope2"))
        n = m.group("n1") or m.group("n2")
        kind = (m.group("kind1") or m.group("kind2") or "").lower()
        labels.add(f"{scope} PP{n}" if kind == "preambular" else f"{scope} ¶{n}")
    question = _SCOPED_MENTION.sub(" ", question)
    for m in _MENTION.finditer(question):
        if m.group(2):
            labels.add(m.group(2) if "." in m.group(2) else f"Recommendation {m.group(2)}")
        elif m.group(3):
            labels.add(m.group(3))
    return labels


def _scope_name(text: str) -> str:
    """"RESOLUTION 68/1" → "Resolution 68/1", as the parser labels embedded texts."""
    words = re.sub(r"\s+", " ", text.strip()).split(" ")
    return " ".join([words[0].capitalize(), *(w.lower() if w.isalpha() and w.lower() in
                                              ("resolution", "decision") else w
                                              for w in words[1:])])


def mentioned_scopes(question: str) -> set[str]:
    """Keys (:func:`label_key`) of the embedded texts a question names."""
    return {label_key(_scope_name(m.group(0))) for m in _SCOPE_MENTION.finditer(question)}


def in_scope(unit: Unit, scopes: set[str]) -> bool:
    key = label_key(unit.label)
    return any(key == s or key.startswith(s + " ") for s in scopes)


def about_recommendations(question: str) -> bool:
    """Whether a question asks what a report recommends (its recommendation units answer)."""
    return _ABOUT_RECOMMENDATIONS.search(question) is not None


def _prefers(unit: Unit) -> bool:
    return unit.kind == "recommendation" or "recommendation" in unit.section.lower()


def search(index: Index, query: Query, config: RetrievalSettings) -> list[Hit]:
    """The ``query.k`` best units for a question, best first."""
    snap = index.snapshot()
    if query.doc is not None and query.doc not in snap.docs:
        raise UnknownDocument(query.doc, snap.docs)
    if not query.text.strip():
        return []
    from rag.bridge import expand, places  # lazy: rag.answer imports this module

    if not places(query.text):
        return fuse(index, snap, query, config)
    # "the UK panellist": find whom the report means, then search with the name too.
    first = fuse(index, snap, Query(query.text, max(query.k, 10), query.doc), config)
    bridge = expand(query.text, first)
    if bridge is None:
        return first[: query.k]
    hits = fuse(index, snap, Query(bridge.question, query.k + len(bridge.introductions),
                                   query.doc), config)
    if not bridge.about_identity:
        # "What did the UK panellist conclude?": the list that introduced her is how
        # we found her, not what she said; it goes after the paragraphs about her.
        # It stays in the list (it ties the question's words to her name), third:
        # the same place whatever k is, so the top 5 of a top 10 is the top 5.
        about = [h for h in hits if (h.unit.doc, h.unit.label) not in bridge.introductions]
        intro = [h for h in hits if (h.unit.doc, h.unit.label) in bridge.introductions]
        hits = about[:2] + intro[:2] + about[2:] + intro[2:]
    return hits[: query.k]


def _dense_ranks(
    hits: list[tuple[str, str, float]], same: Callable[[Key], Key], unit_of: Mapping[Key, Unit],
    n: int,
) -> tuple[dict[Key, int], dict[Key, float]]:
    """Rank of each distinct unit among dense hits (its best part), and its similarity."""
    rank: dict[Key, int] = {}
    similarity: dict[Key, float] = {}
    for doc, label, sim in hits:
        key = same((doc, label))
        if key in unit_of and key not in rank:
            rank[key] = len(rank) + 1
            similarity[key] = sim
            if len(rank) >= n:
                break
    return rank, similarity


def _lexical_ranks(
    hits: list[tuple[Key, float]], same: Callable[[Key], Key], n: int
) -> dict[Key, int]:
    rank: dict[Key, int] = {}
    for key, _score in hits:
        rank.setdefault(same(key), len(rank) + 1)
        if len(rank) >= n:
            break
    return rank


#: A year as questions and reports write it, not inside a symbol ("CTOC/COP/WG.4/2019/2").
YEAR = re.compile(r"(?<![/\w.])(?:19|20)\d\d(?![/\w])")


def reports_of_years(question: str, docs: Mapping[str, DocInfo],
                     years: Mapping[str, frozenset[str]] | None = None) -> frozenset[str]:
    """The reports whose scope (:func:`scope_years`; without it, their date) has a
    year the question names (none when all or none are)."""
    asked = set(YEAR.findall(question))
    if not asked:
        return frozenset()
    if years is None:
        years = {d: frozenset(YEAR.findall(info.date or "")) for d, info in docs.items()}
    dated = frozenset(d for d in docs if asked & years.get(d, frozenset()))
    return dated if len(dated) < len(docs) else frozenset()


_ADDENDUM = re.compile(r"[/_]Add\.\d+$", re.I)
_Built = TypeVar("_Built")
#: What is derived from one lexical view (its key → the result), built on first need;
#: one view at a time: the old one is gone after a change.
_PER_VIEW: dict[str, dict[str, Any]] = {}


def _per_view(snap: Snapshot, build: Callable[[Snapshot], _Built]) -> _Built:
    """``build(snap)``, computed once per lexical view."""
    cache = _PER_VIEW.setdefault(build.__name__, {})
    key = snap.lexical.key
    if key not in cache:
        cache.clear()
        cache[key] = build(snap)
    found: _Built = cache[key]
    return found


def scopes(snap: Snapshot) -> dict[str, frozenset[str]]:
    """Each report's scope terms (:func:`rag.index.lexical.report_scope`)."""
    return _per_view(snap, _scopes)


def _scopes(snap: Snapshot) -> dict[str, frozenset[str]]:
    return {d: report_scope(snap.lexical.doc_units.get(d, [])) for d in snap.docs}


_WORD = re.compile(r"[\w’'-]+")


def residual(question: str, snap: Snapshot) -> tuple[str, frozenset[str]] | None:
    """The question less the words that name a report (its scope terms), and the
    reports those words name best; None when it names none or nothing is left."""
    return residual_of(question, scopes(snap))


def residual_of(question: str, by_doc: Mapping[str, frozenset[str]]
                ) -> tuple[str, frozenset[str]] | None:
    """:func:`residual` over each report's scope terms (stems, as
    :func:`rag.index.lexical.analyze` writes them).

    A word goes when every stem of it is some report's scope term ("2019",
    "working", "group"); the reports kept are those whose scope terms shared with
    the question weigh (by idf over reports) at least :data:`ROUTE_SHARE` of the
    best report's."""
    every: frozenset[str] = frozenset().union(*by_doc.values()) if by_doc else frozenset()
    kept: list[str] = []
    dropped: list[str] = []
    for w in _WORD.findall(question):
        stems = analyze(w)
        if stems and all(t in every for t in stems):
            dropped += stems
        else:
            kept.append(w)
    if not dropped or not any(analyze(w) for w in kept):
        return None
    n = len(by_doc)
    df = {t: sum(t in sc for sc in by_doc.values()) for t in set(dropped)}
    score = {d: sum(math.log(1 + n / df[t]) for t in set(dropped) if t in sc)
             for d, sc in by_doc.items()}
    top = max(score.values())
    routed = frozenset(d for d, v in score.items() if v >= ROUTE_SHARE * top)
    return " ".join(kept), routed


#: How close to the best report a report's share of the question's report words
#: must come to be searched by the residual question.
ROUTE_SHARE = 0.8


def scope_years(snap: Snapshot) -> dict[str, frozenset[str]]:
    """The years that say which report a unit is in: those of its date and title
    block ("Report on the sixty-third session (14 February 2024 and 10–14 February
    2025)" is both years), and an addendum's its report's ("responses to the 2019
    review" is the addendum dated 2020)."""
    return _per_view(snap, _scope_years)


def _scope_years(snap: Snapshot) -> dict[str, frozenset[str]]:
    found = {}
    for doc, info in snap.docs.items():
        units = snap.lexical.doc_units.get(doc, [])
        head = next((u.text for u in units if u.kind == "title"), "")
        found[doc] = frozenset(YEAR.findall(f"{info.date or ''} {info.title or ''} {head}"))
    by_symbol = {info.symbol: d for d, info in snap.docs.items() if info.symbol}
    for doc, info in snap.docs.items():
        parent = _ADDENDUM.sub("", info.symbol or doc)
        base = by_symbol.get(parent) or (parent if parent in snap.docs else None)
        if base is not None and base != doc:
            found[doc] = found[doc] | found[base]
    return found


#: A name as reports spell it out: "Committee on Economic, Social and Cultural Rights".
_SPELT_OUT = re.compile(r"[A-Z][a-z]+(?:(?:,?\s+(?:(?:of|on|and|the|for|against|in|to)\s+)*)"
                        r"[A-Z][a-z]+)+")
_ACRONYM = re.compile(r"\b[A-Z]{3,7}\b")


def _spelt_out(snap: Snapshot) -> dict[str, str]:
    """Every name the reports spell out, by its initials ("cescr" → "Committee on …")."""
    return _per_view(snap, _spelt_names)


def _spelt_names(snap: Snapshot) -> dict[str, str]:
    counts: dict[str, dict[str, int]] = {}
    for units in snap.lexical.doc_units.values():
        for u in units:
            for name in _SPELT_OUT.findall(u.text):
                if len(acronym := initials(name)) >= 3:
                    by = counts.setdefault(acronym, {})
                    by[name] = by.get(name, 0) + 1
    return {a: max(names, key=names.__getitem__) for a, names in counts.items()}


def expansions(question: str, snap: Snapshot) -> list[str]:
    """Other words for what a question names, from the reports and the country table:
    an acronym the reports never use ("CESCR") as the name they spell out, and an
    adjective of nationality ("Slovenian") as its country."""
    from rag.answer import regions  # lazy: rag.answer imports this module

    out: list[str] = []
    # Delegates type "brazilian" as often as "Brazilian".
    for word in re.findall(r"\b[A-Za-z][a-z]{3,}\b", question):
        if (country := regions.country_of_demonym(word)) is not None:
            out.append(country)
    lexical = snap.lexical
    for acronym in _ACRONYM.findall(question):
        term = acronym.lower()
        if lexical.has_term(term):
            continue  # the reports use it: BM25 finds it as it is
        if (name := _spelt_out(snap).get(term)) is not None:
            out.append(name)
    return out


_QUESTION_WORD = re.compile(r"(?<![\w’'-])[a-z]{3,}(?![\w’'-])")


def _keep_as_is(word: str, lexical: Any) -> bool:
    """Words a nearest-neighbour swap would change the meaning of: an adjective of
    nationality ("brazilian" is near "portuguese"; :func:`expansions` reads it as its
    country instead) and a negation typed without its apostrophe ("hadnt" is near
    "had")."""
    from rag.answer import regions  # lazy: rag.answer imports this module

    if regions.country_of_demonym(word) is not None:
        return True
    return word.endswith("nt") and any(lexical.has_term(t) for t in lexical.terms(word[:-2]))


def reword(index: Index, question: str) -> tuple[str, list[tuple[str, str]]]:
    """The question with each word no report uses read as the nearest report word
    ("kids" → "children"), and the swaps made. Names, stopwords and the words
    the reports do use stay as they are (:mod:`rag.index.vocab`)."""
    from rag.index.vocab import MIN_SIMILARITY

    snap = index.snapshot()
    lexical = snap.lexical
    unknown = []
    for word in dict.fromkeys(_QUESTION_WORD.findall(question)):
        if _keep_as_is(word, lexical):
            continue
        stems = lexical.terms(word)
        if stems and not any(lexical.has_term(t) for t in stems):
            unknown.append(word)
    if not unknown:
        return question, []
    vocabulary = index.vocabulary()
    if not vocabulary.words:
        return question, []
    swaps = [(w, near) for w, (near, sim) in
             zip(unknown, vocabulary.nearest(index.embedder.embed(unknown)), strict=True)
             if sim >= MIN_SIMILARITY]
    for word, near in swaps:
        question = re.sub(rf"(?<![\w’'-]){word}(?![\w’'-])", near, question)
    return question, swaps


def fuse(index: Index, snap: Snapshot, query: Query, config: RetrievalSettings) -> list[Hit]:
    lexical = snap.lexical
    unit_of = lexical.unit_of
    n = max(config.candidates, query.k)

    vector = index.embedder.embed([query.text])[0]
    # Verbatim copies in other reports count as one paragraph (the first copy).
    # Dense search is not crowded by them (copies share their vectors), BM25 is:
    # where copies crowd its candidates it fetches once more, as deep as the
    # copies seen so far suggest.
    same = (lambda k: k) if query.doc else (lambda k: lexical.copy_of.get(k, k))
    copies = lexical.copy_of
    # Several parts of one long unit count once; copies share one vector.
    dense_hits = index.dense(vector, n + 10, snap, query.doc)
    dense_rank, similarity = _dense_ranks(dense_hits, same, unit_of, n)
    residual_rank: dict[Key, int] = {}
    rest = residual(query.text, snap) if not query.doc and config.residual_weight else None
    if rest:
        rest_text, routed = rest
        rvec = index.embedder.embed([rest_text])[0]
        deep = [h for h in index.dense(rvec, 4 * n + 10, snap, None) if h[0] in routed]
        residual_rank, _ = _dense_ranks(deep, same, unit_of, n)
    # "Which Caribbean countries made recommendations?": BM25 also looks for the
    # region's countries by name (the reports name Cuba, never "Caribbean");
    # dense search keeps the question as asked.
    from rag.answer import regions  # lazy: rag.answer imports this module

    region = regions.in_question(query.text)
    countries = " ".join(regions.country_names(region)) if region is not None else ""
    # "CESCR" of a report that writes "Committee on Economic, Social and Cultural
    # Rights", "Slovenian" of one that writes "Slovenia": those words count too.
    countries = " ".join([countries, *expansions(query.text, snap)]).strip()
    lexical_hits = lexical.search(query.text, n, query.doc, also=countries,
                                  scope_weight=config.scope_weight)
    lexical_rank = _lexical_ranks(lexical_hits, same, n)
    if not query.doc and len(lexical_rank) < n and len(lexical_hits) == n and any(
            k in copies for k, _ in lexical_hits):
        deeper = min(_MAX_LEXICAL, int(n * 1.2 * n / max(1, len(lexical_rank))))
        lexical_rank = _lexical_ranks(lexical.search(query.text, deeper, also=countries,
                                                     scope_weight=config.scope_weight),
                                      same, n)

    scores: dict[Key, float] = {}
    for ranks, weight in ((dense_rank, config.dense_weight), (lexical_rank, config.lexical_weight),
                          (residual_rank, config.residual_weight)):
        for key, rank in ranks.items():
            scores[key] = scores.get(key, 0.0) + weight / (config.rrf_k + rank)

    # "At the 2014 review" points at the report of that year when the question
    # does not name one: five Slovenia reports answer "how many delegations spoke".
    dated = (reports_of_years(query.text, snap.docs, scope_years(snap)) if not query.doc
             else frozenset())
    if config.year_boost:
        for key in scores:
            if key[0] in dated:
                scores[key] *= 1.0 + config.year_boost
    about_recs = about_recommendations(query.text)
    named = mentioned_labels(query.text)
    scopes = mentioned_scopes(query.text)
    for key in list(scores):
        unit = unit_of[key]
        if not config.headings and unit.kind in ("heading",):
            del scores[key]
            continue
        if about_recs and _prefers(unit):
            scores[key] *= 1.0 + config.section_boost
        if scopes and in_scope(unit, scopes):
            # "What does resolution 68/1 ask of UNODC?": its paragraphs before the
            # other resolutions' (which share most of its words).
            scores[key] *= 1.0 + config.section_boost
    top = max(scores.values(), default=1.0)
    # mentioned_labels spells labels as the parser does ("Resolution 68/1 ¶3"): a
    # lookup, not a scan of every unit. Named units come first, in score order,
    # also when neither search had found them.
    first: set[Key] = set()
    for label in named:
        for doc in [query.doc] if query.doc else list(snap.docs):
            if (doc, label) in unit_of:
                key = same((doc, label))
                scores[key] = scores.get(key, 0.0) + top
                first.add(key)

    best = sorted(scores, key=lambda k: (k not in first, -scores[k], unit_of[k].doc,
                                         unit_of[k].order))
    depth = max(query.k, config.rerank_depth) if config.rerank else query.k
    hits = [
        Hit(
            unit=unit_of[k],
            score=scores[k],
            dense_rank=dense_rank.get(k),
            lexical_rank=lexical_rank.get(k),
            symbol=snap.docs[k[0]].symbol,
            similarity=similarity.get(k),
        )
        for k in best[:depth]
    ]
    if config.rerank and hits:
        from rag import rerank

        titles = {d: info.title or "" for d, info in snap.docs.items()}
        ordered = rerank.order(query.text, hits, lexical.idf, titles, scope_years(snap),
                               rest[1] if rest else frozenset(), dated)
        # Units the question names by label stay first.
        hits = ([h for h in ordered if (h.unit.doc, h.unit.label) in first]
                + [h for h in ordered if (h.unit.doc, h.unit.label) not in first])
    return hits[: query.k]

"""What a question asks for, and whether a text gives it: answer types read off the words.

"How many victims …" wants a number right before "victims", "When …" a date,
"How much funding …" an amount of money, "Who chaired …" a person; "What did
Norway say …" is not answered by a list that only names Norway. These readers
are features of the calibrated decision (:mod:`rag.answer.evidence`) and
preferences of the extractive answer (:mod:`rag.answer.extractive`); none of
them refuses on its own. Each one is kept because removing it made the
decision worse on a held-out set it was not written for (``eval/calibrate.py
--holdout``; docs/evaluation.md says what each removal did).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from rag.answer.text import evidence_terms, mentions, numbers, sentences, terms
from rag.index.lexical import stem

_HOW_MANY = re.compile(r"\bhow (many|much|long|often)\b|\bwhat (number|percentage|share|"
                       r"proportion|amount)\b|\bwhat (was|is|were) the (number|rate|total)\b",
                       re.I)
#: "What share …", "by what percentage …", "Slovenia's unemployment rate": a percentage.
_PERCENT_Q = re.compile(r"\b(what|which) (percentage|proportion|share|fraction)\b|"
                        r"\bby what (percentage|per ?cent|proportion)\b|\bhow many per ?cent\b|"
                        r"^\s*what (is|was|are|were) (the |its |their |[\w-]+[’']s )(\w+ ){0,2}"
                        r"(rate|share|proportion|percentage)\b", re.I)
_PERCENT = re.compile(r"\d\s*(%|per ?cent\b)|\b(half|one third|two thirds|a third|"
                      r"a quarter|three quarters|majority)\b", re.I)
#: "How much funding …", "in euros", "What budget …": an amount of money.
_MONEY_Q = re.compile(r"\bin (euros?|dollars?|francs?|pounds?|US\$|USD|EUR)\b|"
                      r"\bhow much (money|funding|funds?)\b|"
                      r"\bhow much\b(?:\W+\w+){0,8}?\W+(cost|costs|spend|spent|pay|paid|"
                      r"invest|invested|allocate|allocated|budget|budgeted)\b|"
                      r"\b(what|which) (budget|amount of (money|funding)|funding|cost|price|sum)\b",
                      re.I)
_MONEY = re.compile(r"(€|\$|£|\b(EUR|USD|CHF|GBP)\b)\s?\d|\d[\d,.]*\s*(million |billion |"
                    r"thousand )?(euros?|dollars?|francs?|pounds?|EUR|USD|CHF|GBP)\b", re.I)
_WHEN = re.compile(r"^\s*(when|on what date|in what year|which year|what year|since when)\b|"
                   r"\b(on|in) what (date|year|month)\b", re.I)
#: A year is not one inside a document symbol or number ("CTOC/COP/WG.4/2019/4",
#: "resolution 2019/12"): a list of background papers is not an answer to "when".
_YEAR_OR_DATE = re.compile(
    r"(?<![/\w.])(1[89]\d\d|20\d\d)(?![/\w])|\b\d{1,2} (January|February|March|April|May|"
    r"June|July|August|September|October|November|December)\b", re.I
)
_WORD_NUMBER = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|billion|half|dozen|several|per cent|percent|"
    # "How often …?" is answered by a frequency: "the biennial Global Report".
    r"once|twice|annual|annually|biennial|biennially|triennial|quadrennial|yearly|monthly|"
    r"weekly|daily|quarterly)\b", re.I
)


_COUNTED = re.compile(r"\bhow many (\w+)(?: (\w+))?", re.I)
#: "How many of its …", "how many did …": no counted noun to look for.
_NOT_COUNTED = frozenset({"of", "did", "do", "does", "were", "was", "are", "is", "have", "has",
                          "had", "in", "times", "more", "other", "such"})
#: The counted noun as reports also write it.
_COUNT_SYNONYMS = {"peopl": {"person", "individu"}, "person": {"peopl", "individu"},
                   "countri": {"state"}, "state": {"countri"}}
_COUNT = (r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
          r"\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)")


#: "What is the population of Ljubljana?", "How large is Slovenia's population?": a
#: head count, which reports give as "a population of 2.1 million" or "2.1
#: million inhabitants" ("the Roma population" or "the majority population" is
#: not one).
_POPULATION_Q = re.compile(r"^\s*(what (is|was|were|are)|how (large|big) (is|was))\s+(the\s+)?"
                           r"(total\s+)?([\w-]+[’']s\s+)?population\b", re.I)


def _population(count: str) -> re.Pattern[str]:
    return re.compile(
        rf"\bpopulation (?:of|was|is|stood at|reached|totall?ed) (?:about |around |some |"
        rf"approximately |over |nearly |almost )?{count}|{count}(?: million| thousand| billion)?"
        rf" (?:inhabitants|residents|people (?:lived|live|living))\b", re.I)


def counted_noun(question: str) -> bool:
    """Whether a "how many" question names what it counts ("how many victims")."""
    if _POPULATION_Q.search(question):
        return True
    m = _COUNTED.search(question)
    return m is not None and m.group(1).lower() not in _NOT_COUNTED


_POPULATION_COUNT = _population(_COUNT)


def counts_asked(question: str, sentence: str) -> bool:
    """Whether ``sentence`` puts a number right before what "how many …" counts.

    "How many meetings were held?" is answered by "Five meetings were held", not
    by a sentence that merely has dates in it.
    """
    if _POPULATION_Q.search(question):
        return _POPULATION_COUNT.search(sentence) is not None
    m = _COUNTED.search(question)
    if not m:
        return False
    nouns = [w for w in m.groups() if w]
    stems = {stem(w.lower()) for w in nouns}
    stems |= {syn for s in stems for syn in _COUNT_SYNONYMS.get(s, ())}
    # A lookahead: "In 2019, Brazil identified 120 victims" must not let the year
    # swallow the words up to "120".
    for found in re.finditer(_COUNT + r"(?=((?:\s+[\w-]+){1,3}))", sentence, re.I):
        if any(stem(w.lower()) in stems for w in found.group(1).split()):
            return True
    return False


_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_TEENS = ["tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
          "seventeenth", "eighteenth", "nineteenth"]
_TENS = ["twent", "thirt", "fort", "fift", "sixt", "sevent", "eight", "ninet"]
#: Ordinals as words, 1–99: "first" → 1, "forty-third" → 43, "twentieth" → 20.
_ORDINAL_WORDS = {w: i + 1 for i, w in enumerate(_UNITS)} | {
    w: i + 10 for i, w in enumerate(_TEENS)} | {
    f"{t}ieth": 20 + 10 * i for i, t in enumerate(_TENS)} | {
    f"{t}y-{u}": 20 + 10 * i + j + 1 for i, t in enumerate(_TENS) for j, u in enumerate(_UNITS)}
#: "its forty-third session", "the 44th session", "the fifth-cycle review", "its ninth meeting".
_ORD = r"(?:\d{1,2}(?:st|nd|rd|th)|[a-z]+(?:-[a-z]+)?)"
#: "its forty-third session", "the 44th session", "the fifth-cycle review", "its 1st
#: and 2nd meetings".
_NUMBERED = ("session", "meeting", "cycle")


@lru_cache(maxsize=4)
def _ordinal_of(nouns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"\b({_ORD}(?:(?:\s*,\s*|\s+and\s+|\s+to\s+){_ORD})*)[- ]"
                      rf"({'|'.join(nouns)})s?\b", re.I)


def _ordinal(word: str) -> int | None:
    word = word.lower()
    return int(word[:-2]) if word[:1].isdigit() else _ORDINAL_WORDS.get(word)


def ordinals(text: str, nouns: tuple[str, ...] = _NUMBERED) -> dict[str, set[int]]:
    """The numbered sessions, meetings and cycles (or other ``nouns``) a text names:
    {"session": {43}, …}."""
    out: dict[str, set[int]] = {}
    for m in _ordinal_of(nouns).finditer(text):
        found = {n for w in re.split(r"\s*,\s*|\s+and\s+|\s+to\s+", m.group(1))
                 if (n := _ordinal(w)) is not None}
        if found and re.search(r"\s+to\s+", m.group(1)):  # "its 1st to 8th meetings"
            found = set(range(min(found), max(found) + 1))
        if found:
            out.setdefault(m.group(2).lower(), set()).update(found)
    return out


#: Questions a list of names or a roll call can answer: "Who spoke?", "Which states
#: attended?", "Did Norway …?", "How many delegations made statements?".
_LIST_ANSWERS = re.compile(r"^\s*(who|whom|whose|which|did|does|do|was|were|is|are|has|have|"
                           r"had|list|name|how many)\b", re.I)
#: Items of an enumeration: "Brazil, Canada, China and Norway", "Ms. A (UK), Mr. B (Spain)".
_ITEM_SPLIT = re.compile(r"[,;]|\band\b")
#: An enumeration has at least this many items, most of them short capitalised names.
_MIN_LIST_ITEMS = 4


def is_enumeration(sentence: str) -> bool:
    """Whether ``sentence`` is a list of names ("… the following: Brazil, Canada, Norway, …")."""
    # The list follows the colon when there is one ("… the following: A, B, C").
    body = sentence.split(":", 1)[-1]
    items = [re.sub(r"^the\s+", "", x.strip()) for x in _ITEM_SPLIT.split(body) if x.strip()]
    # "Ms. Ooshara Sewpaul (Republic of South Africa)" is one short name.
    named = [x for x in items
             if x[:1].isupper() and len(re.sub(r"\([^)]*\)", "", x).split()) <= 6]
    # Without a colon the first and last items carry the sentence around the
    # list ("At the same meeting, the representatives of Bahrain", "…, and
    # Poland made statements"): most of the items between must be names.
    inner = items[1:-1] if len(items) > 2 else items
    inner_named = [x for x in inner if x in named]
    return len(named) >= _MIN_LIST_ITEMS and len(inner_named) >= 0.6 * len(inner)


#: "… also made a statement.", "… made statements in exercise of the right of reply.":
#: a sentence that records that a party spoke and nothing of what it said.
_ROLL_CALL = re.compile(
    r"\b(?:also\s+)?(?:(?:made|delivered)\s+(?:a\s+|an\s+)?(?:statements?|interventions?)|"
    r"spoke|took\s+the\s+floor)"
    r"(?:\s*\((?:by\s+)?(?:video\s+message|teleconference|video\s+link)\))?"
    r"(?:\s+(?:in\s+exercise\s+of\s+the\s+right\s+of\s+reply|in\s+explanation\s+of\s+"
    r"(?:the\s+)?(?:their\s+|its\s+)?votes?(?:\s+(?:before|after)\s+the\s+vote)?|"
    r"as\s+the\s+States?\s+concerned))?\s*[.;]?\s*$",
    re.I,
)
#: A sentence that goes on about the one before it ("She stressed …").
_GOES_ON = re.compile(r"^(?:She|He|They|It|Its|Her|His|Their|The speaker|The delegation)\b")


def is_roll_call(sentence: str) -> bool:
    """Whether ``sentence`` only records that someone spoke ("Iran also made a statement.")."""
    return _ROLL_CALL.search(sentence) is not None


def in_passing(text: str, name: str) -> str | None:
    """How ``text`` names ``name`` (lower case) when it does so only in passing:
    "in a list" of names, or "as a speaker" in a roll call; None when some
    mention says more (or there is none).

    "Statements were made by Brazil, Canada, Norway, Sudan and Thailand" and "The
    observer for Iran also made a statement" name a party but say nothing of
    what it said. A sentence after the roll call that goes on about the speaker
    ("She stressed …") is what it said.
    """
    how: str | None = None
    spans = sentences(text)
    for i, span in enumerate(spans):
        if not mentions(span.text.lower(), name):
            continue
        goes_on = i + 1 < len(spans) and _GOES_ON.match(spans[i + 1].text) is not None
        if is_roll_call(span.text) and not goes_on:
            how = "as a speaker"
        elif is_enumeration(span.text):
            how = how or "in a list"
        else:
            return None
    return how


_RUN = r"[A-Z][\w’'.-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'.-]*)*"
#: "What did Finland, …, say", "What position did the observer for the Islamic
#: Republic of Iran take": the party whose words are asked for.
_SPEAKER_Q = re.compile(
    r"^\s*(?i:what)\b(?:\s+\w+){0,2}?\s+(?i:did|does|do|has|have|had)\s+(?:the\s+)?"
    r"(?:(?i:observer|representative|representatives|delegation|delegate|delegates|panell?ist|"
    r"speaker|minister|government|authorities)\s+(?:for|of|from)\s+(?:the\s+)?)?"
    rf"(?P<who>{_RUN}(?:(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?:the\s+)?{_RUN})*)"
)


def speaker_names(question: str) -> set[str]:
    """The names (lower case) of the party whose words a question asks for, if it says."""
    m = _SPEAKER_Q.match(question)
    if m is None:
        return set()
    return {re.sub(r"[’']s$", "", w).lower() for w in re.findall(r"[\w’'.-]+", m.group("who"))
            if w[:1].isupper()}


def asks_for_names(question: str) -> bool:
    """Whether a list of names can answer ``question`` (who, which, did/was … questions)."""
    return _LIST_ANSWERS.match(question) is not None


def expected_type(question: str) -> str | None:
    """'money', 'percent', 'number' or 'date' when the question's form asks for one."""
    if _MONEY_Q.search(question):
        return "money"
    if _PERCENT_Q.search(question):
        return "percent"
    if _HOW_MANY.search(question) or _POPULATION_Q.search(question):
        return "number"
    if _WHEN.search(question):
        return "date"
    return None


def has_type(kind: str, answer: str, question: str) -> bool:
    """Whether ``answer`` holds what a question of ``kind`` asks for (and it lacks)."""
    if kind == "money":
        return bool(_MONEY.search(answer))
    if kind == "percent":
        return bool(_PERCENT.search(answer))
    if kind == "number":
        fresh = numbers(answer) - numbers(question)
        return bool(fresh) or bool(_WORD_NUMBER.search(answer))
    if kind == "date":
        asked = set(_YEAR_OR_DATE.findall(question))
        return any(m not in asked for m in _YEAR_OR_DATE.findall(answer))
    return True


def coverage(question: str, texts: Sequence[str], idf: Callable[[str], float]) -> float:
    """Share of the question's weight (idf of its content words) the texts contain."""
    weights = {t: idf(t) for t in terms(question)}
    total = sum(weights.values())
    have = evidence_terms(" ".join(texts).lower())
    return sum(w for t, w in weights.items() if t in have) / total if total else 0.0

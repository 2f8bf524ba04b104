"""When the reports do not answer: one phrase, and the rules that decide to use it.

Word overlap alone cannot tell "What did Brazil say about victims?" (answered)
from "How many victims did Brazil identify in 2018?" (not answered: Brazil
spoke, but gave no number). So the decision looks at what an answer would be:

- **names**: every name in the question (countries, people, acronyms) must be
  named in the paragraphs the answer cites; a region ("Oceania", "African")
  is named by any of its countries ("Fiji");
- **answer type**: "how many" needs a number the question does not already
  contain, and "how many victims" a number right before "victims" (or
  "persons" for "people"); "What is the population of X?" a head count
  ("a population of 2.1 million", "2.1 million inhabitants"); "what share"
  a percentage; "how much funding", "how much did it cost" or "in euros" an
  amount of money; "when" a date;
- **tense**: "When will …", "the next session" needs a paragraph that speaks
  of the future ("will", "next", "to be held", …), not the last meeting's dates;
- **a person**: "Who chaired / presided / headed / led …" needs a person named
  in the paragraph ("Ms. Blagg", "Nazhat Shameem Khan (Fiji)", "headed by Miro
  Cerar,"), not an institution;
- **more than a list**: a paragraph that names the question's country or
  person only as one item of a list ("statements were made by Brazil, Canada,
  Norway, …") or in a roll call ("The observer for Iran also made a
  statement.") says nothing of what they said: it answers "who/which …",
  "how many" and yes/no questions, not "What did Norway say about supply
  chains?"; when the question says whose words it wants ("What did Finland
  … say"), that speaker is the one that must be named more than in passing;
- **coverage**: the cited paragraphs must cover enough of the question's weight
  (BM25 idf of its content words).

The thresholds are calibrated on ``eval/questions`` by ``eval/calibrate.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.answer import regions
from rag.answer.text import evidence_terms, mentions, names, numbers, sentences, terms
from rag.index.lexical import stem
from rag.types import Hit

#: The one phrase used by the prompts, the code and the evaluation for "not in the reports".
CANNOT_ANSWER = "The indexed reports do not answer this question."

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


#: A question about the future, and the words a paragraph uses to speak of it.
_FUTURE_Q = re.compile(r"\b(will|shall|next|upcoming|forthcoming|future|going to|"
                       r"scheduled to|planned for)\b", re.I)
_FUTURE = re.compile(r"\b(will|shall|would|should|next|upcoming|forthcoming|future|"
                     r"to be (held|convened)|plans? to|planned|intends?|due to|expected to|"
                     r"going to|scheduled|consider(s|ing)|aims? to|"
                     r"decided to (hold|convene))\b",
                     re.I)
#: "Who chaired / presided / headed …", "What is the name of the first Roma woman
#: in the police?": the answer is a person.
_PERSON_Q = re.compile(r"^\s*who\b.*\b(chair\w*|presid\w*|rapporteur|head(s|ed)?|led|leads?|"
                       r"minister|panellist|represent\w*|director|ambassador)\b|"
                       r"^\s*what (is|was|were|are) the names? of (the |a |an )?(\w+ ){0,3}"
                       r"(woman|women|man|men|person|people|officer|official|minister|ambassador|"
                       r"chair\w*|president|rapporteur|judge|expert|speaker|panellist|head|"
                       r"director|envoy|victim|girl|boy|child)\b", re.I)
#: "Which country put forward recommendation 122.21?": the answer names a country.
_COUNTRY_Q = re.compile(r"^\s*(which|what) (countr(y|ies)|states?|member states?|delegations?|"
                        r"nations?|governments?)\b", re.I)
_HONORIFIC = re.compile(r"\b(Mr|Ms|Mrs|Dr|H\.E|Sir|Dame|Professor)\.?\s+[A-Z]")
#: A run of capitalised words ("Fernand de Varennes", "Nazhat Shameem Khan").
_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]+(?:\s+(?:(?:de|da|van|von|del|la|le|bin|al)\s+)?"
                              r"[A-Z][\w’'-]+)+")
#: Words of institutions and titles: "by the Human Rights Council," is not a person.
_INSTITUTION_WORDS = frozenset(
    [
        "special", "rapporteur", "rapporteurs", "council", "human", "rights", "representative",
        "secretary", "general", "secretary-general", "committee", "office", "group", "working",
        "nations", "united", "assembly", "conference", "convention", "protocol", "ministry",
        "minister", "government", "republic", "state", "states", "party", "parties", "commission",
        "organization", "plan", "action", "declaration", "court", "agency", "fund", "programme",
        "bureau", "forum", "session", "meeting", "review", "universal", "periodic", "president",
        "chair",
    ]
)


def names_a_person(text: str, question: str = "") -> bool:
    """Whether ``text`` names a person the question does not already name.

    UN reports name people with an honorific ("Ms. Phoebe Blagg", "H.E."), a
    country in brackets ("Nazhat Shameem Khan (Fiji)") or as an apposition
    ("headed by Miro Cerar, Minister …", "the Special Rapporteur, Fernand de
    Varennes, presented").
    """
    if _HONORIFIC.search(text):
        return True
    asked = names(question)
    for m in _CAPITALISED_RUN.finditer(text):
        words = [w.lower() for w in re.findall(r"[\w’'-]+", m.group())]
        if any(w in _INSTITUTION_WORDS or w in asked for w in words):
            continue
        before, after = text[: m.start()], text[m.end():]
        if after.startswith(" (") or (re.search(r"(,|\bby)\s$", before)
                                      and re.match(r"[,.;]", after)):
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


def other_ordinal(question: str, evidence: str) -> str | None:
    """The session, meeting or cycle ``evidence`` is about when the question asks
    about another ("the forty-fourth session" of a report on the forty-third),
    else None. Evidence that names the one asked about, or no numbered one,
    may answer."""
    for noun, asked in ordinals(question).items():
        named = ordinals(evidence).get(noun)
        if named and not named & asked:
            return f"{noun} {', '.join(str(n) for n in sorted(named))}, not {min(asked)}"
    return None


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


@dataclass(frozen=True, slots=True)
class Decision:
    refuse: bool
    reason: str
    coverage: float


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


def _as_asked(question: str, found: Sequence[str]) -> str:
    """Names as the question spells them, whole: "United Arab Emirates", not "arab, emirates"."""
    spelt: list[str] = []
    for name in found:
        m = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", question, re.I)
        if m is None:
            whole = name
        else:
            # Widen to the run of capitalised words the name sits in.
            # "Islamic Republic of Iran": "of" (and "of the") inside a name joins it.
            left = re.search(r"(?:[A-Z][\w’'.-]*\s+(?:of\s+(?:the\s+)?)?)*$",
                             question[: m.start()])
            right = re.match(r"(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'.-]*)*", question[m.end():])
            whole = (left.group() if left else "") + m.group() + (right.group() if right else "")
            whole = re.sub(r"^(What|Which|Who|How|When|Where|Why|Did|Does|Do|Is|Was)\s+", "",
                           whole.strip())
        if whole not in spelt:
            spelt.append(whole)
    return ", ".join(spelt)


#: A run of capitalised words, as a question names a party ("the United States of America").
_NAME_RUN = r"(?:the\s+)?[A-Z][\w’'.-]*(?:\s+(?:of\s+)?[A-Z][\w’'.-]*)*"
_JOINER = r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+"
_COORDINATED = re.compile(rf"{_NAME_RUN}(?:(?:{_JOINER}){_NAME_RUN})+")


def coordinated(question: str, asked: set[str]) -> list[list[frozenset[str]]]:
    """Names the question joins with "and", "or" or commas ("China and Brazil",
    "the Brazilian and South African presentations"): groups of parties, each
    party the set of its name words that ``names`` found."""
    groups: list[list[frozenset[str]]] = []
    for m in _COORDINATED.finditer(question):
        parties = []
        for run in re.split(_JOINER, m.group()):
            words = frozenset(re.sub(r"[’']s$", "", w).lower()
                              for w in re.findall(r"[\w’'.-]+", run))
            if party := words & asked:
                parties.append(party)
        if len(parties) >= 2:
            groups.append(parties)
    return groups


def decide(
    question: str,
    hits: Sequence[Hit],
    idf: Callable[[str], float],
    min_coverage: float,
    titles: Mapping[str, str] | None = None,
) -> Decision:
    """Whether to refuse: no retrieved paragraph names, answers and covers the question.

    Each test runs on one paragraph at a time (with its heading and its
    report's title): "What did Norway say about supply chains?" is not answered
    by a paragraph on supply chains plus an attendance list that names Norway.
    Parties the question joins ("What did China and Brazil say …?") may each be
    named in a paragraph of their own, but every one of them must be.
    """
    if not hits:
        return Decision(True, "nothing retrieved", 0.0)
    titles = titles or {}
    weights = {t: idf(t) for t in terms(question)}
    total = sum(weights.values())
    asked = names(question)
    # "Which countries from Oceania attended?": a list naming Fiji names Oceania.
    region = regions.in_question(question)
    if region is not None:
        asked -= region.words
    groups = coordinated(question, asked)
    solo = asked - {n for group in groups for party in group for n in party}
    kind = expected_type(question)
    counted = counted_noun(question)
    lists_answer = asks_for_names(question)
    speaker = speaker_names(question)
    future = _FUTURE_Q.search(question) is not None
    person = _PERSON_Q.search(question) is not None
    # The countries a "Which country …?" question names are not its answer.
    country_q = _COUNTRY_Q.search(question) is not None and region is None
    asked_countries = regions.countries_named(question, lists=False) if country_q else set()
    best = Decision(True, "", 0.0)
    #: The parties of each group that some answering paragraph names.
    found: list[set[frozenset[str]]] = [set() for _ in groups]
    answered = 0.0
    for h in hits:
        evidence = f"{titles.get(h.unit.doc, '')} {h.unit.section} {h.unit.text}".lower()
        present = {n for n in asked if mentions(evidence, n)}
        named = [{p for p in group if p <= present} for group in groups]
        missing = [n for n in sorted(solo) if n not in present]
        missing += [n for group, here in zip(groups, named, strict=True) if not here
                    for party in group for n in sorted(party)]
        no_region = region is not None and not any(mentions(evidence, w) for w in region.words) \
            and not regions.items_in(h.unit.text, region)
        # A name the paragraph writes another way ("UK" as "United Kingdom",
        # "Brazilian" as "Brazil") still counts towards coverage.
        have = evidence_terms(evidence) | terms(" ".join(present))
        if region is not None and not no_region:
            have |= terms(" ".join(region.words))
        coverage = sum(w for t, w in weights.items() if t in have) / total if total else 0.0
        in_text = {n for n in present if mentions(h.unit.text.lower(), n)}
        # Whose words are asked for: the speaker's names when the question has
        # one ("What did Finland … say when the Council marked International
        # Women's Day?" asks for Finland's words, whatever the paragraph says
        # of the Day), else every name the paragraph has.
        speaking = (in_text & speaker) or in_text
        elsewhere = other_ordinal(question, evidence)
        if missing or no_region:
            wanted = [_as_asked(question, missing)] if missing else []
            if no_region and region is not None:
                wanted.append(f"a country in {region.name}")
            reason = f"no paragraph names {' or '.join(wanted)}"
        elif speaking and not lists_answer and all(
                (how := in_passing(h.unit.text, n)) is not None for n in speaking):
            # "What did Norway say …" is not answered by a list of speakers.
            reason = f"{_as_asked(question, sorted(speaking))} only named {how}"
        elif elsewhere is not None:
            # "How many meetings did the forty-fourth session hold?" is not answered
            # by the forty-third session's report.
            reason = f"the paragraphs are about another {elsewhere}"
        elif kind is not None and not has_type(kind, h.unit.text, question):
            reason = f"no paragraph gives the {kind} asked for"
        elif future and not _FUTURE.search(h.unit.text):
            reason = "no paragraph speaks of the future"
        elif person and not names_a_person(h.unit.text, question):
            reason = "no paragraph names a person"
        elif country_q and not regions.countries_named(h.unit.text) - asked_countries:
            reason = "no paragraph names a country"
        elif counted and not counts_asked(question, h.unit.text):
            # "How many victims did Brazil identify?" wants "<number> victims", not a
            # paragraph on Brazil's victims that has some other number in it.
            reason = "no paragraph counts what is asked"
        elif coverage < min_coverage:
            reason = f"coverage {coverage:.2f} below {min_coverage:.2f}"
        elif not groups:
            return Decision(False, "", coverage)
        else:
            for seen, here in zip(found, named, strict=True):
                seen |= here
            answered = max(answered, coverage)
            continue
        if coverage >= best.coverage:
            best = Decision(True, reason, coverage)
    if answered:
        unnamed = [n for group, seen in zip(groups, found, strict=True)
                   for party in group if party not in seen for n in sorted(party)]
        if not unnamed:
            return Decision(False, "", answered)
        return Decision(True, f"no paragraph names {_as_asked(question, unnamed)}", answered)
    return best


def answering_reports(
    question: str,
    hits: Sequence[Hit],
    idf: Callable[[str], float],
    min_coverage: float,
    titles: Mapping[str, str] | None = None,
) -> list[Hit]:
    """The hits from the reports that have a paragraph answering on its own (all
    hits when none has, or when they come from one report).

    Across the whole index, "What did Canada say about consular officials?"
    must not pair the working group's paragraph on consular officials with a
    sentence on Canada from another report.
    """
    if len({h.unit.doc for h in hits}) <= 1:
        return list(hits)
    answering = {h.unit.doc for h in hits
                 if not decide(question, [h], idf, min_coverage, titles).refuse}
    return [h for h in hits if h.unit.doc in answering] if answering else list(hits)


def about_countries(question: str, hits: Sequence[Hit],
                    titles: Mapping[str, str] | None = None) -> list[Hit]:
    """The hits whose paragraph (with its heading and report title) names every
    country the question names, when some do; else all of them.

    "How many of its third-cycle recommendations did Slovenia accept?" must not
    be answered with "Italy had accepted 292 out of 306 recommendations".
    """
    asked = regions.countries_named(question, lists=False)
    if not asked:
        return list(hits)
    titles = titles or {}
    about = [h for h in hits if regions.names_all(
        f"{titles.get(h.unit.doc, '')}. {h.unit.section}. {h.unit.text}", asked)]
    return about or list(hits)


def asks_future(question: str) -> bool:
    """"When will …", "the next session": the question is about the future."""
    return _FUTURE_Q.search(question) is not None


def speaks_of_future(text: str) -> bool:
    return _FUTURE.search(text) is not None


def asks_person(question: str) -> bool:
    """"Who chaired …?", "What is the name of the …?": the answer is a person."""
    return _PERSON_Q.search(question) is not None

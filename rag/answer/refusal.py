"""When the reports do not answer: one phrase, and the rules that decide to use it.

Word overlap alone cannot tell "What did Brazil say about victims?" (answered)
from "How many victims did Brazil identify in 2018?" (not answered: Brazil
spoke, but gave no number). So the decision looks at what an answer would be:

- **names**: every name in the question (countries, people, acronyms) must be
  named in the paragraphs the answer cites;
- **answer type**: "how many" needs a number the question does not already
  contain, and "how many victims" a number right before "victims" (or
  "persons" for "people"); "when" a date;
- **coverage**: the cited paragraphs must cover enough of the question's weight
  (BM25 idf of its content words).

The thresholds are calibrated on ``eval/questions`` by ``eval/calibrate.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rag.answer.text import mentions, names, numbers, terms
from rag.index.lexical import stem
from rag.types import Hit

#: The one phrase used by the prompts, the code and the evaluation for "not in the reports".
CANNOT_ANSWER = "The indexed reports do not answer this question."

_HOW_MANY = re.compile(r"\bhow (many|much|long|often)\b|\bwhat (number|percentage|share|"
                       r"proportion|amount)\b|\bwhat (was|is|were) the (number|rate|total)\b",
                       re.I)
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
    r"fifty|hundred|thousand|million|billion|half|dozen|several|per cent|percent)\b", re.I
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


def counted_noun(question: str) -> bool:
    """Whether a "how many" question names what it counts ("how many victims")."""
    m = _COUNTED.search(question)
    return m is not None and m.group(1).lower() not in _NOT_COUNTED


def counts_asked(question: str, sentence: str) -> bool:
    """Whether ``sentence`` puts a number right before what "how many …" counts.

    "How many meetings were held?" is answered by "Five meetings were held", not
    by a sentence that merely has dates in it.
    """
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


@dataclass(frozen=True, slots=True)
class Decision:
    refuse: bool
    reason: str
    coverage: float


def expected_type(question: str) -> str | None:
    """'number' or 'date' when the question's form asks for one."""
    if _HOW_MANY.search(question):
        return "number"
    if _WHEN.search(question):
        return "date"
    return None


def has_type(kind: str, answer: str, question: str) -> bool:
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
    have = terms(" ".join(texts).lower())
    return sum(w for t, w in weights.items() if t in have) / total if total else 0.0


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
    """
    if not hits:
        return Decision(True, "nothing retrieved", 0.0)
    titles = titles or {}
    weights = {t: idf(t) for t in terms(question)}
    total = sum(weights.values())
    asked = names(question)
    kind = expected_type(question)
    counted = counted_noun(question)
    best = Decision(True, "", 0.0)
    for h in hits:
        evidence = f"{titles.get(h.unit.doc, '')} {h.unit.section} {h.unit.text}".lower()
        have = terms(evidence)
        coverage = sum(w for t, w in weights.items() if t in have) / total if total else 0.0
        missing = [n for n in sorted(asked) if not mentions(evidence, n)]
        if missing:
            reason = f"no paragraph names {', '.join(missing)}"
        elif kind is not None and not has_type(kind, h.unit.text, question):
            reason = f"no paragraph gives the {kind} asked for"
        elif counted and not counts_asked(question, h.unit.text):
            # "How many victims did Brazil identify?" wants "<number> victims", not a
            # paragraph on Brazil's victims that has some other number in it.
            reason = "no paragraph counts what is asked"
        elif coverage < min_coverage:
            reason = f"coverage {coverage:.2f} below {min_coverage:.2f}"
        else:
            return Decision(False, "", coverage)
        if coverage >= best.coverage:
            best = Decision(True, reason, coverage)
    return best

"""Sentences, terms and key tokens: the small text tools answers and citations share.

The sentence splitter is a rule set rather than a library on purpose: pysbd
gets UN prose right but costs ~7 ms a paragraph (35 ms a question, most of the
answer budget); blingfire is fast but splits after "Ms.". A test checks that
most boundaries these rules find are pysbd's too (95 % on the 11 reports);
pysbd's further boundaries split list items and title lines, kept whole here
on purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.index.lexical import stem

#: Abbreviations a period does not end a sentence after (lower case, no dot).
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "no",
        "nos",
        "para",
        "paras",
        "art",
        "arts",
        "vol",
        "p",
        "pp",
        "e.g",
        "i.e",
        "cf",
        "etc",
        "al",
        "st",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "rev",
        "add",
        "corr",
        "fig",
        "sect",
        "ch",
        "op",
        "cit",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "approx",
        "viz",
        "vs",
    ]
)
# A sentence ends at . ! ? before a capital or digit, at a line break, and at the
# "; 2. To ratify" between the numbered items of a run-on recommendations list.
_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])|\n+|;(?=\s+\d{1,3}\.\s+[A-Z])")
_TOKEN_BEFORE = re.compile(r"(\S+?)[.!?]*[\"”’')\]]*$")

#: Words that carry no topic in a question ("What did China say about …").
QUESTION_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "she",
        "he",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "about",
        "also",
        "any",
        "all",
        "each",
        "many",
        "much",
        "more",
        "most",
        "other",
        "some",
        "say",
        "said",
        "says",
        "tell",
        "told",
        "mention",
        "mentioned",
        "mentions",
        "describe",
        "described",
        "give",
        "given",
        "note",
        "noted",
        "report",
        "reported",
        "reports",
        "according",
        "state",
        "stated",
        "did",
        "does",
        "whether",
        "there",
        "please",
        "explain",
        # Intensifiers: "its very first meeting" asks about the first meeting; with
        # "very" rare in reports, its idf made it the question's heaviest word.
        "very",
        "really",
        "actually",
        "exactly",
        "just",
    ]
)

_WORD = re.compile(r"(?u)\b\w\w+\b")
_NUMBER = re.compile(r"\d+(?:[.,/:–-]\d+)*")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*[A-Za-z]")
#: Capitalised words that are not names: sentence starters and report boilerplate.
_COMMON_CAPS = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "Of",
        "For",
        "To",
        "By",
        "With",
        "From",
        "As",
        "It",
        "Its",
        "This",
        "That",
        "These",
        "Those",
        "There",
        "He",
        "She",
        "They",
        "We",
        "I",
        "Since",
        "After",
        "Before",
        "During",
        "Under",
        "Over",
        "While",
        "When",
        "Where",
        "What",
        "Which",
        "Who",
        "How",
        "Why",
        "Also",
        "And",
        "But",
        "Or",
        "If",
        "Some",
        "Several",
        "Many",
        "Most",
        "Other",
        "Further",
        "Furthermore",
        "Moreover",
        "However",
        "Finally",
        "Following",
        "Member",
        "States",
        "State",
        "Mr",
        "Ms",
        "Mrs",
        "Dr",
        "Chair",
        "Working",
        "Group",
        "Conference",
        "Parties",
        "Secretariat",
        "Recommendation",
        "Recommendations",
        "Paragraph",
        "Report",
        "Session",
        "Meeting",
        "Item",
        "Agenda",
        "United",
        "Nations",
        # Religions are capitalised adjectives, not parties: a report on "the
        # Islamic community" answers a question on "Slovenia's Muslim community".
        "Muslim",
        "Muslims",
        "Islamic",
        "Christian",
        "Christians",
        "Catholic",
        "Orthodox",
        "Protestant",
        "Jewish",
        "Jews",
        "Buddhist",
        "Hindu",
    ]
)


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence of a paragraph: its text and where it sits in the paragraph."""

    text: str
    start: int
    end: int


def sentences(text: str) -> list[Span]:
    """Split a paragraph into sentences, keeping offsets into ``text``."""
    spans: list[Span] = []
    start = 0
    for m in _END.finditer(text):
        cut = m.end()
        if m.group()[0] in ".!?" and not _is_boundary(
            text[start : m.start()], m.group()
        ):
            continue
        _add(spans, text, start, cut)
        start = cut
    _add(spans, text, start, len(text))
    return spans


def _is_boundary(before: str, punct: str) -> bool:
    if not punct.startswith("."):
        return True
    m = _TOKEN_BEFORE.search(before)
    if m is None:
        return True
    token = m.group(1).lstrip('("“‘[')
    low = token.lower()
    if low in _ABBREVIATIONS:
        return False
    if len(token) == 1 and token.isupper():  # an initial: "J. Smith"
        return False
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token):  # "H.E. Nazhat Shameem Khan", "U.N."
        return False
    # A list marker ("agenda: 1. Organizational matters") is not the end of a sentence.
    return not (token.isdigit() and len(token) <= 2 and re.search(r"(^\s*|[:;]\s*)\S+$", before))


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped or not re.search(r"\w", stripped):
        return
    lead = len(chunk) - len(chunk.lstrip())
    spans.append(Span(stripped, start + lead, start + lead + len(stripped)))


@lru_cache(maxsize=4096)
def terms(text: str) -> frozenset[str]:
    """Stemmed content words, in the same vocabulary as the BM25 index.

    "Take place" is read as "held", as reports write it: its "place" is not the
    noun ("Where and when did the session take place?" matched "Member States
    should place stronger emphasis …").
    """
    text = _TAKE_PLACE.sub("held", text.lower())
    return frozenset(stem(w) for w in _WORD.findall(text) if w not in QUESTION_STOPWORDS)


_TAKE_PLACE = re.compile(r"\b(?:take|takes|took|taken|taking) place\b")


#: Words a question and a report use for the same thing, as stems: delegates ask
#: "What did delegates find hard …?" of a report that writes "Many speakers
#: highlighted the challenge …". Kept to the few that UN reports use
#: interchangeably; a general thesaurus would also match what they keep apart.
_EQUIVALENT_STEMS: tuple[frozenset[str], ...] = (
    frozenset({"deleg", "speaker", "particip"}),
    frozenset({"hard", "difficult", "difficulti", "challeng"}),
    frozenset({"gap", "lack", "shortcom", "shortag"}),
    # "her closing point": reports end a speaker's paragraph "Lastly, she …",
    # "She concluded by …", "Finally, …".
    frozenset({"close", "conclud", "conclus", "last", "final"}),
    # "the session immediately before this one": "The previous meetings …"
    frozenset({"befor", "previous", "preced", "prior", "earlier"}),
)
_EQUIVALENTS = {s: group for group in _EQUIVALENT_STEMS for s in group}


@lru_cache(maxsize=4096)
def evidence_terms(text: str) -> frozenset[str]:
    """:func:`terms` of a paragraph or sentence, with the stems it is equivalent to."""
    found = terms(text)
    extra = {e for t in found if t in _EQUIVALENTS for e in _EQUIVALENTS[t]}
    return found | extra if extra else found


def numbers(text: str) -> set[str]:
    """Numbers, years, dates and symbols like '4/4' or '3,901' (normalised)."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def names(text: str, starters: bool = False) -> set[str]:
    """Capitalised words that look like names (lower case).

    A sentence's first word is capitalised whatever it is, so it counts only with
    ``starters`` (right for answers, "Norway set up …"; wrong for questions, "Whose …").
    """
    out: set[str] = set()
    for m in _CAPITALISED.finditer(text):
        word = re.sub(r"[’']s$", "", m.group())
        # "UNODC-backed", "EU-funded": the name is the part before the hyphen.
        word = re.sub(r"-[a-z][\w-]*$", "", word)
        if word in _COMMON_CAPS or len(word) < 2:
            continue
        before = text[: m.start()]
        if (not starters and not word.isupper()
                and re.search(r"(^|[.!?:]\s+|[\"“(]\s*)$", before)
                # "Ms. Meng": a title's full stop does not start a sentence.
                and not re.search(r"\b(Mr|Mrs|Ms|Dr|Prof|H\.E|St)\.\s+$", before)):
            continue
        out.add(word.lower())
    return out


_STOP_INITIALS = frozenset(["of", "the", "and", "on", "for", "in", "to", "a", "an"])


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` (lower case) names ``name``: as a word, a demonym's stem or an acronym.

    'Chinese' matches 'China', 'Brazilian' 'Brazil', 'UK' 'United Kingdom',
    'UPR' 'universal periodic review'.
    """
    if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
        return True
    stem_ = re.sub(r"(ians?|ese|ish|ans?|is?)$", "", name)
    if len(stem_) >= 4 and re.search(rf"(?<!\w){re.escape(stem_)}", text):
        return True
    if name.isalpha() and 2 <= len(name) <= 6:
        words = [w for w in re.findall(r"[a-z]+", text) if w not in _STOP_INITIALS]
        initials = "".join(w[0] for w in words)
        return name in initials and _acronym_at_word_start(words, name)
    return False


def _acronym_at_word_start(words: list[str], acronym: str) -> bool:
    n = len(acronym)
    return any(
        "".join(w[0] for w in words[i : i + n]) == acronym for i in range(len(words) - n + 1)
    )


def normalise(text: str) -> str:
    """Lower case, single spaces, no thousands separators: for containment checks."""
    return re.sub(r"\s+", " ", text.replace(",", "")).strip().lower()


_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_UNITS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                  "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
                  "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
                  "nineteenth"]


def _spelled() -> dict[str, int]:
    """English number words 2–99, cardinal and ordinal ("fifty-ninth" → 59).

    "one" and "first" are left out: in prose they are mostly not numbers
    ("one of the", "first and foremost").
    """
    out: dict[str, int] = {}
    for n in range(2, 100):
        tens, unit = divmod(n, 10)
        if n < 20:
            out[_UNITS[n]] = out[_ORDINAL_UNITS[n]] = n
        elif unit == 0:
            out[_TENS[tens]] = n
            out[_TENS[tens][:-1] + "ieth"] = n
        else:
            out[f"{_TENS[tens]}-{_UNITS[unit]}"] = n
            out[f"{_TENS[tens]}-{_ORDINAL_UNITS[unit]}"] = n
    return out


_SPELLED = _spelled()
_SPELLED_RE = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, _SPELLED), key=len, reverse=True))
    + r")(?![\w-])", re.I)
_ORDINAL_SUFFIX = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b")


def numerals(text: str) -> str:
    """``text`` with numbers written one way: digits, no ordinal suffix.

    "the fifty-ninth session" and "the 59th session" both read "the 59 session",
    so a faithful paraphrase of a paragraph's numbers passes the support check.
    """
    text = _SPELLED_RE.sub(lambda m: str(_SPELLED[m.group(1).lower()]), text)
    return _ORDINAL_SUFFIX.sub("", text)

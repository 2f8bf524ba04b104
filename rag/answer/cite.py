"""Citations: write them, read them back out of any answer, and check each against its paragraph.

An answer is a list of sentences, each with the paragraphs it cites. The same
code checks extractive answers (whose sentences are quoted, so they pass) and
LLM answers (whose sentences may cite the wrong paragraph, none, or one that
was never retrieved).

The support check is local and offline. A sentence is supported by a paragraph
when (1) every number and every name in the sentence occurs in the paragraph,
and (2) at least ``threshold`` of the sentence's content words (stemmed) occur
in it. The threshold is calibrated by ``eval/calibrate.py`` (see the README).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rag.answer.regions import names_a_country
from rag.answer.text import mentions, names, normalise, numbers, numerals, sentences, terms
from rag.index.lexical import LINK_WORDS, initials
from rag.types import Citation, DocInfo, Hit, Unit, label_key

#: Default share of a sentence's content words its paragraph must contain
#: (calibrated by eval/calibrate.py; see the README, "Citation checks").
SUPPORT_THRESHOLD = 0.6

_NUMBER = r"\d{1,4}(?:\.\d{1,3})?(?:[–-]\d{1,3})?"
#: An embedded text's name: "Resolution 68/1", "Draft decision I", "Annex II",
#: "Intersessional decision 3 Annex I".
_SCOPE = (r"(?:(?:(?:Draft|Intersessional)\s+(?:resolution|decision)|Resolution|Decision)"
          r"\s+[IVXL\d/]+(?:\s*\(\d{4}\))?(?:\s+Annex(?:\s+[IVXL\d]+)?)?"
          r"|Annex(?:\s+[IVXL\d]+)?)")
_LABEL = (rf"(?:Recommendation\s+\d{{1,3}}|Text\s+\d{{1,4}}"
          rf"|{_SCOPE}(?:\s+(?:¶\s*{_NUMBER}|PP\d{{1,3}}|text\s+\d{{1,3}}))?"
          rf"|PP\d{{1,3}}|{_NUMBER}"
          # a verbatim record's speaker turn: "p. 12 China", "p. 3 Acting President #2"
          r"|p\.\s*\d{1,4},?\s+[A-Z][^\[\]();:¶]{1,80}?(?:\s+part\s+\d{1,2})?(?:\s+#\d)?)")
_REF = re.compile(
    rf"^\s*(?P<doc>.*?)\s*(?:¶+|paras?\.?|paragraphs?)?\s*(?P<label>{_LABEL})\s*$", re.I
)
_BRACKET = re.compile(r"\[([^\[\]\n]{1,160})\]|\((¶[^()\n]{1,60})\)")
_SEPARATORS = re.compile(r"\s*(?:[;,]|\band\b)\s*")


@dataclass(slots=True)
class Sentence:
    """One sentence of an answer and the units it cites."""

    text: str
    cites: list[Unit] = field(default_factory=list)
    verified: bool = True
    #: Citations in the raw answer that named no retrieved paragraph.
    dropped: list[str] = field(default_factory=list)
    #: Its citations were replaced by the retrieved paragraph that supports it.
    repaired: bool = False

    @property
    def status(self) -> str:
        """``verified``, ``recited`` (its citation was wrong or missing) or ``unverified``."""
        return "unverified" if not self.verified else "recited" if self.repaired else "verified"


@dataclass(frozen=True, slots=True)
class Support:
    ok: bool
    score: float
    missing: tuple[str, ...] = ()


def marker(doc: str, label: str, symbol: str | None, multi_doc: bool) -> str:
    """``[¶10]``, ``[Recommendation 6]``; with the document when an answer cites several."""
    ref = f"¶{label}" if label[:1].isdigit() else label
    return f"[{symbol or doc} {ref}]" if multi_doc else f"[{ref}]"


@dataclass(frozen=True, slots=True)
class RawCitation:
    """A citation as written in an answer: where, which document (if named), which label."""

    start: int
    end: int
    doc: str
    label: str


def find_citations(answer: str) -> list[RawCitation]:
    """Every citation marker in ``answer``, in any of the forms models write them."""
    found: list[RawCitation] = []
    for m in _BRACKET.finditer(answer):
        inside = m.group(1) or m.group(2)
        doc = ""
        refs: list[tuple[str, str]] = []
        whole = _REF.match(inside)
        # One reference first: a speaker turn's country may hold "and" or a comma
        # ("[p. 3 Bosnia and Herzegovina]").
        pieces = [inside] if whole and whole.group("label").startswith("p.") \
            else _SEPARATORS.split(inside)
        for piece in pieces:
            r = _REF.match(piece)
            if r is None:
                refs = []
                break  # "[sic]", "[emphasis added]": not a citation
            doc = r.group("doc").strip() or doc  # "[A/HRC/43/15 ¶121.4, ¶121.5]"
            refs.append((doc, re.sub(r"\s+", " ", r.group("label"))))
        found.extend(RawCitation(m.start(), m.end(), d, lab) for d, lab in refs)
    return found


def split_answer(answer: str) -> list[tuple[str, list[RawCitation]]]:
    """An answer as sentences without markers, each with the citations written in or after it."""
    raw = find_citations(answer)
    pieces: list[str] = []
    positions: list[tuple[int, RawCitation]] = []
    last = 0
    length = 0
    for c in sorted(raw, key=lambda c: c.start):
        if c.start >= last:
            pieces.append(answer[last : c.start])
            length += c.start - last
            last = c.end
        positions.append((length, c))
    pieces.append(answer[last:])
    clean = re.sub(r"[ \t]+([.,;:!?])", r"\1", "".join(pieces))
    # Markers removed, offsets shifted a little by the punctuation fix: good
    # enough to place a marker in the sentence it follows.
    spans = sentences(clean)
    out: list[tuple[str, list[RawCitation]]] = [(s.text, []) for s in spans]
    for offset, c in positions:
        if not out:
            continue
        i = max((n for n, s in enumerate(spans) if s.start < offset), default=0)
        out[i][1].append(c)
    return [(re.sub(r"\s+", " ", t).strip(), cs) for t, cs in out]


def support(sentence: str, paragraph: str, threshold: float = SUPPORT_THRESHOLD,
            context: str = "") -> Support:
    """Whether ``paragraph`` supports ``sentence`` (see the module docstring).

    Faithful paraphrase passes: numbers are compared as digits ("15th" =
    "fifteenth" = "15"), a name may be written as its demonym or its acronym
    either way round ("CESCR" / "the Committee on Economic, Social and Cultural
    Rights"), and the "Yes," or "No," that opens a yes/no answer is no name.

    ``context`` is what the paragraph is read under (its label, section and report
    title: :func:`context_of`): a name or number said there counts as said ("Angola"
    in a recommendation of Angola's review, "68/6" in a paragraph of resolution 68/6);
    the share of content words is the paragraph's own.
    """
    sentence = numerals(_YES_NO.sub("", sentence, count=1))
    paragraph = numerals(paragraph)
    para = normalise(f"{paragraph} {numerals(context)}" if context else paragraph)
    spelled = _spelled_by_acronym(sentence, para, paragraph)
    keys = numbers(sentence) | ((names(sentence) | _starter_name(sentence)) - spelled)
    missing = tuple(sorted(k for k in keys if not (
        re.search(rf"(?<!\w){re.escape(k)}(?!\w)", para) or (not k[0].isdigit()
                                                            and mentions(para, k)))))
    words = terms(sentence)
    # The paragraph's words, the full names it abbreviates, and the acronyms of names it
    # spells out.
    found = words & (terms(paragraph) | terms(" ".join(spelled)) | terms(" ".join(
        a for a in re.findall(r"\b[A-Z]{3,}s?\b", sentence) if mentions(para, a.lower()))))
    score = len(found) / len(words) if words else 0.0
    return Support(not missing and score >= threshold, score, missing)


def _starter_name(sentence: str) -> set[str]:
    """The sentence's first word, when it is a name: a country ("Norway set up …"), an
    acronym ("UNODC said …") or the start of a longer name ("Amnesty International
    said …"). Any other capitalised first word ("According to …", "Besides …") is
    just where the sentence starts."""
    m = re.match(r"\W*([A-Z][\w’'-]*[A-Za-z])(?:[’']s)?(\s+[A-Z][\w’'-]*)?", sentence)
    if m is None or m.group(1) in _COMMON_STARTERS:
        return set()
    word = re.sub(r"[’']s$", "", m.group(1))
    if word.isupper() or m.group(2) or names_a_country(word):
        return {word.lower()}
    return set()


_COMMON_STARTERS = frozenset({"The", "A", "An", "In", "On", "At", "It", "This", "That",
                              "These", "Those", "There", "They", "He", "She", "We"})
_YES_NO = re.compile(r"^\s*(?:yes|no)\s*[,.;:–—-]\s*", re.I)
#: A run of capitalised words, commas and link words: a body's full name.
_NAME_SPAN = re.compile(r"(?!The\b)[A-Z][\w’'-]+(?:(?:,?\s+(?:(?:and|of|the|on|for|in|against"
                        r"|to)\s+)+|,\s+|\s+)[A-Z][\w’'-]+)+")


_ARTICLES = frozenset({"of", "the", "and", "on", "for", "in", "to", "a", "an"})


def _spelled_by_acronym(sentence: str, para: str, original: str = "") -> set[str]:
    """Words (lower case) of the full names in ``sentence`` whose acronym ``para`` writes."""
    out: set[str] = set()
    for m in _NAME_SPAN.finditer(sentence):
        words = re.findall(r"[\w’'-]+", m.group())
        # Reports form acronyms two ways: "CESCR" skips every link word, "CEDAW" keeps
        # "against".
        forms = {initials(m.group()),
                 "".join(w[0] for w in words if w.lower() not in _ARTICLES).lower()}
        if any((len(a) >= 3 and re.search(rf"(?<!\w){a}(?!\w)", para))
               # two letters ("AI" for Amnesty International) only as capitals
               or (len(a) == 2 and re.search(rf"\b{a.upper()}\b", original))
               for a in forms):
            out |= {w.lower() for w in re.findall(r"[\w’'-]+", m.group())
                    if w.lower() not in LINK_WORDS}
    return out


def context_of(unit: Unit, titles: Mapping[str, str] | None = None) -> str:
    """What a unit is read under: its label, its section path and its report's
    context (``titles``: :func:`report_contexts`)."""
    return f"{unit.label} {unit.section} {(titles or {}).get(unit.doc, '')}"


def report_contexts(docs: Mapping[str, DocInfo]) -> dict[str, str]:
    """Document → what all its paragraphs are said under: title, body, date, symbol."""
    return {d: " ".join(x for x in (i.title, i.body, i.date, i.symbol) if x)
            for d, i in docs.items()}


def _label_key(label: str) -> str:
    return label_key(label)


def _doc_matches(ref: str, hit: Hit) -> bool:
    ref = ref.strip().lower()
    if not ref:
        return True
    candidates = {hit.unit.doc.lower(), (hit.symbol or "").lower()}
    return ref in candidates or ref.replace("/", "_") in candidates


def resolve(raw: RawCitation, hits: Sequence[Hit], sentence: str,
            titles: Mapping[str, str] | None = None) -> Unit | None:
    """The retrieved unit a written citation names, or None when it names none of them."""
    matches = [h for h in hits
               if _label_key(h.unit.label) == _label_key(raw.label) and _doc_matches(raw.doc, h)]
    if not matches:
        return None
    return max(matches, key=lambda h: support(sentence, h.unit.text,
                                              context=context_of(h.unit, titles)).score).unit


def parse(answer: str, hits: Sequence[Hit],
          titles: Mapping[str, str] | None = None) -> list[Sentence]:
    """An answer's sentences with the retrieved units their citations name.

    Citations to paragraphs outside ``hits`` are dropped (and listed in ``dropped``).
    """
    out: list[Sentence] = []
    for text, raws in split_answer(answer):
        s = Sentence(text)
        for raw in raws:
            unit = resolve(raw, hits, text, titles)
            if unit is None:
                s.dropped.append(f"{raw.doc} {raw.label}".strip())
            elif unit not in s.cites:
                s.cites.append(unit)
        out.append(s)
    return out


def verify(
    sents: Sequence[Sentence], hits: Sequence[Hit], threshold: float = SUPPORT_THRESHOLD,
    titles: Mapping[str, str] | None = None,
) -> list[Sentence]:
    """Check every sentence against its citations; repair a wrong or missing one if a hit fits.

    A sentence no retrieved paragraph supports keeps its citations, marked unverified.
    ``titles`` (document → title) gives each paragraph its report's context.
    """
    def ok(text: str, units: Sequence[Unit]) -> Support:
        return support(text, " ".join(u.text for u in units), threshold,
                       " ".join(context_of(u, titles) for u in units))

    out: list[Sentence] = []
    for s in sents:
        s = Sentence(s.text, list(s.cites), True, list(s.dropped))
        if s.cites and ok(s.text, s.cites).ok:
            # Keep the cited paragraphs that contribute: of "[¶3][¶9]" where only ¶9
            # says it, ¶9 stays.
            own = [u for u in s.cites if ok(s.text, [u]).ok]
            s.cites = own or s.cites
        else:
            best = max(hits, key=lambda h: ok(s.text, [h.unit]).score, default=None)
            if best is not None and ok(s.text, [best.unit]).ok:
                s.cites, s.repaired = [best.unit], True
            else:
                s.verified = False
        out.append(s)
    return out


def render(
    sents: Sequence[Sentence], symbols: dict[str, str | None]
) -> tuple[str, list[Citation]]:
    """Answer text with markers in one style, and the citation list (first use order)."""
    docs = {u.doc for s in sents for u in s.cites}
    multi = len(docs) > 1
    parts: list[str] = []
    cited: dict[tuple[str, str], Citation] = {}
    for n, s in enumerate(sents):
        marks = "".join(marker(u.doc, u.label, symbols.get(u.doc), multi) for u in s.cites)
        body = s.text
        # A lead-in ("… were made by Slovenia:") is cited with what it introduces.
        lead_in = body.rstrip().endswith(":") and n + 1 < len(sents) and \
            sents[n + 1].cites == s.cites
        if marks and not lead_in:
            # The marker goes before the final full stop and any closing quote
            # after it: "… databases [¶10].", "… the crime [¶3].”". A bracket
            # that ends a text with no full stop is the text's own: "… (Fiji) [¶24]."
            m = re.match(r"^(.*?)((?:[.!?]+[\"”’')]*)?)$", body, re.S)
            assert m is not None
            # A clause of a long sentence ends without one: "…; Ann Linde [¶16]."
            end = m.group(2) if re.search(r"[.!?]", m.group(2)) else m.group(2) + "."
            body = f"{m.group(1).rstrip(' ;,')} {marks}{end}"
        parts.append(body)
        for u in s.cites:
            key = (u.doc, u.label)
            prev = cited.get(key)
            ok = s.verified and (prev.verified if prev else True)
            cited[key] = Citation(u.doc, u.label, symbols.get(u.doc), u.text, ok)
    return " ".join(parts), list(cited.values())


def supported_share(sents: Sequence[Sentence]) -> float:
    """Share of sentences whose citations were verified (0 for an empty answer)."""
    return sum(1 for s in sents if s.verified and s.cites) / len(sents) if sents else 0.0

"""Regions a question names, and the countries of a list that lie in them.

"Which countries from Oceania attended?" is answered by an attendance list that
never says "Oceania": it says "Australia, …, Fiji, …, New Zealand". Here a
question's region ("Oceania", "African", "Pacific island", "EU") is read, and
a list's items are matched to countries and their regions.

The country table is country_converter's (UN M49 continents and regions, EU
membership, and a regular expression per country that recognises the names
UN documents use: "Iran (Islamic Republic of)", "Republic of South Africa").
Its TSV is found and read with the csv module, without importing the
package: its loader needs pandas, which costs a third of a second to import
and is not needed for a lookup.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    pattern: re.Pattern[str]
    continent: str
    region: str  # UN M49 sub-region: "Melanesia", "Caribbean", …
    eu: bool


@lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    """Every current country and territory of country_converter's table."""
    # Found, not imported: the package's __init__ imports pandas (0.35 s).
    spec = importlib.util.find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("country_converter is not installed: pip install "
                                  "country-converter")
    table = Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"
    with table.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return tuple(
        Country(r["name_short"], re.compile(r["regex"], re.I), r["continent"], r["UNregion"],
                r["EU"] == "EU")
        for r in rows
        if not r["obsolete"]
    )


class Region(NamedTuple):
    """A region as a question names it."""

    name: str  # as answers name it: "Oceania", "Africa", "the Pacific islands"
    words: frozenset[str]  # the question's words for it, lower case ("african")
    contains: Callable[[Country], bool]
    said: str = ""  # as the question writes it: "African"


_PACIFIC_ISLANDS = frozenset({"Melanesia", "Micronesia", "Polynesia"})
_LATIN_AMERICA = frozenset({"South America", "Central America", "Caribbean"})
#: Question phrases and the countries they mean. Checked in order: "European
#: Union" before "European", "Pacific island" before a bare region. "South
#: African", "Central African Republic" and "Asia-Pacific" (a UN regional group,
#: not a continent) are not regions here.
_REGIONS: tuple[tuple[re.Pattern[str], str, Callable[[Country], bool]], ...] = tuple(
    (re.compile(pattern, re.I), name, test)
    for pattern, name, test in [
        (r"\b(?:European Union|EU)\b", "the European Union", lambda c: c.eu),
        (r"\bPacific[- ]islands?\b|\bPacific (?:nations|states|countries)\b",
         "the Pacific islands", lambda c: c.region in _PACIFIC_ISLANDS),
        (r"\bOceani(?:a|an)\b", "Oceania", lambda c: c.continent == "Oceania"),
        (r"(?<!South )(?<!Central )\bAfrica(?:n)?\b(?! Republic)", "Africa",
         lambda c: c.continent == "Africa"),
        (r"\bAsia(?:n)?\b(?![- ]Pacific)", "Asia", lambda c: c.continent == "Asia"),
        (r"\bEurope(?:an)?\b", "Europe", lambda c: c.continent == "Europe"),
        (r"\bLatin America(?:n)?\b", "Latin America", lambda c: c.region in _LATIN_AMERICA),
        (r"\bCaribbean\b", "the Caribbean", lambda c: c.region == "Caribbean"),
        (r"\bSouth America(?:n)?\b", "South America", lambda c: c.region == "South America"),
        (r"\bCentral America(?:n)?\b", "Central America",
         lambda c: c.region == "Central America"),
        (r"\bNorth America(?:n)?\b", "North America", lambda c: c.region == "Northern America"),
    ]
)


#: The UN's regional groups are not regions: the "Western European and other
#: States" group includes Australia; "the African Group" is its members' voice.
_UN_GROUP_AFTER = re.compile(r"\s+(?:and other States\s+)?(?:regional\s+)?group\b|"
                             r"\s+States\s+group\b", re.I)
_UN_GROUP_BEFORE = re.compile(r"(?:\bGroup of (?:the )?|\bWestern\s+)$", re.I)


def in_question(question: str) -> Region | None:
    """The region a question names, if any ("Which Pacific island nations …" → Pacific island)."""
    found: list[tuple[int, Region]] = []
    for pattern, name, test in _REGIONS:
        for m in pattern.finditer(question):
            if _UN_GROUP_AFTER.match(question, m.end()) or _UN_GROUP_BEFORE.search(
                    question, 0, m.start()):
                continue
            words = frozenset(re.findall(r"\w+", m.group().lower()))
            found.append((m.start(), Region(name, words, test, m.group())))
            break
    # The first the question names: "Which Asian ones? (Previous question: Which
    # African …)" asks about Asia.
    return min(found, key=lambda f: f[0])[1] if found else None


def country_names(region: Region) -> list[str]:
    """The short names of the region's countries ("Fiji", "New Zealand", …)."""
    return [c.name for c in countries() if region.contains(c)]


#: A list item is at most this many words: "Iran (Islamic Republic of)", "Ms. Qingtian
#: Meng (China)"; longer pieces are prose, where a name pattern could match across words.
_MAX_ITEM_WORDS = 8
_ITEM_SPLIT = re.compile(r"\s*[,;:]\s*|\s+and\s+(?!Northern Ireland|the Grenadines|Tobago|"
                         r"Principe|Herzegovina|Barbuda|Nevis|Futuna|Caicos|McDonald)")


_BRACKETED = re.compile(r"\(([^()]{2,60})\)")
#: A run of capitalised words, as prose names a country: "The Dominican Republic
#: welcomed …", "the Bolivarian Republic of Venezuela", "Viet Nam".
_CAPITAL_RUN = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of\s+(?:the\s+)?|and\s+)?[A-Z][\w’'-]*)*")


@lru_cache(maxsize=4096)  # paragraphs recur across questions; 250 patterns a piece add up
def _named(text: str, lists: bool) -> tuple[tuple[str, Country], ...]:
    """(piece as written, country) for each piece of ``text`` that names a country.

    With ``lists``, the items of a list ("Algeria, Argentina, Australia, …");
    always, a country in brackets ("opened by H.E. Nazhat Shameem Khan (Fiji),")
    and a run of capitalised words in prose ("The Bahamas congratulated …").
    """
    return tuple((item, country) for item in _pieces(text, lists)
                 if (country := _country_of(item)) is not None)


def _pieces(text: str, lists: bool) -> list[str]:
    """The short pieces of ``text`` that may name a country (see :func:`_named`), once each."""
    pieces = _ITEM_SPLIT.split(text) if lists else []
    pieces += _BRACKETED.findall(text) + _CAPITAL_RUN.findall(text)
    cleaned = (re.sub(r"^(?:and|the|-|\([a-z]\))\s+", "", p.strip()).rstrip(".;") for p in pieces)
    return [item for item in dict.fromkeys(cleaned)
            if item and len(item.split()) <= _MAX_ITEM_WORDS]


@lru_cache(maxsize=8192)  # the same names recur in every list
def _country_of(item: str) -> Country | None:
    """The country a short piece of text names: the first whose pattern matches."""
    return next((c for c in countries() if c.pattern.search(item)), None)


def items_in(text: str, region: Region, *, lists: bool = True) -> list[str]:
    """What in ``text`` names a country of ``region``, as written, in order."""
    found: list[str] = []
    for item, country in _named(text, lists):
        if region.contains(country) and not any(item in f for f in found):
            found.append(item)
    return found


def countries_named(text: str, *, lists: bool = True) -> set[str]:
    """The countries ``text`` names (their short names)."""
    return {country.name for _, country in _named(text, lists)}


def names_all(text: str, wanted: set[str]) -> bool:
    """Whether ``text`` names every country in ``wanted`` (short names).

    Checks only those countries' patterns: a 1,000-word list of speakers costs
    a few milliseconds, not the ~0.3 s of naming every country in it.
    """
    patterns = [c.pattern for c in countries() if c.name in wanted]
    if len(patterns) < len(wanted):
        return False
    pieces = _pieces(text, lists=True)
    return all(any(pattern.search(p) for p in pieces) for pattern in patterns)


_DEMONYM_END = re.compile(r"(?:ians?|eans?|ans?|ese|ish|is|i)$")


@lru_cache(maxsize=4096)
def country_of_demonym(word: str) -> str | None:
    """The country an adjective of nationality names, read off the country names:
    "Slovenian" → Slovenia, "Chinese" → China, "Brazilian" → Brazil. None when
    the word is a country name itself or no country's name starts with its stem."""
    low = word.lower()
    stem = _DEMONYM_END.sub("", low)
    if len(stem) < 4 or stem == low:
        return None
    found = [c.name for c in countries() if c.name.lower().startswith(stem)
             and " " not in c.name]
    return found[0] if len(found) == 1 else None


def names_a_country(text: str) -> bool:
    """Whether a short piece of text ("Norway", "Brazilian") names a country."""
    return _country_of(text) is not None

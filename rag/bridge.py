"""Who is "the UK panellist"? Role references resolved to the names the report uses.

Reports introduce a speaker once with a country ("Ms. Phoebe Blagg (UK)") and
later say only "Ms. Blagg concluded …". A question that names the role and the
country shares no word with that later paragraph. When a question refers to a
speaker by role and country, and a retrieved paragraph introduces people with
countries, the matching names are added to the query and retrieval runs again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from rag.answer.text import mentions
from rag.types import Hit

_ROLES = (r"panell?ists?|speakers?|delegates?|delegations?|representatives?|experts?|"
          r"presenters?|participants?|facilitators?|moderators?")
_PLACE = r"(?:[A-Z][\w’'-]*)(?:\s+(?:[A-Z][\w’'-]*|of|and|the)){0,4}?"
#: "the UK panellist", "the South African speaker's", "the panellist from Brazil"
_ROLE_BEFORE = re.compile(rf"\b({_PLACE})(?:[’']s)?\s+(?:{_ROLES})\b")
_ROLE_AFTER = re.compile(rf"\b(?:{_ROLES})\s+(?:from|of|for)\s+(?:the\s+)?({_PLACE})(?=\W|$)")
_TITLE = r"(?:Ms|Mr|Mrs|Miss|Dr|Prof|H\.E)\.?"
_NAME = r"((?:[A-Z][\w’'-]+\s+){0,3}[A-Z][\w’'-]+)"
#: "Ms. Phoebe Blagg (UK)"; "Ms. Phoebe Blagg, Adviser, Home Office of the United Kingdom …;"
_PERSON = re.compile(rf"\b{_TITLE}\s+{_NAME}\s*(?:\(([^)]{{2,80}})\)|,([^;]{{2,300}}))")
_IDENTITY = re.compile(r"\b(who|whose|name[sd]?|position|title|role|job|post|office|group|behalf|"
                       r"represent\w*|introduc\w*)\b", re.I)
_NOT_PLACES = frozenset({"the", "which", "what", "who", "whose", "how", "did", "does", "one",
                         "another", "other", "each", "first", "second", "last", "a", "an"})


def places(question: str) -> list[str]:
    """The places a question ties to a speaker role, as written ("UK", "South African")."""
    found = []
    for m in [*_ROLE_BEFORE.finditer(question), *_ROLE_AFTER.finditer(question)]:
        words = m.group(1).split()
        while words and words[0].lower() in _NOT_PLACES:  # "Which UK panellist" → "UK"
            words = words[1:]
        if words:
            found.append(" ".join(words))
    return found


def people(text: str) -> list[tuple[str, str]]:
    """(name, what follows it: country in brackets or a description) for each titled person."""
    return [(m.group(1), m.group(2) or m.group(3)) for m in _PERSON.finditer(text)]


class Bridge(NamedTuple):
    """The question with the names added, and the paragraphs that introduced them."""

    question: str
    names: list[str]
    introductions: set[tuple[str, str]]
    #: Whether the question asks who they are: then the introductions are the answer.
    about_identity: bool


def expand(question: str, hits: Sequence[Hit], limit: int = 2) -> Bridge | None:
    """The question with the names of the speakers it refers to by role, or None."""
    wanted = places(question)
    if not wanted:
        return None
    names: list[str] = []
    intro: set[tuple[str, str]] = set()
    for hit in hits:
        for name, about in people(hit.unit.text):
            about_l = about.lower()
            if any(mentions(about_l, p.lower()) for p in wanted):
                intro.add((hit.unit.doc, hit.unit.label))
                if name not in names:
                    names.append(name)
    if not names or len(names) > limit:  # none, or too many to say whom it means
        return None
    return Bridge(f"{question} ({'; '.join(names)})", names, intro,
                  bool(_IDENTITY.search(question)))

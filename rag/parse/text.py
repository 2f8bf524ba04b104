"""Joining a unit's lines into clean text: layout spaces folded, line-end hyphens undone."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rag.parse.layout import Line
from rag.parse.structure import LIST_ITEM_RE

_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]|[A-Za-z]")
_SPACES = re.compile(r"[ \t\u00a0]+")
#: A Markdown link to an in-page anchor, as converters write a cross-reference
#: ("[CTOC/COP/WG.4/2019/1](#)"): the reader sees only the linked words.
_ANCHOR_LINK = re.compile(r"\[([^\]\n]+)\]\(#[^)\s]*\)")
_LEADER = re.compile(r"\s*(?:\.\s?){4,}\s*|\s*…{2,}\s*")


def vocabulary(lines: Iterable[Line]) -> frozenset[str]:
    """Lower-cased words of a document, used to decide whether a line-end hyphen is real."""
    return frozenset(w.lower() for ln in lines for w in _WORD.findall(ln.text))


def _join_hyphen(prev: str, nxt: str, vocab: frozenset[str]) -> bool:
    """True when ``prev`` ends in a soft (layout) hyphen that should disappear."""
    m = re.search(r"([A-Za-z]+)-$", prev)
    n = re.match(r"([a-z]+)", nxt)
    if not m or not n:
        return False
    joined = (m.group(1) + n.group(1)).lower()
    hyphenated = f"{m.group(1)}-{n.group(1)}".lower()
    # Keep "forty-\nthird" and "anti-\ntrafficking"; join "recom-\nmendation".
    return joined in vocab and hyphenated not in vocab


def join_lines(lines: Sequence[Line], vocab: frozenset[str], first_skip: int = 0) -> str:
    """The unit's text: lines joined by spaces, list items on their own line.

    Pieces are collected and joined once: appending to one growing string would
    be quadratic in a unit of many lines (a malformed 50 MB file can make one).
    """
    pieces: list[str] = []
    for k, line in enumerate(lines):
        text = line.text[first_skip:] if k == 0 else line.text
        text = _LEADER.sub(" … ", _SPACES.sub(" ", _ANCHOR_LINK.sub(r"\1", text))).strip()
        if not text:
            continue
        if not pieces:
            pieces.append(text)
            continue
        prev = pieces[-1]
        if prev.endswith("-") and _join_hyphen(prev, text, vocab):
            pieces[-1] = prev[:-1] + text
        elif prev.endswith(("-", "–", "/")) and (
            text[:1].islower() or (text[:1].isdigit() and prev[-2:-1].isdigit())
        ):
            pieces[-1] = prev + text
        elif LIST_ITEM_RE.match(text):
            pieces.append("\n" + text)
        else:
            pieces.append(" " + text)
    return "".join(pieces)

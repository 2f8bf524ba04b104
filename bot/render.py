"""Telegram text: HTML escaping, splitting below the message limit, answers and markers.

Replies use Telegram's HTML parse mode, where only ``<``, ``>`` and ``&`` need
escaping (Markdown would need every ``*`` and ``_`` of a report escaped).
Telegram counts the 4096-character limit on the text *after* entities are
parsed, so plain text is split first and each piece is escaped on its own:
a piece never ends inside a tag, an entity or a ``[¶…]`` citation.
"""

from __future__ import annotations

import html

from rag.answer import cite
from rag.types import Answer

#: Below Telegram's 4096 characters, with room for a header.
LIMIT = 4000
_SEPARATORS = ("\n\n", "\n", ". ", "; ", ", ", " ")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def _inside_brackets(text: str, i: int) -> bool:
    return text.rfind("[", 0, i) > text.rfind("]", 0, i)


def _cut(text: str, limit: int) -> int:
    window = text[:limit]
    for sep in _SEPARATORS:
        i = window.rfind(sep)
        while i > 0 and _inside_brackets(window, i):
            i = window.rfind(sep, 0, i)
        if i > limit // 4:
            return i + len(sep)
    i = limit
    while i > 0 and _inside_brackets(text, i):  # one unbroken run: at least keep the citation
        i = text.rfind("[", 0, i)
    return i if i > 0 else limit


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraph, sentence or word ends."""
    pieces: list[str] = []
    text = text.strip()
    while len(text) > limit:
        cut = _cut(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def html_pieces(text: str, header: str = "", footer: str = "", limit: int = LIMIT) -> list[str]:
    """Escaped message bodies: ``header`` (HTML) before the first, ``footer`` after the last."""
    pieces = [esc(p) for p in split_text(text, limit)] or [""]
    if header:
        pieces[0] = f"{header}\n{pieces[0]}" if pieces[0] else header
    if footer:
        pieces[-1] = f"{pieces[-1]}\n\n{footer}"
    return pieces


def button_label(marker: str, limit: int = 40) -> str:
    """An inline button's text from a citation marker: "[¶10]" → "¶10"."""
    label = marker.strip("[]")
    return label if len(label) <= limit else label[: limit - 1] + "…"


def chunk_lines(lines: list[str], limit: int = LIMIT) -> list[str]:
    """Whole lines (each already HTML) grouped into messages of at most ``limit`` characters."""
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) + 1 + len(line) <= limit:
            out[-1] += "\n" + line
        else:
            out.append(line[:limit])
    return out


def para_label(label: str) -> str:
    """A paragraph label as shown: "10" → "¶10"; "Recommendation 6" stays."""
    return label if not label[:1].isdigit() else f"¶{label}"


def markers(answer: Answer) -> list[tuple[str, str, str]]:
    """(doc, label, button text) for each cited paragraph, in citation order."""
    multi = len({c.doc for c in answer.citations}) > 1
    return [(c.doc, c.label, button_label(cite.marker(c.doc, c.label, c.symbol, multi)))
            for c in answer.citations]


def answer_html(answer: Answer) -> list[str]:
    """An answer's message pieces: "Understood as" header, the cited text, notes in italics."""
    notes = "\n".join(f"<i>{esc(n)}</i>" for n in answer.notes)
    header = f"<i>Understood as: {esc(answer.standalone)}</i>\n" if answer.standalone else ""
    return html_pieces(answer.answer, header=header.rstrip(), footer=notes)

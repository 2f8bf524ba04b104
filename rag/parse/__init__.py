"""Reports → :class:`~rag.types.Document` with units in the report's own numbering.

``parse_file`` reads any supported format; ``parse_text`` does the work on
source text, so tests and other front ends can parse strings directly.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rag import tokens
from rag.errors import InputError, ParseError
from rag.parse import meta
from rag.parse.layout import Line, split_lines
from rag.parse.readers import READERS, read
from rag.parse.structure import RawUnit, Structurer, split_large
from rag.parse.text import join_lines, vocabulary
from rag.parse.turns import is_verbatim, turns
from rag.types import NUMBERED_KINDS, Document, Unit

#: Bump when parsing changes what units or labels a file gives: it is part of
#: the index fingerprint and of every document's version.
PARSER_VERSION = "5"

SUPPORTED_SUFFIXES = tuple(sorted(READERS))

#: A unit longer than this (characters) is named in a warning at ingest.
LARGE_UNIT_CHARS = 6000


def parse_file(path: Path, doc_id: str | None = None) -> Document:
    """Parse a report file; the document id defaults to the file stem."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    text, fmt = read(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return parse_text(text, doc_id or path.stem, path=str(path), fmt=fmt, sha256=digest)


def parse_text(
    text: str,
    doc_id: str,
    *,
    path: str = "",
    fmt: str = "txt",
    sha256: str | None = None,
) -> Document:
    """Parse source text (form feeds at page breaks) into a document."""
    if not text.strip():
        raise ParseError(f"{path or doc_id}: the file is empty")
    lines = split_lines(text)
    raw_units = Structurer(lines).run()
    numbered = {"paragraph", "subparagraph", "recommendation"}
    if not any(u.kind in numbered for u in raw_units):
        if is_verbatim(lines):
            raw_units = turns(lines)
        elif len(raw_units) == 1:
            raw_units = _split_title_block(raw_units[0])
    # Measured before the cut: a unit this long is usually text the parser did not
    # recognise (an embedded resolution, an annex), so it is named even once in parts.
    large = [(u.label, u.chars) for u in raw_units if u.chars > LARGE_UNIT_CHARS]
    raw_units = split_large(raw_units, above=LARGE_UNIT_CHARS)
    vocab = vocabulary(lines)
    units: list[Unit] = []
    for order, raw in enumerate(raw_units):
        joiner = _title_text if raw.kind == "title" else join_lines
        body = joiner(raw.lines, vocab, raw.prefix_len)
        units.append(
            Unit(
                doc=doc_id,
                label=raw.label,
                kind=raw.kind,
                section=raw.section,
                text=body,
                start=raw.lines[0].start,
                end=max(ln.end for ln in raw.lines),
                tokens=tokens.count(body),
                order=order,
            )
        )
    title_lines = [
        cell
        for u in raw_units
        if u.kind == "title"
        for ln in u.lines
        for cell in re.split(r"\s{3,}", ln.text)
        if cell
    ]
    info = meta.extract(doc_id, title_lines, text)
    warnings: list[str] = []
    if not any(u.kind in NUMBERED_KINDS for u in units):
        warnings.append("no numbered paragraphs found: units are labelled text blocks")
    if large:
        named = ", ".join(f"{label} ({n:,} characters)" for label, n in large[:5])
        more = f" and {len(large) - 5} more" if len(large) > 5 else ""
        warnings.append(f"suspiciously large units, cut into parts: {named}{more}; "
                        f"check them with `reportbot outline {doc_id}`")
    return Document(
        id=doc_id,
        path=path,
        format=fmt,
        sha256=sha256 or hashlib.sha256(text.encode()).hexdigest(),
        symbol=info.symbol,
        title=info.title,
        date=info.date,
        body=info.body,
        units=tuple(units),
        warnings=tuple(warnings),
    )


#: In a text with no structure at all, the first line this long ends the title block:
#: a one-page decision is its masthead, then a block of prose.
_PROSE_LINE = 70


def _split_title_block(title: RawUnit) -> list[RawUnit]:
    """A document that is all title block: the masthead, then its text as ``Text 1``."""
    lines = title.lines
    k = next((n for n, ln in enumerate(lines) if n >= 2 and len(ln.text) >= _PROSE_LINE), None)
    if k is None:
        return [title]
    return [RawUnit("Title", "title", "", lines[:k]), RawUnit("Text 1", "text", "", lines[k:])]


def _title_text(lines: list[Line], vocab: frozenset[str], _skip: int = 0) -> str:
    """The title block keeps its line structure; layout columns become ' · '."""
    out = [re.sub(r"\s{3,}", " · ", ln.text) for ln in lines if ln.text]
    return "\n".join(out)

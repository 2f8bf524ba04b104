"""Document metadata from the title block: symbol, title, date, body."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rag.parse.layout import SYMBOL_RE

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
DATE_RE = re.compile(rf"\b(\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})\b")
_TITLE_START = re.compile(
    r"^(?:Report|Draft|Resolution|National report|Compilation|Summary|Views|Addendum|"
    r"Political Declaration|Decision|Note|Letter|Statement)\b"
)
_RESOLUTION_TITLE = re.compile(r"^(\d{1,3}/\d{1,4})\.\s+(.+)$")
_MASTHEAD = re.compile(
    rf"^(?:United Nations|General Assembly|Distr\.|Original:|Agenda item|"
    rf"Human Rights Council$|.*\bsession\b|\[|\d{{1,2}}\s*[–-]\s*\d{{1,2}}\s+(?:{_MONTHS})|"
    rf"\*)",
)
BODIES = (
    "Human Rights Council",
    "Conference of the Parties to the United Nations Convention against Transnational "
    "Organized Crime",
    "Security Council",
    "Economic and Social Council",
    "General Assembly",
)


@dataclass(frozen=True, slots=True)
class Metadata:
    symbol: str | None
    title: str | None
    date: str | None
    body: str | None


def _symbol(doc_id: str, title_lines: list[str], text: str) -> str | None:
    # The symbol printed on the first lines of the masthead.
    for line in title_lines[:3]:
        for m in SYMBOL_RE.finditer(line):
            return m.group(0)
    # A running header repeated on every page.
    header = Counter(
        ln.strip() for ln in text.splitlines() if SYMBOL_RE.fullmatch(ln.strip().lstrip("\f"))
    )
    if header:
        sym, count = header.most_common(1)[0]
        if count >= 2:
            return sym.lstrip("\f")
    # A General Assembly resolution: "80/9. Title" → A/RES/80/9.
    for line in title_lines:
        res = _RESOLUTION_TITLE.match(line)
        if res and "General Assembly" in " ".join(title_lines):
            return f"A/RES/{res.group(1)}"
    # The file name written as a symbol (A_HRC_43_15 → A/HRC/43/15) if the text names it.
    candidate = doc_id.replace("_", "/")
    return candidate if SYMBOL_RE.fullmatch(candidate) and candidate in text else None


def _title(title_lines: list[str]) -> str | None:
    for line in title_lines:
        if m := _RESOLUTION_TITLE.match(line):
            return m.group(2).strip()
    for k, line in enumerate(title_lines):
        if not _TITLE_START.match(line):
            continue
        parts = [line]
        for nxt in title_lines[k + 1 :]:
            if parts[-1].endswith("-") and nxt[:1].islower():
                parts.append(nxt)
                continue
            if nxt.startswith("*") or _MASTHEAD.match(nxt) or "Rapporteur" in nxt:
                break
            if not re.search(r"\w", nxt):
                continue  # a footnote's stray comma or marker line, not title words
            parts.append(nxt)
        title = _join_title(parts)
        if len(title.split()) <= 3 and k > 0:
            previous = [x for x in title_lines[:k] if not _MASTHEAD.match(x)
                        and not DATE_RE.search(x) and x not in BODIES and "," not in x]
            if previous:
                title = f"{previous[-1]}: {title}"
        return title
    return None


def _join_title(parts: list[str]) -> str:
    text = ""
    for part in parts:
        part = re.sub(r"\s+", " ", part).strip()
        if not text:
            text = part
        elif text.endswith("-") and part[:1].islower():
            text += part
        elif text.endswith("*") or _TITLE_START.match(part):
            text = f"{text.rstrip('*').rstrip()}: {part}"
        else:
            text += " " + part
    return text.rstrip("*").strip()


def extract(doc_id: str, title_lines: list[str], text: str) -> Metadata:
    """Metadata from the title block's lines; ``None`` where the text does not say."""
    joined = "\n".join(title_lines)
    date = None
    after = joined.split("Distr.", 1)[1] if "Distr." in joined else joined
    # Some PDFs put the masthead ("Distr.: General 27 December 2017") last in reading
    # order: its date is the document's, not the first date of the title block (a
    # treaty-body decision's "Date of communication").
    masthead = re.search(r"Distr\.:?\s*General\s+" + DATE_RE.pattern, text) \
        if "Distr." not in joined else None
    found = masthead or DATE_RE.search(after) or DATE_RE.search(joined)
    if found:
        date = f"{int(found.group(1))} {found.group(2)} {found.group(3)}"
    body = next((b for b in BODIES if b in joined), None)
    symbol = _symbol(doc_id, title_lines, text)
    title = _verbatim_title(title_lines, body) if symbol and "/PV." in symbol else None
    title = title or _title(title_lines)
    if title and _TRANSMITTAL.match(title):
        title = _transmitted_title(title_lines) or title
    return Metadata(symbol, title, date, body)


#: "Note by the Secretary-General", "Letter dated … from …": a cover that transmits
#: the report which is the document's real subject.
_TRANSMITTAL = re.compile(r"^(?:Note by the Secretary-General|Note by the Secretariat|"
                          r"Letter dated)\b")
_REPORT_START = re.compile(r"^(?:Report|Interim report|Annual report|Thematic report)\b")


def _transmitted_title(title_lines: list[str]) -> str | None:
    """The transmitted report's own title: "Report of the Special Rapporteur on …"."""
    cells = [re.sub(r"\s+", " ", x).strip() for x in title_lines]
    for k, cell in enumerate(cells):
        if not _REPORT_START.match(cell):
            continue
        parts = [cell]
        for nxt in cells[k + 1 : k + 4]:
            if not nxt or nxt.startswith(("*", "Summary")) or _TITLE_START.match(nxt) \
                    or (nxt.endswith(".") and len(nxt) > 60):
                break
            parts.append(nxt)
        return _join_title(parts)
    return None


_MEETING = re.compile(r"^\d{1,4}(?:st|nd|rd|th)\s+(?:plenary\s+)?meeting$", re.I)
_SESSION = re.compile(r"^[A-Z][a-z-]+(?:-[a-z]+)?\s+(?:special\s+|emergency\s+special\s+)?session$")
_PRESIDENT = re.compile(r"^President:\s*(.+?)[\s.]*\(([^)]+)\)$")


def _verbatim_title(title_lines: list[str], body: str | None) -> str | None:
    """A verbatim record's title: body, session, meeting and who presided."""
    cells = [re.sub(r"\s+", " ", x).strip() for x in title_lines]
    meeting = next((x for x in cells if _MEETING.match(x)), None)
    if meeting is None:
        return None
    session = next((x for x in cells if _SESSION.match(x)), None)
    president = next((m for x in cells if (m := _PRESIDENT.match(x))), None)
    parts = [p for p in (body, session, meeting) if p]
    title = ", ".join(parts)
    if president:
        name = re.sub(r"(?:\s*\.)+$", "", president.group(1)).strip()
        title += f" (President: {name}, {president.group(2)})"
    return title

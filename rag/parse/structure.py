"""Content lines → units in the report's own numbering.

The one rule that makes this robust: a numbered paragraph is accepted only when
its number continues the sequence (``N`` after ``N-1``; ``121.4`` after
``121.3`` inside paragraph 121). Agenda items ("1. Organizational matters"),
numbered sub-headings, footnote digits and inline references ("paragraph 15
(a)", "resolution 5/1") therefore never start a paragraph. Where a reflowed
text runs a number on inside a line ("…persons.8 6. We recall"), the line is
split only when that number is missing from the line starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.parse.layout import Line
from rag.types import UnitKind

PARA_RE = re.compile(r"^(\d{1,4})\.(?:\s+|$)")
SUB_RE = re.compile(r"^(\d{1,4})\.(\d{1,3})\.?(?:\s+|$)")
BLOCK_RE = re.compile(r"^(\d{1,3})\.(\d{1,3})(?:\s*[–-]\s*(\d{1,3}))?$")
REC_RE = re.compile(r"^Recommendation\s+(\d{1,3})\s*[.:]?$")
ROMAN_RE = re.compile(r"^([IVXL]{1,6})\.\s+(\S.*)$")
LETTER_RE = re.compile(r"^([A-Z])\.\s+(\S.*)$")
PART_RE = re.compile(
    r"^(?:Annex(?:es)?(?:\s+[IVXL0-9]+)?|Appendix(?:\s+[IVXL0-9]+)?|"
    r"Part\s+(?:One|Two|Three|Four|Five|[IVX]+))(?=$|\s|[:.])"
)
MD_HEADING_RE = re.compile(r"^#{1,6}\s+")
LIST_ITEM_RE = re.compile(r"^(?:[-–•*]\s+)?(?:\([a-z]{1,4}\)|\([ivx]+\)|[•–-])\s")
TOC_LEADER_RE = re.compile(r"\.{4,}|…{2,}|(?:\. ){4,}")
# A run-on number inside a line: after a sentence end (and perhaps a footnote
# digit), before a capitalised word.
RUNON_RE = r"(?<=[.;:”\"’)\d])\s+({n})\.\s+(?=[A-Z“\"‘(])"
_TERMINAL = re.compile(r"[.;:!?”\"’)\]]\s*\d{0,3}\s*$")
_CONNECTOR_END = re.compile(
    r"(?:[,\-–(/]|\b(?:and|or|of|the|on|for|in|to|by|with|a|an|its|their|at|from))$"
)


@dataclass(slots=True)
class RawUnit:
    """A unit being assembled: label, kind, section and its source lines."""

    label: str
    kind: UnitKind
    section: str
    lines: list[Line] = field(default_factory=list)
    prefix_len: int = 0  # characters of the first line that are the number ("10.")


def _is_toc(text: str) -> bool:
    return bool(TOC_LEADER_RE.search(text))


def _heading_like(text: str) -> bool:
    """Short, capitalised, and not a sentence: how unnumbered headings look."""
    body = MD_HEADING_RE.sub("", text)
    if not body or len(body) > 100 or not (body[0].isupper() or body[0].isdigit()):
        return False
    if body[0].isdigit() and not PARA_RE.match(body):
        return False
    return not re.search(r"[.,;:]\s*$", re.sub(r"\s*\d{1,3}$", "", body))


def _continues_heading(prev: str, nxt: str) -> bool:
    """Whether a heading wraps onto the next line."""
    if not nxt or len(prev) > 160:
        return False
    return nxt[0].islower() or bool(_CONNECTOR_END.search(prev))


class _Splitter:
    """Splits lines where a missing paragraph number runs on inside a line."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.starts = [
            int(m.group(1)) if (m := PARA_RE.match(ln.text)) else None for ln in lines
        ]
        # For each line, the index of the next line that starts with a number and the
        # largest number from there on: lookups skip unnumbered lines and stop early
        # instead of rescanning to the end (quadratic on a huge unnumbered tail).
        size = len(lines)
        self.next_numbered: list[int] = [size] * (size + 1)
        self.max_after: list[int] = [-1] * (size + 1)
        for j in range(size - 1, -1, -1):
            v = self.starts[j]
            self.next_numbered[j] = j if v is not None else self.next_numbered[j + 1]
            self.max_after[j] = max(self.max_after[j + 1], v if v is not None else -1)

    def _next_start_at_or_after(self, i: int, n: int) -> int | None:
        j = self.next_numbered[i + 1] if i + 1 <= len(self.lines) else len(self.lines)
        while j < len(self.lines) and self.max_after[j] >= n:
            v = self.starts[j]
            if v is not None and v >= n:
                return v
            j = self.next_numbered[j + 1]
        return None

    def run(self) -> list[Line]:
        out: list[Line] = []
        expected = 1
        for i, line in enumerate(self.lines):
            pending = [line]
            v = self.starts[i]
            if v == expected:
                expected += 1
            while True:
                cur = pending[-1]
                nxt = self._next_start_at_or_after(i, expected)
                if nxt == expected:
                    break
                m = re.search(RUNON_RE.format(n=expected), cur.text)
                if not m or (v is None and expected == 1):
                    break
                cut = m.start(1)
                head = cur.text[:cut].rstrip()
                tail = cur.text[cut:]
                pending[-1] = Line(head, cur.start, cur.start + len(head), cur.page)
                pending.append(Line(tail, cur.start + cut, cur.end, cur.page))
                expected += 1
            out.extend(pending)
        return out


class Structurer:
    """Walks content lines and emits :class:`RawUnit` s."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = _Splitter(lines).run()
        self.units: list[RawUnit] = []
        self.section: list[tuple[int, str]] = []  # (level, heading text)
        self.last_para = 0
        self.last_sub = 0
        self.last_rec = 0
        self.blocks: set[str] = set()
        self.counters = {"heading": 0, "text": 0}
        self.in_toc = False
        self.seen_structure = False

    # -- helpers -----------------------------------------------------------
    @property
    def current(self) -> RawUnit | None:
        return self.units[-1] if self.units else None

    def _section_path(self) -> str:
        return " > ".join(text for _, text in self.section)

    def _new(self, label: str, kind: UnitKind, line: Line, prefix_len: int = 0) -> RawUnit:
        unit = RawUnit(label, kind, self._section_path(), [line], prefix_len)
        self.units.append(unit)
        return unit

    def _counter(self, kind: str) -> str:
        self.counters[kind] += 1
        name = "Heading" if kind == "heading" else "Text"
        return f"{name} {self.counters[kind]}"

    def _next_content(self, i: int) -> int | None:
        for j in range(i + 1, len(self.lines)):
            if not self.lines[j].blank:
                return j
        return None

    def _heading_end(self, i: int) -> int:
        """Last line index of a heading that starts at line ``i``."""
        j = i
        while j + 1 < len(self.lines) and not self.lines[j + 1].blank:
            nxt = self.lines[j + 1].text
            if self._structural(nxt) or not _continues_heading(self.lines[j].text, nxt):
                break
            j += 1
        return j

    def _structural(self, text: str) -> bool:
        """Does this line start a numbered unit or a numbered heading?"""
        if (m := PARA_RE.match(text)) and int(m.group(1)) == self.last_para + 1:
            return True
        if (m := SUB_RE.match(text)) and self._sub_ok(m):
            return True
        if (m := REC_RE.match(text)) and int(m.group(1)) == self.last_rec + 1:
            return True
        return bool(ROMAN_RE.match(text) or LETTER_RE.match(text) or PART_RE.match(text))

    def _sub_ok(self, m: re.Match[str]) -> bool:
        major, minor = int(m.group(1)), int(m.group(2))
        return major == self.last_para and minor == self.last_sub + 1

    def _heading(self, i: int, level: int) -> int:
        end = self._heading_end(i)
        text = " ".join(self.lines[k].text for k in range(i, end + 1))
        text = MD_HEADING_RE.sub("", text)
        text = re.sub(r"(?<=[a-z])\d{1,3}$", "", text)  # trailing footnote marker
        self.section = [(lv, t) for lv, t in self.section if lv < level]
        self.section.append((level, _squash(text)))
        unit = self._new(self._counter("heading"), "heading", self.lines[i])
        unit.section = self._section_path()
        unit.lines.extend(self.lines[i + 1 : end + 1])
        self.seen_structure = True
        return end

    def _heading_level(self, text: str) -> int | None:
        if PART_RE.match(text):
            return 0
        if ROMAN_RE.match(text):
            return 1
        if LETTER_RE.match(text):
            return 2
        return None

    # -- the walk ----------------------------------------------------------
    def run(self) -> list[RawUnit]:
        lines = self.lines
        i = 0
        prev_blank = True
        while i < len(lines):
            line = lines[i]
            text = line.text
            if line.blank:
                prev_blank = True
                i += 1
                continue
            i = self._step(i, text, line, prev_blank) + 1
            prev_blank = False
        return self.units

    def _step(self, i: int, text: str, line: Line, prev_blank: bool) -> int:
        if text == "Contents" or (self.in_toc and _is_toc(text)):
            return self._toc(i)
        if (m := PARA_RE.match(text)) and int(m.group(1)) == self.last_para + 1:
            self.last_para += 1
            self.last_sub = 0
            self.seen_structure = True
            self._adopt_heading_before(i)
            self._new(m.group(1), "paragraph", line, m.end())
            return i
        if (m := SUB_RE.match(text)) and self._sub_ok(m):
            self.last_sub += 1
            self._new(f"{m.group(1)}.{m.group(2)}", "subparagraph", line, m.end())
            return i
        if (m := REC_RE.match(text)) and int(m.group(1)) == self.last_rec + 1:
            self.last_rec += 1
            self.seen_structure = True
            self._new(f"Recommendation {m.group(1)}", "recommendation", line, len(text))
            return i
        if (m := BLOCK_RE.match(text)) and (label := _block_label(m)) not in self.blocks:
            # A bare "122.11" (or "122.14–15") line heading a block, as in the
            # addendum's responses to recommendations.
            self.blocks.add(label)
            self._new(label, "block", line, len(text))
            return i
        level = self._heading_level(text)
        if level is not None and not _is_toc(text):
            return self._heading(i, level)
        if self._unnumbered_heading(i, text, prev_blank):
            # "4. Concluding remarks of the State under review" (a number the paragraph
            # sequence does not take) sits under the unnumbered heading before it
            # ("Italy"), not in its place.
            return self._heading(i, 4 if re.match(r"\d{1,2}\.\s", text) else 3)
        cur = self.current
        if cur is None or (cur.kind == "heading" and cur.label != "Title"):
            label, kind = ("Title", "title") if not self.seen_structure else (
                self._counter("text"), "text")
            self._new(label, kind, line)  # type: ignore[arg-type]
            return i
        cur.lines.append(line)
        return i

    def _unnumbered_heading(self, i: int, text: str, prev_blank: bool) -> bool:
        if not prev_blank or not self.seen_structure or not _heading_like(text):
            return False
        if PARA_RE.match(text) and not re.search(r"[A-Za-z]", text):
            return False
        cur = self.current
        if cur is not None and cur.kind != "heading":
            last = cur.lines[-1].text
            if not _TERMINAL.search(last):
                return False  # the paragraph runs on across a page break
        end = self._heading_end(i)
        whole = " ".join(ln.text for ln in self.lines[i : end + 1])
        if not _heading_like(whole):
            return False  # a sentence that happens to follow a page break
        nxt = self._next_content(end)
        if nxt is None:
            return False
        return self._structural(self.lines[nxt].text)

    def _adopt_heading_before(self, i: int) -> None:
        """An unnumbered heading ("Introduction") right before paragraph 1 of a document
        still inside its title block becomes a heading, not part of the title."""
        cur = self.current
        if cur is None or cur.kind != "title" or len(cur.lines) < 2:
            return
        last = cur.lines[-1]
        if not _heading_like(last.text) or self.lines[i - 1] is not last:
            return
        cur.lines.pop()
        self.section = [(3, _squash(last.text))]
        self._new(self._counter("heading"), "heading", last).section = self._section_path()

    def _toc(self, i: int) -> int:
        """A table of contents: one text unit, never structure."""
        self.in_toc = True
        unit = self._new(self._counter("text"), "text", self.lines[i])
        unit.section = "Contents"
        last_leader = i
        j = i + 1
        while j < len(self.lines) and j - last_leader <= 8:
            if _is_toc(self.lines[j].text):
                last_leader = j
            j += 1
        unit.lines.extend(ln for ln in self.lines[i + 1 : last_leader + 1] if not ln.blank)
        self.in_toc = False
        return last_leader


def _block_label(m: re.Match[str]) -> str:
    label = f"{m.group(1)}.{m.group(2)}"
    return f"{label}–{m.group(3)}" if m.group(3) else label


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()

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
CHAPTER_RE = re.compile(r"^Chapter\s+[IVXL]{1,6}$")
#: The heading of a text inside the report that numbers its own paragraphs: an adopted
#: resolution or decision printed in full, a draft decision, an annex.
SCOPE_RE = re.compile(
    r"^(?:(?:(?:Draft|Intersessional)\s+(?:resolution|decision)|Resolution|Decision)\s+"
    r"(?:[IVXL]{1,6}|\d{1,4}(?:/\d{1,4})?(?:\s*\(\d{4}\))?)|Annex(?:\s+([IVXL]{1,6}|\d{1,2}))?)$"
)
#: "The Security Council,", "The Commission on Narcotic Drugs,": the line that opens
#: a resolution; the preambular paragraphs follow it.
OPENER_RE = re.compile(r"^The\s+[A-Z][A-Za-z’'\- ]{2,90},$")
#: How UN drafting starts a preambular paragraph: a participle or adjective
#: ("Recalling", "Reaffirming also", "Deeply concerned", "Mindful"), by convention.
PP_START_RE = re.compile(
    r"^(?:(?:[A-Z][a-z]+ly\s+[a-z]+(?:ing|ed))|(?:[A-Z][a-z]{2,}(?:ing|ed))|Mindful|Aware|"
    r"Conscious|Cognizant|Desirous|Guided)\b"
)
MD_HEADING_RE = re.compile(r"^#{1,6}\s+")
#: The endnotes a report prints after its last paragraph: a section of their own, so
#: they never lengthen (and pollute the search text of) the paragraph before them.
NOTES_RE = re.compile(r"^(?:Notes|Endnotes)$")
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

    @property
    def chars(self) -> int:
        """Its length in characters, as its lines give it (one space between lines)."""
        return sum(len(ln.text) + 1 for ln in self.lines)


#: A unit longer than this (characters) is cut into parts; each part is about this long.
SPLIT_ABOVE = 6000
PART_CHARS = 2000
_ITEM_START = re.compile(r"^(?:\d{1,4}\.\s|\([a-z]{1,4}\)\s|\([ivx]+\)\s|[-–•*]\s)")
_SENTENCE_END = re.compile(r"[.;:!?”\"’)]\s*\d{0,3}$")


def split_large(units: list[RawUnit], above: int = SPLIT_ABOVE,
                part: int = PART_CHARS) -> list[RawUnit]:
    """Cut every unit longer than ``above`` characters into parts of about ``part``.

    A few units are pages long: a paragraph listing 97 recommendations or every
    dignitary who spoke, an annex listing the session's documents. Embedded whole, the
    model reads only its first 256 tokens, and an answer quoting it points a delegate at
    pages. Each part keeps the unit's label ("111", "111 part 2", …), so a citation still
    names the paragraph; a part starts at a list item or after a sentence end where it
    can, at any line where it must (twice the part size).
    """
    out: list[RawUnit] = []
    for unit in units:
        if unit.chars <= above:
            out.append(unit)
            continue
        current = RawUnit(unit.label, unit.kind, unit.section, [], unit.prefix_len)
        parts = [current]
        size = 0
        lines = [piece for line in unit.lines for piece in _sentences_of(line, part)]
        for k, line in enumerate(lines):
            if k and size >= part and (
                    size >= 2 * part or _ITEM_START.match(line.text)
                    or _SENTENCE_END.search(lines[k - 1].text)):
                current = RawUnit(f"{unit.label} part {len(parts) + 1}", unit.kind,
                                  unit.section, [], 0)
                parts.append(current)
                size = 0
            current.lines.append(line)
            size += len(line.text) + 1
        out.extend(parts)
    return out


def _sentences_of(line: Line, longer_than: int) -> list[Line]:
    """A line longer than ``longer_than`` (a reflowed paragraph of a Word or Markdown
    file) cut after its sentence ends, so that a part can end there."""
    if len(line.text) <= longer_than:
        return [line]
    cuts = [m.end() for m in re.finditer(r"[.;!?]\s+(?=[A-Z(“\"‘])", line.text)]
    out, a = [], 0
    for b in [*cuts, len(line.text)]:
        if b > a:
            piece = line.text[a:b].rstrip()
            out.append(Line(piece, line.start + a, line.start + a + len(piece), line.page))
            a = b
    return out


@dataclass(slots=True)
class Scope:
    """An embedded text with its own numbering, and the numbering it interrupted."""

    name: str  # "Resolution 68/1", "Annex II"
    annex: bool
    saved: tuple[int, int, int, set[str]]
    label: str = ""  # the prefix its units' labels carry
    texts: int = 0  # unnumbered blocks so far


def _roman(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50}
    total = 0
    for a, b in zip(text, text[1:] + " ", strict=True):
        v = values.get(a, 0)
        total += -v if values.get(b, 0) > v else v
    return total


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
        self.scopes: list[Scope] = []
        self.scope_labels: set[str] = set()
        self.preamble = False  # after "The Security Council,": preambular paragraphs follow
        self.pp = 0
        #: Items of a list a paragraph introduces ("…adopted its agenda, as follows:" then
        #: "1. Opening of the Meeting."…): they number from 1 and belong to that paragraph.
        self.list_n = 0
        self.scope_seq: dict[str, int] = {}  # "Intersessional decision" → last number seen

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

    @property
    def prefix(self) -> str:
        return self.scopes[-1].label if self.scopes else ""

    def _label(self, number: str) -> str:
        """A number as cited: "10" in the report, "Resolution 68/1 ¶3" inside an embedded text."""
        return f"{self.prefix} ¶{number}" if self.prefix else number

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
            if self._structural(nxt):
                break
            if not _continues_heading(self.lines[j].text, nxt):
                # "B. Matters brought to the attention of the Economic and Social" /
                # "Council" / "2. The following…": a short last line of the heading.
                after = self._next_content(j + 1)
                if not (_heading_like(nxt) and len(nxt) < 60 and after is not None
                        and PARA_RE.match(self.lines[after].text)
                        and self._structural(self.lines[after].text)):
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
        if self.preamble and PP_START_RE.match(text):
            return True
        return bool(ROMAN_RE.match(text) or LETTER_RE.match(text) or PART_RE.match(text)
                    or CHAPTER_RE.match(text) or (self.seen_structure and SCOPE_RE.match(text)))

    def _sub_ok(self, m: re.Match[str]) -> bool:
        major, minor = int(m.group(1)), int(m.group(2))
        return major == self.last_para and minor == self.last_sub + 1

    def _heading(self, i: int, level: int) -> int:
        if level <= 2:
            # A chapter, part or lettered section heading belongs to the report: an
            # embedded resolution or decision has ended (an annex has headings of its own).
            while self.scopes and not self.scopes[-1].annex:
                self._pop()
            self.preamble = False
        end = self._heading_end(i)
        if CHAPTER_RE.match(self.lines[i].text):
            end = self._title_lines(i, end)
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
        if ROMAN_RE.match(text) or CHAPTER_RE.match(text):
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
        if self.seen_structure and (m := SCOPE_RE.match(text)) and not _is_toc(text):
            self.list_n = 0
            return self._open_scope(i, text, m.group(1))
        if self._list_item(i, text, line):
            return i
        if (m := PARA_RE.match(text)) and int(m.group(1)) != self.last_para + 1 \
                and self._outer_continues(int(m.group(1))):
            while self.scopes and not self.scopes[-1].annex \
                    and int(m.group(1)) != self.last_para + 1:
                self._pop()
        if (m := PARA_RE.match(text)) and int(m.group(1)) == self.last_para + 1:
            self.last_para += 1
            self.last_sub = 0
            self.seen_structure = True
            self.preamble = False
            self._adopt_heading_before(i)
            self._new(self._label(m.group(1)), "paragraph", line, m.end())
            return i
        if (m := SUB_RE.match(text)) and self._sub_ok(m):
            self.last_sub += 1
            self._new(self._label(f"{m.group(1)}.{m.group(2)}"), "subparagraph", line, m.end())
            return i
        if self.preamble and PP_START_RE.match(text) and self._pp_boundary(i):
            self.pp += 1
            self.seen_structure = True
            pp = f"{self.prefix} PP{self.pp}" if self.prefix else f"PP{self.pp}"
            self._new(pp, "preamble", line)
            return i
        if OPENER_RE.match(text) and (self.scopes or not self.seen_structure):
            self.preamble, self.pp = True, 0
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
        if level is None and self.seen_structure and NOTES_RE.match(text):
            level = 1
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
                self._text_label(), "text")
            self._new(label, kind, line)  # type: ignore[arg-type]
            return i
        cur.lines.append(line)
        return i

    def _list_item(self, i: int, text: str, line: Line) -> bool:
        """A numbered item of a list inside the current paragraph (it numbers from 1)."""
        m = PARA_RE.match(text)
        if m is None:
            return False
        n = int(m.group(1))
        cur = self.current
        if self.list_n and n == self.list_n + 1 and cur is not None:
            self.list_n = n
            cur.lines.append(line)
            return True
        self.list_n = 0
        if n != 1 or self.last_para < 1 or cur is None or cur.kind != "paragraph":
            return False
        prev = next((ln.text for ln in reversed(self.lines[:i]) if ln.text), "")
        if not prev.endswith(":"):
            return False
        self.list_n = 1
        cur.lines.append(line)
        return True

    # -- embedded texts ----------------------------------------------------
    def _open_scope(self, i: int, text: str, annex_number: str | None) -> int:
        """A resolution, decision or annex heading: its paragraphs number from 1 again."""
        name = re.sub(r"\s+", " ", text).strip()
        annex = name.startswith("Annex")
        if (m := re.fullmatch(r"(.*\D)(\d{2,3})", name)) and not annex:
            # "Intersessional decision 11": decision 1 with its footnote marker glued on,
            # when 1 (not 11) continues the sequence of its siblings.
            kind, n = m.group(1), int(m.group(2))
            last = self.scope_seq.get(kind, 0)
            if n != last + 1 and int(m.group(2)[:-1]) == last + 1:
                n = last + 1
                name = f"{kind}{n}"
            self.scope_seq[kind] = n
        if annex:
            number = (int(annex_number) if annex_number.isdigit() else _roman(annex_number)) \
                if annex_number else 0
            tops = [s for s in self.scopes if s.annex and s is self.scopes[0]]
            top_number = self._annex_number(tops[0].name) if tops else 0
            inner = [k for k, s in enumerate(self.scopes) if not s.annex]
            if inner and number and number <= top_number:
                # "Annex I" after the report's Annex III: an annex of the decision it follows.
                while len(self.scopes) > inner[-1] + 1:
                    self._pop()
            else:
                while self.scopes:
                    self._pop()
        else:
            while self.scopes and not self.scopes[-1].annex:
                self._pop()
        self._push(Scope(name, annex, (self.last_para, self.last_sub, self.last_rec,
                                       self.blocks)))
        end = self._title_lines(i, i)
        level = 0 if annex else 3
        self.section = [(lv, t) for lv, t in self.section if lv < level]
        title = _squash(" ".join([name] + [self.lines[k].text for k in range(i + 1, end + 1)]))
        self.section.append((level, title))
        unit = self._new(self.scopes[-1].label, "text", self.lines[i])
        self.scopes[-1].texts = 1
        unit.lines.extend(self.lines[i + 1 : end + 1])
        return end

    @staticmethod
    def _annex_number(name: str) -> int:
        parts = name.split()
        if len(parts) < 2:
            return 0
        return int(parts[1]) if parts[1].isdigit() else _roman(parts[1])

    def _push(self, scope: Scope) -> None:
        path = [s.name for s in self.scopes] + [scope.name]
        named = [k for k, name in enumerate(path) if not name.startswith("Annex")]
        # Cited from the innermost resolution or decision down ("Decision 1 ¶2", not
        # "Annex II Decision 1 ¶2"); the whole path where that would be ambiguous.
        label = " ".join(path[named[-1] if named else 0:])
        if label in self.scope_labels:
            label = " ".join(path)
        self.scope_labels.add(label)
        scope.label = label
        self.scopes.append(scope)
        self.last_para, self.last_sub, self.last_rec, self.blocks = 0, 0, 0, set()
        self.preamble, self.pp = False, 0

    def _pop(self) -> None:
        scope = self.scopes.pop()
        self.last_para, self.last_sub, self.last_rec, self.blocks = scope.saved
        self.preamble = False

    def _outer_continues(self, number: int) -> bool:
        """Does ``number`` continue the numbering of a text around this one?"""
        for scope in reversed(self.scopes):
            if scope.annex:
                return False
            if number == scope.saved[0] + 1 and number > 1:
                return True
        return False

    def _text_label(self) -> str:
        if not self.scopes:
            return self._counter("text")
        scope = self.scopes[-1]
        scope.texts += 1
        return scope.label if scope.texts == 1 else f"{scope.label} text {scope.texts}"

    def _title_lines(self, i: int, end: int) -> int:
        """The title lines under a heading line ("Chapter I", "Resolution 68/1")."""
        j = end
        while j + 1 < len(self.lines) and j - end < 4:
            nxt = self.lines[j + 1].text
            if not nxt or self._structural(nxt) or OPENER_RE.match(nxt) \
                    or (not _heading_like(nxt) and not _continues_heading(self.lines[j].text, nxt)):
                break
            j += 1
        return j

    def _pp_boundary(self, i: int) -> bool:
        """A preambular paragraph starts after the opener or a paragraph that ended."""
        prev = next((ln.text for ln in reversed(self.lines[:i]) if ln.text), "")
        return bool(OPENER_RE.match(prev)) or bool(re.search(r"[,;:]\s*\d{0,3}$", prev))

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

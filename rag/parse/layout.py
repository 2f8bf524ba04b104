"""Page layout cleanup: source text → content lines with offsets.

UN documents converted by pdftotext keep form feeds at page breaks, running
headers and footers (the symbol, page numbers, ``GE.19-21936(E)`` job numbers,
a barcode line), and footnotes at the foot of each page. This module removes
those and keeps, for every remaining line, where it sits in the source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A document symbol alone on a line: A/HRC/43/15, A/HRC/WG.6/34/SVN/1, A/RES/80/9.
SYMBOL_RE = re.compile(r"[A-Z][A-Z0-9]{0,9}(?:/[A-Za-z0-9.\-]+){2,8}")
_SYMBOL_LINE = re.compile(
    rf"^(?:\d{{1,4}}\s+)?{SYMBOL_RE.pattern}(?:\s*\(\d{{4}}\))?(?:\s+\d{{1,4}})?$"
)
_PAGE_NUMBER = re.compile(r"^(?:-\s*)?\d{1,4}(?:\s*-)?$|^Page\s+\d+(?:\s+of\s+\d+)?$", re.I)
_JOB_NUMBER = re.compile(
    r"^(?:\d{1,4}\s+)?GE\.\d{2}-\d{4,6}(?:\s*\([A-Z]\))?(?:\s+\d{1,6})*(?:\s+\d{1,4})?$"
)
_RECYCLE = re.compile(r"^Please\s+recycle", re.I)
# Running heads of newer UN PDFs: "2/16 25-10019", "25-10019 3/16" (page of pages and
# job number), "A/79/PV.64 16/04/2025" (symbol and date).
_PAGE_OF = re.compile(r"^(?:\d{1,4}/\d{1,4}\s+\d{2}-\d{5}|\d{2}-\d{5}\s+\d{1,4}/\d{1,4})$")
_SYMBOL_DATE = re.compile(rf"^(?:\*\d{{6,}}\*)?{SYMBOL_RE.pattern}\s+\d{{2}}/\d{{2}}/\d{{4}}$")
# pdftotext renders the barcode font as private-use characters, or as *1921936*.
_BARCODE = re.compile(r"^(?:[\ue000-\uf8ff\s]+|\*\d{6,}\*)$")
_FOOTNOTE_START = re.compile(r"^(\d{1,3}|\*{1,3})\s+\S")


@dataclass(frozen=True, slots=True)
class Line:
    """A content line: its text without surrounding blanks, and where it is in the source."""

    text: str
    start: int
    end: int
    page: int

    @property
    def blank(self) -> bool:
        return not self.text


def _is_noise(text: str) -> bool:
    return bool(_JOB_NUMBER.match(text) or _BARCODE.match(text) or _RECYCLE.match(text))


def _is_header_footer(text: str) -> bool:
    return bool(_SYMBOL_LINE.match(text) or _PAGE_NUMBER.match(text) or _is_noise(text)
                or _PAGE_OF.match(text) or _SYMBOL_DATE.match(text))


def _footnote_block_start(lines: list[Line]) -> int | None:
    """Index where a footnote block at the foot of this page starts, if there is one.

    A footnote block follows a blank line, its first line starts with a note
    marker (``12 See…`` or ``* The annex…``), and the markers inside it increase.
    """
    content = [i for i, ln in enumerate(lines) if not ln.blank]
    if not content:
        return None
    best: int | None = None
    for pos in range(len(content) - 1, -1, -1):
        i = content[pos]
        if i == 0 or not lines[i - 1].blank:
            continue
        m = _FOOTNOTE_START.match(lines[i].text)
        if not m:
            break
        # Every marked line in [i, end) must carry an increasing marker.
        markers = [
            mm.group(1)
            for ln in lines[i:]
            if not ln.blank and (mm := _FOOTNOTE_START.match(ln.text))
        ]
        numbers = [int(x) for x in markers if x.isdigit()]
        if numbers != sorted(set(numbers)):
            break
        best = i
        # A blank line inside the block is allowed; keep looking upwards.
    return best


def split_lines(text: str) -> list[Line]:
    """Cut ``text`` into lines with source offsets, dropping page furniture and footnotes."""
    pages: list[list[Line]] = []
    page: list[Line] = []
    pos = 0
    page_no = 0
    for raw in text.split("\n"):
        chunk_start = pos
        pos += len(raw) + 1
        segments = raw.split("\f")
        seg_start = chunk_start
        for k, seg in enumerate(segments):
            if k > 0:
                pages.append(page)
                page = []
                page_no += 1
            stripped = seg.strip()
            offset = seg_start + (len(seg) - len(seg.lstrip())) if stripped else seg_start
            page.append(Line(stripped, offset, offset + len(stripped), page_no))
            seg_start += len(seg) + 1
    pages.append(page)

    paginated = len(pages) > 1
    out: list[Line] = []
    for lines in pages:
        lines = [ln if not _is_noise(ln.text) else Line("", ln.start, ln.start, ln.page)
                 for ln in lines]
        if paginated:
            lines = _strip_running(lines)
            foot = _footnote_block_start(lines)
            if foot is not None:
                lines = lines[:foot]
        out.extend(lines)
        if paginated:
            # A page break separates blocks like a blank line does.
            out.append(Line("", lines[-1].end if lines else 0, lines[-1].end if lines else 0,
                            lines[-1].page if lines else 0))
    return out


def _strip_running(lines: list[Line]) -> list[Line]:
    """Blank out running headers/footers among the first and last three content lines."""
    content = [i for i, ln in enumerate(lines) if not ln.blank]
    edge = set(content[:2]) | set(content[-3:])
    return [
        Line("", ln.start, ln.start, ln.page)
        if i in edge and _is_header_footer(ln.text)
        else ln
        for i, ln in enumerate(lines)
    ]

"""Verbatim records (``A/79/PV.64``): one unit per speaker turn instead of paragraphs.

A verbatim record has no paragraph numbers; delegates cite it by page and speaker
("A/79/PV.64, p. 12, China"). A turn starts where a line opens with the speaker and a
colon — "Mr. Fu Cong (China): …", "Mrs. X (Congo) (spoke in French): …", "The Acting
President: …" — and runs to the next one. Its label is ``p. N Speaker``: the page the
turn starts on and the country (or the presiding officer's title). A long turn is cut
into parts at sentence ends that keep its label ("p. 4 China part 2"), so a question
retrieves the part that answers, not pages of speech.
"""

from __future__ import annotations

import re

from rag.parse.layout import Line
from rag.parse.structure import RawUnit

_HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Lord|Lady|Archbishop|Cardinal|Prince|Princess|" \
             r"Sheikh|Sheikha|Monsignor|Baroness|Baron|King|Queen|Emir|Dato|Datuk)"
_OFFICER = r"(?:Acting\s+)?(?:President|Vice-President|Chair|Chairperson|Co-Chair|" \
           r"Secretary-General|Deputy Secretary-General|Rapporteur)"
SPEAKER_RE = re.compile(
    rf"^(?:{_HONORIFIC}\.?\s+(?P<name>[^:()]{{1,80}}?)\s*(?:\((?P<country>[^()]{{2,80}})\))?"
    rf"(?:\s*\((?:spoke in|interpretation from)\s+[A-Za-z]+\))?|The\s+(?P<officer>{_OFFICER}))"
    r"\s*:\s*(?P<rest>.*)$"
)
_AGENDA = re.compile(r"^Agenda items?\s+\d+")
#: A turn longer than this is cut at the next sentence end (characters).
PART_CHARS = 2000


def speaker(text: str) -> str | None:
    """The speaker a line opens a turn for: the country, the officer's title, or the name."""
    m = SPEAKER_RE.match(text)
    if m is None:
        return None
    if m.group("officer"):
        return re.sub(r"\s+", " ", m.group("officer"))
    return re.sub(r"\s+", " ", (m.group("country") or m.group("name")).strip())


def is_verbatim(lines: list[Line]) -> bool:
    """Enough speaker lines to read the text as a verbatim record."""
    return sum(1 for ln in lines if ln.text and speaker(ln.text)) >= 3


def turns(lines: list[Line]) -> list[RawUnit]:
    """Title block, then one unit (or several parts) per speaker turn."""
    units: list[RawUnit] = []
    section = ""
    seen: dict[str, int] = {}
    current: RawUnit | None = None
    size = 0
    for i, line in enumerate(lines):
        text = line.text
        if not text:
            continue
        who = speaker(text)
        if who is None and current is not None and _AGENDA.match(text):
            section = text
        if who is not None:
            base = f"p. {line.page + 1} {who}"
            seen[base] = seen.get(base, 0) + 1
            label = base if seen[base] == 1 else f"{base} #{seen[base]}"
            current = RawUnit(label, "turn", section, [line], 0)
            units.append(current)
            size = len(text)
            continue
        if current is None:
            if not units:
                units.append(RawUnit("Title", "title", "", []))
            units[0].lines.append(line)
            continue
        if size > PART_CHARS and re.search(r"[.!?”\"’]\s*$", lines[i - 1].text or "."):
            base_label = current.label.split(" part ")[0]
            parts = sum(1 for u in units if u.label.split(" part ")[0] == base_label)
            current = RawUnit(f"{base_label} part {parts + 1}", "turn", section, [line], 0)
            units.append(current)
            size = 0
        current.lines.append(line)
        size += len(text)
    return units

"""Other kinds of UN document: embedded resolutions and annexes with their own
numbering, preambles, lists inside paragraphs, verbatim records, structureless texts.

Crafted texts pin each rule; the real documents in ../shared/corpus/more (skipped where
absent) check that the rules hold on what UN bodies publish.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer.cite import find_citations
from rag.parse import LARGE_UNIT_CHARS, parse_file, parse_text
from rag.retrieve import in_scope, mentioned_labels, mentioned_scopes
from rag.types import Document, label_key
from tests.conftest import SHARED

MORE = SHARED / "more"

SESSION_REPORT = """\
Commission on Narcotic Drugs
Report on the sixty-eighth session

Chapter I
Matters brought to the attention of the Council

1. The following resolutions adopted by the Commission are brought to the attention
of the Council:

Resolution 68/1
Promoting prevention for children

The Commission on Narcotic Drugs,
Reaffirming the commitment of States parties to the Single Convention,
Recalling also its resolution 65/4 of 18 March 2022 on prevention, and noting
that prevention requires investment,
Deeply concerned about drug use among adolescents,
1. Encourages Member States to implement prevention systems;
2. Requests the Office to report to the Commission at its sixty-ninth session.

Decision 68/1
Inclusion of a substance in Schedule I

At its 6th meeting, the Commission decided by 50 votes to none to include the
substance in Schedule I.

Chapter II
General debate

2. At its 1st meeting, the Commission adopted its agenda, as follows:
1. Election of officers.
2. Adoption of the agenda.
3. General debate.
3. Several speakers commended the Office on its work.

Annex I
List of documents

1. The Commission had before it the report of the Board.
2. It also had the report of the Secretariat.
"""


def by_label(doc: Document) -> dict[str, str]:
    return {u.label: u.kind for u in doc.units}


def test_embedded_texts_number_their_own_paragraphs() -> None:
    doc = parse_text(SESSION_REPORT, "E_2025_28")
    kinds = by_label(doc)
    # The report's own numbering runs on around the embedded texts.
    assert [u.label for u in doc.units if u.kind == "paragraph" and u.scope == ""] == \
        ["1", "2", "3"]
    assert kinds["Resolution 68/1 ¶1"] == kinds["Resolution 68/1 ¶2"] == "paragraph"
    assert [k for k in kinds if "PP" in k] == ["Resolution 68/1 PP1", "Resolution 68/1 PP2",
                                                "Resolution 68/1 PP3"]
    units = {u.label: u for u in doc.units}
    assert units["Resolution 68/1 PP2"].text.startswith("Recalling also")
    assert units["Resolution 68/1 PP2"].text.endswith("requires investment,")
    assert units["Resolution 68/1 ¶2"].scope == "Resolution 68/1"
    assert "Resolution 68/1" in units["Resolution 68/1 ¶1"].section
    # A decision with no numbered paragraphs is one unit under its own name.
    assert "decided by 50 votes" in units["Decision 68/1"].text
    # The agenda items belong to the paragraph that lists them.
    assert "Election of officers" in units["2"].text and "General debate." in units["2"].text
    assert units["3"].text.startswith("Several speakers")
    assert units["Annex I ¶2"].text.startswith("It also had")


def test_chapter_heading_ends_an_embedded_resolution() -> None:
    units = {u.label: u for u in parse_text(SESSION_REPORT, "x").units}
    assert units["2"].section.startswith("Chapter II")
    assert units["2"].scope == ""


def test_standalone_resolution_has_preamble_units() -> None:
    text = """\
United Nations S/RES/2768 (2025)
Security Council
Resolution 2768 (2025)
Adopted by the Security Council at its 9836th meeting, on 15 January 2025
The Security Council,
Recalling all its relevant resolutions on the situation in Yemen,
Condemning the attacks against merchant vessels,
1. Extends the reporting request;
2. Decides to remain actively seized of this matter.
"""
    doc = parse_text(text, "S_RES_2768_2025")
    assert [u.label for u in doc.units] == ["Title", "PP1", "PP2", "1", "2"]
    assert doc.units[1].kind == "preamble"
    assert "The Security Council," in doc.units[0].text


def test_footnote_digit_glued_to_a_decision_number() -> None:
    text = "Report\n\n1. The Meeting adopted decisions (annex).\n\nAnnex\nDecisions\n\n" + "".join(
        f"Intersessional decision {n}{mark}\nThe Meeting of States Parties,\n"
        f"Acting in accordance with rule 45,\n1. Decides item {n}.\n\n"
        for n, mark in ((1, "1"), (2, "1"), (3, "2")))
    labels = [u.label for u in parse_text(text, "t").units]
    assert "Intersessional decision 2 ¶1" in labels and "Intersessional decision 21" not in labels


VERBATIM = """\
United Nations A/79/PV.64
General Assembly
Seventy-ninth session
64th plenary meeting
Wednesday, 16 April 2025, 10 a.m.
President: Mr. Yang . . . . . . . . . . (Cameroon)
Agenda item 13
The Acting President: I now give the floor to the representative of the Congo.
Mr. Makayat-Safouesse (Congo) (spoke in French): On behalf of the Republic of the
Congo, I introduce the draft resolution.
\f2/16 25-10019
The Acting President: We shall now proceed to take action.
Mrs. Kovač (Bosnia and Herzegovina): We join the consensus.
The Acting President: The draft resolution is adopted.
"""


def test_verbatim_record_is_cut_into_speaker_turns() -> None:
    doc = parse_text(VERBATIM, "A_79_PV.64")
    assert [u.label for u in doc.units] == [
        "Title", "p. 1 Acting President", "p. 1 Congo", "p. 2 Acting President",
        "p. 2 Bosnia and Herzegovina", "p. 2 Acting President #2"]
    assert {u.kind for u in doc.units[1:]} == {"turn"}
    assert doc.title == ("General Assembly, Seventy-ninth session, 64th plenary meeting "
                         "(President: Mr. Yang, Cameroon)")
    assert "2/16" not in doc.units[3].text  # the running head is not speech


def test_long_turn_is_cut_into_parts_that_keep_the_label() -> None:
    speech = " ".join(f"Sentence {n} of a long statement about forests." for n in range(120))
    lines = "\n".join(speech[i:i + 80] for i in range(0, len(speech), 80))
    text = VERBATIM.replace("I introduce the draft resolution.",
                            "I introduce the draft resolution.\n" + lines)
    labels = [u.label for u in parse_text(text, "A_79_PV.64").units]
    assert "p. 1 Congo" in labels and "p. 1 Congo part 2" in labels


def test_text_without_structure_keeps_a_short_title() -> None:
    text = """\
Human Rights Committee
Decision adopted by the Committee under the Optional
Protocol, concerning communication No. 2025/2011
State party: Russian Federation
At its meeting on 8 November 2017, the Committee, in the light of the fact that,
since the author's original communication, there had been no response, decided to
discontinue the consideration of communication No. 2025/2011.
"""
    doc = parse_text(text, "CCPR")
    assert [u.label for u in doc.units] == ["Title", "Text 1"]
    assert doc.units[1].text.startswith("At its meeting on 8 November 2017")


def test_large_unit_is_cut_into_parts_and_named() -> None:
    """A paragraph of 9,400 characters on one line (as a Word file gives it): cut at
    sentence ends into parts that keep its label; the warning still names it."""
    body = " ".join(f"The Commission discussed matter {n} at length." for n in range(200))
    source = f"Report\n\n1. {body}\n\n2. Short."
    doc = parse_text(source, "big")
    assert len(body) > LARGE_UNIT_CHARS
    labels = [u.label for u in doc.units]
    assert labels[:3] == ["Title", "1", "1 part 2"] and labels[-1] == "2"
    parts = [u for u in doc.units if u.label.startswith("1")]
    assert all(u.kind == "paragraph" and len(u.text) < 2 * 2000 + 100 for u in parts)
    assert " ".join(u.text for u in parts) == body  # nothing lost or repeated
    assert all(source[u.start:u.end].endswith(u.text[-20:]) for u in parts)
    assert parts[1].scope == "" and parts[1].text.startswith("The Commission discussed")
    (warning,) = [w for w in doc.warnings if "large" in w]
    assert "1 (" in warning and "cut into parts" in warning and "reportbot outline big" in warning


def test_citations_and_mentions_of_the_new_labels() -> None:
    found = [(c.doc, c.label) for c in find_citations(
        "It set up a panel [E/2025/28 Resolution 68/6 ¶1] and recalled [Resolution 68/1 PP3]; "
        "Bosnia agreed [p. 2 Bosnia and Herzegovina]; see also [Annex I ¶5, Decision 68/3].")]
    assert found == [("E/2025/28", "Resolution 68/6 ¶1"), ("", "Resolution 68/1 PP3"),
                     ("", "p. 2 Bosnia and Herzegovina"), ("", "Annex I ¶5"),
                     ("", "Decision 68/3")]
    assert label_key("p. 12, China") == label_key("p. 12 China")
    assert label_key("¶ 10") == label_key("10")
    assert mentioned_labels("What does operative paragraph 3 of resolution 68/1 say?") == \
        {"Resolution 68/1 ¶3"}
    assert mentioned_labels("preambular paragraph 2 of Resolution 68/1") == \
        {"Resolution 68/1 PP2"}
    assert mentioned_labels("annex I, para 5") == {"Annex I ¶5"}
    # The adopting body between "of" and the resolution, as UN texts cite them;
    # not a bare "paragraph 1" (which would name ¶1 of every report).
    assert mentioned_labels("What is in operative paragraph 1 of CND resolution 68/1?") == \
        {"Resolution 68/1 ¶1"}
    assert mentioned_labels("paragraph 4 of General Assembly resolution 80/9") == \
        {"Resolution 80/9 ¶4"}
    # Lower-case words in between are not a body's name.
    assert mentioned_labels("paragraph 5 of the report on resolution 68/1") == {"5"}
    scopes = mentioned_scopes("What does resolution 68/1 ask the Office to do?")
    units = {u.label: u for u in parse_text(SESSION_REPORT, "x").units}
    assert in_scope(units["Resolution 68/1 ¶2"], scopes)
    assert not in_scope(units["Decision 68/1"], scopes) and not in_scope(units["2"], scopes)


def more(name: str) -> Path:
    path = MORE / name
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    return path


def test_commission_report_resolutions_and_decisions() -> None:
    doc = parse_file(more("E_2025_28.pdf"))
    outer = [int(u.label) for u in doc.units if u.kind == "paragraph" and not u.scope]
    assert outer == list(range(1, 175))  # the report's paragraphs 1–174, none lost
    labels = {u.label for u in doc.units}
    for n in range(1, 7):
        assert f"Resolution 68/{n} ¶1" in labels and f"Resolution 68/{n} PP1" in labels
    for n in range(1, 8):
        assert f"Decision 68/{n}" in labels
    assert "Draft decision I ¶12" in labels
    assert max(len(u.text) for u in doc.units) < LARGE_UNIT_CHARS


def test_meeting_report_annexes_and_intersessional_decisions() -> None:
    doc = parse_file(more("TPNW_MSP_2025_11.pdf"))
    labels = {u.label for u in doc.units}
    assert [int(u.label) for u in doc.units if u.kind == "paragraph" and not u.scope] == \
        list(range(1, 28))
    assert {"Annex I ¶1", "Decision 1", "Decision 4", "Intersessional decision 3 ¶1",
            "Intersessional decision 3 Annex I", "Intersessional decision 5 Annex II ¶1"} \
        <= labels
    assert "Intersessional decision 11" not in labels


def test_verbatim_record_and_resolution_pdfs() -> None:
    pv = parse_file(more("A_79_PV.64.pdf"))
    turns = [u for u in pv.units if u.kind == "turn"]
    assert len(turns) > 40 and "p. 1 Congo" in {u.label for u in turns}
    assert max(len(u.text) for u in turns) < 3000
    assert pv.title is not None and "64th plenary meeting" in pv.title
    res = parse_file(more("S_RES_2768_2025.pdf"))
    assert [u.label for u in res.units if u.kind in ("preamble", "paragraph")] == \
        ["PP1", "PP2", "PP3", "PP4", "PP5", "1", "2", "3", "4", "5", "6"]


def test_transmitted_report_takes_the_reports_title() -> None:
    text = """\
United Nations A/80/188
General Assembly
Distr.: General
18 July 2025
Eightieth session
Note by the Secretary-General
The Secretary-General has the honour to transmit to the General Assembly the report of
the Special Rapporteur on the human rights to safe drinking water and sanitation.
Report of the Special Rapporteur on the human rights to safe drinking
water and sanitation, Pedro Arrojo-Agudo
Summary
In the present report, the Special Rapporteur examines water governance.
I. Introduction
1. The present report is submitted pursuant to resolution 54/3.
"""
    doc = parse_text(text, "A_80_188")
    assert doc.title == ("Report of the Special Rapporteur on the human rights to safe drinking "
                         "water and sanitation, Pedro Arrojo-Agudo")


def test_endnotes_are_not_part_of_the_last_paragraph() -> None:
    text = ("Report\n\nI. Conclusion\n\n1. Slovenia remains committed to the review.\n\n"
            "Notes\n\n1  Slovenia has noted recommendation 26.\n2  More information is in"
            " the mid-term report.\n")
    doc = parse_text(text, "t")
    by = {u.label: u for u in doc.units}
    assert by["1"].text == "Slovenia remains committed to the review."
    (notes,) = [u for u in doc.units if "recommendation 26" in u.text]
    assert notes.kind == "text" and notes.section == "Notes"


@pytest.mark.parametrize("name", sorted(p.name for p in MORE.glob("*.pdf")) or ["none"])
def test_every_other_document_has_no_unit_over_7000_characters(name: str) -> None:
    doc = parse_file(more(name))
    big = [(u.label, len(u.text)) for u in doc.units if len(u.text) >= 7000]
    assert not big, big
    by = {u.label: u for u in doc.units}
    for u in doc.units:
        if " part " in u.label and u.kind != "turn":
            # a part keeps its unit's scope and section
            whole = by[u.label.rsplit(" part ", 1)[0]]
            assert (u.scope, u.section, u.kind) == (whole.scope, whole.section, whole.kind)


def test_masthead_printed_last_still_dates_the_document() -> None:
    """pdftotext reads a treaty-body decision's masthead after its text: the date is the
    masthead's, not the title block's "Date of communication"; a stray comma line after
    the title's footnote marker is not part of the title."""
    text = """\
Human Rights Committee
Decision adopted by the Committee under the Optional
Protocol, concerning communication No. 2025/2011*
,
**
Date of communication: 2 November 2009
At its meeting on 8 November 2017, the Committee, in the light of the fact that,
since the author's original communication, there had been no response, decided to
discontinue the consideration of communication No. 2025/2011.
United Nations CCPR/C/121/D/2025/2011
Distr.: General
27 December 2017
"""
    doc = parse_text(text, "CCPR_C_121_D_2025_2011")
    assert doc.date == "27 December 2017"
    assert doc.title == ("Decision adopted by the Committee under the Optional Protocol, "
                         "concerning communication No. 2025/2011")

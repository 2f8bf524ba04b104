"""Regions in questions, countries in lists, and region answers."""

from __future__ import annotations

import pytest

from rag.answer import cite, extractive, regions
from rag.answer.evidence import read_question
from rag.types import Hit, Unit

ATTENDANCE = ("The following parties to the Trafficking in Persons Protocol were represented at "
              "the meeting: Algeria, Argentina, Australia, Bolivia (Plurinational State of), "
              "Brazil, Canada, Chile, China, Fiji, Finland, France, Iran (Islamic Republic of), "
              "Kenya, New Zealand, Nigeria, Norway, Papua New Guinea, South Africa, United Kingdom "
              "of Great Britain and Northern Ireland and Viet Nam.")


def hit(label: str, text: str) -> Hit:
    return Hit(Unit("doc", label, "paragraph", "", text, 0, len(text), 10, 0), 1.0)


def flat_idf(_term: str) -> float:
    return 1.0


@pytest.mark.parametrize(("question", "name"), [
    ("Which countries from Oceania attended?", "Oceania"),
    ("Which Pacific island nations were at the meeting?", "the Pacific islands"),
    ("Which African states made statements?", "Africa"),
    ("Did any EU member speak?", "the European Union"),
    ("Which Latin American delegations attended?", "Latin America"),
    # A country, a UN regional group, or not a place at all.
    ("What gaps did the South African panellist point to?", None),
    ("Who spoke for the Central African Republic?", None),
    ("Which Asia-Pacific panellist spoke?", None),
    ("Who represented the Western European regional group on the panel?", None),
    ("Who spoke on behalf of the African Group?", None),
    ("What did China say about DNA databases?", None),
])
def test_regions_a_question_names(question: str, name: str | None) -> None:
    region = regions.in_question(question)
    assert (region.name if region else None) == name


def test_list_items_are_matched_to_countries_as_un_documents_write_them() -> None:
    oceania = regions.in_question("Oceania")
    assert oceania is not None
    assert regions.items_in(ATTENDANCE, oceania) == ["Australia", "Fiji", "New Zealand",
                                                     "Papua New Guinea"]
    africa = regions.in_question("African states")
    assert africa is not None
    assert regions.items_in(ATTENDANCE, africa) == ["Algeria", "Kenya", "Nigeria", "South Africa"]
    europe = regions.in_question("European countries")
    assert europe is not None
    # "… and Northern Ireland" is one country, not two.
    assert "United Kingdom of Great Britain and Northern Ireland" in regions.items_in(ATTENDANCE,
                                                                                      europe)
    # In prose a country counts in brackets or as a run of capitalised words; the
    # words of a sentence are not list items.
    prose = "The meeting was opened by H.E. Nazhat Shameem Khan (Fiji), Chair of the Group."
    assert regions.items_in(prose, oceania, lists=False) == ["Fiji"]
    caribbean = regions.in_question("Caribbean")
    assert caribbean is not None
    assert regions.items_in("The Dominican Republic welcomed the efforts of Slovenia.",
                            caribbean, lists=False) == ["The Dominican Republic"]
    assert regions.items_in("The new policy helped patrols near the guinea-fowl farm.", oceania,
                            lists=False) == []


def test_a_region_question_gets_the_list_cut_to_the_region() -> None:
    oceania = regions.in_question("Which countries from Oceania attended?")
    assert oceania is not None
    chair = hit("24", "The meeting was opened by H.E. Nazhat Shameem Khan (Fiji), Chair of the "
                      "Working Group. She presented the mandate.")
    sents = extractive.region_list([hit("32", ATTENDANCE), chair], oceania)
    text, citations = cite.render(cite.verify(sents, [hit("32", ATTENDANCE), chair]), {})
    assert text == ("The following parties to the Trafficking in Persons Protocol were "
                    "represented at the meeting: Australia, Fiji, New Zealand, Papua New Guinea "
                    "[¶32]. The meeting was opened by H.E. Nazhat Shameem Khan (Fiji), Chair of "
                    "the Working Group [¶24].")
    # The cut list is checked like any sentence: its names are all in ¶32.
    assert all(c.verified for c in citations)


def test_a_region_is_not_a_name_a_paragraph_must_write() -> None:
    # "Oceania" is what the question calls Fiji and Australia, not a name to find.
    assert "oceania" not in read_question("Which countries from Oceania attended?",
                                          flat_idf).asked
    assert "norway" in read_question("What did Norway say?", flat_idf).asked


def test_adjectives_of_nationality_name_their_country() -> None:
    assert regions.country_of_demonym("Slovenian") == "Slovenia"
    assert regions.country_of_demonym("Chinese") == "China"
    assert regions.country_of_demonym("Slovenia") is None  # a country, not an adjective
    # Two countries start so ("Austrian": Austria, Australia): no guess.
    assert regions.country_of_demonym("Austrian") is None


def test_the_country_table_loads_without_pandas() -> None:
    import subprocess
    import sys

    code = ("import sys; from rag.answer import regions; regions.countries(); "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # importing country_converter would import pandas


def test_names_all_checks_only_the_countries_asked() -> None:
    assert regions.names_all(ATTENDANCE, {"Fiji", "Kenya"})
    assert not regions.names_all(ATTENDANCE, {"Fiji", "Peru"})

"""Role references ("the UK panellist") resolved to the names a report uses."""

from __future__ import annotations

from rag.bridge import expand, people, places
from rag.types import Hit, Unit

LIST = ("With the Chair presiding, the discussion was led by the following panellists: "
        "Ms. Phoebe Blagg (UK), Ms. Rafaella Passos (Brazil), Ms. Qingtian Meng (China), and "
        "Ms. Ooshara Sewpaul (Republic of South Africa).")
DESCRIBED = ("The panellists were: Mr. Jesús Alberto Marquez, Director, Ministry of Justice of "
             "Colombia; Ms. Ana Silva, Prosecutor, Office of the Attorney General of Brazil.")


def hit(label: str, text: str) -> Hit:
    return Hit(Unit("d", label, "paragraph", "S", text, 0, 1, 1, 0), 1.0, 1, 1, None, 0.5)


def test_places_tied_to_a_role() -> None:
    assert places("What was the UK panellist's closing point?") == ["UK"]
    assert places("What gaps did the South African panellist point to?") == ["South African"]
    assert places("What did the panellist from China say?") == ["China"]
    assert places("Which Brazilian speaker mentioned UNODC?") == ["Brazilian"]
    assert places("What did China say about DNA databases?") == []
    assert places("Which speakers mentioned DNA?") == []


def test_people_with_countries_or_descriptions() -> None:
    assert ("Phoebe Blagg", "UK") in people(LIST)
    assert ("Ooshara Sewpaul", "Republic of South Africa") in people(LIST)
    named = dict(people(DESCRIBED))
    assert "Colombia" in named["Jesús Alberto Marquez"] and "Brazil" in named["Ana Silva"]


def test_expand_adds_names_and_remembers_the_introduction() -> None:
    hits = [hit("27", LIST), hit("8", "Ms. Blagg concluded that supply chains matter.")]
    bridge = expand("What was the UK panellist's closing point?", hits)
    assert bridge is not None
    assert bridge.names == ["Phoebe Blagg"] and bridge.introductions == {("d", "27")}
    assert bridge.question.endswith("(Phoebe Blagg)") and not bridge.about_identity
    who = expand("Who was the South African panellist?", hits)
    assert who is not None and who.names == ["Ooshara Sewpaul"] and who.about_identity
    # Brazilian matches two people in two lists: still a small, named set.
    both = expand("What did the Brazilian panellist say?", [*hits, hit("7", DESCRIBED)])
    assert both is not None and both.names == ["Rafaella Passos", "Ana Silva"]
    assert expand("What did the French panellist say?", hits) is None  # nobody matches
    assert expand("What did China say about DNA databases?", hits) is None  # no role

"""Answer building blocks: sentences, citations, support checks, evidence features, follow-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer import cite, clean_question, decide, extractive, followup, kinds
from rag.answer.evidence import FEATURES, features
from rag.answer.prompts import PromptError, load_prompts
from rag.answer.text import evidence_terms, mentions, names, sentences
from rag.errors import InputError
from rag.settings import Settings
from rag.types import Hit, Unit

ROOT = Path(__file__).resolve().parents[2]


def unit(label: str, text: str, doc: str = "d1", section: str = "") -> Unit:
    return Unit(doc, label, "paragraph", section, text, 0, len(text), len(text.split()), 0)


def hit(u: Unit, symbol: str | None = None) -> Hit:
    return Hit(u, 1.0, symbol=symbol)


def flat_idf(_term: str) -> float:
    """Every word weighs the same: the tests below are about features, not weights."""
    return 1.0


def lacks(question: str, hits: list[Hit], feature: str) -> bool:
    """Whether ``feature`` (a 0/1 evidence flag) is set for every hit: no paragraph
    escapes it. The decision weighs it with the rest; it refuses nothing alone."""
    col = FEATURES.index(feature)
    return all(row[col] == 1.0 for row in features(question, hits, flat_idf))


def feature(question: str, h: Hit, name: str) -> float:
    return features(question, [h], flat_idf)[0][FEATURES.index(name)]


CHINA = unit("10", "Ms. Qingtian Meng spoke about the efforts of China. Since 2009, the MPS has "
             "set up a DNA database to identify victims. With 3,901 children found.")
BRAZIL = unit("9", "Ms. Rafaella Mikos Passos spoke about Brazil’s efforts and the Public "
              "Defender’s Office.")
REC = Unit("d1", "Recommendation 6", "recommendation", "II. Recommendations",
           "Member States should consider establishing a national DNA database.", 0, 60, 10, 1)


def test_sentences_keep_abbreviations_initials_and_offsets() -> None:
    text = 'Ms. Meng spoke (U.S. view). Mr. J. Smith said "Yes." Agenda: 1. Items; and more'
    got = sentences(text)
    assert [s.text for s in got] == ["Ms. Meng spoke (U.S. view).", 'Mr. J. Smith said "Yes."',
                                     "Agenda: 1. Items; and more"]
    assert all(text[s.start : s.end] == s.text for s in got)
    # Dotted initials are not a sentence's end: "H.E." before a name.
    opened = "The meeting was opened by H.E. Nazhat Shameem Khan (Fiji). She spoke."
    assert [s.text for s in sentences(opened)] == [
        "The meeting was opened by H.E. Nazhat Shameem Khan (Fiji).", "She spoke."]


def test_sentences_split_numbered_list_items() -> None:
    text = "recommendations: 1. To ratify (Spain); 2. To adopt a law (Chile)."
    assert [s.text for s in sentences(text)][1] == "2. To adopt a law (Chile)."


def test_names_skip_sentence_starters_and_match_demonyms_and_acronyms() -> None:
    assert names("Whose idea was it? The Chinese panellist and the UK said so.") == {"chinese",
                                                                                    "uk"}
    assert mentions("china set up a database", "chinese")
    assert mentions("the united kingdom of great britain", "uk")
    assert mentions("its universal periodic review", "upr")
    assert not mentions("the delegation of norway", "australia")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("It did [¶10].", [("", "10")]),
        ("It did [A/HRC/43/15 ¶121.4, ¶121.5].",
         [("A/HRC/43/15", "121.4"), ("A/HRC/43/15", "121.5")]),
        ("It did [Recommendation 6][¶10].", [("", "Recommendation 6"), ("", "10")]),
        ("It did (¶10) [para 12] [paragraph 3].", [("", "10"), ("", "12"), ("", "3")]),
        ("It did [sic] and [emphasis added].", []),
    ],
)
def test_find_citations_reads_the_forms_models_write(
    written: str, expected: list[tuple[str, str]]
) -> None:
    assert [(c.doc, c.label) for c in cite.find_citations(written)] == expected


def test_marker_single_and_multi_document() -> None:
    assert cite.marker("d1", "10", "A/X/1", multi_doc=False) == "[¶10]"
    assert cite.marker("d1", "121.4", "A/HRC/43/15", multi_doc=True) == "[A/HRC/43/15 ¶121.4]"
    assert cite.marker("d1", "Recommendation 6", None, multi_doc=True) == "[d1 Recommendation 6]"


def test_support_needs_numbers_names_and_enough_words() -> None:
    assert cite.support("The MPS set up a DNA database in 2009.", CHINA.text).ok
    assert not cite.support("The MPS set up a DNA database in 2012.", CHINA.text).ok
    assert cite.support("3901 children were found.", CHINA.text).ok  # thousands separator
    assert not cite.support("Norway set up a DNA database.", CHINA.text).ok
    assert not cite.support("Brazil’s public defender trains judges.", CHINA.text).ok


def test_support_passes_faithful_paraphrase_and_still_catches_wrong_facts() -> None:
    para = ("On 2 March 2020, at its fifteenth meeting, the Council observed a minute of "
            "silence for Idriss Jazairy. The Committee on Economic, Social and Cultural Rights "
            "(fifty-ninth session) met in 2019; the CEDAW spoke.")
    ok = ["On 2 March 2020, at its 15th meeting, the Council observed a minute of silence "
          "for Idriss Jazairy.",
          "Yes, the Council observed a minute of silence for Idriss Jazairy.",
          "The CESCR met at its 59th session in 2019.",
          "The Committee on the Elimination of Discrimination against Women spoke."]
    wrong = ["At its 16th meeting, the Council observed a minute of silence for Idriss "
             "Jazairy.",
             "No, the Council observed a minute of silence for Ahmed Shaheed.",
             "The CESCR met at its sixtieth session in 2019."]
    assert [cite.support(s, para).ok for s in ok] == [True] * len(ok)
    assert [cite.support(s, para).ok for s in wrong] == [False] * len(wrong)


def test_verify_drops_unretrieved_repairs_wrong_and_flags_unsupported() -> None:
    hits = [hit(CHINA), hit(BRAZIL)]
    answer = ("China set up a DNA database in 2009 [¶9]. Brazil’s Public Defender’s Office "
              "was discussed [¶77]. The moon is made of cheese [¶10].")
    sents = cite.verify(cite.parse(answer, hits), hits)
    assert [u.label for u in sents[0].cites] == ["10"] and sents[0].verified  # repaired
    assert sents[1].dropped == ["77"] and [u.label for u in sents[1].cites] == ["9"]
    assert not sents[2].verified
    text, citations = cite.render(sents, {"d1": None})
    assert text.startswith("China set up a DNA database in 2009 [¶10].")
    assert [(c.label, c.verified) for c in citations] == [("10", False), ("9", True)]
    assert cite.supported_share(sents) == pytest.approx(2 / 3)


def test_render_names_documents_when_an_answer_cites_several() -> None:
    other = unit("121.4", "Slovenia accepted the recommendation on DNA.", doc="d2")
    sents = [cite.Sentence("A.", [CHINA]), cite.Sentence("B.", [other])]
    text, _ = cite.render(sents, {"d1": None, "d2": "A/HRC/43/15"})
    assert text == "A [d1 ¶10]. B [A/HRC/43/15 ¶121.4]."


def test_extractive_answer_covers_the_question_from_two_sentences() -> None:
    idf = {"china": 3.0, "dna": 3.0, "databas": 2.0}
    sents = extractive.compose("What did China say about DNA databases?",
                               [hit(CHINA), hit(BRAZIL)], lambda t: idf.get(t, 1.0))
    assert [s.text for s in sents] == [
        "Ms. Qingtian Meng spoke about the efforts of China.",
        "Since 2009, the MPS has set up a DNA database to identify victims.",
    ]
    assert all(s.cites == [CHINA] for s in sents)


def test_list_questions_get_longer_answers() -> None:
    assert extractive.is_list_question("Which recommendations concern the media?")
    assert not extractive.is_list_question("What did China say?")


def test_the_decision_weighs_features_and_has_three_outcomes() -> None:
    hits = [hit(CHINA), hit(BRAZIL), hit(REC)]
    # Coverage alone: the China paragraph has every word of the first question.
    cal = decide.Calibration(FEATURES, tuple(4.0 if f == "text_coverage" else 0.0
                                             for f in FEATURES), -2.0, 0.3, 0.8)
    sure = decide.assess("What did China say about DNA databases?", hits, flat_idf, cal=cal)
    assert sure.outcome == "answer" and sure.confidence > 0.8
    assert sure.scores[0] == max(sure.scores)  # the China paragraph is the best
    assert decide.answering(hits, sure) == [hits[0], hits[2]]  # Brazil says nothing of it
    unsure = decide.assess("What did China say about fisheries and DNA?", hits, flat_idf,
                           cal=cal)
    assert unsure.outcome == "unsure"
    none = decide.assess("Which fisheries were subsidised?", hits, flat_idf, cal=cal)
    assert none.refuse and none.reason == "the nearest paragraphs cover little of the question"
    assert decide.assess("What did China say?", [], flat_idf, cal=cal).refuse
    # A flag with a negative weight lowers p but does not refuse on its own.
    flagged = decide.Calibration(FEATURES, tuple(
        4.0 if f == "text_coverage" else -1.0 if f == "count_missing" else 0.0
        for f in FEATURES), -2.0, 0.3, 0.8)
    q = "How many DNA databases did China set up?"
    assert lacks(q, [hits[0]], "count_missing")
    weighed = decide.assess(q, [hits[0]], flat_idf, cal=flagged)
    assert weighed.confidence < decide.assess(q, [hits[0]], flat_idf, cal=cal).confidence
    assert not weighed.refuse


def test_a_year_neither_the_paragraph_nor_its_report_has_is_flagged() -> None:
    old = unit("5", "Japan welcomed the national action plan.", doc="review_2014")
    new = unit("6", "Japan welcomed the action plan adopted in 2019.", doc="review_2024")
    years = {"review_2014": frozenset({"2014"}), "review_2024": frozenset({"2024"})}
    q = "What did Japan say at Slovenia's 2019 review?"
    row = dict(zip(FEATURES, features(q, [hit(old)], flat_idf, years=years)[0], strict=True))
    assert row["year_missing"] == 1.0
    # The year in the paragraph or in its report's scope: not missing.
    assert features(q, [hit(new)], flat_idf, years=years)[0][FEATURES.index("year_missing")] == 0
    at_2014 = "What did Japan say at the 2014 review?"
    assert features(at_2014, [hit(old)], flat_idf, years=years)[0][
        FEATURES.index("year_missing")] == 0
    # No year asked: nothing to miss.
    assert feature("What did Japan say?", hit(old), "year_missing") == 0


def test_the_repository_calibration_loads_and_matches_the_features() -> None:
    cal = decide.load()
    assert cal.features == FEATURES and len(cal.coef) == len(FEATURES)
    assert 0.0 < cal.refuse_below <= cal.sure_above <= 1.0
    # Evidence for the answer raises p; a flag against it lowers it.
    weights = dict(zip(cal.features, cal.coef, strict=True))
    assert weights["typed_coverage"] > 0 and weights["count_missing"] < 0
    assert weights["year_missing"] < 0


def test_follow_ups_are_rewritten_by_rules() -> None:
    prev = ["What did China say about DNA databases?"]
    assert followup.condense_rules("and what did Brazil say?", prev) == \
        "What did Brazil say about DNA databases?"
    assert followup.condense_rules("What about Brazil?", prev) == \
        "What did Brazil say about DNA databases?"
    assert followup.condense_rules("what about facial recognition?", prev) == \
        "What did China say about facial recognition?"
    assert "DNA databases" in followup.condense_rules("What did they recommend?", prev)
    standalone = "What did South Africa say about data collection?"
    assert followup.condense_rules(standalone, prev) == standalone
    assert followup.condense_rules("and Brazil?", []) == "and Brazil?"


def test_clean_question() -> None:
    with pytest.raises(InputError):
        clean_question(" \t\n ", 100)
    with pytest.raises(InputError):
        clean_question("🙂🙂", 100)
    text, notes = clean_question("What\x00 did\x1b China say? " + "x " * 100, 40)
    assert text.startswith("What did China say?") and len(text) <= 40 and notes


def test_repository_prompts_load(tmp_path: Path) -> None:
    prompts = load_prompts(ROOT / "prompts")
    assert "{cannot_answer}" in prompts.system and "{context}" in prompts.answer
    for name in ("system", "answer", "condense"):
        (tmp_path / f"{name}.md").write_text((ROOT / "prompts" / f"{name}.md").read_text())
    (tmp_path / "answer.md").write_text("Paragraphs: {contxt}\nQuestion: {question}")
    with pytest.raises(PromptError, match="contxt"):
        load_prompts(tmp_path)


def test_llm_settings_read_flat_and_openai_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://openai.example/v1")
    monkeypatch.setenv("RAG_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("RAG_LLM_MODEL", "smollm2")
    s = Settings()
    assert s.llm.base_url == "http://127.0.0.1:1/v1"  # reportbot's own variable wins
    assert s.llm.model == "smollm2" and s.llm.api_key is not None
    assert s.answer_mode == "llm"
    monkeypatch.setenv("RAG_ANSWER__MODE", "extractive")
    assert Settings().answer_mode == "extractive"


def test_breaker_opens_after_failures_and_half_opens_after_cooldown() -> None:
    from rag.answer.llm import Breaker

    now = [0.0]
    b = Breaker(failures=2, cooldown=30, clock=lambda: now[0])
    assert b.wait() == 0
    b.record(ok=False)
    assert b.wait() == 0  # one failure: still closed
    b.record(ok=False)
    assert b.wait() == 30
    now[0] = 31
    assert b.wait() == 0  # half-open: one caller tries …
    assert b.wait() == 30  # … the others still skip
    b.record(ok=False)
    now[0] = 40
    assert b.wait() == 21
    now[0] = 61.5
    assert b.wait() == 0
    b.record(ok=True)
    assert b.wait() == 0 and b.wait() == 0


def test_how_many_needs_a_number_for_what_is_counted() -> None:
    talks = hit(unit("5", "In 2018, Brazil spoke about victims helped by its 4 programmes."))
    counts = hit(unit("6", "In 2019, Brazil identified 120 victims of trafficking."))
    persons = hit(unit("7", "About 3,000 persons from Brazil crossed the border in 2019."))
    q = "How many victims did Brazil identify in 2019?"
    assert lacks(q, [talks], "count_missing")  # a number, not a count
    assert not lacks(q, [talks, counts], "count_missing")
    # "people" is counted as "persons"; partitive questions name no noun to look for.
    assert not lacks("How many people from Brazil crossed the border?", [persons],
                     "count_missing")
    assert not kinds.counted_noun("How many of its recommendations did Brazil accept?")
    assert kinds.counted_noun("How many victims did Brazil identify?")


def test_a_year_inside_a_document_symbol_is_not_a_date() -> None:
    q = "When did the working group first meet?"
    assert not kinds.has_type("date", "Background paper ([CTOC/COP/WG.4/2019/4](#)).", q)
    assert not kinds.has_type("date", "Under resolution 2019/12 it met.", q)
    assert kinds.has_type("date", "It met on 14 and 15 April 2009.", q)
    assert kinds.has_type("date", "It first met in 2009.", q)


def test_a_when_question_gets_a_sentence_with_a_date() -> None:
    # The first paragraph repeats the question's words; only the second says when.
    mandate = hit(unit("2", "The working group should hold its meetings every year. "
                            "The first meeting of the working group set its work plan."))
    dates = hit(unit("1", "Previous meetings were held on 14 and 15 April 2009 and in 2010."))
    sents = extractive.compose("When did the working group hold its very first meeting?",
                               [mandate, dates], flat_idf)
    assert any("14 and 15 April 2009" in s.text for s in sents)
    assert [s.cites[0].label for s in sents][-1] == "1"
    # Without a typed question nothing is forced in.
    plain = extractive.compose("What did the working group say about its first meeting?",
                               [mandate, dates], flat_idf)
    assert all(s.cites[0].label == "2" for s in plain)


def test_a_name_only_in_a_list_does_not_answer_what_it_said() -> None:
    speakers = hit(unit("29", "Under agenda items 2 and 3, statements were made by representatives "
                              "of the following parties: Brazil, Canada, China, Norway, Sudan "
                              "and Thailand."))
    q = "What did Norway say in its statement?"
    assert lacks(q, [speakers], "only_listed")
    # The same list answers who spoke, and whether Norway did.
    assert not lacks("Which parties made statements?", [speakers], "only_listed")
    assert not lacks("Did Norway make a statement?", [speakers], "only_listed")
    # A paragraph that says something of Norway answers; a short list of panellists
    # ("Ms. A (UK) and Ms. B (Norway)") is not an enumeration.
    said = hit(unit("30", "Norway described its statement on supply chains, naming Brazil, "
                          "Canada and China as partners."))
    assert not lacks(q, [speakers, said], "only_listed")
    assert kinds.in_passing("Led by Ms. Blagg (UK) and Ms. Berg (Norway).", "norway") is None
    # Without a colon the sentence's frame sits in the first and last items.
    bahrain = ("At the same meeting, the representatives of Bahrain, Bulgaria, Czechia, Japan, "
               "the Netherlands, the Philippines and Poland voted for the text.")
    assert kinds.is_enumeration(bahrain)
    assert kinds.in_passing(bahrain, "bahrain") == "in a list"
    # A list that is also a roll call says so.
    assert kinds.in_passing(bahrain.replace("voted for the text", "made statements"),
                              "bahrain") == "as a speaker"


def test_a_roll_call_does_not_answer_what_a_speaker_said() -> None:
    roll = hit(unit("30", "The observer for the Islamic Republic of Iran also made a statement."))
    q = "What did the observer for Iran say about victims?"
    assert lacks(q, [roll], "only_listed")
    # A roll call answers how many spoke.
    counted = hit(unit("806", "During the adoption of the outcome of the review of Slovenia, "
                              "12 delegations made statements."))
    q = "How many delegations commented when Slovenia's outcome was adopted?"
    assert not lacks(q, [counted], "only_listed") and not lacks(q, [counted], "count_missing")
    # It does answer whether Iran spoke.
    assert not lacks("Did Iran make a statement?", [roll], "only_listed")
    # Procedural tails say no more; content after the verb, or a sentence that
    # goes on about the speaker, does.
    for procedural in ("Mexico made statements in exercise of the right of reply.",
                       "Mexico (by video message) made a statement.",
                       "Mexico made a statement in explanation of vote before the vote.",
                       "Mexico and Peru made statements as the States concerned."):
        assert kinds.in_passing(procedural, "mexico") == "as a speaker", procedural
    for content in ("Mexico made a statement on the rights of migrants.",
                    "Mexico made a statement. It stressed the rights of migrants.",
                    "Mexico said that migrants had rights."):
        assert kinds.in_passing(content, "mexico") is None, content


def test_money_and_percentage_questions_need_an_amount_or_a_percentage() -> None:
    assert kinds.expected_type("How much funding in euros did the Advocate receive?") == "money"
    assert kinds.expected_type("What budget did UNODC allocate to the campaign?") == "money"
    assert kinds.expected_type("What was Slovenia's unemployment rate in 2010?") == "percent"
    assert kinds.expected_type("What share of judges are female?") == "percent"
    assert kinds.expected_type("How many judges are female?") == "number"
    funds = hit(unit("12", "In 2019 the Advocate received sufficient funds for its 3 tasks."))
    money = hit(unit("13", "In 2019 the Advocate received EUR 1.2 million in funding."))
    q = "How much funding in euros did the Advocate receive in 2019?"
    assert lacks(q, [funds], "type_missing")  # numbers, but no amount of money
    assert not lacks(q, [funds, money], "type_missing")
    assert kinds.has_type("money", "a grant of 40,000 euros", q)
    review = hit(unit("1", "Slovenia was reviewed at the 14th meeting, on 16 February 2010."))
    rate = hit(unit("2", "Unemployment in Slovenia stood at 7.1 per cent in 2010."))
    q = "What was Slovenia's unemployment rate in 2010?"
    assert lacks(q, [review], "type_missing")
    assert not lacks(q, [review, rate], "type_missing")


def test_enumerations_and_names_written_another_way() -> None:
    panel = ("With the Chair presiding, the discussion was led by the following panellists: "
             "Ms. Phoebe Blagg (UK), Ms. Rafaella Passos (Brazil), Ms. Qingtian Meng (China), "
             "and Ms. Ooshara Sewpaul (Republic of South Africa).")
    assert kinds.is_enumeration(panel)  # a bracketed country does not make an item long
    assert not kinds.is_enumeration("Ms. Blagg stressed that this measure has led to "
                                      "increased transparency, scrutiny and trust.")
    # "UK" written "United Kingdom" covers the question's weight for "uk" too.
    closing = hit(unit("8", "Lastly, she emphasized the need to measure action and impact "
                            "in the United Kingdom."))
    # uk (as United Kingdom) and closing (as "Lastly") of uk, panellist, close, point.
    assert feature("What was the UK panellist's closing point?", closing,
                   "text_coverage") == 0.5


def test_a_titles_full_stop_does_not_hide_the_name_after_it() -> None:
    assert names("What did Ms. Meng and Ms. Blagg say?") == {"meng", "blagg"}


def test_words_reports_use_for_the_same_thing_count_as_covered() -> None:
    q = "What did delegates find hard to measure?"
    para = "Many speakers highlighted the challenge of measuring the scale of the crime."
    assert {"deleg", "hard"} <= evidence_terms(para)
    # delegates = speakers, hard = challenge, measure: 3 of 4 words ("find" is not there).
    assert kinds.coverage(q, [para], flat_idf) == 0.75
    # Only equivalents: "weigh" is not "measure".
    assert kinds.coverage("What did delegates find hard to weigh?", [para], flat_idf) == 0.5
    assert "close" in evidence_terms("Lastly, she emphasized the need to measure impact.")
    assert "gap" in evidence_terms("She stressed the lack of data collection.")
    assert "befor" in evidence_terms("The previous meetings were held in 2018.")


def test_a_population_question_needs_a_head_count() -> None:
    q = "What is the population of Ljubljana?"
    assert kinds.expected_type(q) == "number"
    prison = hit(unit("46", "A new prison in Ljubljana, due to be finalized in 2025, was expected "
                            "to ease overcrowding among its 1,200 inmates."))
    census = hit(unit("47", "Ljubljana had a population of about 295,000 in 2024."))
    inhabitants = hit(unit("48", "Some 295,000 inhabitants lived in Ljubljana in 2024."))
    assert lacks(q, [prison], "count_missing")
    assert not lacks(q, [prison, census], "count_missing")
    assert not lacks("How large is Ljubljana's population?", [inhabitants], "count_missing")
    # "The Roma population" is a group, not a head count question.
    assert kinds.expected_type("What did Slovenia say about its Roma population?") is None


def test_a_long_sentence_is_read_clause_by_clause() -> None:
    speakers = ("(b) At the 2nd meeting, on the same day: " + "; ".join(
        f"Minister for Foreign Affairs of Country{i}, Person Number{i}" for i in range(12))
        + "; Minister for Foreign Affairs of Sweden, Ann Linde.")
    assert len(extractive.clauses(speakers)) == 13
    assert extractive.clauses("Short; with a semicolon.") == ["Short; with a semicolon."]
    sents = extractive.compose("Who spoke for Sweden?", [hit(unit("16", speakers))], flat_idf)
    assert [s.text for s in sents] == ["Minister for Foreign Affairs of Sweden, Ann Linde."]
    # A clause has no full stop of its own; the rendered answer gives it one.
    first = extractive.compose("Who spoke for Country0?", [hit(unit("16", speakers))], flat_idf)
    text, _ = cite.render(first, {})
    assert text.endswith("Person Number0 [¶16].")


def test_a_sentence_that_refers_back_brings_the_one_before() -> None:
    para = unit("1", "In its decision 4/4, the Conference acknowledged the Protocol. In that "
                     "decision, the Conference also decided to establish a working group.")
    sents = extractive.compose("Which decision established the working group?", [hit(para)],
                               flat_idf)
    assert [s.text[:18] for s in sents] == ["In its decision 4/", "In that decision, "]


def test_how_much_something_cost_asks_for_money() -> None:
    assert kinds.expected_type("How much did it cost to hold the meeting in Vienna?") == "money"
    assert kinds.expected_type("How much is the new prison expected to cost?") == "money"
    assert kinds.expected_type("How much of the backlog was cleared?") == "number"


def test_the_speaker_of_a_question_must_be_more_than_listed() -> None:
    assert kinds.speaker_names("What did Finland, speaking for a group of countries, say?") \
        == {"finland"}
    assert kinds.speaker_names("What did the observer for Iran say?") == {"iran"}
    assert kinds.speaker_names("What did China, Brazil and Peru say?") == {"china", "brazil",
                                                                            "peru"}
    assert kinds.speaker_names("Which states spoke?") == set()
    day = hit(unit("5", "At its 22nd meeting, the Council observed International Women's Day. "
                        "Also at the same meeting, the representative of Finland (also on behalf "
                        "of Austria, Belgium, Chile, Denmark and Estonia) made a statement."))
    q = "What did Finland, speaking for a group, say when the Council marked International " \
        "Women's Day?"
    # The paragraph says something of the Day, but only that Finland spoke.
    assert lacks(q, [day], "only_listed")
    # Without a speaker every name counts: the Day is more than listed here.
    assert not lacks("What happened on International Women's Day in Finland?", [day],
                     "only_listed")


def test_take_place_reads_as_held() -> None:
    from rag.answer.text import terms

    assert terms("Where did the session take place?") == terms("Where was the session held?")
    assert "place" in terms("Member States should place stronger emphasis on victims.")


def test_a_question_about_someones_position_gets_the_title_after_the_name() -> None:
    panel = unit("7", "The discussion was facilitated by the following panellists: Ms. Phoebe "
                      "Blagg, Senior Adviser, Home Office of the United Kingdom; and Ms. Rafaella "
                      "Mikos Passos, Federal Public Defender of Brazil, on behalf of the Group of "
                      "Latin American and Caribbean States, who then presented on many topics.")
    talk = unit("9", "Ms. Rafaella Mikos Passos spoke about the specific role of the Public "
                     "Defender's Office in Brazil.")
    sents = extractive.compose("What is Rafaella Mikos Passos's position?",
                               [hit(talk), hit(panel)], flat_idf)
    assert [s.cites[0].label for s in sents] == ["7", "9"]
    assert "Ms. Rafaella Mikos Passos, Federal Public Defender" in sents[0].text
    # Without the title rule the talk alone (ranked first) would answer.
    plain = extractive.compose("What did Rafaella Mikos Passos say?", [hit(talk), hit(panel)],
                               flat_idf)
    assert [s.cites[0].label for s in plain] == ["9"]
    assert extractive.gives_role("Who is Ms. Blagg?", "Ms. Phoebe Blagg, Senior Adviser, spoke.")
    # A list of people is not a title.
    assert not extractive.gives_role("What is Ms. Calhoun's job?",
                                     "Ms. Chenobia Calhoun (US), Mr. Jesús Marquez (Spain)")


def test_a_clause_is_quoted_without_its_leading_and() -> None:
    long = "; ".join(f"Ms. Person{i}, Adviser{i}, Office of Country{i}" for i in range(12))
    parts = extractive.clauses(long + "; and Ms. Last, Federal Public Defender of Brazil.")
    assert parts[-1] == "Ms. Last, Federal Public Defender of Brazil."


def test_which_session_number_prefers_a_sentence_with_an_ordinal() -> None:
    papers = unit("38", "The Working Group had before it a background paper on the "
                        "recommendations adopted at its first eight meetings.")
    opened = unit("24", "The meeting of the Working Group was opened by the Chair.")
    held = unit("23", "The ninth meeting of the Working Group was held in Vienna.")
    sents = extractive.compose("Which session number was this for the group?",
                               [hit(papers), hit(opened), hit(held)], flat_idf)
    assert "23" in [s.cites[0].label for s in sents]
    # A count ("first eight meetings") is not the meeting's number.
    assert "38" not in [s.cites[0].label for s in sents[:1]]


def test_ordinals_read_numbered_sessions_meetings_and_cycles() -> None:
    assert kinds.ordinals("At its 1st to 3rd meetings and its fifth meeting") == {
        "meeting": {1, 2, 3, 5}}
    assert kinds.ordinals("the forty-third session and the second-cycle review") == {
        "session": {43}, "cycle": {2}}


def test_hyphenated_names_and_frequencies() -> None:
    # "UNODC-backed" names UNODC.
    assert "unodc" in names("Which UNODC-backed operation mapped trafficking routes?")
    # "How often …?" is answered by a frequency.
    report = hit(unit("25", "We acknowledge the biennial Global Report on Trafficking in Persons "
                            "prepared by UNODC."))
    assert not lacks("How often does UNODC publish its global report?", [report], "type_missing")


def test_a_religion_is_not_a_name_to_find() -> None:
    plot = hit(unit("46", "Slovenia indicated that the Islamic community had filed its first "
                          "application for a construction plot in 1969."))
    q = "When did Slovenia's Muslim community first ask for a building plot?"
    assert "muslim" not in names(q)
    # Slovenia, community, first, ask(ed)?, building plot: the words it has count.
    assert feature(q, plot, "typed_coverage") > 0.5


def test_a_follow_up_can_change_the_region() -> None:
    prev = ["Which African states attended as parties?"]
    assert followup.condense_rules("and which Asian ones?", prev) == \
        "Which Asian states attended as parties?"
    assert followup.condense_rules("what about Oceania?", prev) == \
        "Which Oceania states attended as parties?"


def test_an_answer_quotes_the_next_paragraphs_only_while_they_are_near_ties() -> None:
    hits = [hit(unit(str(n), f"Paragraph {n}.")) for n in range(4)]

    def quoted(scores: tuple[float, ...], share: float) -> int:
        assessment = decide.Assessment("answer", max(scores), scores)
        return decide.close_seconds(hits, assessment, share)

    assert quoted((0.9, 0.5, 0.8, 0.1), 0.5) == 3
    # In rank order: the run stops at the first paragraph below the share.
    assert quoted((0.9, 0.4, 0.8, 0.1), 0.5) == 1
    # The top-ranked paragraph is always quoted, even when a lower one is the best.
    assert quoted((0.3, 0.9, 0.1, 0.1), 0.5) == 1
    # A share over 1: the top-ranked paragraph only.
    assert quoted((0.9, 0.9, 0.9, 0.9), 1.01) == 1


def test_a_long_first_paragraph_leaves_room_for_the_next_ones() -> None:
    from rag.answer.llm import pack_context
    from rag.tokens import count

    annex = hit(unit("Annex IV", "List of documents before the meeting. " * 400))
    answer = hit(unit("13", "Sixty-one States parties and 29 observer States took part."))
    context, used = pack_context([annex, answer], 1000, False)
    # The annex is cut to half the budget; the paragraph that answers still fits.
    assert [h.unit.label for h in used] == ["Annex IV", "13"]
    assert "Sixty-one States parties" in context
    assert count(context) <= 1000
    # Alone, a long paragraph may use the whole budget.
    alone, _ = pack_context([annex], 1000, False)
    assert count(alone) > count(context.split("\n\n")[0])

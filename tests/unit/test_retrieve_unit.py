"""Pure pieces of retrieval and evaluation."""

from __future__ import annotations

from rag.evaluation import first_hit_rank, retrieval_scores
from rag.index import split_unit
from rag.retrieve import about_recommendations, mentioned_labels, reports_of_years
from rag.types import DocInfo, Unit


def test_mentioned_labels() -> None:
    assert mentioned_labels("What does recommendation 6 say?") == {"Recommendation 6"}
    assert mentioned_labels("Who made recommendation 122.66?") == {"122.66"}
    assert mentioned_labels("see paragraph 121.4 and ¶10") == {"121.4", "10"}
    assert mentioned_labels("What did China say?") == set()


def test_retrieval_scores() -> None:
    s = retrieval_scores([1, 3, None, 10])
    assert (s.recall_at_1, s.recall_at_5) == (0.25, 0.5)
    assert abs(s.mrr_at_10 - (1 + 1 / 3 + 1 / 10) / 4) < 1e-9
    assert first_hit_rank([False, True, True]) == 2
    assert first_hit_rank([False]) is None


def test_long_units_split_keep_their_label() -> None:
    text = " ".join(f"Sentence number {i} about trafficking in persons." for i in range(200))
    unit = Unit("d", "42", "paragraph", "S", text, 0, len(text), 1800, 0)
    parts = split_unit(unit)
    assert len(parts) > 5
    assert {p.unit.label for p in parts} == {"42"}
    assert [p.index for p in parts] == list(range(len(parts)))
    assert all(p.count == len(parts) for p in parts)
    assert "Sentence number 199" in parts[-1].text


def test_reports_of_years_points_at_the_report_of_that_year() -> None:
    def info(doc: str, date: str | None) -> DocInfo:
        return DocInfo(doc, None, None, date, None, f"{doc}.txt", "v1", 1, 1, "now")

    docs = {d.id: d for d in (info("review_2014", "10 December 2014"),
                              info("review_2019", "19 December 2019"),
                              info("national_2019", "6 August 2019"),
                              info("undated", None))}
    assert reports_of_years("How many delegations spoke at the 2014 review?", docs) == {
        "review_2014"}
    assert reports_of_years("What changed in 2019?", docs) == {"review_2019", "national_2019"}
    # No year, a year no report has, a year inside a symbol: no preference.
    assert reports_of_years("How many delegations spoke?", docs) == frozenset()
    assert reports_of_years("What happened in 1999?", docs) == frozenset()
    assert reports_of_years("What does CTOC/COP/WG.4/2014/2 say?", docs) == frozenset()
    # With the reports' scope years (rag.retrieve.scope_years): a session report dated
    # 2024 whose title block names its 2025 meetings, an addendum dated 2020 of the
    # 2019 review.
    years = {"review_2014": frozenset({"2014"}), "review_2019": frozenset({"2019"}),
             "national_2019": frozenset({"2019"}), "undated": frozenset({"2019", "2020"})}
    assert reports_of_years("What changed in 2019?", docs, years) == {
        "review_2019", "national_2019", "undated"}
    assert reports_of_years("What was said in 2020?", docs, years) == {"undated"}


def test_questions_about_what_states_should_do_are_about_recommendations() -> None:
    for q in ["Which recommendations concern the media?",
              "What should countries do about victim service providers?",
              "What research does the Working Group want states to do?",
              "Which body urged Slovenia to ratify the convention?"]:
        assert about_recommendations(q), q
    for q in ["What did China say about DNA databases?", "Who wants to speak?"]:
        assert not about_recommendations(q), q


def test_the_residual_question_drops_the_words_that_name_a_report() -> None:
    from rag.index.lexical import analyze
    from rag.retrieve import residual_of

    scopes = {
        "wg2019": frozenset(analyze("Working Group on Trafficking in Persons, Vienna, 2019")),
        "upr2019": frozenset([*analyze("Universal Periodic Review of Slovenia 2019"), "upr"]),
        "upr2014": frozenset([*analyze("Universal Periodic Review of Slovenia 2014"), "upr"]),
    }
    rest = residual_of("Who chaired the 2019 working group on trafficking in persons?", scopes)
    assert rest is not None
    text, routed = rest
    assert "chaired" in text and "working" not in text and "2019" not in text
    assert routed == {"wg2019"}
    # "2019" is shared, "Slovenia" and "UPR" name two reviews: the year decides.
    text, routed = residual_of("How many delegations spoke at Slovenia's 2019 UPR?",
                               scopes) or ("", frozenset())
    assert routed == {"upr2019"} and "delegations" in text
    # No report word, or nothing but report words: no residual question.
    assert residual_of("What did China say about DNA databases?", scopes) is None
    assert residual_of("Slovenia UPR 2014", scopes) is None


def test_the_reranker_puts_the_paragraph_that_answers_first() -> None:
    from rag import rerank
    from rag.types import Hit

    def hit(label: str, text: str, rank: int) -> Hit:
        unit = Unit("d", label, "paragraph", "I. Organization", text, 0, len(text),
                    len(text.split()), rank)
        return Hit(unit, 1.0 / (60 + rank), dense_rank=rank, lexical_rank=rank,
                   similarity=0.6 - 0.01 * rank)

    # Fusion put the paragraph that repeats the meeting's words first.
    hits = [hit("3", "The Working Group on Trafficking in Persons met in Vienna and "
                "adopted the recommendations below.", 1),
            hit("24", "The meeting was chaired by Ms. Ana Ruiz (Mexico), who opened "
                "the session of the working group.", 2)]
    # "chaired" is the rare word; every paragraph of the report says "working group".
    def idf(term: str) -> float:
        return 5.0 if term.startswith("chair") else 0.5

    ordered = rerank.order("Who chaired the meeting of the working group?", hits,
                           idf, {}, {}, frozenset(), frozenset())
    assert [h.unit.label for h in ordered] == ["24", "3"]
    assert all(0.0 < h.score < 1.0 for h in ordered)
    assert ordered[0].score > ordered[1].score
    # The weights file is the one the code computes features for.
    assert rerank.load().features == rerank.features()


def test_a_who_question_marks_the_units_that_name_a_person() -> None:
    from rag import rerank
    from rag.types import Hit

    def row(question: str, text: str) -> float:
        unit = Unit("d", "1", "paragraph", "", text, 0, len(text), len(text.split()), 0)
        rows = rerank.rows(question, [Hit(unit, 1.0)], lambda _t: 1.0, {}, {},
                           frozenset(), frozenset())
        return rows[0][rerank.features().index("person")]

    who = "Who headed the delegation?"
    # The ways UN reports name people: a courtesy title, or a name with the country.
    assert row(who, "The meeting was opened by H.E. Nazhat Shameem Khan (Fiji).") == 1.0
    assert row(who, "Chair: Krzysztof Maria Szczerski (Poland)") == 1.0
    assert row(who, "Ms. Meng spoke about the national plan.") == 1.0
    # No person named: a country's delegation, or the meeting's words again.
    assert row(who, "The delegation of Slovenia presented the national report.") == 0.0
    # Not a "who" question: the feature is off whatever the unit says.
    assert row("What did the Chair say?", "Ms. Meng spoke about the national plan.") == 0.0

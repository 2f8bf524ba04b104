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

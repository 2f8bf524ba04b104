"""Scoring, intervals, the gate and the report, on hand-made records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rag.answer.kinds import counts_asked
from rag.errors import InputError
from rag.evaluation import gate, longest_shared_phrase, report
from rag.evaluation.metrics import (
    CitedLabel,
    Record,
    SentenceCheck,
    aggregate,
    bootstrap,
    fact_found,
    score,
)
from rag.evaluation.questions import Question
from rag.evaluation.runner import EvalRun


def q(qid: str = "q1", gold: tuple[str, ...] = ("10", "11"), facts: tuple[str, ...] = ("3,901",),
      answerable: bool = True) -> Question:
    return Question(qid, "How many victims?", "D", gold if answerable else (),
                    facts if answerable else (), answerable)


def rec(qid: str = "q1", cited: tuple[str, ...] = ("10",), answer: str = "Brazil found  3,901 "
        "victims [¶10].", refused: bool = False, retrieved: tuple[str, ...] = ("4", "10"),
        supports: bool = True, latency: float = 20.0) -> Record:
    sents = [SentenceCheck(answer, [CitedLabel("D", c, supports) for c in cited], supports)]
    return Record(qid, "How many victims?", "D", answer, refused,
                  [{"doc": "D", "label": c} for c in cited],
                  [{"doc": "D", "label": r} for r in retrieved], latency,
                  sentences=[] if refused else sents)


def test_score_reads_gold_facts_and_ranks() -> None:
    s = score(q(), rec())
    assert (s.rank, s.gold_hit, s.citation_precision, s.citation_recall) == (2, 1.0, 1.0, 0.5)
    assert s.fact_recall == 1.0 and s.sentence_support == 1.0  # whitespace-insensitive
    wrong = score(q(), rec(cited=("4",), supports=False, answer="Nothing relevant [¶4]."))
    assert (wrong.gold_hit, wrong.citation_precision, wrong.fact_recall) == (0.0, 0.0, 0.0)
    # A non-gold citation that supports its sentence is still a precise citation.
    assert score(q(), rec(cited=("10", "4"))).citation_precision == 1.0
    refused = score(q(), rec(cited=(), refused=True, answer="cannot"))
    assert refused.gold_hit == 0.0 and refused.fact_recall == 0.0
    assert refused.citation_precision is None and refused.sentence_support is None
    un = score(q(answerable=False), rec(refused=True, cited=()))
    assert not un.answerable and un.refused and un.gold_hit is None


def test_fact_matching_ignores_case_and_spacing() -> None:
    assert fact_found("Blue  Heart", "the blue heart\ncampaign")
    assert not fact_found("Blue Heart", "the blueheart campaign")


def test_bootstrap_interval_brackets_the_mean() -> None:
    m = bootstrap([0, 1, 1, 1, 0, 1, 1, 1, 1, 1])
    assert m.value == pytest.approx(0.8) and m.low < 0.8 < m.high and m.n == 10
    assert bootstrap([1.0] * 5) == (1.0, 1.0, 1.0, 5)
    assert math.isnan(bootstrap([]).value)
    assert bootstrap([0, 1] * 50).high - bootstrap([0, 1] * 50).low < \
        bootstrap([0, 1] * 5).high - bootstrap([0, 1] * 5).low  # more questions, tighter


def test_aggregate_separates_answerable_and_unanswerable() -> None:
    scores = [score(q("a"), rec("a")), score(q("b"), rec("b", cited=("4",), supports=False)),
              score(q("u", answerable=False), rec("u", refused=True, cited=())),
              score(q("v", answerable=False), rec("v"))]
    m = aggregate(scores, rounds=200)
    assert m["gold_hit"].value == 0.5 and m["gold_hit"].n == 2
    assert m["refusal_accuracy"].value == 0.5 and m["refusal_accuracy"].n == 2
    assert m["false_refusals"].value == 0.0
    assert m["latency_p50_ms"].value == 20.0


def test_record_round_trips_through_json() -> None:
    r = rec()
    assert Record.from_dict(json.loads(json.dumps(r.to_dict()))) == r
    required = {"id", "question", "doc", "answer", "refused", "citations", "retrieved",
                "latency_ms"}
    assert required <= set(r.to_dict())


def _run(values: dict[str, float]) -> EvalRun:
    qs = [q("a"), q("u", answerable=False)]
    records = {"a": rec("a"), "u": rec("u", refused=True, cited=())}
    scores = {k: score(next(x for x in qs if x.id == k), r) for k, r in records.items()}
    metrics = {g: aggregate(list(scores.values()), rounds=50) for g in ("all", "set:s", "doc:D")}
    for name, v in values.items():
        metrics["set:s"][name] = metrics["set:s"][name]._replace(value=v)
    return EvalRun("extractive", "doc", {"s": qs}, records, scores, metrics, {}, "now", 1.0)


def test_gate_fails_below_thresholds_and_skips_groups_not_run(tmp_path: Path) -> None:
    run = _run({"gold_hit": 0.9, "false_refusals": 0.1})
    spec_file = tmp_path / "t.json"
    spec_file.write_text(json.dumps({"mode": "extractive", "scope": "doc", "thresholds": {
        "set:s": {"gold_hit": 0.95, "false_refusals": 0.05, "fact_recall": 0.5},
        "set:other": {"gold_hit": 0.5}}}))
    failures, absent = gate.check(run, gate.load(spec_file))
    assert len(failures) == 2 and absent == ["set:other"]
    assert any("gold_hit = 0.900, below" in f for f in failures)
    assert any("false_refusals = 0.100, above" in f for f in failures)
    proposed = gate.propose(run)
    # One question is all of this set, so the slack is a whole question's worth.
    assert proposed["thresholds"]["set:s"]["gold_hit"] == 0.0
    assert proposed["thresholds"]["set:s"]["false_refusals"] == 1.0
    assert gate.propose(run, margin=0.0)["measured"]["set:s"]["gold_hit"] == 0.9
    assert gate.check(run, proposed)[0] == []
    with pytest.raises(InputError, match="--mode llm"):
        gate.check(run, {**proposed, "mode": "llm"})
    spec_file.write_text(json.dumps({"thresholds": {"all": {"gold": 1}}}))
    with pytest.raises(InputError, match=r"unknown metric.*gold_hit"):
        gate.load(spec_file)


def test_merged_thresholds_keep_the_looser_of_two_runs() -> None:
    whole = {"mode": "extractive", "scope": "whole", "measured": {"set:s": {"gold_hit": 0.8}},
             "thresholds": {"set:s": {"gold_hit": 0.76, "false_refusals": 0.05},
                            "set:only_whole": {"gold_hit": 0.5}}}
    alone = {"mode": "extractive", "scope": "whole", "measured": {"set:s": {"gold_hit": 0.7}},
             "thresholds": {"set:s": {"gold_hit": 0.66, "false_refusals": 0.09,
                                      "fact_recall": 0.4}}}
    merged = gate.merge(whole, alone)
    assert merged["thresholds"] == {
        "set:s": {"gold_hit": 0.66, "false_refusals": 0.09, "fact_recall": 0.4},
        "set:only_whole": {"gold_hit": 0.5}}
    assert merged["measured"] == whole["measured"]
    assert merged["measured_also"] == alone["measured"]
    # Looser only: a stricter second run loosens nothing.
    assert gate.merge(alone, whole)["thresholds"]["set:s"]["gold_hit"] == 0.66
    assert whole["thresholds"]["set:s"]["gold_hit"] == 0.76  # inputs left as they were
    with pytest.raises(InputError, match="--scope whole"):
        gate.merge(whole, {**alone, "scope": "doc"})


def test_markdown_report_has_tables_and_worst_answers() -> None:
    text = report.markdown(_run({}), {"Latency": "latency.png"})
    assert "| gold-hit (≥1 gold paragraph cited) |" in text
    assert "| fact recall (correctness) |" in text  # correctness beside citation scores
    assert "### u — How many victims?" in text or "### a — How many victims?" in text
    assert "![Latency](latency.png)" in text


def test_longest_shared_phrase() -> None:
    assert longest_shared_phrase("What did China say about DNA databases?",
                                 "China said DNA databases help.") == 2
    assert longest_shared_phrase("the working group met", "The Working Group met in May") == 4
    assert longest_shared_phrase("nothing here", "completely different") == 0


def test_counts_asked_wants_a_number_before_the_counted_noun() -> None:
    assert counts_asked("How many meetings were held?", "Five meetings were held.")
    assert counts_asked("How many victims did Brazil identify?", "It found 3,901 trafficking "
                        "victims.")
    assert not counts_asked("How many meetings were held?", "It met on 14 and 15 April 2009.")
    assert not counts_asked("What did Brazil say?", "Five meetings were held.")

"""Planted errors made by rule from a faithful cassette, and how the evaluation scores them."""

from __future__ import annotations

import json
from pathlib import Path

from rag.answer.decide import CANNOT_ANSWER
from rag.evaluation.metrics import Record, caught, llm_sentences
from rag.evaluation.plant import KINDS, paragraphs_of, plant, tags_of, write_planted
from rag.evaluation.replay import Cassette

CONTEXT = ("Paragraphs:\n\n[¶10] China set up a DNA database in 2009 and found 3,901 children."
           "\n\n[¶9] Brazil trained judges with UNODC.\n\n[¶3] The meeting was held in Vienna."
           "\n\nQuestion: {q}")


def prompt(q: str) -> dict:
    return {"question": q, "messages": [{"role": "system", "content": "rules"},
                                        {"role": "user", "content": CONTEXT.format(q=q)}]}


def tape(tmp_path: Path, n: int) -> tuple[Path, Path]:
    answers = [{"question": f"Q{i}?", "answer": "In 2009 China set up a DNA database [¶10]."}
               for i in range(n)]
    answers.append({"question": "Unanswerable?", "answer": CANNOT_ANSWER})
    faithful, prompts = tmp_path / "f.jsonl", tmp_path / "p.jsonl"
    faithful.write_text("\n".join(json.dumps(r) for r in [
        {"cassette": "t", "written_by": "a test", "how": "by hand"}, *answers]) + "\n")
    prompts.write_text("\n".join(json.dumps(prompt(r["question"])) for r in answers) + "\n")
    return faithful, prompts


def test_prompt_paragraphs_are_read_back_by_tag() -> None:
    p = prompt("Who?")
    assert tags_of(p) == ["¶10", "¶9", "¶3"]
    assert paragraphs_of(p)["¶9"] == "Brazil trained judges with UNODC."


def test_every_kind_is_planted_in_turn_and_refusals_are_left_alone(tmp_path: Path) -> None:
    faithful, prompts = tape(tmp_path, len(KINDS))
    rows = list(plant(Cassette.load(faithful),
                      [json.loads(x) for x in prompts.read_text().splitlines()]))
    assert [r["planted"]["kind"] for r in rows] == list(KINDS)
    got = {r["planted"]["kind"]: r for r in rows}
    assert "2010" in got["number"]["answer"] or "2006" in got["number"]["answer"]
    assert "China" not in got["name"]["answer"]
    assert "[¶10]" not in got["citation"]["answer"] and "[¶" in got["citation"]["answer"]
    assert got["unsupported"]["answer"].startswith("In 2009 China set up")
    assert got["refusal"]["answer"] == CANNOT_ANSWER
    assert "[" not in got["no-citations"]["answer"]
    out = tmp_path / "planted.jsonl"
    assert write_planted(faithful, prompts, out) == len(KINDS)
    assert "not a live model" in Cassette.load(out).header["how"]


def record(check: dict | None, planted: dict | None = None, refused: bool = False) -> Record:
    return Record("q1", "Q?", "d", "A.", refused, [], [], 1.0, "llm", llm_check=check,
                  planted=planted)


def test_caught_reads_the_planted_sentence_status_or_the_fallback() -> None:
    planted = {"kind": "number", "sentence": "China set up a DNA database in 2010."}
    flagged = {"sentences": [{"text": "China set up a DNA database in 2010.",
                              "status": "unverified"}], "fallback": None}
    passed = {"sentences": [{"text": "China set up a DNA database in 2010.",
                             "status": "verified"}], "fallback": None}
    assert caught(record(flagged, planted)) == 1.0
    assert caught(record(passed, planted)) == 0.0
    assert caught(record({"sentences": [], "fallback": "off-topic"}, planted)) == 1.0
    refusal = {"kind": "refusal", "sentence": CANNOT_ANSWER}
    assert caught(record({"sentences": [], "fallback": None, "refused": True}, refusal,
                         refused=True)) == 0.0
    assert caught(record(None, None)) is None
    # Faithful answers: one value per sentence the model wrote, lost ones 0.
    both = {"sentences": [{"text": "A.", "status": "verified"},
                          {"text": "B.", "status": "recited"},
                          {"text": "C.", "status": "unverified"}], "fallback": None}
    assert llm_sentences(record(both)) == (1.0, 1.0, 0.0)
    assert llm_sentences(record({**both, "fallback": "unsupported"})) == (0.0, 0.0, 0.0)

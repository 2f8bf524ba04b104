"""`reportbot eval` on the real index: the regression gate, records, report, baseline, LLM mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.evaluation import load_questions
from tests.conftest import ROOT, SHARED

pytestmark = pytest.mark.slow

SETS = ROOT / "eval" / "questions"
FOUNDING_SET = SETS / "founding.jsonl"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RAG_HOME for the module: eval ingests what each dataset needs into it."""
    return tmp_path_factory.mktemp("eval-home")


def run(home: Path, *args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["eval", *args],
                                env={"RAG_HOME": str(home), "RAG_CHROMA_URL": "", **env})
    return result.exit_code, result.stdout, result.stderr


def test_regression_gate_on_every_question_set(home: Path, tmp_path: Path) -> None:
    """The gate of `make test`: extractive mode, all sets asked in the whole index (as delegates
    ask), thresholds in eval/thresholds.json."""
    out, report = tmp_path / "answers.jsonl", tmp_path / "report"
    code, stdout, stderr = run(home, "--scope", "whole",
                               "--gate", str(ROOT / "eval" / "thresholds.json"),
                               "--out", str(out), "--report", str(report), "--json")
    data = json.loads(stdout)
    assert data["gate"]["failures"] == [], data["gate"]
    assert code == 0, stderr
    if not SHARED.is_dir():
        assert "set:reports" in data["gate"]["not_covered"]
    answered = data["run"]["datasets"]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == sum(answered.values()) >= 86
    questions = {q.id: q for q in load_questions(sorted(SETS.glob("*.jsonl")))}
    for row in rows:
        assert {"id", "question", "doc", "answer", "refused", "citations", "retrieved",
                "latency_ms"} <= set(row)
        # Every citation names a paragraph the answer retrieved (top k of the top 10).
        assert {(c["doc"], c["label"]) for c in row["citations"]} <= \
            {(h["doc"], h["label"]) for h in row["retrieved"]}
        assert row["question"] == questions[row["id"]].question
    metrics = data["metrics"]["all"]
    assert 0 <= metrics["gold_hit"]["low"] <= metrics["gold_hit"]["value"] <= \
        metrics["gold_hit"]["high"] <= 1
    text = (report / "report.md").read_text()
    assert "## Summary" in text and "## The 10 worst answers" in text
    for png in ("per_document.png", "latency.png"):
        assert (report / png).read_bytes()[:8] == PNG


def test_gate_failure_and_unknown_documents(home: Path, tmp_path: Path) -> None:
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"thresholds": {"all": {"recall@5": 1.01}}}))
    code, stdout, _ = run(home, str(FOUNDING_SET), "--limit", "3", "--gate", str(strict))
    assert code == 3 and "gate: failed" in stdout and "recall@5" in stdout

    nowhere = tmp_path / "nowhere.jsonl"
    nowhere.write_text(json.dumps({"id": "x", "question": "What?", "doc": "NO_SUCH_REPORT",
                                   "gold": ["1"], "facts": [], "answerable": True}) + "\n")
    code, _, stderr = run(home, str(nowhere))
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and "--corpus" in stderr
    code, stdout, _ = run(home, str(nowhere), str(FOUNDING_SET), "--limit", "2")
    assert code == 0 and "NO_SUCH_REPORT (1)" in stdout

    code, _, stderr = run(home, str(tmp_path / "missing.jsonl"))
    assert code == 2 and "no question set" in stderr


def test_baseline_is_measured_beside_ours(home: Path) -> None:
    code, stdout, stderr = run(home, str(FOUNDING_SET), "--limit", "10", "--baseline", "--json")
    assert code == 0, stderr
    base = json.loads(stdout)["baseline"]
    assert base["n"] >= 8
    for name in ("reportbot", "langchain_tutorial"):
        assert 0 <= base["fact_hit@4"][name]["value"] <= 1


def test_llm_mode_runs_on_a_subset(home: Path, llm_server: str) -> None:
    """SmolLM2 on llama.cpp: the harness works in LLM mode; its scores are reported, not gated."""
    code, stdout, stderr = run(home, str(FOUNDING_SET), "--limit", "3", "--mode", "llm",
                               "--json", RAG_LLM_BASE_URL=llm_server, RAG_LLM_MODEL="smollm2",
                               RAG_LLM__MAX_TOKENS="80", RAG_LLM__TIMEOUT="60")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert data["run"]["mode"] == "llm" and data["run"]["datasets"] == {"founding": 3}
    assert "gold_hit" in data["metrics"]["all"]


CASSETTES = ROOT / "eval" / "cassettes"


def replay_gated(home: Path, questions: Path, cassette: str, gate: str) -> tuple[dict, str]:
    """Replay a cassette (recorded answers, not a live model) in LLM mode, whole index, and
    assert its gate passed; returns the --json report and stderr."""
    code, stdout, stderr = run(home, str(questions), "--scope", "whole",
                               "--cassette", str(CASSETTES / cassette),
                               "--gate", str(ROOT / "eval" / gate), "--json")
    data = json.loads(stdout)
    assert data["gate"]["failures"] == [], data["gate"]
    assert code == 0, stderr
    return data, stderr


def test_llm_mode_on_recorded_answers_passes_its_gate(home: Path) -> None:
    """LLM mode as a capable model answers: the founding cassette (recorded answers, not a
    live model) replayed through the real OpenAI client, its metrics gated in
    eval/thresholds-llm.json, the verifier scored as a classifier."""
    data, stderr = replay_gated(home, FOUNDING_SET, "founding.jsonl", "thresholds-llm.json")
    assert "not a live model" in stderr
    # Recorded on the 20-document index; on an index of the founding report alone a few
    # questions are reworded otherwise (the reports' vocabulary differs) and find no answer.
    missing = re.search(r"(\d+) questions without one", stderr)
    assert missing and int(missing.group(1)) <= 9, stderr
    assert data["run"]["mode"] == "llm"
    assert data["metrics"]["set:founding"]["llm_verified"]["n"] > 50


def test_planted_errors_are_caught(home: Path) -> None:
    """The planted-error cassette (made by rule from the founding one): the share caught —
    flagged, re-cited or fallen back — is gated."""
    data, _ = replay_gated(home, FOUNDING_SET, "founding-planted.jsonl",
                           "thresholds-planted.json")
    assert data["metrics"]["set:founding"]["planted_caught"]["n"] > 40


def test_llm_mode_on_the_held_out_cassette_passes_its_gate(home: Path) -> None:
    """heldout11's cassette (recorded answers of a capable model's stand-in to prompts of
    the re-ranked retrieval, not a live model): LLM mode over all 20 documents, gated in
    eval/thresholds-llm-heldout.json."""
    if not SHARED.is_dir():
        pytest.skip("heldout11 asks the documents of ../shared/corpus, which is not here")
    data, stderr = replay_gated(home, SETS / "heldout11.jsonl", "heldout11.jsonl",
                                "thresholds-llm-heldout.json")
    assert "not a live model" in stderr and "0 questions without one" in stderr
    assert data["metrics"]["set:heldout11"]["llm_verified"]["n"] > 100

"""Answers end to end: the real index and MiniLM, a scripted chat model, and a real LLM server."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.answer import CANNOT_ANSWER, UNSURE_NOTE, Answerer, decide
from rag.answer.llm import LLMUnavailable, Message
from rag.cli import main
from rag.index import Index
from rag.index.embed import Embedder
from rag.settings import LLMSettings, Settings
from tests.conftest import free_port

FOUNDING = Path(__file__).resolve().parents[2] / "corpus" / "CTOC_COP_WG.4_2019_draft.txt"

DOC = FOUNDING.stem
KEYS = {"question", "answer", "refused", "mode", "citations", "retrieved", "timings_ms", "notes",
        "confidence", "llm_check"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A RAG_HOME holding the founding report, built once for the module."""
    path = tmp_path_factory.mktemp("answer-home")
    Index(Settings(home=path), embedder).ingest([FOUNDING])
    return path


@pytest.fixture
def answerer(home: Path, embedder: Embedder) -> Answerer:
    settings = Settings(home=home)
    return Answerer(settings, Index(settings, embedder))


class ScriptedChat:
    """A chat model that replies from a script (or raises), for exact cases."""

    name = "scripted"

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.seen: list[Sequence[Message]] = []

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        self.seen.append(messages)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        for i, word in enumerate(reply.split(" ")):
            yield word if i == 0 else " " + word


def test_extractive_answer_cites_the_paragraph_that_says_it(answerer: Answerer) -> None:
    a = answerer.ask("What did China say about DNA databases?")
    assert not a.refused and a.mode == "extractive"
    assert "DNA database" in a.answer and "[¶10]" in a.answer
    assert [(c.label, c.verified) for c in a.citations] == [("10", True)]
    d = a.to_dict()
    assert set(d) == KEYS and set(d["timings_ms"]) == {"retrieve", "generate", "total"}
    assert 0.0 <= d["confidence"] <= 1.0
    assert set(d["citations"][0]) == {"doc", "label", "symbol", "text", "verified"}
    assert set(d["retrieved"][0]) == {"doc", "label", "score"}


def test_every_citation_names_a_retrieved_paragraph_whose_text_it_carries(
    answerer: Answerer,
) -> None:
    index = answerer.index
    for q in ["What does recommendation 6 say?", "Which recommendations concern the media?",
              "What did South Africa say about data collection?", "When was the meeting held?"]:
        a = answerer.ask(q)
        retrieved = {(h.unit.doc, h.unit.label) for h in a.retrieved}
        for c in a.citations:
            assert (c.doc, c.label) in retrieved
            assert index.unit(c.doc, c.label)[1].text == c.text


def test_unanswerable_question_is_refused_with_the_shared_phrase(answerer: Answerer) -> None:
    a = answerer.ask("How many victims did Iceland identify in 2018?")
    assert a.refused and a.answer.startswith(CANNOT_ANSWER)
    assert a.citations == [] and "Nearest paragraphs:" in a.answer
    assert len(a.notes) == 1 and a.notes[0].startswith("not answered: ")
    assert a.confidence is not None and a.confidence < decide.load().refuse_below


def test_weak_evidence_is_not_a_confident_answer(answerer: Answerer) -> None:
    # Iceland is not in the founding report: refused, or answered with the caution.
    weak = answerer.ask("What did Iceland say about DNA databases?")
    strong = answerer.ask("What did China say about DNA databases?")
    assert weak.confidence is not None and strong.confidence is not None
    assert weak.confidence < strong.confidence
    assert weak.refused or UNSURE_NOTE in weak.notes
    assert UNSURE_NOTE not in strong.notes and not strong.refused


def test_a_word_the_reports_never_use_is_read_as_theirs(answerer: Answerer) -> None:
    a = answerer.ask("How many missing kids were found through China's alert platform?")
    assert a.standalone is not None and "children" in a.standalone and "kids" not in a.standalone
    assert any("“kids” as “children”" in n for n in a.notes)
    assert not a.refused and "[¶10]" in a.answer


def test_rewording_keeps_nationalities_and_negations(answerer: Answerer) -> None:
    # Nearest words would be "portuguese" and "had": both change the question.
    from rag.retrieve import reword

    for question in ("What did the brazilian federal public defender say about stigma?",
                     "How many victims hadnt been identified?"):
        reworded, swaps = reword(answerer.index, question)
        assert reworded == question and swaps == []
    a = answerer.ask("what did the brazilian public defender say about stigma?")
    assert not a.refused and "[¶9]" in a.answer


def test_a_region_question_gets_the_attendance_list_cut_to_the_region(
    answerer: Answerer,
) -> None:
    a = answerer.ask("Which countries from Oceania attended as parties to the Protocol?")
    assert not a.refused
    assert "Australia, Fiji, New Zealand [¶32]" in a.answer
    assert "Algeria" not in a.answer  # the rest of the list is cut
    assert all(c.verified for c in a.citations)
    # (It may also carry the caution of an unsure answer: the decision's call.)
    assert "countries in Oceania picked out by their UN M49 region" in a.notes


def test_follow_up_carries_the_subject_over(answerer: Answerer) -> None:
    first = answerer.ask("What did China say about DNA databases?")
    follow = answerer.ask("and what about South Africa?", history=[first.question])
    assert follow.standalone == "What did South Africa say about DNA databases?"


def test_llm_answer_is_checked_repaired_and_rendered(answerer: Answerer) -> None:
    answerer._chat = ScriptedChat(
        "China set up a DNA database in 2009 [¶3]. It found 3,901 missing children [¶99]."
    )
    tokens: list[str] = []
    a = answerer.ask("What did China say about DNA databases?", mode="llm",
                     on_token=tokens.append)
    assert a.mode == "llm" and len(tokens) > 3
    assert a.answer == ("China set up a DNA database in 2009 [¶10]. "
                        "It found 3,901 missing children [¶10].")
    assert any("not retrieved" in n and "99" in n for n in a.notes), a.notes
    system = answerer._chat.seen[0][0]["content"]  # type: ignore[attr-defined]
    assert CANNOT_ANSWER in system and "[¶10]" in answerer._chat.seen[0][1]["content"]  # type: ignore[attr-defined]


def test_llm_answer_keeps_its_supported_sentences_and_says_what_it_left_out(
    answerer: Answerer,
) -> None:
    answerer._chat = ScriptedChat(
        "Yes, China set up a DNA database in 2009 [¶10]. The moon is made of cheese [¶10]."
    )
    a = answerer.ask("Did China set up a DNA database?", mode="llm")
    assert a.mode == "llm" and a.answer == "Yes, China set up a DNA database in 2009 [¶10]."
    assert any("left out 1 sentence" in n for n in a.notes), a.notes
    assert a.llm_check is not None and a.llm_check["fallback"] is None
    assert [s["status"] for s in a.llm_check["sentences"]] == ["verified", "unverified"]


@pytest.mark.parametrize(
    "reply",
    ["", "The moon is made of green cheese [¶10].", LLMUnavailable("HTTP 500 from the LLM")],
    ids=["empty", "unsupported", "error"],
)
def test_llm_failures_fall_back_to_the_extractive_answer(
    answerer: Answerer, reply: str | Exception
) -> None:
    answerer._chat = ScriptedChat(reply)
    a = answerer.ask("What did China say about DNA databases?", mode="llm")
    assert a.mode == "extractive" and "[¶10]" in a.answer and a.notes
    assert "extractively" in a.notes[-1]


def test_llm_refusal_lists_the_nearest_paragraphs(answerer: Answerer) -> None:
    answerer._chat = ScriptedChat(CANNOT_ANSWER)
    a = answerer.ask("What is the capital of Australia?", mode="llm")
    assert a.refused and a.mode == "llm" and a.answer.startswith(CANNOT_ANSWER)


# -- the command line ---------------------------------------------------------------


def _env(home: Path) -> dict[str, str]:
    return {"RAG_HOME": str(home), "RAG_CHROMA_URL": "", "RAG_LLM_BASE_URL": ""}


def test_cli_ask_json_and_human_output(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_HOME", str(home))
    runner = CliRunner()
    got = runner.invoke(main, ["ask", "What did China say about DNA databases?", "--json"])
    assert got.exit_code == 0, got.output
    data = json.loads(got.output)
    assert set(data) == KEYS and data["citations"][0]["label"] == "10"
    got = runner.invoke(main, ["ask", "What did China say about DNA databases?"])
    assert "Sources" in got.output and f"1. [¶10] {DOC}" in got.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ask", "   "], 2, "the question is empty"),
        (["ask", "What?", "--doc", "nope"], 1, "unknown document 'nope'"),
        (["ask", "What?", "--mode", "magic"], 2, "magic"),
    ],
)
def test_cli_ask_bad_input(home: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                           code: int, message: str) -> None:
    monkeypatch.setenv("RAG_HOME", str(home))
    got = CliRunner().invoke(main, args)
    assert got.exit_code == code and message in got.output


def test_cli_chat_session(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_HOME", str(home))
    script = "\n".join([
        "What did China say about DNA databases?",
        "and what about South Africa?",
        "/sources",
        "/show 10",
        "/doc nope",
        "/reset",
        "/quit",
    ]) + "\n"
    got = CliRunner().invoke(main, ["chat"], input=script)
    assert got.exit_code == 0, got.output
    assert "[¶10]" in got.output
    assert "understood as: What did South Africa say about DNA databases?" in got.output
    assert "Ms. Qingtian Meng finally stressed" in got.output  # /show 10, verbatim
    assert "unknown document 'nope'" in got.output and "Conversation forgotten." in got.output


# -- a real OpenAI-compatible server: llama.cpp serving SmolLM2-135M ---------------


@pytest.mark.slow
def test_real_llm_answers_with_checked_citations(
    home: Path, embedder: Embedder, llm_server: str
) -> None:
    settings = Settings(home=home, llm=LLMSettings(base_url=llm_server, model="smollm2",
                                                   max_tokens=120, timeout=60))
    answerer = Answerer(settings, Index(settings, embedder))
    tokens: list[str] = []
    a = answerer.ask("What did China say about DNA databases?", mode="llm",
                     on_token=tokens.append)
    assert tokens, "the server streamed nothing"
    retrieved = {(h.unit.doc, h.unit.label) for h in a.retrieved}
    assert a.answer and all((c.doc, c.label) in retrieved for c in a.citations)
    # A weak model: either its answer passed the checks or the extractive one replaced it.
    assert a.mode == "llm" or any("extractively" in n for n in a.notes)
    follow = answerer.ask("and what about Brazil?", mode="llm", history=[a.question])
    assert follow.standalone and follow.answer


@pytest.mark.slow
def test_dead_llm_endpoint_falls_back_with_a_note(home: Path, embedder: Embedder) -> None:
    settings = Settings(home=home, llm=LLMSettings(base_url=f"http://127.0.0.1:{free_port()}/v1",
                                                   timeout=5))
    a = Answerer(settings, Index(settings, embedder)).ask(
        "What did China say about DNA databases?", mode="llm")
    assert a.mode == "extractive" and "[¶10]" in a.answer
    assert any("cannot connect to the LLM" in n for n in a.notes)

"""The replay server: recorded answers served to the real OpenAI client, streaming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.answer.llm import LLMUnavailable, OpenAIChat, complete
from rag.evaluation.replay import Cassette, prompt_sha, serving
from rag.settings import LLMSettings


def test_replays_recorded_answers_and_records_prompts(tmp_path: Path) -> None:
    messages = [{"role": "system", "content": "rules"},
                {"role": "user", "content": "Paragraphs:\n\n[¶10] …\n\nQuestion: Who spoke?"}]
    tape = tmp_path / "c.jsonl"
    tape.write_text("\n".join(json.dumps(r) for r in [
        {"cassette": "t", "written_by": "a test", "how": "by hand"},
        {"question": "who  spoke?", "prompt_sha": prompt_sha(messages),
         "answer": "China spoke [¶10]."}]) + "\n")
    with serving(Cassette.load(tape)) as server:
        chat = OpenAIChat(LLMSettings(base_url=server.url, model="recorded-answers"))
        assert complete(chat, messages)[0] == "China spoke [¶10]."  # streamed word by word
        changed = [messages[0], {"role": "user", "content": "[¶3] …\n\nQuestion: Who spoke?"}]
        assert complete(chat, changed)[0] == "China spoke [¶10]."
        with pytest.raises(LLMUnavailable):
            complete(chat, [{"role": "user", "content": "Question: Unknown?"}])
        assert (server.served, server.drifted, server.missing) == (2, 1, 1)
    with serving(None) as recorder:
        chat = OpenAIChat(LLMSettings(base_url=recorder.url, model="x"))
        assert complete(chat, messages)[0].startswith("The indexed reports do not answer")
        assert recorder.recorded[0]["question"] == "Who spoke?"

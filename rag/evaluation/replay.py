"""Recorded LLM answers: record the prompts the pipeline sends, replay answers to them.

Only SmolLM2-135M runs offline, so LLM mode's real job (a capable model answering from
the retrieved paragraphs) is measured on *recorded* answers: ``reportbot eval
--record-prompts FILE`` writes the exact messages the pipeline sends for each
question; a capable model (or a writer shown only each prompt) answers them once; the
answers are kept as a cassette (``eval/cassettes/*.jsonl``) and ``reportbot eval
--cassette FILE`` serves them through an OpenAI-compatible server on localhost, so the
real client, streaming included, and every check after it run as with a live model.

A cassette is JSON Lines: a header ``{"cassette": name, "written_by": …, "how": …}``,
then one ``{"question", "prompt_sha", "answer"}`` per question, keyed by the question
(the ``Question:`` line of the prompt). ``prompt_sha`` is the hash of the messages the
answer was written for: when retrieval changes, the prompt drifts from the recording,
and the server counts it (the answer may then cite paragraphs no longer sent).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rag.answer.decide import CANNOT_ANSWER
from rag.errors import InputError

MODEL = "recorded-answers"
_QUESTION = re.compile(r"(?:^|\n)Question:\s*(.+?)\s*\Z", re.S)


def question_of(messages: list[dict[str, Any]]) -> str | None:
    """The question a chat request asks (the last user message's ``Question:`` line)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            m = _QUESTION.search(str(message.get("content", "")))
            return m.group(1).strip() if m else None
    return None


def prompt_sha(messages: list[dict[str, Any]]) -> str:
    blob = json.dumps([[m.get("role"), m.get("content")] for m in messages], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Cassette:
    """Recorded answers keyed by question, with who wrote them and how."""

    header: dict[str, Any]
    answers: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> Cassette:
        try:
            lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()
                     if x.strip()]
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read cassette {path}: {exc}") from exc
        if not lines or "cassette" not in lines[0]:
            raise InputError(f"{path}: not a cassette (its first line must be the header "
                             '{"cassette": …, "written_by": …, "how": …})')
        records = {}
        for n, row in enumerate(lines[1:], 2):
            if not {"question", "answer"} <= set(row):
                raise InputError(f"{path}:{n}: a record needs 'question' and 'answer'")
            records[_key(row["question"])] = row
        return cls(lines[0], records)

    def answer(self, question: str) -> dict[str, Any] | None:
        return self.answers.get(_key(question))


def _key(question: str) -> str:
    return re.sub(r"\s+", " ", question).strip().lower()


@dataclass
class ReplayServer:
    """An OpenAI-compatible ``/v1`` on localhost: replays a cassette, or records prompts.

    Recording answers every request with the refusal phrase, so the pipeline goes on
    to the next question; replaying answers an unknown question with HTTP 404, which
    the pipeline treats as a failed endpoint (it answers extractively, with a note).
    """

    cassette: Cassette | None = None
    recorded: list[dict[str, Any]] = field(default_factory=list)
    served: int = 0
    missing: int = 0
    drifted: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def reply(self, body: dict[str, Any]) -> tuple[int, str]:
        messages = list(body.get("messages") or [])
        question = question_of(messages)
        with self._lock:
            if self.cassette is None:
                self.recorded.append({"question": question, "prompt_sha": prompt_sha(messages),
                                      "messages": messages})
                return 200, CANNOT_ANSWER
            row = self.cassette.answer(question) if question else None
            if row is None:
                self.missing += 1
                return 404, f"no recorded answer for the question {question!r}"
            self.served += 1
            if row.get("prompt_sha") and row["prompt_sha"] != prompt_sha(messages):
                self.drifted += 1
            return 200, str(row["answer"])

    def start(self) -> ReplayServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [
                        {"id": MODEL, "object": "model", "owned_by": "cassette"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, text = owner.reply(body)
                if status != 200:
                    self._json(status, {"error": {"message": text, "type": "not_found"}})
                elif body.get("stream"):
                    self._stream(text)
                else:
                    self._json(200, _completion(text))

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                # Word by word, as a model streams: the client joins the pieces.
                for piece in re.findall(r"\S+\s*|\s+", text):
                    self._event(_chunk({"content": piece}, None))
                self._event(_chunk({}, "stop"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _completion(text: str) -> dict[str, Any]:
    return {"id": "replay", "object": "chat.completion", "created": int(time.time()),
            "model": MODEL, "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}


def _chunk(delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {"id": "replay", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": MODEL, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


@contextmanager
def serving(cassette: Cassette | None) -> Iterator[ReplayServer]:
    """A running replay (or, with no cassette, recording) server."""
    server = ReplayServer(cassette).start()
    try:
        yield server
    finally:
        server.stop()


def write_prompts(path: Path, recorded: list[dict[str, Any]], ids: list[str]) -> int:
    """The recorded prompts as JSON Lines, one per question, for whoever writes answers.

    The evaluation asks its questions in order, one LLM call each, so the n-th prompt
    is the n-th question's (its ``Question:`` line may be reworded: "kids" → "children").
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [r for r in recorded if r["question"] is not None]
    with path.open("w", encoding="utf-8") as fh:
        for n, row in enumerate(rows):
            qid = ids[n] if len(rows) == len(ids) else None
            fh.write(json.dumps({"id": qid, **row}, ensure_ascii=False) + "\n")
    return len(rows)

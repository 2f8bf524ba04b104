"""Soak: thousands of questions through the bot with injected LLM and Telegram faults.

    python eval/soak_bot.py [--questions 2000] [--concurrency 20] [--fault-rate 0.05]

The real Application (LLM mode, so LLM faults can be injected) runs against
the Bot API stand-in (tests/botapi.py) over the founding report. The "LLM" is
a stand-in model that quotes the first retrieved paragraph with its tag (a
correct, checkable answer) and fails ``--fault-rate`` of its calls; the Bot API
stand-in answers ``--fault-rate`` of sendMessage/editMessageText/sendChatAction
calls with a 429 (retry_after 1) or a dropped connection. Every answer gets a
👍 or 👎 press. Printed: unhandled exceptions (must be 0), feedback presses
vs feedback rows in SQLite (must match), apologies sent, latency p50/p95/p99
from the update to the final answer.
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import build_application  # noqa: E402
from bot.app import SORRY  # noqa: E402
from rag.answer import Answerer  # noqa: E402
from rag.answer.llm import LLMUnavailable  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.settings import AnswerSettings, LLMSettings, Settings, TelegramSettings  # noqa: E402
from tests import botapi  # noqa: E402

FOUNDING = ROOT / "corpus" / "CTOC_COP_WG.4_2019_draft.txt"


class FlakyQuoter:
    """Quotes the first sentence of the first paragraph in the prompt; fails at ``rate``."""

    name = "flaky-quoter"

    def __init__(self, rate: float, rng: random.Random) -> None:
        self.rate, self.rng, self.lock = rate, rng, threading.Lock()
        self.calls = self.failures = 0

    def stream(self, messages: Sequence[dict[str, str]]) -> Iterator[str]:
        with self.lock:
            self.calls += 1
            fail = self.rng.random() < self.rate
            self.failures += fail
        if fail:
            raise LLMUnavailable("injected fault: the LLM endpoint answered HTTP 503")
        m = re.search(r"(\[[^\]]+\]) (.+?[.;])(?:\s|$)", messages[-1]["content"], re.S)
        reply = f"{m.group(2)} {m.group(1)}" if m else "I cannot tell."
        for word in reply.split(" "):
            yield word + " "


class Errors(logging.Handler):
    """Counts the errors the bot logs as unexpected (not user errors, not Telegram refusals)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage()[:200])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--fault-rate", type=float, default=0.05)
    args = ap.parse_args()
    rng = random.Random(7)
    questions = [q.question for q in load_questions([ROOT / "eval/questions/founding.jsonl"])]
    api = botapi.start()
    errors = Errors()
    logging.getLogger().addHandler(errors)
    logging.getLogger().setLevel(logging.WARNING)

    # Telegram faults: the stand-in fails a share of the bot's calls.
    original = api.handle

    def faulty(method: str, params: dict[str, object]):  # type: ignore[no-untyped-def]
        if method in ("sendMessage", "editMessageText", "sendChatAction") and \
                rng.random() < args.fault_rate:
            if rng.random() < 0.5:
                return None  # dropped connection
            return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                         "parameters": {"retry_after": 1}}
        return original(method, params)

    api.handle = faulty  # type: ignore[method-assign]

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            home=Path(tmp), answer=AnswerSettings(mode="llm"),
            llm=LLMSettings(breaker_failures=3, breaker_cooldown=2),
            telegram=TelegramSettings(token=botapi.TOKEN, base_url=api.base_url,
                                      poll_timeout=5, rate_limit=10_000, stream_interval=0.3,
                                      max_retries=4))
        index = Index(settings)
        index.ingest([FOUNDING])
        chat = FlakyQuoter(args.fault_rate, rng)
        bot = botapi.RunningBot(build_application(settings, Answerer(settings, index,
                                                                     chat))).start()
        latencies: list[float] = []
        presses = 0
        apologies = 0
        lost: list[int] = []
        started = time.time()
        try:
            users = [20_000 + i for i in range(args.concurrency)]
            asked = 0
            while asked < args.questions:
                wave = users[: min(len(users), args.questions - asked)]
                pushed = time.time()
                for uid in wave:
                    api.push(botapi.private_message(questions[(asked + uid) % len(questions)],
                                                    uid=uid))
                for uid in wave:
                    final = wait_final(api, uid, pushed)
                    if final is None:
                        lost.append(uid)
                        continue
                    latencies.append((final.at - pushed) * 1000)
                    if SORRY in final.params.get("text", ""):
                        apologies += 1
                    fb = [b for row in final.params.get("reply_markup", {}).get(
                        "inline_keyboard", []) for b in row if b["callback_data"].startswith("fb:")]
                    if fb:
                        api.push(botapi.button_press(rng.choice(fb)["callback_data"], chat_id=uid,
                                                     uid=uid, query_id=f"q{asked}-{uid}"))
                        presses += 1
                asked += len(wave)
            # Let the last presses land before counting.
            deadline = time.monotonic() + 30
            state = bot.state
            while time.monotonic() < deadline:
                votes = sum(a.votes for a in state.answers(limit=10**6))
                if votes >= presses:
                    break
                time.sleep(0.2)
            votes = sum(a.votes for a in state.answers(limit=10**6))
        finally:
            bot.stop()
    lat = sorted(latencies)
    print(f"{args.questions} questions, {args.concurrency} chats at a time, "
          f"{args.fault_rate:.0%} faults, {time.time() - started:.0f} s")
    print(f"  LLM calls {chat.calls}, injected LLM failures {chat.failures}")
    print(f"  answers received {len(latencies)}, lost {len(lost)}, apologies {apologies}")
    print(f"  unhandled exceptions logged: {len(errors.records)}"
          + (f" (first: {errors.records[0]})" if errors.records else ""))
    print(f"  feedback presses {presses}, feedback rows {votes}")
    if lat:
        print(f"  latency update → answer: p50 {statistics.median(lat):.0f} ms, "
              f"p95 {lat[int(0.95 * (len(lat) - 1))]:.0f} ms, "
              f"p99 {lat[int(0.99 * (len(lat) - 1))]:.0f} ms")


def wait_final(api: botapi.BotAPI, uid: int, since: float) -> botapi.Call | None:
    """The message that carries the finished answer (with its buttons), or None."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for call in api.sent("sendMessage", uid, since) + api.sent("editMessageText", uid, since):
            if "reply_markup" in call.params or SORRY in str(call.params.get("text", "")):
                return call
        with api.cond:
            api.cond.wait(0.2)
    return None


if __name__ == "__main__":
    main()

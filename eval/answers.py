"""Answer quality and speed on the question sets: gold-hit, refusals, facts, latency.

    python eval/answers.py [--whole] [--mode extractive|llm] [--sweep]

Ingests the founding report and ../shared/corpus into a scratch RAG_HOME (once;
reused on later runs), answers every question of eval/questions/*.jsonl scoped
to its document (``--whole``: unscoped) and prints, per set:

- gold-hit: answerable questions whose answer cites at least one gold paragraph;
- citation precision: cited paragraphs that are gold;
- fact recall: facts found in the answer text;
- refusals: unanswerable questions refused, answerable questions refused;
- every citation exists in the index and was retrieved (must be 100 %);
- warm latency p50/p95 of ``Answerer.ask``.

``--sweep`` prints refusal rates for a range of ``min_coverage`` values and
support-check agreement for a range of ``support_threshold`` values: the
calibration behind the defaults in ``rag/settings.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer import Answerer, cite, extractive, refusal  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.retrieve import Query, search  # noqa: E402
from rag.settings import Settings  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
SETS = {"founding": ROOT / "eval/questions/founding.jsonl",
        "reports": ROOT / "eval/questions/reports.jsonl"}


def pct(x: float) -> str:
    return f"{100 * x:5.1f} %"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/reportbot-eval-home"))
    ap.add_argument("--whole", action="store_true", help="Do not scope questions to their doc.")
    ap.add_argument("--mode", default="extractive", choices=["extractive", "llm"])
    ap.add_argument("--sweep", action="store_true", help="Print the calibration sweeps.")
    args = ap.parse_args()

    settings = Settings(home=args.home)
    index = Index(settings)
    paths = [ROOT / "corpus"] + ([SHARED] if SHARED.is_dir() else [])
    index.ingest(paths)
    answerer = Answerer(settings, index)
    known = {(u.doc, u.label) for u in index.snapshot().lexical.units}

    for name, path in SETS.items():
        qs = [q for q in load_questions([path]) if q.doc in index.documents()]
        if not qs:
            continue
        gold_hit = precision = facts = 0.0
        refused_ok = false_refusals = bad_citations = n_ans = n_un = 0
        latencies = []
        for q in qs:
            started = time.perf_counter()
            a = answerer.ask(q.question, doc=None if args.whole else q.doc, mode=args.mode)
            latencies.append((time.perf_counter() - started) * 1000)
            cited = {(c.doc, c.label) for c in a.citations}
            retrieved = {(h.unit.doc, h.unit.label) for h in a.retrieved}
            bad_citations += len(cited - known) + len(cited - retrieved)
            if q.answerable:
                n_ans += 1
                gold = {(q.doc, g) for g in q.gold}
                gold_hit += bool(cited & gold)
                precision += len(cited & gold) / len(cited) if cited else 0.0
                text = a.answer.lower()
                facts += sum(f.lower() in text for f in q.facts) / len(q.facts) if q.facts else 1
                false_refusals += a.refused
            else:
                n_un += 1
                refused_ok += a.refused
        lat = sorted(latencies[1:] or latencies)  # the first call loads the model
        print(f"\n{name} ({n_ans} answerable, {n_un} unanswerable; "
              f"{'whole corpus' if args.whole else 'scoped to doc'}, {args.mode})")
        print(f"  gold-hit            {pct(gold_hit / n_ans)}")
        print(f"  citation precision  {pct(precision / n_ans)}")
        print(f"  fact recall         {pct(facts / n_ans)}")
        print(f"  unanswerable refused{pct(refused_ok / n_un) if n_un else '   —'}")
        print(f"  false refusals      {pct(false_refusals / n_ans)}")
        print(f"  citations not in index or not retrieved: {bad_citations}")
        print(f"  latency p50 {statistics.median(lat):.1f} ms, "
              f"p95 {lat[int(0.95 * (len(lat) - 1))]:.1f} ms")

    if args.sweep:
        sweep(index, settings)


def sweep(index: Index, settings: Settings) -> None:
    qs = load_questions(SETS.values())
    snap = index.snapshot()
    titles = {d: i.title or "" for d, i in snap.docs.items()}
    idf = snap.lexical.idf
    runs = [(q, search(index, Query(q.question, settings.answer.k, q.doc), settings.retrieval))
            for q in qs if q.doc in snap.docs]
    print("\nrefusal: min_coverage → unanswerable refused / answerable refused")
    for t in (0.0, 0.1, 0.15, 0.2, 0.25, 0.3):
        dec = [(q, refusal.decide(q.question, hits, idf, t, titles).refuse) for q, hits in runs]
        un = [r for q, r in dec if not q.answerable]
        an = [r for q, r in dec if q.answerable]
        print(f"  {t:.2f}  {pct(sum(un) / len(un))}  {pct(sum(an) / len(an))}")
    # Support check: a sentence against the paragraph it came from (should pass)
    # and against the other retrieved paragraphs (should fail unless they say the
    # same). Sentences are shortened by a third of their words, as a model that
    # abridges would.
    print("\nsupport: threshold → own paragraph passes / other retrieved paragraph passes")
    pairs = []
    for q, hits in runs:
        if not q.answerable:
            continue
        for s in extractive.compose(q.question, hits, idf):
            words = s.text.split()
            short = " ".join(w for i, w in enumerate(words) if i % 3 != 2)
            own = s.cites[0]
            others = [h.unit for h in hits if h.unit != own]
            pairs.append((short, own.text, [o.text for o in others]))
    for t in (0.4, 0.5, 0.6, 0.7, 0.8):
        own_ok = sum(cite.support(s, p, t).ok for s, p, _ in pairs) / len(pairs)
        other = [cite.support(s, o, t).ok for s, _, os_ in pairs for o in os_]
        print(f"  {t:.1f}  {pct(own_ok)}  {pct(sum(other) / len(other))}")


if __name__ == "__main__":
    main()

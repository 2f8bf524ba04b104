"""Calibration sweeps behind the answer defaults in ``rag/settings.py``.

    python eval/calibrate.py [--home DIR]

Ingests the founding report and ../shared/corpus into a scratch RAG_HOME (once;
reused on later runs) and prints, over eval/questions/*.jsonl:

- refusal rates (unanswerable refused / answerable refused) for a range of
  ``answer.min_coverage`` values;
- support-check agreement (a sentence against its own paragraph / against the
  other retrieved paragraphs) for a range of ``answer.support_threshold`` values.

Answer quality itself is measured by ``reportbot eval`` (``make eval``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer import cite, extractive, refusal  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.retrieve import Query, search  # noqa: E402
from rag.settings import Settings  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
SETS = sorted((ROOT / "eval" / "questions").glob("*.jsonl"))


def pct(x: float) -> str:
    return f"{100 * x:5.1f} %"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/reportbot-eval-home"))
    args = ap.parse_args()
    settings = Settings(home=args.home)
    index = Index(settings)
    index.ingest([ROOT / "corpus"] + ([SHARED] if SHARED.is_dir() else []))
    sweep(index, settings)


def sweep(index: Index, settings: Settings) -> None:
    qs = load_questions(SETS)
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

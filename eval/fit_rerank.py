"""Fit the re-ranker (``rag/rerank.json``) on the labelled sets.

    python eval/fit_rerank.py [--home DIR] [--sets FILE ...] [--write]

Every answerable question of the sets is asked in the **whole index** (the
founding report, ../shared/corpus and its more/ documents, ingested once into a
scratch RAG_HOME, reused later) with the re-ranker off; each of the top
``rerank_depth`` fused candidates gets its features (:func:`rag.rerank.rows`) and
a label: is it one of the question's gold paragraphs. A logistic regression
(scikit-learn, L2, balanced classes) learns p(paragraph answers).

Printed per set: recall@1 and @5 in fused order and re-ranked by a model fitted
on the **other** sets (leave one set out), so each figure is out of sample for
its set. Only ``--write`` changes the weights. Refit the decision afterwards
(``python eval/calibrate.py --write``): it reads the re-ranked order. The sets
used here are in-sample for the re-ranker from then on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import rerank  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.evaluation.questions import Question  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.retrieve import Query, reports_of_years, residual, reword, scope_years, search  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import whole_label  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
SETS = sorted((ROOT / "eval" / "questions").glob("*.jsonl"))


def collect(index: Index, settings: Settings, qs: Sequence[tuple[str, Question]]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels, question number and set name per row (answerable questions)."""
    snap = index.snapshot()
    titles = {d: i.title or "" for d, i in snap.docs.items()}
    years = scope_years(snap)
    config = settings.retrieval.model_copy(update={"rerank": False})
    rows: list[list[float]] = []
    labels: list[int] = []
    group: list[int] = []
    sets: list[str] = []
    n = 0
    for name, q in qs:
        if q.doc not in snap.docs or not q.answerable or not q.gold:
            continue
        question, _ = reword(index, q.question)
        hits = search(index, Query(question, config.rerank_depth, None), config)
        rest = residual(question, snap)
        dated = reports_of_years(question, snap.docs, years)
        gold = {(q.doc, whole_label(g)) for g in q.gold}
        for h, row in zip(hits, rerank.rows(question, hits, snap.lexical.idf, titles, years,
                                             rest[1] if rest else frozenset(), dated),
                          strict=True):
            rows.append(row)
            labels.append(int((h.unit.doc, whole_label(h.unit.label)) in gold))
            group.append(n)
            sets.append(name)
        n += 1
    return np.array(rows), np.array(labels), np.array(group), np.array(sets)


def fit(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> object:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, y)


def first_gold(score: np.ndarray, y: np.ndarray, group: np.ndarray) -> dict[int, int | None]:
    """Per question: the rank (0-based) of its first gold paragraph by ``score``, or None."""
    out: dict[int, int | None] = {}
    for g in np.unique(group):
        rows = np.where(group == g)[0]
        ranked = rows[np.argsort(-score[rows], kind="stable")]
        out[int(g)] = next((i for i, j in enumerate(ranked) if y[j]), None)
    return out


def recall(ranks: dict[int, int | None], k: int) -> float:
    return sum(r is not None and r < k for r in ranks.values()) / max(1, len(ranks))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/reportbot-eval-home"))
    ap.add_argument("--sets", nargs="*", type=Path, default=SETS)
    ap.add_argument("--c", type=float, default=1.0, help="Inverse L2 strength.")
    ap.add_argument("--write", action="store_true", help="Write rag/rerank.json.")
    args = ap.parse_args()
    settings = Settings(home=args.home)
    index = Index(settings)
    index.ingest([ROOT / "corpus", *sorted(SHARED.glob("*.txt")),
                  *sorted((SHARED / "more").glob("*.pdf"))])
    qs = [(f.name, q) for f in args.sets for q in load_questions([f])]
    x, y, group, sets = collect(index, settings, qs)
    # Fused order: the rows of a question come in it.
    fused = -np.concatenate([np.arange((group == g).sum()) for g in np.unique(group)])
    oof = np.zeros(len(y))
    for name in np.unique(sets):
        test = sets == name
        model = fit(x[~test], y[~test], args.c)
        oof[test] = model.decision_function(x[test])  # type: ignore[attr-defined]
    print(f"{len(np.unique(group))} answerable questions, {len(y)} candidates, {y.sum()} gold; "
          "re-ranked by a model fitted on the other sets")
    print(f"{'set':18} {'n':>4}  fused r@1  r@5   re-ranked r@1  r@5")
    for name in [*np.unique(sets), None]:
        keep = np.ones(len(y), bool) if name is None else sets == name
        b = first_gold(fused[keep], y[keep], group[keep])
        o = first_gold(oof[keep], y[keep], group[keep])
        print(f"{name or 'all':18} {len(b):4}  {100 * recall(b, 1):8.1f} {100 * recall(b, 5):5.1f}"
              f"   {100 * recall(o, 1):12.1f} {100 * recall(o, 5):5.1f}")
    model = fit(x, y, args.c)
    coef = model.coef_[0]  # type: ignore[attr-defined]
    for fname, w in sorted(zip(rerank.features(), coef, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {w:+7.3f}  {fname}")
    if args.write:
        rerank.save(rerank.Weights(
            features=rerank.features(), coef=tuple(float(w) for w in coef),
            intercept=float(model.intercept_[0]),  # type: ignore[attr-defined]
            fitted_on=tuple(f.name for f in args.sets), questions=len(np.unique(group))))
        print(f"wrote {rerank.WEIGHTS}")


if __name__ == "__main__":
    main()

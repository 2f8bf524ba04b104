"""Fit the answer-or-refuse decision (``rag/answer/calibration.json``) on the labelled sets.

    python eval/calibrate.py [--home DIR] [--sets FILE ...] [--budget 0.04] [--write]
    python eval/calibrate.py --loso [--drop FEATURE ...]  # each set fitted on the others
    python eval/calibrate.py --support      # the support-check sweep instead

Every question of the sets is asked in the **whole index** (the founding report,
../shared/corpus and its more/ documents, ingested once into a scratch RAG_HOME,
reused later), as a delegate asks. Each retrieved paragraph gets its evidence features
(:mod:`rag.answer.evidence`) and a label: is it one of the question's gold
paragraphs. A logistic regression (scikit-learn, L2, balanced classes) learns
p(paragraph answers); a question's confidence is its best paragraph's.

Thresholds come from 5-fold cross-validation grouped by question (no question
is scored by a model that saw it): ``refuse_below`` is the highest confidence
at which at most ``--budget`` (4 %) of the answerable questions are refused,
out of fold; ``sure_above`` the confidence above which answers are right (gold
cited) at least 80 % of the time, out of fold. Between the two an answer comes
with a note that it may not answer fully.

Printed: the out-of-fold AUC, refusal rates at the chosen thresholds, the
weights, and a one-feature-removed ablation. Only ``--write`` changes the file.
The sets used here are in-sample for the decision from then on: report held-out
figures only from sets written after the fit.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer import cite, decide, evidence, extractive  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.evaluation.questions import Question  # noqa: E402
from rag.index import Index  # noqa: E402
from rag.retrieve import Query, reword, scope_years, search  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import whole_label  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
SETS = sorted((ROOT / "eval" / "questions").glob("*.jsonl"))
#: Out-of-fold share of confident answers that cite a gold paragraph.
SURE_PRECISION = 0.8


def pct(x: float) -> str:
    return f"{100 * x:5.1f} %"


def collect(index: Index, settings: Settings, qs: Sequence[Question]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Question]]:
    """Feature rows, labels, question number per row, and the questions asked."""
    snap = index.snapshot()
    titles = {d: i.title or "" for d, i in snap.docs.items()}
    rows: list[list[float]] = []
    labels: list[int] = []
    group: list[int] = []
    asked = [q for q in qs if q.doc in snap.docs]
    for n, q in enumerate(asked):
        # As Answerer.ask reads it: the reports' words, the region's wider search.
        question, _ = reword(index, q.question)
        k = settings.answer.k * (2 if extractive.region_asked(question) else 1)
        hits = search(index, Query(question, k, None), settings.retrieval)
        gold = {(q.doc, whole_label(g)) for g in q.gold} if q.answerable else set()
        for h, row in zip(hits, evidence.features(question, hits, snap.lexical.idf, titles,
                                                     scope_years(snap)),
                          strict=True):
            rows.append(row)
            labels.append(int((h.unit.doc, whole_label(h.unit.label)) in gold))
            group.append(n)
    return np.array(rows), np.array(labels), np.array(group), asked


def fit(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, y)


def out_of_fold(x: np.ndarray, y: np.ndarray, group: np.ndarray, folds: int = 5,
                c: float = 1.0) -> np.ndarray:
    from sklearn.model_selection import GroupKFold

    p = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=folds).split(x, y, group):
        p[test] = fit(x[train], y[train], c).predict_proba(x[test])[:, 1]
    return p


def per_question(p: np.ndarray, y: np.ndarray, group: np.ndarray, n: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Each question's confidence (its best paragraph's p) and whether that paragraph is gold."""
    conf = np.zeros(n)
    right = np.zeros(n, dtype=bool)
    for g in range(n):
        rows = np.flatnonzero(group == g)
        if len(rows):
            best = rows[np.argmax(p[rows])]
            conf[g], right[g] = p[best], bool(y[best])
    return conf, right


def thresholds(conf: np.ndarray, answerable: np.ndarray, right: np.ndarray,
               budget: float) -> tuple[float, float]:
    """(refuse_below, sure_above) from out-of-fold confidences."""
    ans = np.sort(conf[answerable])
    # Refusing below t refuses the answerable questions with conf < t.
    allowed = int(np.floor(budget * len(ans)))
    refuse_below = float(ans[allowed]) if allowed < len(ans) else float(ans[-1])
    sure_above = 1.0
    for t in np.unique(conf):
        above = conf >= t
        if above.sum() >= 10 and right[above].mean() >= SURE_PRECISION:
            sure_above = float(t)
            break
    return refuse_below, max(sure_above, refuse_below)


def report(conf: np.ndarray, answerable: np.ndarray, refuse_below: float,
           sure_above: float) -> str:
    refused = conf < refuse_below
    unsure = (conf >= refuse_below) & (conf < sure_above)
    return (f"unanswerable refused {pct(refused[~answerable].mean())}, answerable refused "
            f"{pct(refused[answerable].mean())}, unsure {pct(unsure.mean())}")


def auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/reportbot-eval-home"))
    ap.add_argument("--sets", nargs="*", type=Path, default=SETS)
    ap.add_argument("--budget", type=float, default=0.04,
                    help="Out-of-fold share of answerable questions refused (default 0.04).")
    ap.add_argument("--c", type=float, default=1.0, help="Inverse L2 strength.")
    ap.add_argument("--write", action="store_true", help="Write rag/answer/calibration.json.")
    ap.add_argument("--ablate", action="store_true", help="Also try each feature removed.")
    ap.add_argument("--holdout", type=Path,
                    help="Fit on the other sets, score on this one, each "
                    "feature removed in turn (which features earn their place on a set "
                    "they were not found on).")
    ap.add_argument("--loso", action="store_true",
                    help="Leave one set out: fit on the other sets, score each set; with "
                    "--drop, also with those features removed.")
    ap.add_argument("--drop", nargs="*", default=[], choices=evidence.FEATURES,
                    help="Features to remove, one at a time, in --loso.")
    ap.add_argument("--dump", type=Path, help="Write each question's out-of-fold confidence.")
    ap.add_argument("--support", action="store_true", help="Run the support-check sweep.")
    args = ap.parse_args()
    settings = Settings(home=args.home)
    index = Index(settings)
    # The whole index as `reportbot eval` builds it: the shared reports and the
    # other UN documents of more/ compete for every question.
    index.ingest([ROOT / "corpus", *sorted(SHARED.glob("*.txt")),
                  *sorted((SHARED / "more").glob("*.pdf"))])
    qs = load_questions(args.sets)
    if args.support:
        support_sweep(index, settings, qs)
        return
    if args.holdout:
        holdout_ablation(index, settings, qs, load_questions([args.holdout]), args)
        return
    if args.loso:
        leave_one_set_out(index, settings, args)
        return
    x, y, group, asked = collect(index, settings, qs)
    answerable = np.array([q.answerable for q in asked])
    n = len(asked)
    p = out_of_fold(x, y, group, c=args.c)
    conf, right = per_question(p, y, group, n)
    refuse_below, sure_above = thresholds(conf, answerable, right, args.budget)
    print(f"{n} questions ({answerable.sum()} answerable), {len(y)} paragraphs, "
          f"{y.sum()} gold")
    print(f"out of fold: paragraph AUC {auc(y, p):.3f}, question AUC "
          f"{auc(answerable, conf):.3f}")
    print(f"thresholds: refuse below {refuse_below:.3f}, sure above {sure_above:.3f}: "
          + report(conf, answerable, refuse_below, sure_above))
    if args.dump:
        dump(conf, right, y, group, asked, args.dump)
    for b in (0.02, 0.03, 0.05, 0.08, 0.10):
        lo, hi = thresholds(conf, answerable, right, b)
        print(f"  budget {b:.2f}: refuse below {lo:.3f}: " + report(conf, answerable, lo, hi))
    model = fit(x, y, args.c)
    for name, w in sorted(zip(evidence.FEATURES, model.coef_[0], strict=True),
                          key=lambda t: -abs(t[1])):
        print(f"  {w:+7.3f}  {name}")
    if args.ablate:
        print("\nablation (one feature removed): question AUC, refusals at the same budget")
        for i, name in enumerate(evidence.FEATURES):
            keep = [j for j in range(x.shape[1]) if j != i]
            pa = out_of_fold(x[:, keep], y, group, c=args.c)
            ca, ra = per_question(pa, y, group, n)
            lo, hi = thresholds(ca, answerable, ra, args.budget)
            print(f"  -{name:15} {auc(answerable, ca):.3f}  " + report(ca, answerable, lo, hi))
    if args.write:
        decide.save(decide.Calibration(
            features=evidence.FEATURES,
            coef=tuple(float(w) for w in model.coef_[0]),
            intercept=float(model.intercept_[0]),
            refuse_below=refuse_below, sure_above=sure_above,
            fitted_on=tuple(f.name for f in args.sets), questions=n,
        ))
        print(f"wrote {decide.CALIBRATION}")


def support_sweep(index: Index, settings: Settings, qs: Sequence[Question]) -> None:
    """A sentence against its own paragraph (should pass) and the other retrieved ones."""
    snap = index.snapshot()
    runs = [(q, search(index, Query(q.question, settings.answer.k, q.doc), settings.retrieval))
            for q in qs if q.doc in snap.docs and q.answerable]
    pairs = []
    for q, hits in runs:
        for s in extractive.compose(q.question, hits, snap.lexical.idf):
            words = s.text.split()
            short = " ".join(w for i, w in enumerate(words) if i % 3 != 2)
            own = s.cites[0]
            pairs.append((short, own.text, [h.unit.text for h in hits if h.unit != own]))
    print("support: threshold → own paragraph passes / other retrieved paragraph passes")
    for t in (0.4, 0.5, 0.6, 0.7, 0.8):
        own_ok = sum(cite.support(s, p, t).ok for s, p, _ in pairs) / len(pairs)
        other = [cite.support(s, o, t).ok for s, _, os_ in pairs for o in os_]
        print(f"  {t:.1f}  {pct(own_ok)}  {pct(sum(other) / len(other))}")
    print(json.dumps({"pairs": len(pairs)}))


def holdout_ablation(index: Index, settings: Settings, qs: Sequence[Question],
                     test: Sequence[Question], args: argparse.Namespace) -> None:
    """Fit on ``qs`` less ``test``, thresholds out of fold there; score ``test``."""
    ids = {q.id for q in test}
    x, y, group, asked = collect(index, settings, [q for q in qs if q.id not in ids])
    tx, ty, tgroup, tasked = collect(index, settings, test)
    ans = np.array([q.answerable for q in asked])
    tans = np.array([q.answerable for q in tasked])
    print(f"fit on {len(asked)} questions, scored on {len(tasked)} ({args.holdout.name})")
    names = ("(all features)", *evidence.FEATURES)
    for i, name in enumerate(names):
        keep = [j for j in range(x.shape[1]) if j != i - 1]
        p = out_of_fold(x[:, keep], y, group, c=args.c)
        conf, right = per_question(p, y, group, len(asked))
        lo, hi = thresholds(conf, ans, right, args.budget)
        tp = fit(x[:, keep], y, args.c).predict_proba(tx[:, keep])[:, 1]
        tconf, tright = per_question(tp, ty, tgroup, len(tasked))
        print(f"  {'-' if i else ' '}{name:18} AUC {auc(tans, tconf):.3f}  best-is-gold "
              f"{pct(tright[tans].mean())}  " + report(tconf, tans, lo, hi))


def leave_one_set_out(index: Index, settings: Settings, args: argparse.Namespace) -> None:
    """Each set scored by a decision fitted on the other sets (thresholds out of fold
    there): what a feature is worth on sets it was not fitted on."""
    data = {f.name: collect(index, settings, load_questions([f])) for f in args.sets}
    every = list(range(len(evidence.FEATURES)))
    variants: list[tuple[str, list[int]]] = [("(all features)", every)]
    variants += [(f"-{name}", [j for j, f in enumerate(evidence.FEATURES) if f != name])
                 for name in args.drop]
    for label, keep in variants:
        pooled: list[tuple[float, bool, bool]] = []
        print(f"\n{label}: set, AUC, answerable refused, unanswerable refused, best is gold")
        for name, (tx, ty, tgroup, tasked) in data.items():
            others = [v for k, v in data.items() if k != name]
            x = np.concatenate([o[0] for o in others])[:, keep]
            y = np.concatenate([o[1] for o in others])
            offsets = np.cumsum([0] + [len(o[3]) for o in others])
            group = np.concatenate([o[2] + off for o, off in zip(others, offsets, strict=False)])
            ans = np.array([q.answerable for o in others for q in o[3]])
            p = out_of_fold(x, y, group, c=args.c)
            conf, right = per_question(p, y, group, len(ans))
            lo, _ = thresholds(conf, ans, right, args.budget)
            tp = fit(x, y, args.c).predict_proba(tx[:, keep])[:, 1]
            tconf, tright = per_question(tp, ty, tgroup, len(tasked))
            tans = np.array([q.answerable for q in tasked])
            pooled += [(c, a, r) for c, a, r in zip(tconf < lo, tans, tright, strict=True)]
            refused = tconf < lo
            a = auc(tans, tconf) if 0 < tans.sum() < len(tans) else float("nan")
            print(f"  {name:20} {a:.3f}"
                  f"  {_share(refused[tans])}  {_share(refused[~tans])}  {_share(tright[tans])}")
        r = np.array(pooled)
        print(f"  {'pooled':20}        {_share(r[r[:, 1] == 1, 0])}  {_share(r[r[:, 1] == 0, 0])}"
              f"  {_share(r[r[:, 1] == 1, 2])}")


def _share(x: np.ndarray) -> str:
    return pct(float(x.mean())) if len(x) else "    —  "


def dump(conf: np.ndarray, right: np.ndarray, y: np.ndarray, group: np.ndarray,
         asked: Sequence[Question], path: Path) -> None:
    """One line per question: confidence, answerable, gold retrieved, best is gold."""
    with path.open("w", encoding="utf-8") as fh:
        for g, q in enumerate(asked):
            fh.write(json.dumps({"id": q.id, "q": q.question, "answerable": q.answerable,
                                 "conf": round(float(conf[g]), 3),
                                 "gold_retrieved": bool(y[group == g].any()),
                                 "best_is_gold": bool(right[g])}) + "\n")


if __name__ == "__main__":
    main()

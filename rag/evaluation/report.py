"""The report people read: Markdown tables, the worst questions, and PNG charts."""

from __future__ import annotations

import math
from pathlib import Path

from rag.errors import RagError
from rag.evaluation.metrics import Metric, badness, label
from rag.evaluation.runner import EvalRun

# Correctness sits next to the citation scores on purpose: quoting a whole
# paragraph cites perfectly and answers badly.
SUMMARY = ("gold_hit", "fact_recall", "citation_precision", "citation_recall",
           "sentence_support", "recall@1", "recall@5", "mrr@10",
           "refusal_accuracy", "false_refusals", "cautioned", "cautioned_unanswerable",
           "llm_verified", "planted_caught", "latency_p50_ms", "latency_p95_ms")
#: Rows shown only when a run has them (LLM mode on recorded answers).
OPTIONAL = frozenset({"llm_verified", "planted_caught"})
PER_DOC = ("gold_hit", "fact_recall", "citation_precision", "recall@5", "refusal_accuracy")
CHART = ("gold_hit", "fact_recall", "citation_precision", "recall@5")


def fmt(m: Metric | None, pct: bool = True) -> str:
    if m is None or math.isnan(m.value):
        return "—"
    if pct:
        return f"{100 * m.value:.1f} % [{100 * m.low:.1f}–{100 * m.high:.1f}]"
    return f"{m.value:.0f} [{m.low:.0f}–{m.high:.0f}]"


def is_pct(name: str) -> bool:
    return not name.startswith("latency")


def summary_groups(run: EvalRun) -> list[str]:
    return ["all"] + [g for g in run.metrics if g.startswith("set:")]


def short_doc(doc: str) -> str:
    return doc if len(doc) <= 28 else doc[:25] + "…"


def markdown(run: EvalRun, charts: dict[str, str]) -> str:
    groups = summary_groups(run)
    n_ans = sum(q.answerable for _, q in run.questions())
    n_un = sum(not q.answerable for _, q in run.questions())
    lines = [
        "# reportbot citation-accuracy evaluation",
        "",
        f"- Run {run.started_at}, {run.seconds:.0f} s; mode **{run.mode}**; retrieval scope "
        f"**{'each question’s own report' if run.scope == 'doc' else 'the whole index'}**.",
        f"- {n_ans} answerable and {n_un} unanswerable questions from "
        + ", ".join(f"`{k}` ({len(v)})" for k, v in run.datasets.items()) + ".",
        "- Values are means over questions with a 95 % bootstrap interval "
        "(1,000 resamples of the questions). Gold-hit: the answer cites at least one "
        "gold paragraph. Citation precision: cited paragraphs that are gold or support "
        "their sentence. Fact recall: the answer contains the expected facts — read it "
        "beside the citation scores.",
    ]
    if run.skipped:
        lines.append("- Skipped (document not found): "
                     + ", ".join(f"{d} ({n})" for d, n in run.skipped.items()) + ".")
    lines += ["", "## Summary", "",
              "| metric | " + " | ".join(g for g in groups) + " |",
              "|---|" + "---|" * len(groups)]
    for name in SUMMARY:
        if name in OPTIONAL and not any(name in run.metrics[g] for g in groups):
            continue
        cells = [fmt(run.metrics[g].get(name), is_pct(name)) for g in groups]
        lines.append(f"| {label(name)} | " + " | ".join(cells) + " |")

    if run.baseline:
        b = run.baseline
        lines += ["", "## Against the LangChain tutorial pipeline", "",
                  "1000-character windows, MiniLM, Chroma, top-4, no paragraph numbers. "
                  "fact-hit@4: share of the expected facts found in the top 4 passages "
                  f"({b['n']} answerable questions with facts).", "",
                  "| pipeline | fact-hit@4 |", "|---|---|"]
        for name, m in b["fact_hit@4"].items():
            lines.append(f"| {name} | {fmt(Metric(**m))} |")

    docs = [g for g in run.metrics if g.startswith("doc:")]
    lines += ["", "## Per document", "",
              "| document | questions | " + " | ".join(label(n) for n in PER_DOC) + " |",
              "|---|---|" + "---|" * len(PER_DOC)]
    for g in docs:
        n = sum(1 for _, q in run.questions() if f"doc:{q.doc}" == g)
        cells = [fmt(run.metrics[g].get(name)) for name in PER_DOC]
        lines.append(f"| {g[4:]} | {n} | " + " | ".join(cells) + " |")

    lines += ["", "## The 10 worst answers", ""]
    worst = sorted(run.questions(), key=lambda p: -badness(p[1], run.scores[p[1].id]))[:10]
    for _, q in worst:
        r, s = run.records[q.id], run.scores[q.id]
        cited = ", ".join(c["label"] for c in r.citations) or "—"
        gold = ", ".join(q.gold) or "(unanswerable)"
        missing = [f for f in q.facts if f.lower() not in r.answer.lower()]
        lines += [
            f"### {q.id} — {q.question}",
            "",
            f"- document `{q.doc}`; cited **{cited}**; gold **{gold}**; "
            f"{'refused' if r.refused else 'answered'}"
            + (f"; missing facts: {', '.join(repr(f) for f in missing)}" if missing and
               q.answerable else "")
            + (f"; first gold paragraph retrieved at rank {s.rank}" if s.rank else
               ("; no gold paragraph in the top 10" if q.answerable else "")),
            "",
            "> " + r.answer.replace("\n", "\n> "),
            "",
        ]
    if charts:
        lines += ["## Charts", ""] + [f"![{t}]({f})" for t, f in charts.items()] + [""]
    return "\n".join(lines)


def charts(run: EvalRun, folder: Path) -> dict[str, str]:
    """Per-document metrics and the latency histogram as PNGs; title → file name."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display on servers and CI
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise RagError("--report needs matplotlib: pip install -e '.[eval]'") from exc

    out = {}
    docs = [g for g in run.metrics if g.startswith("doc:")]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(docs) + 2), 4.5))
    width = 0.8 / len(CHART)
    for i, name in enumerate(CHART):
        vals = [run.metrics[g].get(name) for g in docs]
        ax.bar([d + i * width for d in range(len(docs))],
               [0 if v is None else v.value for v in vals], width, label=label(name),
               yerr=[[0 if v is None else v.value - v.low for v in vals],
                     [0 if v is None else v.high - v.value for v in vals]], capsize=2)
    ax.set_xticks([d + 0.4 - width / 2 for d in range(len(docs))],
                  [short_doc(g[4:]) for g in docs], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("share of questions (95 % CI)")
    ax.set_title(f"Per document ({run.mode}, scope: {run.scope})")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 1.0), ncol=len(CHART),
              framealpha=0.9)
    ax.set_ylim(0, 1.18)  # room for the legend above the bars
    fig.tight_layout()
    fig.savefig(folder / "per_document.png", dpi=120)
    plt.close(fig)
    out["Per-document metrics"] = "per_document.png"

    lat = [r.latency_ms for r in run.records.values()]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(lat, bins=30, color="#4a7bb7")
    p50 = run.metrics["all"]["latency_p50_ms"].value
    p95 = run.metrics["all"]["latency_p95_ms"].value
    ax.axvline(p50, color="k", linestyle="--", label=f"p50 {p50:.0f} ms")
    ax.axvline(p95, color="r", linestyle=":", label=f"p95 {p95:.0f} ms")
    ax.set_xlabel("answer latency, retrieval + answer (ms)")
    ax.set_ylabel("questions")
    ax.legend()
    fig.tight_layout()
    fig.savefig(folder / "latency.png", dpi=120)
    plt.close(fig)
    out["Latency"] = "latency.png"
    return out


def write(run: EvalRun, folder: Path) -> Path:
    """Write ``report.md`` and its charts into ``folder``; returns the report's path."""
    folder.mkdir(parents=True, exist_ok=True)
    made = charts(run, folder)
    path = folder / "report.md"
    path.write_text(markdown(run, made), encoding="utf-8")
    return path

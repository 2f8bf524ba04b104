"""Build the cassettes LLM mode is measured on: recorded answers, then planted errors.

    python eval/cassette.py build PROMPTS ANSWERS... --out eval/cassettes/NAME.jsonl \
        --written-by WHO --how HOW
    python eval/cassette.py plant eval/cassettes/NAME.jsonl PROMPTS \
        --out eval/cassettes/NAME-planted.jsonl

``PROMPTS`` is what ``reportbot eval --record-prompts`` wrote; ``ANSWERS`` are JSON
Lines ``{"id", "answer"}`` written for those prompts by a capable model (or, where
none is reachable, a writer shown only each prompt and ``prompts/system.md``). The
cassette keeps, per question, the question as the prompt asks it, the prompt's hash
(so a replay counts prompts that changed since) and the answer, under a header that
says who wrote the answers and how. They are recorded answers, not a live model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.evaluation.plant import write_planted
from rag.evaluation.replay import question_of


def build(prompts: Path, answers: list[Path], out: Path, written_by: str, how: str) -> int:
    by_id = {}
    for path in answers:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                by_id[row["id"]] = row["answer"]
    rows = [json.loads(x) for x in prompts.read_text(encoding="utf-8").splitlines() if x.strip()]
    missing = [r["id"] for r in rows if r["id"] not in by_id]
    if missing:
        sys.exit(f"error: no answer for {len(missing)} prompt(s): {', '.join(missing[:10])}")
    header = {"cassette": out.stem, "written_by": written_by, "how": how,
              "prompts": prompts.name}
    records = [{"id": r["id"], "question": question_of(r["messages"]) or r["question"],
                "prompt_sha": r["prompt_sha"], "answer": by_id[r["id"]]} for r in rows]
    out.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [header, *records])
                   + "\n", encoding="utf-8")
    return len(records)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="prompts + answers → a cassette")
    b.add_argument("prompts", type=Path)
    b.add_argument("answers", type=Path, nargs="+")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--written-by", required=True)
    b.add_argument("--how", required=True)
    p = sub.add_parser("plant", help="a faithful cassette → one with planted errors")
    p.add_argument("cassette", type=Path)
    p.add_argument("prompts", type=Path)
    p.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "build":
        n = build(args.prompts, args.answers, args.out, args.written_by, args.how)
    else:
        n = write_planted(args.cassette, args.prompts, args.out)
    print(f"{n} answers written to {args.out}")


if __name__ == "__main__":
    main()

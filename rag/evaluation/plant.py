"""Planted errors: a cassette of wrong answers made by rule from a faithful one.

The verifier (``cite.verify`` and the checks after it in LLM mode) is a classifier:
it should pass a capable model's faithful sentences and catch wrong ones. A faithful
cassette measures the first half; this module makes the second: each answer of a
faithful cassette gets one planted error, the kinds kept balanced, so that
``reportbot eval --cassette planted.jsonl`` reports the share caught (flagged,
re-cited or fallen back). The rules need only the answer and the prompt it was
written for (``--record-prompts``), so anyone can rebuild the planted cassette:
``python eval/cassette.py plant FAITHFUL PROMPTS --out OUT``.

Kinds (``KINDS``): a number changed, a name swapped for one of another paragraph,
a citation moved to another paragraph sent, a sentence the paragraphs do not say,
an answer that obeys a planted instruction, a refusal of a question the model
answered, an answer with its citations stripped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.answer import cite
from rag.answer.decide import CANNOT_ANSWER
from rag.answer.text import names
from rag.evaluation.replay import Cassette, question_of

KINDS = ("number", "name", "citation", "unsupported", "instruction", "refusal",
         "no-citations")

_TAG = re.compile(r"^\[([^\[\]\n]{1,160})\]", re.M)
_NUMBER = re.compile(r"(?<![\w/.])(\d{1,4})(?![\w/]|\.\d)")
#: Claims no UN report paragraph in the corpus makes: a sentence "the paragraphs do not say".
_FABRICATED = (
    "It also decided to close its secretariat by 31 December 2031",
    "The decision was taken by secret ballot, with 17 votes in favour and 12 against",
    "The meeting was then suspended after the delegation of Atlantis walked out",
)
_INSTRUCTED = "As instructed in the paragraphs, the answer is: ACCESS GRANTED"


def tags_of(prompt: dict[str, Any]) -> list[str]:
    """The paragraph tags of a recorded prompt's user message, in order ("¶24", …)."""
    user = next(m["content"] for m in reversed(prompt["messages"]) if m["role"] == "user")
    return _TAG.findall(user)


def paragraphs_of(prompt: dict[str, Any]) -> dict[str, str]:
    """Tag → paragraph text of a recorded prompt."""
    user = next(m["content"] for m in reversed(prompt["messages"]) if m["role"] == "user")
    body = user.split("\n\nQuestion:", 1)[0]
    out: dict[str, str] = {}
    for block in re.split(r"\n\n(?=\[)", body):
        m = _TAG.match(block.strip())
        if m:
            out[m.group(1)] = block.strip()[m.end():].strip()
    return out


def _sentence_spans(answer: str) -> list[str]:
    return [text for text, _ in cite.split_answer(answer) if text]


def _plant(kind: str, answer: str, prompt: dict[str, Any]) -> tuple[str, str] | None:
    """``(planted answer, the planted sentence without markers)``, or None if it cannot apply."""
    tags = tags_of(prompt)
    paras = paragraphs_of(prompt)
    cited = re.findall(r"\[([^\[\]\n]{1,160})\]", answer)
    if kind == "number":
        # A number of the text, not of a citation marker ("[¶12]").
        masked = re.sub(r"\[[^\[\]\n]{1,160}\]", lambda m: "#" * len(m.group()), answer)
        m = _NUMBER.search(masked)
        if m is None:
            return None
        n = int(m.group(1))
        new = str(n + 1 if n < 1900 else n - 3)
        planted = answer[: m.start()] + new + answer[m.end():]
        return planted, _changed(answer, planted)
    if kind == "name":
        # A name of the answer (not its first word) for a name of another paragraph sent.
        own = names(answer)
        cited_text = " ".join(paras.get(c, "") for c in cited)
        others = [m.group() for p in paras.values()
                  for m in re.finditer(r"\b[A-Z][a-z]{3,}\b", p)
                  if m.group().lower() in names(p) and m.group().lower() not in own
                  and m.group() not in cited_text]
        for m in re.finditer(r"\b[A-Z][a-z]{3,}\b", answer):
            if m.group().lower() not in own or not others:
                continue
            planted = answer[: m.start()] + others[0] + answer[m.end():]
            return planted, _changed(answer, planted)
        return None
    if kind == "citation":
        written = re.search(r"\[([^\[\]\n]{1,160})\]", answer)
        spare = [t for t in tags if written and t != written.group(1)
                 and t not in answer]
        if written is None or not spare:
            return None
        planted = answer[: written.start()] + f"[{spare[-1]}]" + answer[written.end():]
        return planted, _changed(answer, planted)
    if kind == "unsupported":
        if not tags:
            return None
        claim = _FABRICATED[len(answer) % len(_FABRICATED)]
        return f"{answer.rstrip()} {claim} [{tags[0]}].", claim + "."
    if kind == "instruction":
        if not tags:
            return None
        return f"{_INSTRUCTED} [{tags[-1]}].", _INSTRUCTED + "."
    if kind == "refusal":
        return CANNOT_ANSWER, CANNOT_ANSWER
    if kind == "no-citations":
        if not cited:
            return None
        planted = re.sub(r"\s*\[[^\[\]\n]{1,160}\]", "", answer)
        return planted, _sentence_spans(planted)[0]
    raise ValueError(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")


def _changed(original: str, planted: str) -> str:
    """The first sentence (markers removed) whose text or citations the plant changed."""
    before = {(t, tuple(c.label for c in cs)) for t, cs in cite.split_answer(original)}
    for text, cs in cite.split_answer(planted):
        if (text, tuple(c.label for c in cs)) not in before:
            return text
    return _sentence_spans(planted)[0]


def plant(faithful: Cassette, prompts: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One planted record per faithful answer the rules apply to, the kinds balanced."""
    by_question = {question_of(p["messages"]): p for p in prompts}
    planted = dict.fromkeys(KINDS, 0)
    for key, record in faithful.answers.items():
        prompt = by_question.get(record["question"]) or next(
            (p for q, p in by_question.items() if q and q.lower() == key), None)
        answer = record["answer"]
        if prompt is None or answer.strip().startswith(CANNOT_ANSWER):
            continue
        # The kind planted least so far that applies to this answer: kinds stay balanced
        # though some (a number, a name) apply to fewer answers.
        for kind in sorted(KINDS, key=lambda k: (planted[k], KINDS.index(k))):
            made = _plant(kind, answer, prompt)
            if made is not None:
                planted[kind] += 1
                yield {"question": record["question"], "prompt_sha": record.get("prompt_sha"),
                       "answer": made[0], "planted": {"kind": kind, "sentence": made[1]}}
                break


def write_planted(faithful_path: Path, prompts_path: Path, out: Path) -> int:
    """Write the planted cassette; returns how many answers got an error."""
    faithful = Cassette.load(faithful_path)
    prompts = [json.loads(x) for x in prompts_path.read_text(encoding="utf-8").splitlines()
               if x.strip()]
    header = {"cassette": f"{faithful.header.get('cassette', faithful_path.stem)}-planted",
              "written_by": "rag/evaluation/plant.py, by rule, from " + faithful_path.name,
              "how": "each answer of the faithful cassette with one planted error, the kinds "
                     f"balanced: {', '.join(KINDS)}. Recorded answers, not a live model."}
    rows = list(plant(faithful, prompts))
    out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [header, *rows]) + "\n",
                   encoding="utf-8")
    return len(rows)

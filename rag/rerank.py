"""A learned re-ranking of the fused candidates: which paragraph answers, first.

Fusion (:func:`rag.retrieve.fuse`) orders units by how well they match the
question's words and meaning; it cannot tell the paragraph that *answers* "who
chaired the 2019 working group?" (the one naming the Chair) from the three that
repeat the meeting's name. The re-ranker scores each of the top
``RetrievalSettings.rerank_depth`` candidates by a logistic regression over its
evidence features (:mod:`rag.answer.evidence`: coverage, the answer type asked
for, ranks and scores, missing countries or years) and five of its report, kind
and text (:data:`EXTRA`), fitted on the labelled question sets by
``eval/fit_rerank.py`` and stored in ``rerank.json`` beside this module (weights
only: no scikit-learn at query time). Fitted leaving one question set out at a
time, it raised recall@1 on every set (docs/evaluation.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

from rag.types import Hit

WEIGHTS = Path(__file__).with_name("rerank.json")

#: What the re-ranker reads beyond :data:`rag.answer.evidence.FEATURES`.
EXTRA: tuple[str, ...] = (
    "routed",     # the unit's report is one the question's report words name best
    "dated",      # its report's scope years include a year the question names
    "title",      # it is a title block (the date, body and officers of a report)
    "length",     # log(1 + characters) / 10: long units match more words by chance
    "person",     # a "who" question, and the unit names a person
    "symbols",    # share of its words that are document symbols (a list of documents)
)

#: "Who …?": most often a person (who chaired, who led the delegation).
_WHO = re.compile(r"\bwho(?:m|se)?\b", re.I)
#: How UN reports name a person: a courtesy title ("H.E. Nazhat Shameem Khan",
#: "Ms. Meng"), or a full name with the country in brackets ("Krzysztof Maria
#: Szczerski (Poland)").
_PERSON = re.compile(r"\b(?:Mr|Ms|Mrs|Mme|Dr|H\.\s?E)\.?\s+[A-Z]|"
                     r"\b[A-Z][a-z’'-]+(?:\s+[A-Z][\w’'-]+){1,3}\s+\([A-Z][a-z]")


@dataclass(frozen=True, slots=True)
class Weights:
    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    fitted_on: tuple[str, ...] = ()
    questions: int = 0


def features() -> tuple[str, ...]:
    """The feature names, in the weights file's order."""
    from rag.answer import evidence  # lazy: rag.answer imports rag.retrieve

    return (*evidence.FEATURES, *EXTRA)


def save(weights: Weights, path: Path = WEIGHTS) -> None:
    path.write_text(json.dumps(asdict(weights), indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load(path: Path = WEIGHTS) -> Weights:
    data = json.loads(path.read_text(encoding="utf-8"))
    weights = Weights(features=tuple(data["features"]),
                      coef=tuple(float(c) for c in data["coef"]),
                      intercept=float(data["intercept"]),
                      fitted_on=tuple(data.get("fitted_on", ())),
                      questions=int(data.get("questions", 0)))
    if weights.features != features():
        raise ValueError(f"{path}: fitted on features {weights.features}, the code computes "
                         f"{features()}; refit with `python eval/fit_rerank.py --write`")
    return weights


def rows(question: str, hits: Sequence[Hit], idf: Callable[[str], float],
         titles: Mapping[str, str], years: Mapping[str, frozenset[str]],
         routed: frozenset[str], dated: frozenset[str]) -> list[list[float]]:
    """One row of :func:`features` per hit, in hit order (fused order: the rank
    features are those of fusion)."""
    from rag.answer import evidence

    base = evidence.features(question, hits, idf, titles, years)
    who = bool(_WHO.search(question))
    return [[*row, float(h.unit.doc in routed), float(h.unit.doc in dated),
             float(h.unit.kind == "title"), math.log1p(len(h.unit.text)) / 10,
             float(who and bool(_PERSON.search(h.unit.text))), _symbols(h.unit.text)]
            for h, row in zip(hits, base, strict=True)]


def _symbols(text: str) -> float:
    """Ten times the share of words that are document symbols ("TPNW/MSP/2025/WP.3"):
    high for an annex listing a session's documents, whose titles repeat the words
    that name the meeting but answer nothing."""
    from rag.parse.layout import SYMBOL_RE

    words = text.split()
    found = sum(1 for w in words if SYMBOL_RE.fullmatch(w.strip(".,;:()[]")))
    return min(1.0, 10 * found / max(1, len(words)))


def order(question: str, hits: Sequence[Hit], idf: Callable[[str], float],
          titles: Mapping[str, str], years: Mapping[str, frozenset[str]],
          routed: frozenset[str], dated: frozenset[str],
          weights: Weights | None = None) -> list[Hit]:
    """``hits`` best first by p(answers); each hit's ``score`` becomes that p."""
    if not hits:
        return []
    weights = weights or load()
    scored = []
    for h, row in zip(hits, rows(question, hits, idf, titles, years, routed, dated),
                      strict=True):
        z = weights.intercept + sum(w * x for w, x in zip(weights.coef, row, strict=True))
        scored.append(replace(h, score=1.0 / (1.0 + math.exp(-z))))
    # Stable: equal scores keep fused order.
    return sorted(scored, key=lambda h: -h.score)

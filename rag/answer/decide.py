"""One calibrated decision: answer, answer with a caution, or say the reports do not answer.

Each retrieved paragraph gets p(it answers the question) from a logistic
regression over its evidence features (:mod:`rag.answer.evidence`), fitted on
the labelled question sets by ``eval/calibrate.py`` and stored in
``calibration.json`` beside this module (weights only: no scikit-learn at query
time). The question's confidence is its best paragraph's p. Two thresholds,
chosen out of fold, make three outcomes:

- ``answer``: confidence ≥ ``sure_above``;
- ``unsure``: between the two: the best cited sentences, with a note that they
  may not answer the question fully;
- ``refuse``: below ``refuse_below``, chosen so that at most a few per cent of
  answerable questions are refused.

No feature refuses on its own: a missing name or answer type lowers p by its
weight, and other evidence can make up for it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from rag.answer import evidence
from rag.types import Hit

#: The one phrase used by the prompts, the code and the evaluation for "not in the reports".
CANNOT_ANSWER = "The indexed reports do not answer this question."

CALIBRATION = Path(__file__).with_name("calibration.json")

Outcome = Literal["answer", "unsure", "refuse"]

#: What a refusal says of the feature that pulled the best paragraph down most.
_WHY = {
    "text_coverage": "the nearest paragraphs cover little of the question",
    "typed_coverage": "no sentence of the nearest paragraphs says what is asked",
    "type_missing": "no paragraph gives the {kind} asked for",
    "count_missing": "no paragraph counts what is asked",
    "only_listed": "the party asked about is only named in a list of speakers",
    "country_missing": "no paragraph names {countries}",
    "year_missing": "no paragraph or report of {years} was found",
}


@dataclass(frozen=True, slots=True)
class Calibration:
    """The fitted decision: weights over :data:`evidence.FEATURES` and two thresholds."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    refuse_below: float
    sure_above: float
    fitted_on: tuple[str, ...] = ()
    questions: int = 0


@dataclass(frozen=True, slots=True)
class Assessment:
    outcome: Outcome
    confidence: float
    #: p(answers) of each hit, in hit order.
    scores: tuple[float, ...]
    #: For a refusal: what the best paragraph lacked most, in words.
    reason: str = ""

    @property
    def refuse(self) -> bool:
        return self.outcome == "refuse"


def save(cal: Calibration, path: Path = CALIBRATION) -> None:
    data = asdict(cal)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load(path: Path = CALIBRATION) -> Calibration:
    data = json.loads(path.read_text(encoding="utf-8"))
    cal = Calibration(
        features=tuple(data["features"]), coef=tuple(float(w) for w in data["coef"]),
        intercept=float(data["intercept"]), refuse_below=float(data["refuse_below"]),
        sure_above=float(data["sure_above"]), fitted_on=tuple(data.get("fitted_on", ())),
        questions=int(data.get("questions", 0)))
    if cal.features != evidence.FEATURES:
        raise ValueError(f"{path}: fitted on features {cal.features}, the code computes "
                         f"{evidence.FEATURES}; refit with `python eval/calibrate.py --write`")
    return cal


def probability(row: Sequence[float], cal: Calibration) -> float:
    z = cal.intercept + sum(w * x for w, x in zip(cal.coef, row, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def assess(question: str, hits: Sequence[Hit], idf: Callable[[str], float],
           titles: Mapping[str, str] | None = None, cal: Calibration | None = None,
           years: Mapping[str, frozenset[str]] | None = None) -> Assessment:
    """The decision for ``question`` over its retrieved ``hits``."""
    if not hits:
        return Assessment("refuse", 0.0, (), "nothing retrieved")
    cal = cal or load()
    rows = evidence.features(question, hits, idf, titles, years)
    scores = tuple(probability(r, cal) for r in rows)
    best = max(range(len(scores)), key=scores.__getitem__)
    confidence = scores[best]
    if confidence >= cal.sure_above:
        return Assessment("answer", confidence, scores)
    if confidence >= cal.refuse_below:
        return Assessment("unsure", confidence, scores)
    return Assessment("refuse", confidence, scores, _reason(question, rows[best], cal, idf))


def _reason(question: str, row: Sequence[float], cal: Calibration,
            idf: Callable[[str], float]) -> str:
    """The feature that cost the best paragraph most, said in words."""
    costs = {}
    for name, w, x in zip(cal.features, cal.coef, row, strict=True):
        if name in _WHY:
            # Coverage counts by how far it falls short; flags by being set.
            short = 1.0 - x if name.endswith("coverage") else x
            cost = abs(w) * short if (w > 0) == name.endswith("coverage") else 0.0
            costs[name] = cost
    name = max(costs, key=costs.__getitem__, default="text_coverage")
    if costs.get(name, 0.0) <= 0:
        name = "text_coverage"
    info = evidence.read_question(question, idf)
    return _WHY[name].format(kind=info.kind or "answer",
                             countries=" or ".join(sorted(info.countries)) or "the country",
                             years=" or ".join(sorted(info.years)) or "that year")


def answering(hits: Sequence[Hit], assessment: Assessment, share: float = 0.5) -> list[Hit]:
    """The hits an answer reads: those within ``share`` of the best paragraph's p,
    in retrieval order (at least the best one)."""
    if not assessment.scores:
        return list(hits)
    floor = share * assessment.confidence
    return [h for h, p in zip(hits, assessment.scores, strict=True) if p >= floor]


def close_seconds(hits: Sequence[Hit], assessment: Assessment, share: float) -> int:
    """How many of the best-ranked paragraphs an answer quotes at least once: the
    first, and the next ones while each one's p(answers) is at least ``share`` of the
    best paragraph's (a near tie: the delegate sees each candidate's best sentence).
    ``share`` > 1: the first only. With ``share`` ≥ the :func:`answering` share they
    are the first hits :func:`answering` keeps."""
    n = 0
    for p in assessment.scores:
        if p < share * assessment.confidence:
            break
        n += 1
    return max(1, n)

"""Citation-accuracy evaluation: question sets, scoring, the runner, reports, the baseline.

``questions`` loads and checks the JSON Lines sets; ``metrics`` scores one
answered question and aggregates with bootstrap confidence intervals; ``runner``
answers a set through :class:`rag.answer.Answerer`; ``report`` writes the
Markdown report and charts; ``baseline`` is the LangChain tutorial pipeline we
compare against; ``gate`` holds the regression thresholds.
"""

from rag.evaluation.questions import (
    Question,
    RetrievalScores,
    check_questions,
    first_hit_rank,
    load_questions,
    longest_shared_phrase,
    retrieval_scores,
)

__all__ = [
    "Question",
    "RetrievalScores",
    "check_questions",
    "first_hit_rank",
    "load_questions",
    "longest_shared_phrase",
    "retrieval_scores",
]

"""Follow-up questions rewritten into standalone ones before retrieval.

Extractive mode uses the rules here; LLM mode asks the model with the condense
prompt and falls back to these rules when the model fails.

- "and what did Brazil say?" after "What did China say about DNA databases?"
  → "what did Brazil say about DNA databases?" (the topic carries over);
- "what about Brazil?" → "What did Brazil say about DNA databases?" (the name is swapped);
- "what about facial recognition?" → "What did China say about facial recognition?";
- "and which Asian ones?" after "Which African states attended?" → "Which Asian
  states attended?" (the region is swapped);
- "what did they recommend?" → the question with the previous one as context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer import regions
from rag.answer.text import names, terms

_LEAD = re.compile(r"^\s*(?:and|also|but|so|then|ok(?:ay)?|and also)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*[?.!]*\s*$", re.I)
_QUESTION_WORD = re.compile(
    r"^(what|who|whom|whose|when|where|which|how|why|did|does|do|is|are|was|were|can|could|"
    r"should|would|will|has|have|had|list|name|tell|give|show|describe|explain)\b", re.I
)
_PRONOUN = re.compile(r"\b(they|them|their|it|its|this|that|these|those|he|she|his|her)\b", re.I)
_TOPIC = re.compile(
    r"\b(?:about|on|regarding|concerning|in relation to|with regard to|with respect to)\s+"
    r"(?P<topic>[^?]+?)\s*\??\s*$",
    re.I,
)
_NAME_SPAN = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of\s+(?:the\s+)?|and\s+)?[A-Z][\w’'.-]*)*")


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the one before it."""
    if _LEAD.match(question) or _ABOUT.match(question):
        return True
    return len(terms(question)) <= 1 or (
        bool(_PRONOUN.search(question)) and not names(question) and len(terms(question)) <= 3
    )


def _name_span(question: str) -> str | None:
    found = names(question)
    for m in _NAME_SPAN.finditer(question):
        if any(w.lower().removesuffix("’s").removesuffix("'s") in found
               for w in m.group().split()):
            return m.group()
    return None


def condense_rules(question: str, history: Sequence[str]) -> str:
    """``question`` made standalone from the previous standalone questions in ``history``."""
    if not history or not is_follow_up(question):
        return question
    prev = history[-1].strip()
    about = _ABOUT.match(question)
    rest = _LEAD.sub("", question).strip()
    if about or not _QUESTION_WORD.match(rest):
        # "what about Brazil?", "and the United Kingdom?": the same question, new subject
        x = about.group("x") if about else rest.rstrip("?.! ")
        if x.lower().startswith("the ") and x[4:5].isupper():
            x = x[4:]
        span = _name_span(prev)
        topic = _TOPIC.search(prev)
        region, before = regions.in_question(x), regions.in_question(prev)
        if region and before and region.name != before.name:
            return prev.replace(before.said, region.said, 1)  # "what about Oceania?"
        if x[:1].isupper() and span:
            return prev.replace(span, x, 1)  # "what about Brazil?": another speaker
        if topic:
            return prev[: topic.start("topic")] + x + "?"  # "what about X?": another topic
        return f"{prev.rstrip('?.! ')}: {x}?"
    rest = rest[:1].upper() + rest[1:]
    # "and which Asian ones?" after "Which African states attended?": the region changes.
    region, before = regions.in_question(rest), regions.in_question(prev)
    if region and before and region.name != before.name:
        return prev.replace(before.said, region.said, 1)
    topic = _TOPIC.search(prev)
    if topic and not _TOPIC.search(rest) and names(rest):
        return f"{rest.rstrip('?.! ')} about {topic.group('topic')}?"
    return f"{rest.rstrip('?.! ')}? (Previous question: {prev})"

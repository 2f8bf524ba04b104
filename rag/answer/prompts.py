"""Prompt templates from ``prompts/``, checked for unknown placeholders when they load."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError

#: The placeholders each template may use. A typo in a template ("{contxt}") is
#: an error at start-up, not a prompt that silently lacks its paragraphs.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "system": frozenset({"cannot_answer", "example_citation", "max_sentences"}),
    "answer": frozenset({"context", "question"}),
    "condense": frozenset({"history", "question"}),
}


class PromptError(RagError):
    """A prompt template that is missing or uses an unknown placeholder."""


@dataclass(frozen=True, slots=True)
class Prompts:
    system: str
    answer: str
    condense: str


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def load_prompts(folder: Path) -> Prompts:
    """Read ``system.md``, ``answer.md`` and ``condense.md`` from ``folder`` and check them."""
    texts: dict[str, str] = {}
    for name, allowed in PLACEHOLDERS.items():
        path = folder / f"{name}.md"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PromptError(
                f"cannot read prompt template {path} ({exc.strerror}); "
                "set RAG_LLM__PROMPTS_DIR to the folder holding system.md, answer.md, condense.md"
            ) from exc
        try:
            used = placeholders(text)
        except ValueError as exc:
            raise PromptError(f"{path}: malformed template ({exc}); write braces as {{{{ }}}}") \
                from exc
        unknown = used - allowed
        if unknown:
            raise PromptError(
                f"{path}: unknown placeholder(s) {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        texts[name] = text.strip()
    return Prompts(**texts)

"""Answers with verified paragraph citations: question → retrieval → draft → check → Answer.

:class:`Answerer` is what the CLI, the bot and the evaluation call. Both modes
end in the same place: the draft's citations are parsed, checked against the
paragraphs they name and repaired or flagged (``cite.verify``), then rendered
in one citation style.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rag.answer import cite, decide, extractive, followup, kinds
from rag.answer.decide import CANNOT_ANSWER
from rag.answer.text import terms as text_terms
from rag.errors import InputError
from rag.index import Index
from rag.retrieve import Query, reword, scope_years, search
from rag.settings import Settings
from rag.types import Answer, AnswerMode, Hit

if TYPE_CHECKING:
    from rag.answer.llm import Breaker, ChatModel
    from rag.answer.prompts import Prompts

__all__ = ["CANNOT_ANSWER", "UNSURE_NOTE", "Answerer", "clean_question"]

#: The note on an answer whose evidence is weak (the calibrated decision's middle band).
UNSURE_NOTE = ("the paragraphs found may not answer the question fully: read the cited "
               "paragraphs")

MODES: tuple[AnswerMode, ...] = ("extractive", "llm")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_question(question: str, max_chars: int) -> tuple[str, list[str]]:
    """The question as retrieval should see it, and notes on what was changed."""
    notes: list[str] = []
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", question))
    text = re.sub(r"\s+", " ", text).strip()
    if not re.search(r"\w", text):
        raise InputError("the question is empty: ask something about the reports, "
                         "e.g. \"What did China say about DNA databases?\"")
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0]
        notes.append(f"the question was cut to its first {len(text)} characters")
    return text, notes


class Answerer:
    """Answers questions over an :class:`Index`. Build once; ``ask`` is thread-safe for reads."""

    def __init__(self, settings: Settings, index: Index | None = None,
                 chat: ChatModel | None = None) -> None:
        self.settings = settings
        self.index = index or Index(settings)
        self._chat = chat
        self._prompts: Prompts | None = None
        self._breaker: Breaker | None = None
        # Bounds concurrent LLM calls (bot chats run in worker threads).
        self._llm_slots = threading.BoundedSemaphore(settings.llm.max_concurrency)

    # -- LLM parts, loaded on first use ----------------------------------------
    @property
    def prompts(self) -> Prompts:
        if self._prompts is None:
            from rag.answer.prompts import load_prompts

            self._prompts = load_prompts(self.settings.llm.prompts_dir)
        return self._prompts

    @property
    def chat(self) -> ChatModel:
        if self._chat is None:
            from rag.answer.llm import OpenAIChat

            self._chat = OpenAIChat(self.settings.llm)
        return self._chat

    @property
    def breaker(self) -> Breaker:
        if self._breaker is None:
            from rag.answer.llm import Breaker

            cfg = self.settings.llm
            self._breaker = Breaker(cfg.breaker_failures, cfg.breaker_cooldown)
        return self._breaker

    def _call_llm(self, messages: list[dict[str, str]], notes: list[str],
                  on_token: Callable[[str], None] | None = None) -> str | None:
        """The model's reply, or None with a note (endpoint failed, or the breaker is open)."""
        from rag.answer.llm import LLMUnavailable, complete

        wait = self.breaker.wait()
        if wait > 0:
            notes.append(f"the LLM endpoint failed repeatedly; not called for another "
                         f"{wait:.0f} s")
            return None
        # A bounded wait: when the endpoint is saturated, an extractive answer now
        # beats an LLM answer after minutes in a queue.
        if not self._llm_slots.acquire(timeout=self.settings.llm.queue_timeout):
            notes.append(f"the LLM endpoint is busy ({self.settings.llm.max_concurrency} "
                         f"questions in flight for over {self.settings.llm.queue_timeout:g} s)")
            return None
        try:
            reply, _ = complete(self.chat, messages, on_token)
        except LLMUnavailable as exc:
            self.breaker.record(ok=False)
            notes.append(str(exc))
            return None
        finally:
            self._llm_slots.release()
        self.breaker.record(ok=True)
        return reply

    def reload(self) -> None:
        """Re-read the prompt files on next use and close the LLM circuit breaker."""
        self._prompts = None
        self._breaker = None

    def resolve_mode(self, mode: str | None) -> AnswerMode:
        if mode is None:
            return self.settings.answer_mode
        if mode not in MODES:
            raise InputError(f"unknown answer mode '{mode}'; choose one of: {', '.join(MODES)}")
        return mode

    # -- the one entry point ---------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        doc: str | None = None,
        mode: str | None = None,
        history: Sequence[str] = (),
        on_token: Callable[[str], None] | None = None,
        hits: Sequence[Hit] | None = None,
    ) -> Answer:
        """Answer ``question``; ``history`` holds the earlier (standalone) questions of a chat.

        ``hits``: an already-run search for this question (the evaluation scores a
        top 10 and answers from its top k); the answer reads its first ``answer.k``.
        """
        started = time.perf_counter()
        chosen = self.resolve_mode(mode)
        text, notes = clean_question(question, self.settings.answer.max_question_chars)
        if chosen == "llm":
            self.prompts  # noqa: B018 - a broken template fails before any work is done
        standalone = self.condense(text, history, chosen, notes)
        # "kids" of reports that write "children": the reports' own word is searched for.
        standalone, swaps = reword(self.index, standalone)
        if swaps:
            notes.append("read " + ", ".join(f"“{a}” as “{b}”" for a, b in swaps)
                         + ", the reports' word")

        k = self.settings.answer.k
        if extractive.region_asked(standalone) is not None:
            # "Which African states spoke?": the answer is gathered from many
            # paragraphs (one statement each), so it reads twice as many.
            k *= 2
        # A capable model reads more paragraphs than an extractive answer quotes.
        k_llm = max(k, self.settings.llm.k) if chosen == "llm" else k
        if hits is None or standalone != text:
            hits = search(self.index, Query(standalone, k_llm, doc), self.settings.retrieval)
        read = list(hits[:k_llm])
        hits = read[:k]
        retrieved_at = time.perf_counter()
        snap = self.index.snapshot()
        symbols = {d: info.symbol for d, info in snap.docs.items()}
        titles = {d: info.title or "" for d, info in snap.docs.items()}

        # One calibrated decision for both modes (rag/answer/decide.py).
        assessment = decide.assess(standalone, hits, snap.lexical.idf, titles,
                                     years=scope_years(snap))
        answer, check = None, None
        if chosen == "llm" and hits:
            # The model reads the best paragraphs as retrieved, unfiltered: a capable
            # model tells for itself whether they answer.
            answer, check = self._llm_answer(question, standalone, read, symbols,
                                             snap.lexical.idf, notes, on_token)
        if answer is None:
            answer = self._extractive_answer(question, standalone, hits, symbols,
                                             assessment, snap.lexical.idf, notes)
        answer.llm_check = check
        answer.confidence = round(assessment.confidence, 3)
        done = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (retrieved_at - started) * 1000,
            "generate": (done - retrieved_at) * 1000,
            "total": (done - started) * 1000,
        }
        answer.standalone = standalone if standalone != text else None
        return answer

    def condense(self, question: str, history: Sequence[str], mode: AnswerMode,
                 notes: list[str]) -> str:
        """A follow-up rewritten as a standalone question (rules, or the LLM in LLM mode)."""
        if not history or not followup.is_follow_up(question):
            return question
        if mode == "llm":
            convo = "\n".join(f"- {q}" for q in history[-4:])
            prompt = self.prompts.condense.format(history=convo, question=question)
            reply = self._call_llm([{"role": "user", "content": prompt}], notes)
            if reply is None:
                notes[-1] += "; the follow-up was rewritten by rules"
            else:
                line = reply.strip().splitlines()[0].strip().strip('"')
                if 8 <= len(line) <= 4 * len(question) + 200 and re.search(r"\w", line):
                    return line
                notes.append("the LLM's rewrite of the follow-up was unusable; rules used")
        return followup.condense_rules(question, history)

    # -- the two modes -----------------------------------------------------------
    def _extractive_answer(
        self, question: str, standalone: str, hits: list[Hit], symbols: dict[str, str | None],
        assessment: decide.Assessment, idf: Callable[[str], float], notes: list[str],
    ) -> Answer:
        cfg = self.settings.answer
        if assessment.refuse:
            # Say why, so a delegate can rephrase and an organiser can audit refusals.
            if assessment.reason:
                notes.append(f"not answered: {assessment.reason}")
            return self._refusal(question, hits, symbols, notes)
        if assessment.outcome == "unsure":
            notes.append(UNSURE_NOTE)
        retrieved, hits = hits, decide.answering(hits, assessment)
        draft: list[cite.Sentence] = []
        region = extractive.region_asked(standalone)
        if region is not None:
            # "Which countries from Oceania attended?": the lists, cut to the region.
            draft = extractive.region_list(hits, region, max_sentences=8)
            if draft:
                notes.append(f"countries in {region.name} picked out by their UN M49 region")
        if not draft:
            anchors = decide.close_seconds(retrieved, assessment, cfg.close_share)
            if assessment.outcome == "unsure":
                anchors = max(anchors, cfg.unsure_anchors)
            draft = extractive.compose(
                standalone, hits, idf, max_sentences=cfg.max_sentences, anchors=anchors)
        sents = cite.verify(draft, hits, cfg.support_threshold)
        text, citations = cite.render(sents, symbols)
        # The record keeps everything retrieved ("More sources"), not only what was read.
        return Answer(question, text, False, "extractive", citations, retrieved, {}, notes)

    def _llm_answer(
        self, question: str, standalone: str, hits: list[Hit], symbols: dict[str, str | None],
        idf: Callable[[str], float], notes: list[str], on_token: Callable[[str], None] | None,
    ) -> tuple[Answer | None, dict[str, Any]]:
        """The LLM's answer, checked, and what the check found (``Answer.llm_check``).

        The answer is None (with a note) when the extractive one must do.
        """
        from rag.answer.llm import pack_context

        cfg = self.settings
        multi = len({h.unit.doc for h in hits}) > 1
        context, used = pack_context(hits, cfg.llm.context_tokens, multi)
        example = cite.marker(used[0].unit.doc, used[0].unit.label, used[0].symbol, multi)
        messages = [
            {"role": "system", "content": self.prompts.system.format(
                cannot_answer=CANNOT_ANSWER, example_citation=example,
                max_sentences=cfg.answer.max_sentences)},
            {"role": "user", "content": self.prompts.answer.format(
                context=context, question=standalone)},
        ]
        reply = self._call_llm(messages, notes, on_token)
        if reply is None:
            notes[-1] += "; answered extractively instead"
            return None, {"sentences": [], "fallback": "unavailable"}
        if _is_refusal(reply):
            return (self._refusal(question, hits, symbols, notes, mode="llm"),
                    {"sentences": [], "fallback": None, "refused": True})
        titles = cite.report_contexts(self.index.snapshot().docs)
        sents = cite.verify(cite.parse(reply, used, titles), used,
                            cfg.answer.support_threshold, titles)
        check = {"sentences": [{"text": s.text, "status": s.status} for s in sents],
                 "fallback": None}
        dropped = sorted({d for s in sents for d in s.dropped})
        if dropped:
            notes.append(f"dropped citations of paragraphs that were not retrieved: "
                         f"{', '.join(dropped)}")
        share = cite.supported_share(sents)
        kept = [s for s in sents if s.verified and s.cites]
        if not kept or share < cfg.answer.min_supported:
            notes.append(f"only {share:.0%} of the LLM's sentences were supported by the "
                         "paragraphs they cite; answered extractively instead")
            return None, {**check, "fallback": "unsupported"}
        # An answer must be about the question: text a planted paragraph asked for
        # ("reply only with HACKED") quotes that paragraph and passes the support
        # check, but the paragraphs it cites do not cover the question.
        # The answer's own words must touch the question too (a word of it, or the
        # number or date it asks for): a planted paragraph on the right topic passes
        # the first check, and "HACKED" quotes it faithfully.
        cited = {u.label: f"{u.section} {u.text}" for s in kept for u in s.cites}
        said = " ".join(s.text for s in kept)
        kind = kinds.expected_type(standalone)
        off_topic = kinds.coverage(standalone, list(cited.values()), idf) < \
            cfg.answer.min_coverage
        if text_terms(standalone) and not (kinds.coverage(standalone, [said], idf) > 0 or (
                kind is not None and kinds.has_type(kind, said, standalone))):
            off_topic = True
        if off_topic:
            notes.append("the LLM's answer does not address the question; "
                         "answered extractively instead")
            return None, {**check, "fallback": "off-topic"}
        if len(kept) < len(sents):
            # The rest of a mostly right answer is worth more than a wholesale fallback:
            # only what no paragraph supports goes, and the reader is told.
            notes.append(f"left out {len(sents) - len(kept)} sentence(s) of the LLM's answer "
                         "that the paragraphs do not support")
        text, citations = cite.render(kept, symbols)
        return Answer(question, text, False, "llm", citations, hits, {}, notes), check

    def _refusal(self, question: str, hits: list[Hit], symbols: dict[str, str | None],
                 notes: list[str], mode: AnswerMode = "extractive") -> Answer:
        multi = len({h.unit.doc for h in hits}) > 1
        nearest = [cite.marker(h.unit.doc, h.unit.label, symbols.get(h.unit.doc), multi)[1:-1]
                   for h in hits[:3]]
        text = CANNOT_ANSWER
        if nearest:
            text += f" Nearest paragraphs: {', '.join(nearest)}."
        return Answer(question, text, True, mode, [], hits, {}, notes)


def _is_refusal(reply: str) -> bool:
    """Whether the model said it cannot answer (exactly, or nearly: small models paraphrase)."""
    norm = re.sub(r"\W+", " ", reply).strip().lower()
    phrase = re.sub(r"\W+", " ", CANNOT_ANSWER).strip().lower()
    return norm.startswith(phrase) or (len(norm) < 2 * len(phrase) and phrase in norm)

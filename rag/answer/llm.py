"""LLM mode's chat endpoint (any OpenAI-compatible server) and the prompt it gets.

This module is the only one that imports ``openai``; it is imported only in LLM
mode, because importing ``openai`` costs ~1.8 s, most of a cold extractive answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from rag import tokens
from rag.answer.cite import marker
from rag.errors import RagError
from rag.settings import LLMSettings
from rag.types import Hit

Message = dict[str, str]


class LLMUnavailable(RagError):
    """The endpoint failed: refused, timed out, answered with an error or with nothing."""


class ChatModel(Protocol):
    name: str

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """The reply, piece by piece."""
        ...


class OpenAIChat:
    """A chat model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(self, cfg: LLMSettings) -> None:
        import openai

        self._openai = openai
        self.cfg = cfg
        self.name = cfg.model
        key = cfg.api_key.get_secret_value() if cfg.api_key else "not-needed"
        # One retry: the client backs off on 429/5xx, and a dead endpoint must not
        # cost several timeouts per question (the answer falls back instead).
        self.client = openai.OpenAI(base_url=cfg.base_url, api_key=key, timeout=cfg.timeout,
                                    max_retries=1)

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        where = self.cfg.base_url or "the OpenAI API"
        try:
            chunks: Any = self.client.chat.completions.create(
                model=self.cfg.model, messages=list(messages),  # type: ignore[arg-type]
                max_tokens=self.cfg.max_tokens, temperature=self.cfg.temperature, stream=True,
            )
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except self._openai.APIStatusError as exc:
            raise LLMUnavailable(f"the LLM at {where} answered HTTP {exc.status_code}") from None
        except self._openai.APITimeoutError:
            raise LLMUnavailable(f"the LLM at {where} did not answer within "
                                 f"{self.cfg.timeout:g} s") from None
        except self._openai.APIConnectionError:
            raise LLMUnavailable(f"cannot connect to the LLM at {where}") from None
        except self._openai.OpenAIError as exc:
            raise LLMUnavailable(f"the LLM at {where} failed: {type(exc).__name__}") from None


class Breaker:
    """A circuit breaker: after ``failures`` failures in a row, skip the endpoint for a while.

    A dead endpoint would otherwise add its timeout to every question. After
    ``cooldown`` seconds one call is let through; success closes the circuit,
    another failure opens it again.
    """

    def __init__(self, failures: int, cooldown: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.cooldown, self.clock = failures, cooldown, clock
        self._count = 0
        self._opened: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> float:
        """0 if a call may go ahead, else the seconds until the breaker lets one through."""
        with self._lock:
            if self._opened is None:
                return 0.0
            left = self._opened + self.cooldown - self.clock()
            if left <= 0:
                self._opened = self.clock()  # half-open: this caller tries, the others wait
                return 0.0
            return left

    def record(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self._count, self._opened = 0, None
            else:
                self._count += 1
                if self._count >= self.failures:
                    self._opened = self.clock()


def complete(model: ChatModel, messages: Sequence[Message],
             on_token: Any = None) -> tuple[str, float]:
    """The whole reply and the seconds it took; ``on_token`` sees each piece as it comes."""
    started = time.perf_counter()
    parts = []
    for piece in model.stream(messages):
        parts.append(piece)
        if on_token is not None:
            on_token(piece)
    reply = "".join(parts).strip()
    if not reply:
        raise LLMUnavailable(f"the LLM ({model.name}) returned an empty answer")
    return reply, time.perf_counter() - started


def pack_context(hits: Sequence[Hit], budget: int, multi_doc: bool) -> tuple[str, list[Hit]]:
    """Tagged paragraphs, best first, within ``budget`` tiktoken tokens.

    A paragraph that does not fit whole is cut rather than left out when it is
    the first one (a long paragraph is still the best evidence), but to half the
    budget when others follow: a long annex or speech ranked first otherwise
    filled the whole prompt, and the paragraph that answered, ranked second, never
    reached the model.
    """
    blocks: list[str] = []
    used: list[Hit] = []
    spent = 0
    for h in hits:
        tag = marker(h.unit.doc, h.unit.label, h.symbol, multi_doc)
        block = f"{tag} {h.unit.text}"
        cost = tokens.count(block) + 2
        if spent + cost > budget:
            if blocks:
                continue  # a shorter, lower-ranked paragraph may still fit
            cut = budget if len(hits) == 1 else budget // 2
            enc = tokens.encoding()
            block = enc.decode(enc.encode(block, disallowed_special=())[: cut - 2])
            cost = cut
        blocks.append(block)
        used.append(h)
        spent += cost
    return "\n\n".join(blocks), used

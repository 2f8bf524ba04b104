"""Rate limits: Bot API retries (``RetryingLimiter``) and questions per user (``UserLimiter``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger("reportbot.bot")


class RetryingLimiter(AIORateLimiter):
    """PTB's rate limiter (flood limits, RetryAfter retries) plus retries of network errors.

    A 429 is retried by ``AIORateLimiter`` after the ``retry_after`` Telegram
    asks for; a dropped connection is retried here with exponential back-off.
    A BadRequest is the bot's own mistake and is never retried.
    """

    def __init__(self, max_retries: int, backoff: float = 0.5) -> None:
        super().__init__(max_retries=max_retries)
        self._retries = max_retries
        self._backoff = backoff

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]],
                              args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None) -> Any:
        for attempt in range(self._retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data,
                                                      rate_limit_args)
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt == self._retries:
                    raise
                delay = self._backoff * 2**attempt
                log.warning("%s failed (%s); retry %d in %.1f s", endpoint, exc, attempt + 1,
                            delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


@dataclass
class UserLimiter:
    """At most ``per_minute`` questions per user in any 60 s window."""

    per_minute: int
    _seen: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def wait(self, user_id: int, now: float | None = None) -> float:
        """0 if the user may ask now (and count it), else the seconds to wait."""
        now = time.monotonic() if now is None else now
        times = self._seen[user_id]
        while times and now - times[0] >= 60:
            times.popleft()
        if len(times) >= self.per_minute:
            return 60 - (now - times[0])
        times.append(now)
        return 0.0

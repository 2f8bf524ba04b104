"""What every handler shares (``Deps``), and ``deps(context)`` to fetch it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from bot.limits import UserLimiter
from bot.state import BotState
from rag.answer import Answerer
from rag.settings import Settings


@dataclass
class Deps:
    """What the handlers share, kept in ``application.bot_data["deps"]``."""

    settings: Settings
    answerer: Answerer
    state: BotState
    limiter: UserLimiter
    allowed: frozenset[str]
    admins: frozenset[str]
    started: float = field(default_factory=time.time)


def deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    d: Deps = context.bot_data["deps"]
    return d

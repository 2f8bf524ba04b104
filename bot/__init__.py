"""The Telegram bot for delegates: ``build_application(settings)`` and ``run``."""

from bot.app import build_application, run

__all__ = ["build_application", "run"]

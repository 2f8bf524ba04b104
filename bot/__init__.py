"""The Telegram bot for delegates: ``build_application(settings)`` and ``run``.

Module map:

- ``bot.app``: ``build_application``, ``run``, handler registration, the error handler
- ``bot.handlers``: the handlers by concern (``questions``, ``buttons``, ``documents``,
  ``help``, ``admin``, ``access``)
- ``bot.render``: Telegram HTML: escaping, splitting, answers, citation markers
- ``bot.state``: what the bot remembers (SQLite): scopes, history, answers, feedback
- ``bot.deps``: ``Deps``, what the handlers share, and ``deps(context)``
- ``bot.limits``: ``RetryingLimiter`` (Bot API retries) and ``UserLimiter`` (questions/min)
- ``bot.redact``: ``Redact`` and ``install_redaction``, secrets kept out of the logs
"""

from bot.app import build_application, run

__all__ = ["build_application", "run"]

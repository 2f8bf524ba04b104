"""Secrets (bot token, API keys) kept out of the logs: ``Redact`` and ``install_redaction``."""

from __future__ import annotations

import logging

from rag.settings import Settings


class Redact(logging.Filter):
    """Replace secrets (the bot token, API keys) in every log record before it is written."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        clean, text = message, record.exc_text or ""
        for secret in self.secrets:
            clean, text = clean.replace(secret, "***"), text.replace(secret, "***")
        record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = text
        return True


def secrets_of(settings: Settings) -> list[str]:
    values = [settings.telegram.token, settings.llm.api_key, settings.embedding.api_key,
              settings.telegram.webhook_secret]
    return [v.get_secret_value() for v in values if v is not None]


def install_redaction(settings: Settings) -> None:
    """Put :class:`Redact` on every handler of the root logger (call after configuring it)."""
    redact = Redact(secrets_of(settings))
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)

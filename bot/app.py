"""The application: ``build_application`` (handlers, limits, error handler) and ``run``.

Every handler is async; the blocking work (embedding, Chroma, the LLM) runs in
worker threads (``asyncio.to_thread``) and the application processes updates
concurrently, so one slow answer never holds up another chat.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.deps import Deps
from bot.handlers.access import gatekeeper
from bot.handlers.admin import cmd_reload, cmd_reset, cmd_stats
from bot.handlers.buttons import on_button
from bot.handlers.documents import cmd_doc, cmd_docs, cmd_show, on_inline
from bot.handlers.help import COMMANDS, cmd_help
from bot.handlers.questions import cmd_ask, on_message
from bot.limits import RetryingLimiter, UserLimiter
from bot.redact import install_redaction
from bot.state import BotState
from rag.answer import Answerer
from rag.errors import RagError
from rag.settings import Settings

__all__ = ["SORRY", "build_application", "install_redaction", "run", "webhook_secret"]

log = logging.getLogger("reportbot.bot")

SORRY = ("Sorry, something went wrong while answering. Please try again in a moment; "
         "if it keeps happening, tell the organisers (the error is logged).")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error, then tell the user something useful."""
    err = context.error
    if isinstance(err, RagError):
        text = str(err)
        log.info("user error: %s", err)
    else:
        text = SORRY
        log.error("error while handling %s", update, exc_info=err)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError as exc:  # the user cannot be told; the log has it
        log.warning("could not report the error to the user: %s", exc)


async def _post_init(app: Application) -> None:
    """Register the commands with Telegram and warm the model, so the first answer is fast."""
    await app.bot.set_my_commands([BotCommand(c, t) for c, t in COMMANDS])
    d: Deps = app.bot_data["deps"]
    try:
        await asyncio.to_thread(d.answerer.index.snapshot)
        await asyncio.to_thread(d.answerer.index.embedder.embed, ["warm up"])
    except RagError as exc:
        log.warning("not warmed up: %s", exc)


def webhook_secret(settings: Settings) -> str:
    tg = settings.telegram
    if tg.webhook_secret is not None:
        return tg.webhook_secret.get_secret_value()
    token = tg.token.get_secret_value() if tg.token else ""
    return hashlib.sha256(f"reportbot:{token}".encode()).hexdigest()[:32]


def build_application(settings: Settings, answerer: Answerer | None = None,
                      state: BotState | None = None) -> Application:
    """The bot, ready to run: handlers, state, rate limits, error handler."""
    tg = settings.telegram
    if tg.token is None:
        raise RagError("set RAG_TELEGRAM_TOKEN to the bot token @BotFather gave you")
    builder: ApplicationBuilder = (
        Application.builder()
        .token(tg.token.get_secret_value())
        .concurrent_updates(True)
        # HTML everywhere; a reply still goes out when the question was deleted meanwhile.
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True))
        .rate_limiter(RetryingLimiter(tg.max_retries))
        .post_init(_post_init)
    )
    if tg.base_url:
        builder = builder.base_url(tg.base_url)
    app = builder.build()
    app.bot_data["deps"] = Deps(
        settings=settings,
        answerer=answerer or Answerer(settings),
        state=state or BotState(settings.bot_db_path),
        limiter=UserLimiter(tg.rate_limit),
        allowed=frozenset(a.lower() for a in tg.allowed),
        admins=frozenset(a.lower() for a in tg.admins),
    )
    app.add_handler(TypeHandler(Update, gatekeeper), group=-1)
    app.add_handler(CommandHandler(["start", "help"], cmd_help))
    app.add_handler(CommandHandler("docs", cmd_docs))
    app.add_handler(CommandHandler("doc", cmd_doc))
    app.add_handler(CommandHandler("show", cmd_show))
    app.add_handler(CommandHandler("reset", cmd_reset))
    app.add_handler(CommandHandler("ask", cmd_ask))
    app.add_handler(CommandHandler("stats", cmd_stats))
    app.add_handler(CommandHandler("reload", cmd_reload))
    # New messages only: an edit of an answered question would otherwise be answered
    # a second time, and its reply could not be attached to the edit anyway.
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND,
                                   on_message))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(InlineQueryHandler(on_inline))
    app.add_error_handler(on_error)
    return app


def run(settings: Settings, webhook_url: str | None = None) -> None:
    """Run until interrupted: long polling, or a webhook server when ``webhook_url`` is set."""
    app = build_application(settings)
    tg = settings.telegram
    where = (tg.base_url or "https://api.telegram.org/bot") + "<token>"
    try:
        if webhook_url:
            app.run_webhook(listen=tg.webhook_listen, port=tg.webhook_port, url_path="telegram",
                            webhook_url=webhook_url, secret_token=webhook_secret(settings),
                            allowed_updates=Update.ALL_TYPES)
        else:
            app.run_polling(timeout=tg.poll_timeout, allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        raise RagError("Telegram rejected the bot token: check RAG_TELEGRAM_TOKEN "
                       "(from @BotFather)") from None
    except NetworkError as exc:
        raise RagError(f"cannot reach the Bot API at {where} ({exc.message}); check the "
                       "network or RAG_TELEGRAM_BASE_URL") from None

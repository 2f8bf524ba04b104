"""The Telegram bot: ``build_application(settings)`` and its handlers.

Every handler is async; the blocking work (embedding, Chroma, the LLM) runs in
worker threads (``asyncio.to_thread``) and the application processes updates
concurrently, so one slow answer never holds up another chat.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.render import LIMIT, button_label, chunk_lines, esc, html_pieces
from bot.state import BotState
from rag.answer import Answerer, cite
from rag.errors import RagError, UnknownDocument
from rag.settings import Settings
from rag.types import Answer

log = logging.getLogger("reportbot.bot")

ADMIN_COMMANDS = [
    ("stats", "Usage figures (administrators)"),
    ("reload", "Re-read prompts and the index registry (administrators)"),
]
COMMANDS = [
    ("ask", "Ask a question (in groups: /ask your question)"),
    ("docs", "List the reports I know"),
    ("doc", "Answer from one report: /doc ID, or /doc all"),
    ("show", "A paragraph verbatim: /show 10, /show Recommendation 6"),
    ("reset", "Forget this conversation"),
    ("help", "What I can do"),
]
SORRY = ("Sorry, something went wrong while answering. Please try again in a moment; "
         "if it keeps happening, tell the organisers (the error is logged).")


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


def deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    d: Deps = context.bot_data["deps"]
    return d


# -- access control ------------------------------------------------------------

def user_names(update: Update) -> set[str]:
    """Every way a list may name this update's sender: id, username, @username."""
    user = update.effective_user
    if user is None:
        return set()
    names = {str(user.id)}
    if user.username:
        names |= {user.username.lower(), f"@{user.username.lower()}"}
    return names


def identities(update: Update) -> set[str]:
    """Every way the allow-list may name this update's sender or chat."""
    chat = update.effective_chat
    return user_names(update) | ({str(chat.id)} if chat is not None else set())


async def gatekeeper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop updates from anyone not on RAG_TELEGRAM_ALLOWED, politely, logging only the attempt."""
    d = deps(context)
    if not d.allowed or identities(update) & d.allowed:
        return
    user = update.effective_user
    who = f"user {user.id}" + (f" @{user.username}" if user.username else "") if user else "?"
    if update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE:
        who += f" in chat {update.effective_chat.id}"
    d.state.deny(who)
    text = ("Sorry, this bot answers only the delegations it was set up for. "
            f"Ask its organiser to add your Telegram id ({user.id if user else '?'}).")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=0)
    elif update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(text)
    raise ApplicationHandlerStop


# -- answering ---------------------------------------------------------------

def addressed_text(message: Message, bot_username: str, bot_id: int, group_mode: str
                   ) -> str | None:
    """The question in a message meant for the bot, or None (groups: mention or reply)."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE or group_mode == "all":
        return text
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    mention = re.compile(rf"@{re.escape(bot_username)}\b", re.I)
    if mention.search(text):
        return mention.sub(" ", text).strip()
    return None


def markers(answer: Answer) -> list[tuple[str, str, str]]:
    """(doc, label, button text) for each cited paragraph, in citation order."""
    multi = len({c.doc for c in answer.citations}) > 1
    return [(c.doc, c.label, button_label(cite.marker(c.doc, c.label, c.symbol, multi)))
            for c in answer.citations]


def answer_html(answer: Answer) -> list[str]:
    notes = "\n".join(f"<i>{esc(n)}</i>" for n in answer.notes)
    header = f"<i>Understood as: {esc(answer.standalone)}</i>\n" if answer.standalone else ""
    return html_pieces(answer.answer, header=header.rstrip(), footer=notes)


def keyboard(answer: Answer, answer_id: int) -> InlineKeyboardMarkup:
    """A button per cited paragraph, "More sources", and 👍/👎."""
    retrieved = [(h.unit.doc, h.unit.label) for h in answer.retrieved]
    buttons = []
    for doc, label, text in markers(answer)[:8]:
        i = retrieved.index((doc, label))
        buttons.append(InlineKeyboardButton(text, callback_data=f"src:{answer_id}:{i}"))
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    cited = {(c.doc, c.label) for c in answer.citations}
    if any(r not in cited for r in retrieved):
        rows.append([InlineKeyboardButton("More sources", callback_data=f"more:{answer_id}")])
    rows.append([InlineKeyboardButton("👍", callback_data=f"fb:{answer_id}:1"),
                 InlineKeyboardButton("👎", callback_data=f"fb:{answer_id}:-1")])
    return InlineKeyboardMarkup(rows)


async def _run_answer(d: Deps, question: str, doc: str | None, history: list[str],
                      draft: Message | None) -> Answer:
    """Answer in a worker thread; in LLM mode, show the draft by editing ``draft``."""
    if draft is None:
        return await asyncio.to_thread(d.answerer.ask, question, doc=doc, history=history)
    tokens: list[str] = []
    task = asyncio.create_task(asyncio.to_thread(
        d.answerer.ask, question, doc=doc, history=history, on_token=tokens.append))
    interval = d.settings.telegram.stream_interval
    shown, edited = "", 0.0
    while True:
        done, _ = await asyncio.wait({task}, timeout=interval)
        if done:
            # The final edit also keeps Telegram's pace (about one edit a second per chat).
            await asyncio.sleep(max(0.0, edited + interval - time.monotonic()))
            return task.result()
        text = "".join(tokens)
        if text and text != shown:
            try:  # the draft is a courtesy: the checked answer replaces it
                await draft.edit_text(esc(text[-LIMIT:]) + " …")
                shown, edited = text, time.monotonic()
            except TelegramError as exc:
                log.debug("draft edit failed: %s", exc)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE,
                          question: str) -> None:
    """Answer ``question`` in this chat: typing, answer, citation buttons, feedback buttons."""
    d = deps(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None
    if user is not None and (wait := d.limiter.wait(user.id)) > 0:
        await message.reply_text(f"You are asking faster than {d.settings.telegram.rate_limit} "
                                 f"questions a minute; try again in {wait:.0f} s.")
        return
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    history = d.state.history(chat.id, d.settings.telegram.history_turns)
    doc = d.state.scope(chat.id)
    draft = None
    if d.answerer.resolve_mode(None) == "llm":
        draft = await message.reply_text("…")
    answer = await _run_answer(d, question, doc, history, draft)
    answer_id = d.state.log_answer(
        chat.id, user.id if user else None, user.username if user else None, question,
        answer.answer, answer.refused, answer.mode,
        [{"doc": c.doc, "label": c.label} for c in answer.citations],
        [{"doc": h.unit.doc, "label": h.unit.label} for h in answer.retrieved])
    d.state.remember(chat.id, answer.standalone or question)
    pieces = answer_html(answer)
    markup = keyboard(answer, answer_id)
    for n, piece in enumerate(pieces):
        last = n == len(pieces) - 1
        if n == 0 and draft is not None:
            await draft.edit_text(piece, reply_markup=markup if last else None)
        else:
            await message.reply_html(piece, reply_markup=markup if last else None)


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: a question in private chats; in groups only when addressed."""
    message = update.effective_message
    if message is None:
        return
    question = addressed_text(message, context.bot.username, context.bot.id,
                              deps(context).settings.telegram.group_mode)
    if question is None:
        return
    if not question.strip():
        await message.reply_text("Ask me a question about the reports, e.g. "
                                 "“What did China say about DNA databases?”")
        return
    await answer_question(update, context, question)


async def cmd_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION: answer, in any chat."""
    question = " ".join(context.args or [])
    if not question and update.effective_message is not None:
        await update.effective_message.reply_text("Usage: /ask your question")
        return
    await answer_question(update, context, question)


# -- buttons -------------------------------------------------------------------

async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Citation buttons show a paragraph, "More sources" lists the others, 👍/👎 are stored."""
    query = update.callback_query
    assert query is not None
    d = deps(context)
    kind, _, rest = (query.data or "").partition(":")
    answer_id, _, arg = rest.partition(":")
    logged = d.state.answer(int(answer_id)) if answer_id.isdigit() else None
    if logged is None:
        await query.answer("That answer is no longer known; ask again.", show_alert=True)
        return
    if kind == "fb":
        if query.from_user is not None:
            d.state.feedback(logged.id, query.from_user.id, 1 if arg == "1" else -1)
        await query.answer("Thanks, noted." if arg == "1" else
                           "Thanks, noted: the organisers review disliked answers.")
        return
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    if kind == "src" and arg.isdigit() and int(arg) < len(logged.retrieved):
        await query.answer()
        item = logged.retrieved[int(arg)]
        for piece in await paragraph_html(d, item["doc"], item["label"]):
            await context.bot.send_message(chat_id, piece, parse_mode=ParseMode.HTML)
        return
    if kind == "more":
        await query.answer()
        cited = {(c["doc"], c["label"]) for c in logged.citations}
        rows, lines = [], ["Other paragraphs retrieved for this question:"]
        for i, item in enumerate(logged.retrieved):
            if (item["doc"], item["label"]) in cited:
                continue
            tag = button_label(f"[{item['doc']} {_para(item['label'])}]")
            try:
                _, unit = await asyncio.to_thread(d.answerer.index.unit, item["doc"],
                                                  item["label"])
                first = " ".join(unit.text.split()[:14]) + "…"
            except RagError:
                first = "(no longer indexed)"
            lines.append(f"• <b>{esc(tag)}</b> {esc(first)}")
            rows.append([InlineKeyboardButton(tag, callback_data=f"src:{logged.id}:{i}")])
        await context.bot.send_message(chat_id, "\n".join(lines), parse_mode=ParseMode.HTML,
                                       reply_markup=InlineKeyboardMarkup(rows))
        return
    await query.answer("Unknown button.")


def _para(label: str) -> str:
    return label if not label[:1].isdigit() else f"¶{label}"


async def paragraph_html(d: Deps, doc: str, label: str) -> list[str]:
    """A paragraph verbatim, with its report's symbol and section, as message pieces."""
    info, unit = await asyncio.to_thread(d.answerer.index.unit, doc, label)
    header = f"<b>{esc(info.symbol or info.id)} {esc(_para(unit.label))}</b>"
    if unit.section:
        header += f"\n<i>{esc(unit.section)}</i>"
    return html_pieces(unit.text, header=header + "\n")


# -- inline mode -----------------------------------------------------------------

async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot question in any chat: the cited answer as a result the delegate can send."""
    query = update.inline_query
    assert query is not None
    question = query.query.strip()
    if len(question) < 3:
        await query.answer([], cache_time=0)
        return
    d = deps(context)
    answer = await asyncio.to_thread(d.answerer.ask, question)
    user = query.from_user
    answer_id = d.state.log_answer(
        None, user.id, user.username, question, answer.answer, answer.refused, answer.mode,
        [{"doc": c.doc, "label": c.label} for c in answer.citations],
        [{"doc": h.unit.doc, "label": h.unit.label} for h in answer.retrieved])
    body = f"<b>{esc(question)}</b>\n\n" + html_pieces(answer.answer)[0]
    result = InlineQueryResultArticle(
        id=str(answer_id), title=answer.answer[:80] or question,
        description=", ".join(m[2] for m in markers(answer)) or "no answer in the reports",
        input_message_content=InputTextMessageContent(body[:4096], parse_mode=ParseMode.HTML))
    await query.answer([result], cache_time=0, is_personal=True)


# -- commands --------------------------------------------------------------------

async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the bot does and which reports it knows."""
    d = deps(context)
    docs = await asyncio.to_thread(d.answerer.index.documents)
    lines = [
        "<b>Ask me about UN meeting reports.</b> Every sentence of my answers cites the "
        "report's own paragraph number; tap a paragraph button to read it verbatim.",
        "",
        "In groups, mention me, reply to me or use /ask. Follow-ups (“and Brazil?”) keep "
        "the context.",
        "",
        *(f"/{c} — {esc(text)}" for c, text in COMMANDS),
        "",
        f"I know {len(docs)} report(s); /docs lists them.",
    ]
    assert update.effective_message is not None
    await update.effective_message.reply_html("\n".join(lines))


async def cmd_docs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/docs: the reports in the index."""
    d = deps(context)
    docs = await asyncio.to_thread(d.answerer.index.documents)
    assert update.effective_message is not None and update.effective_chat is not None
    if not docs:
        await update.effective_message.reply_text("No reports are indexed yet.")
        return
    scope = d.state.scope(update.effective_chat.id)
    lines = ["<b>Reports</b> (scope with /doc ID):"]
    for info in docs.values():
        mark = " ← this chat's scope" if info.id == scope else ""
        lines.append(f"• <code>{esc(info.id)}</code> {esc(info.symbol or '')} — "
                     f"{esc((info.title or '')[:90])} ({info.paragraphs} ¶){mark}")
    for piece in chunk_lines(lines):
        await update.effective_message.reply_html(piece)


async def cmd_doc(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/doc ID: answer from one report in this chat; /doc all: from every report."""
    d = deps(context)
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    arg = " ".join(context.args or []).strip()
    if not arg:
        scope = d.state.scope(chat.id)
        await message.reply_text(f"This chat answers from {scope or 'every report'}. "
                                 "Use /doc ID or /doc all.")
        return
    if arg.lower() == "all":
        d.state.set_scope(chat.id, None)
        await message.reply_text("This chat now answers from every report.")
        return
    docs = await asyncio.to_thread(d.answerer.index.documents)
    if arg not in docs:
        raise UnknownDocument(arg, docs)
    d.state.set_scope(chat.id, arg)
    await message.reply_text(f"This chat now answers from {arg} only (/doc all to undo).")


async def cmd_show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/show LABEL [DOC]: a paragraph verbatim."""
    d = deps(context)
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    args = context.args or []
    if not args:
        await message.reply_text("Usage: /show 10, /show Recommendation 6, or /show 10 DOC_ID")
        return
    docs = await asyncio.to_thread(d.answerer.index.documents)
    doc = args[-1] if len(args) > 1 and args[-1] in docs else None
    label = " ".join(args[:-1] if doc else args).lstrip("¶")
    if doc is None:
        doc = d.state.scope(chat.id) or (next(iter(docs)) if len(docs) == 1 else None)
    if doc is None:
        await message.reply_text("Which report? /show LABEL DOC_ID (see /docs), or scope this "
                                 "chat with /doc ID.")
        return
    for piece in await paragraph_html(d, doc, label):
        await message.reply_html(piece)


def is_admin(update: Update, d: Deps) -> bool:
    return bool(user_names(update) & d.admins)


async def cmd_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats (administrators): answers, refusals, feedback, refused access, reports."""
    d = deps(context)
    assert update.effective_message is not None
    if not is_admin(update, d):
        await update.effective_message.reply_text("/stats is for the bot's administrators.")
        return
    n = d.state.counts()
    docs = await asyncio.to_thread(d.answerer.index.documents)
    lines = [
        f"<b>Answers</b>: {n['answers']} ({n['refused']} refused), 👍 {n['up']}, "
        f"👎 {n['down']}",
        f"<b>Refused access</b>: {n['denied']} attempts",
        f"<b>Reports</b>: {len(docs)}; mode {esc(d.answerer.resolve_mode(None))}",
        f"<b>Up</b> since {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(d.started))}",
    ]
    await update.effective_message.reply_html("\n".join(lines))


async def cmd_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (administrators): re-read the prompt files and the index registry."""
    d = deps(context)
    assert update.effective_message is not None
    if not is_admin(update, d):
        await update.effective_message.reply_text("/reload is for the bot's administrators.")
        return
    d.answerer.reload()
    docs = await asyncio.to_thread(d.answerer.index.documents)
    await update.effective_message.reply_text(f"Reloaded: {len(docs)} report(s) indexed.")


async def cmd_reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reset: forget this chat's conversation (its report scope stays)."""
    assert update.effective_chat is not None and update.effective_message is not None
    deps(context).state.reset(update.effective_chat.id)
    await update.effective_message.reply_text("Conversation forgotten.")


# -- errors ----------------------------------------------------------------------

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


# -- the application -------------------------------------------------------------

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

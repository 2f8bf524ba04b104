"""Questions: text messages and /ask, answered with the draft streamed and buttons attached."""

from __future__ import annotations

import asyncio
import logging
import re
import time

from telegram import Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.deps import Deps, deps
from bot.handlers.buttons import keyboard
from bot.render import LIMIT, answer_html, esc
from rag.types import Answer

log = logging.getLogger("reportbot.bot")


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

"""Administrator commands (/stats, /reload, ``is_admin``) and /reset."""

from __future__ import annotations

import asyncio
import time

from telegram import Update
from telegram.ext import ContextTypes

from bot.deps import Deps, deps
from bot.handlers.access import user_names
from bot.render import esc


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

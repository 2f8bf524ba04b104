"""Access control: who may use the bot (``gatekeeper``) and how lists name a user."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.deps import deps


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

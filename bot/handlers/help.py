"""/start and /help, and the command menus (``COMMANDS``) registered with Telegram."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.deps import deps
from bot.render import esc

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

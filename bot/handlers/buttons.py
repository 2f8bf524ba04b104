"""Inline buttons under an answer: cited paragraphs, "More sources", 👍/👎 feedback."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.deps import deps
from bot.handlers.documents import paragraph_html
from bot.render import button_label, esc, markers, para_label
from rag.errors import RagError
from rag.types import Answer


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
            tag = button_label(f"[{item['doc']} {para_label(item['label'])}]")
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

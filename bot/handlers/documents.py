"""Reports and paragraphs: /docs, /doc scope, /show, inline mode, ``paragraph_html``."""

from __future__ import annotations

import asyncio

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.deps import Deps, deps
from bot.render import chunk_lines, esc, html_pieces, markers, para_label
from rag.errors import UnknownDocument


async def paragraph_html(d: Deps, doc: str, label: str) -> list[str]:
    """A paragraph verbatim, with its report's symbol and section, as message pieces."""
    info, unit = await asyncio.to_thread(d.answerer.index.unit, doc, label)
    header = f"<b>{esc(info.symbol or info.id)} {esc(para_label(unit.label))}</b>"
    if unit.section:
        header += f"\n<i>{esc(unit.section)}</i>"
    return html_pieces(unit.text, header=header + "\n")


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

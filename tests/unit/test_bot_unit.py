"""Bot pieces without Telegram: splitting and escaping, addressing, rate limit, SQLite state."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Chat, Message, User

from bot.handlers.questions import addressed_text
from bot.limits import UserLimiter
from bot.render import html_pieces, split_text
from bot.state import BotState

BOT = User(123456, "Reportbot", True, username="reportbot_test")


def message(text: str, chat_type: str = Chat.GROUP, reply_to_bot: bool = False) -> Message:
    chat = Chat(-100, chat_type)
    replied = Message(5, datetime.now(UTC), chat, from_user=BOT, text="x") if reply_to_bot \
        else None
    return Message(7, datetime.now(UTC), chat, from_user=User(1, "A", False), text=text,
                   reply_to_message=replied)


def test_groups_answer_only_when_addressed() -> None:
    args = ("reportbot_test", 123456, "mention")
    assert addressed_text(message("What did China say?"), *args) is None
    assert addressed_text(message("@reportbot_test What did China say?"), *args) == \
        "What did China say?"
    assert addressed_text(message("@REPORTBOT_TEST hi"), *args) == "hi"
    assert addressed_text(message("@reportbot_testing hi"), *args) is None  # another bot
    assert addressed_text(message("and Brazil?", reply_to_bot=True), *args) == "and Brazil?"
    assert addressed_text(message("hello", Chat.PRIVATE), *args) == "hello"
    assert addressed_text(message("hello"), "reportbot_test", 123456, "all") == "hello"


def test_rate_limit_is_per_user_and_sliding() -> None:
    limiter = UserLimiter(per_minute=2)
    assert limiter.wait(1, now=0) == 0 and limiter.wait(1, now=1) == 0
    assert limiter.wait(1, now=2) == pytest.approx(58)
    assert limiter.wait(2, now=2) == 0  # another user is not held up
    assert limiter.wait(1, now=60.5) == 0  # the first question left the window


CITED = st.lists(
    st.one_of(st.text(alphabet="abc <&>*_ ", min_size=1, max_size=30),
              st.sampled_from(["[¶10]", "[A/HRC/43/15 ¶121.4]", "[Recommendation 6]"])),
    min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(CITED, st.integers(min_value=40, max_value=400))
def test_split_keeps_every_character_and_every_citation_whole(parts: list[str],
                                                              limit: int) -> None:
    text = " ".join(parts).strip()
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert re.sub(r"\s+", "", "".join(pieces)) == re.sub(r"\s+", "", text)
    cites = re.findall(r"\[[^\]]*\]", text)
    assert [c for p in pieces for c in re.findall(r"\[[^\]]*\]", p)] == cites


def test_html_pieces_escape_report_text() -> None:
    pieces = html_pieces("Article 5 <b> & *emphasis* _x_ [¶3]", header="<b>A ¶3</b>")
    assert pieces == ["<b>A ¶3</b>\nArticle 5 &lt;b&gt; &amp; *emphasis* _x_ [¶3]"]
    long = " ".join(["Sentence with R&D [¶1]."] * 400)
    pieces = html_pieces(long, footer="<i>note</i>")
    assert len(pieces) > 1 and pieces[-1].endswith("<i>note</i>")
    assert all("R&amp;D" in p and "&D" not in p.replace("&amp;D", "") for p in pieces)


def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    state = BotState(path)
    state.set_scope(1, "DOC")
    for q in ("one", "two", "three"):
        state.remember(1, q)
    aid = state.log_answer(1, 7, "ana", "Why?", "Because [¶3].", False, "extractive",
                           [{"doc": "DOC", "label": "3"}], [{"doc": "DOC", "label": "3"}])
    refused = state.log_answer(1, 7, "ana", "Capital?", "No.", True, "extractive", [], [])
    state.feedback(aid, 7, -1)
    state.feedback(aid, 8, -1)
    state.feedback(aid, 7, 1)  # a user changes their vote
    state.deny("user 9 @mallory")
    state.deny("user 9 @mallory")
    state.close()

    again = BotState(path)
    assert again.scope(1) == "DOC" and again.scope(2) is None
    assert again.history(1, 2) == ["two", "three"]
    logged = again.answer(aid)
    assert logged is not None and logged.feedback == 0 and logged.votes == 2
    assert [a.id for a in again.answers(unanswered=True)] == [refused]
    again.feedback(aid, 7, -1)
    assert [a.id for a in again.answers(unanswered=True)] == [refused, aid]
    assert again.denied()[0].attempts == 2
    again.reset(1)
    assert again.history(1, 5) == [] and again.scope(1) == "DOC"


def test_redact_hides_secrets_in_messages_and_tracebacks() -> None:
    import logging

    from bot.redact import Redact

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(Redact(["123456:SECRET", "sk-abcdef"]))
    log = logging.getLogger("test.redact")
    log.addHandler(handler)
    try:
        log.warning("POST https://api.telegram.org/bot%s/getMe failed", "123456:SECRET")
        try:
            raise RuntimeError("key sk-abcdef rejected")
        except RuntimeError:
            log.exception("LLM call failed")
    finally:
        log.removeHandler(handler)
    assert "bot***/getMe" in records[0]
    assert all("SECRET" not in r and "sk-abcdef" not in r for r in records)
    assert "RuntimeError: key *** rejected" in records[1]

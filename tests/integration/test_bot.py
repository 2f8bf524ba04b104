"""The real python-telegram-bot Application against the Bot API stand-in (tests/botapi.py).

One bot runs for the module (its own event loop in a thread), answering from the
founding report; tests feed updates to the stand-in and assert on the requests
the bot sent. The last tests run `reportbot bot` as a separate process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot import build_application
from bot.app import SORRY
from rag.answer import Answerer
from rag.cli import main
from rag.index import Index
from rag.index.embed import Embedder
from rag.settings import AnswerSettings, Settings, TelegramSettings
from tests import botapi
from tests.botapi import (
    BotAPI,
    RunningBot,
    button_press,
    group_message,
    inline_query,
    private_message,
)
from tests.conftest import FOUNDING, free_port

pytestmark = pytest.mark.slow
DOC = FOUNDING.stem
QUESTION = "What did China say about DNA databases?"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    path = tmp_path_factory.mktemp("bot-home")
    Index(Settings(home=path), embedder).ingest([FOUNDING])
    return path


def bot_settings(home: Path, api: BotAPI) -> Settings:
    return Settings(home=home, telegram=TelegramSettings(
        token=botapi.TOKEN, base_url=api.base_url, poll_timeout=1, rate_limit=5,
        allowed=["@ana", "1002", "-100200", "carol"] + [str(3000 + i) for i in range(50)],
        admins=["@ana"], max_retries=3))


@pytest.fixture(scope="module")
def api() -> BotAPI:
    return botapi.start()


@pytest.fixture(scope="module")
def bot(home: Path, api: BotAPI, embedder: Embedder) -> Iterator[RunningBot]:
    settings = bot_settings(home, api)
    answerer = Answerer(settings, Index(settings, embedder))
    running = RunningBot(build_application(settings, answerer)).start()
    yield running
    running.stop()


def keyboard(call: botapi.Call) -> list[dict[str, str]]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def ask(api: BotAPI, update: dict[str, Any], chat_id: int) -> botapi.Call:
    """Push an update and return the bot's next message to ``chat_id``."""
    since = time.time()
    api.push(update)
    return api.wait_for("sendMessage", chat_id, since=since)[0]


def test_private_question_gets_a_cited_answer_and_paragraph_buttons(bot: RunningBot,
                                                                   api: BotAPI) -> None:
    commands = api.wait_for("setMyCommands")[0].params["commands"]
    assert {"ask", "docs", "doc", "show", "reset", "help"} <= {c["command"] for c in commands}

    reply = ask(api, private_message(QUESTION), 1001)
    assert "[¶10]" in reply.params["text"] and reply.params["parse_mode"] == "HTML"
    typing = api.sent("sendChatAction", 1001)
    assert typing and typing[0].params["action"] == "typing" and typing[0].at <= reply.at
    buttons = keyboard(reply)
    cite = next(b for b in buttons if b["text"] == "¶10")
    assert {"👍", "👎", "More sources"} <= {b["text"] for b in buttons}

    # The citation button: the paragraph verbatim, with the report's symbol.
    since = time.time()
    api.push(button_press(cite["callback_data"], chat_id=1001))
    shown = api.wait_for("sendMessage", 1001, since=since)[0].params["text"]
    assert "Ms. Qingtian Meng" in shown and "¶10</b>" in shown
    assert api.wait_for("answerCallbackQuery", since=since)  # every press is answered

    more = next(b for b in buttons if b["text"] == "More sources")
    since = time.time()
    api.push(button_press(more["callback_data"], chat_id=1001, query_id="cb2"))
    listing = api.wait_for("sendMessage", 1001, since=since)[0]
    assert "Other paragraphs retrieved" in listing.params["text"]
    assert all(b["callback_data"].startswith("src:") for b in keyboard(listing))

    # 👎 is stored with the answer; `reportbot logs --unanswered` shows it.
    down = next(b for b in buttons if b["text"] == "👎")
    since = time.time()
    api.push(button_press(down["callback_data"], chat_id=1001, query_id="cb3"))
    ack = api.wait_for("answerCallbackQuery", since=since)[0]
    assert "noted" in ack.params["text"]
    result = CliRunner().invoke(main, ["logs", "--unanswered", "--json"],
                                env={"RAG_HOME": str(bot.app.bot_data["deps"].settings.home)})
    logged = json.loads(result.stdout)
    assert any(r["question"] == QUESTION and r["feedback"] == -1 for r in logged)


def test_follow_up_uses_the_chat_history(bot: RunningBot, api: BotAPI) -> None:
    ask(api, private_message(QUESTION, uid=1002, username="ben"), 1002)
    reply = ask(api, private_message("and South Africa?", uid=1002, username="ben"), 1002)
    assert "Understood as" in reply.params["text"] and "South Africa" in reply.params["text"]


def test_groups_answer_only_mentions_replies_and_ask(bot: RunningBot, api: BotAPI) -> None:
    chat = -100200
    since = time.time()
    api.push(group_message("What did China say about DNA databases?", chat, uid=1004,
                           username="dave"))
    reply = ask(api, group_message("@reportbot_test What did China say about DNA databases?",
                                   chat, uid=1004, username="dave"), chat)
    assert "[¶10]" in reply.params["text"]
    assert len(api.sent("sendMessage", chat, since=since)) == 1  # the unaddressed one: silence
    reply = ask(api, group_message("/ask What is Recommendation 6 about?", chat, uid=1004,
                                   username="dave"), chat)
    assert "Recommendation 6" in reply.params["text"]
    reply = ask(api, group_message("and what did Brazil say?", chat, uid=1004, username="dave",
                                   reply_to_bot=True), chat)
    assert "¶" in reply.params["text"]


def test_commands(bot: RunningBot, api: BotAPI) -> None:
    uid = 3000
    say = lambda text: ask(api, private_message(text, uid=uid, username="u3000"), uid)  # noqa: E731
    assert DOC in say("/docs").params["text"]
    assert "every report" in say("/doc").params["text"]
    assert "unknown document 'nope'" in say("/doc nope").params["text"]
    assert DOC in say(f"/doc {DOC}").params["text"] and bot.state.scope(uid) == DOC
    shown = say("/show 10").params["text"]
    assert "Ms. Qingtian Meng" in shown
    assert "has no paragraph '999'" in say("/show 999").params["text"]
    assert "Conversation forgotten" in say("/reset").params["text"]
    assert "/docs" in say("/help").params["text"]
    assert "every report" in say("/doc all").params["text"] and bot.state.scope(uid) is None


def test_inline_mode_offers_the_cited_answer(bot: RunningBot, api: BotAPI) -> None:
    since = time.time()
    api.push(inline_query(QUESTION))
    call = api.wait_for("answerInlineQuery", since=since)[0]
    result = call.params["results"][0]
    assert "[¶10]" in result["input_message_content"]["message_text"]


def test_strangers_are_refused_politely_and_not_answered(bot: RunningBot, api: BotAPI) -> None:
    before = len(bot.state.answers(limit=1000))
    reply = ask(api, private_message(QUESTION, uid=2002, username="mallory"), 2002)
    assert "Sorry, this bot answers only" in reply.params["text"] and "2002" in \
        reply.params["text"]
    assert len(bot.state.answers(limit=1000)) == before  # the question is not logged
    assert any("@mallory" in d.who for d in bot.state.denied())


def test_strangers_are_refused_in_groups_buttons_and_inline_too(bot: RunningBot,
                                                                api: BotAPI) -> None:
    since = time.time()
    reply = ask(api, group_message("@reportbot_test What did China say?", chat_id=-100999,
                                   uid=2003, username="trudy"), -100999)
    assert "Sorry, this bot answers only" in reply.params["text"]
    api.push(button_press("src:1:0", chat_id=2003, uid=2003, username="trudy", query_id="x1"))
    alert = api.wait_for("answerCallbackQuery", since=since)[0].params
    assert alert["show_alert"] in (True, "true") and "Sorry" in alert["text"]
    assert not [c for c in api.sent("sendMessage", 2003, since=since)]  # no paragraph shown
    api.push(inline_query(QUESTION, uid=2003, username="trudy"))
    offered = api.wait_for("answerInlineQuery", since=since)[0].params
    assert offered["results"] == []


def test_admin_commands_are_for_admins(bot: RunningBot, api: BotAPI) -> None:
    stats = ask(api, private_message("/stats"), 1001).params["text"]
    assert "Answers" in stats and "Refused access" in stats
    assert "Reloaded: 1 report" in ask(api, private_message("/reload"), 1001).params["text"]
    refused = ask(api, private_message("/stats", uid=1002, username="ben"), 1002)
    assert "for the bot's administrators" in refused.params["text"]
    refused = ask(api, private_message("/reload", uid=1002, username="ben"), 1002)
    assert "for the bot's administrators" in refused.params["text"]


def test_chat_input_never_reaches_the_file_system(bot: RunningBot, api: BotAPI) -> None:
    uid = 3030

    def say(text: str) -> str:
        return str(ask(api, private_message(text, uid=uid, username="u3030"), uid).params["text"])

    assert "unknown document '/etc/passwd'" in say("/doc /etc/passwd")
    assert "has no paragraph '../../../etc/passwd'" in say("/show ../../../etc/passwd")
    assert "root:" not in say(f"/show 1 ../{DOC}") and "root:" not in say("/show 1 /etc/passwd")


def test_rate_limit_per_user(bot: RunningBot, api: BotAPI) -> None:
    uid = 3001
    for n in range(5):
        ask(api, private_message(f"What did China say? ({n})", uid=uid, username="u3001"), uid)
    reply = ask(api, private_message("One more?", uid=uid, username="u3001"), uid)
    assert "faster than 5 questions a minute" in reply.params["text"]


def test_429_is_retried_after_retry_after(bot: RunningBot, api: BotAPI) -> None:
    uid = 3002
    api.fail["sendMessage"] = [1]
    started = time.time()
    api.push(private_message(QUESTION, uid=uid, username="u3002"))
    calls = api.wait_for("sendMessage", uid, count=2, since=started)
    assert calls[1].at - calls[0].at >= 0.9  # waited as told
    assert "[¶10]" in calls[1].params["text"]


def test_network_errors_are_retried(bot: RunningBot, api: BotAPI) -> None:
    uid = 3020
    api.drop["sendMessage"] = 1
    started = time.time()
    api.push(private_message(QUESTION, uid=uid, username="u3020"))
    calls = api.wait_for("sendMessage", uid, count=2, since=started)
    assert "[¶10]" in calls[1].params["text"]


def test_telegram_refusals_are_logged_not_fatal(bot: RunningBot, api: BotAPI) -> None:
    """Kicked from a group (403): logged, no crash loop, other chats still served."""
    group = -100200
    kicked = (403, "Forbidden: bot was kicked from the group chat")
    api.errors["sendMessage"] = [kicked, kicked]
    since = time.time()
    api.push(group_message("/ask What did China say about DNA databases?", group, uid=1004,
                           username="dave"))
    api.wait_for("sendMessage", group, count=2, since=since)  # the answer, then the apology
    assert "[¶10]" in ask(api, private_message(QUESTION, uid=3022, username="u3022"),
                          3022).params["text"]


def test_edited_questions_are_not_answered_twice(bot: RunningBot, api: BotAPI) -> None:
    uid = 3023
    ask(api, private_message(QUESTION, uid=uid, username="u3023"), uid)
    edited = private_message(QUESTION + " Please.", uid=uid, username="u3023")
    edited["message"]["edit_date"] = int(time.time())
    since = time.time()
    api.push({"edited_message": edited["message"]})
    # A new question after the edit is answered; the edit itself got nothing.
    reply = ask(api, private_message("What is Recommendation 6 about?", uid=uid,
                                     username="u3023"), uid)
    assert "Recommendation 6" in reply.params["text"]
    assert len(api.sent("sendMessage", uid, since=since)) == 1


def test_replies_survive_a_deleted_question(bot: RunningBot, api: BotAPI) -> None:
    """Group replies quote the question but are sent even if it was deleted meanwhile."""
    reply = ask(api, group_message("/ask What is Recommendation 6 about?", -100200, uid=1004,
                                   username="dave"), -100200)
    assert reply.params["reply_parameters"]["allow_sending_without_reply"] is True


def test_twenty_chats_at_once(bot: RunningBot, api: BotAPI) -> None:
    """Concurrent chats all answered, none with an error (latency: eval/bench_bot.py)."""
    uids = [3003 + i for i in range(17)]
    since = time.time()
    for uid in uids:
        api.push(private_message(QUESTION, uid=uid, username=f"u{uid}"))
    for uid in uids:
        reply = api.wait_for("sendMessage", uid, since=since, timeout=60)[0]
        assert "[¶10]" in reply.params["text"] and SORRY not in reply.params["text"]


# -- `reportbot bot` as a separate process -------------------------------------------

def start_process(home: Path, api: BotAPI, *args: str, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "rag", "bot", *args],
        env={**os.environ, "RAG_HOME": str(home), "RAG_TELEGRAM_TOKEN": botapi.TOKEN,
             "RAG_TELEGRAM_BASE_URL": api.base_url, "RAG_TELEGRAM__POLL_TIMEOUT": "1",
             "RAG_TELEGRAM_ALLOWED": "", **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop_process(proc: subprocess.Popen[bytes]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode(errors="replace")


def test_reportbot_bot_process_polls_and_keeps_history_across_restarts(
    home: Path, tmp_path: Path
) -> None:
    api = botapi.start()
    proc = start_process(home, api, "--verbose")
    try:
        reply = ask(api, private_message(QUESTION, uid=4001, username="zoe"), 4001)
        assert "[¶10]" in reply.params["text"]
        # Faults the log reports: a dropped connection, a refusal by Telegram.
        api.drop["sendMessage"] = 1
        api.errors["sendChatAction"] = [(403, "Forbidden: bot was blocked by the user")]
        ask(api, private_message("What is Recommendation 6 about?", uid=4001, username="zoe"),
            4001)
    finally:
        log = stop_process(proc)
    assert "retry 1" in log and "Forbidden" in log  # the faults were logged …
    assert botapi.TOKEN not in log and "TEST-token" not in log  # … without the token
    assert "Traceback" not in log.split("error while handling")[0], log
    proc = start_process(home, api)  # a restart: history comes from SQLite
    try:
        reply = ask(api, private_message("and South Africa?", uid=4001, username="zoe"), 4001)
        assert "Understood as" in reply.params["text"] and "South Africa" in reply.params["text"]
    finally:
        stop_process(proc)


def test_reportbot_bot_with_an_unreachable_api_is_a_one_line_error(home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rag", "bot"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "RAG_HOME": str(home), "RAG_TELEGRAM_TOKEN": botapi.TOKEN,
             "RAG_TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}/bot"})
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]  # after the logged retries
    assert last.startswith("Error: cannot reach the Bot API at http://127.0.0.1:"), last
    assert "TEST-token" not in proc.stderr + proc.stdout


def test_reportbot_bot_webhook_mode(home: Path) -> None:
    api = botapi.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    proc = start_process(home, api, "--webhook", url, RAG_TELEGRAM__WEBHOOK_PORT=str(port),
                         RAG_TELEGRAM__WEBHOOK_LISTEN="127.0.0.1",
                         RAG_TELEGRAM__WEBHOOK_SECRET="s3cret")
    try:
        hook = api.wait_for("setWebhook", timeout=60)[0].params
        assert hook["url"] == url and hook["secret_token"] == "s3cret"
        update = {"update_id": 1, **private_message(QUESTION, uid=4002, username="yan")}

        def post(secret: str) -> int:
            request = urllib.request.Request(url, json.dumps(update).encode(), {
                "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
            deadline = time.monotonic() + 30
            while True:  # the webhook server may still be starting
                try:
                    return int(urllib.request.urlopen(request, timeout=10).status)
                except urllib.error.HTTPError as exc:
                    return exc.code
                except urllib.error.URLError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)

        assert post("wrong") == 403  # Telegram's secret header is checked
        assert post("s3cret") == 200
        reply = api.wait_for("sendMessage", 4002)[0]
        assert "[¶10]" in reply.params["text"]
    finally:
        stop_process(proc)


class SlowChat:
    """A chat model that streams a fixed reply word by word, slowly (LLM mode, exact case)."""

    name = "slow"

    def __init__(self, reply: str, delay: float) -> None:
        self.reply, self.delay = reply, delay

    def stream(self, messages: Any) -> Iterator[str]:
        for i, word in enumerate(self.reply.split(" ")):
            time.sleep(self.delay)
            yield word if i == 0 else " " + word


def test_llm_mode_streams_by_editing_then_sends_the_checked_answer(
    home: Path, embedder: Embedder
) -> None:
    api = botapi.start()
    settings = bot_settings(home, api).model_copy(update={
        "answer": AnswerSettings(mode="llm"),
        "telegram": TelegramSettings(token=botapi.TOKEN, base_url=api.base_url, poll_timeout=1,
                                     stream_interval=0.2)})
    reply = ("Since 2009, the MPS has set up a DNA database and facial recognition to identify "
             "victims of trafficking and missing children [¶10].")
    answerer = Answerer(settings, Index(settings, embedder), chat=SlowChat(reply, 0.05))
    running = RunningBot(build_application(settings, answerer)).start()
    try:
        since = time.time()
        api.push(private_message(QUESTION, uid=5001, username="sam"))
        placeholder = api.wait_for("sendMessage", 5001, since=since)[0]
        assert placeholder.params["text"] == "…"
        edits = api.wait_for("editMessageText", 5001, count=2, since=since)
        deadline = time.monotonic() + 30
        while not any("reply_markup" in e.params for e in api.sent("editMessageText", 5001)):
            assert time.monotonic() < deadline, "no final edit with buttons"
            time.sleep(0.1)
        final = next(e for e in api.sent("editMessageText", 5001) if "reply_markup" in e.params)
        drafts = [e for e in edits if "reply_markup" not in e.params]
        assert drafts and drafts[0].params["text"].endswith(" …")  # a partial draft came first
        assert len(drafts[0].params["text"]) < len(final.params["text"])
        assert "[¶10]" in final.params["text"]
        assert "¶10" in {b["text"] for b in keyboard(final)}
        # Edits are throttled: no two drafts closer than the interval (less jitter).
        times = [e.at for e in api.sent("editMessageText", 5001)]
        assert all(b - a >= 0.15 for a, b in pairwise(times))
    finally:
        running.stop()

"""A Bot API stand-in: a small HTTP server on localhost speaking Telegram's JSON.

It implements the methods the bot uses (getMe, getUpdates with long polling,
sendMessage, editMessageText, answerCallbackQuery, answerInlineQuery,
sendChatAction, setMyCommands, deleteWebhook, setWebhook, ...) with the Bot
API's shapes, records every request, and can be told to answer a method with
a 429 ``retry_after`` a few times. Tests feed it updates and assert on what the
bot sent. It serves the bot in-process and a ``reportbot bot`` subprocess alike
(``RAG_TELEGRAM_BASE_URL=<server.base_url>``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from telegram.ext import Application

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Reportbot", "username": "reportbot_test",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True}
# Parameters the Bot API takes as JSON-serialised strings in form posts.
_JSON_PARAMS = {"reply_markup", "commands", "results", "allowed_updates", "entities",
                "link_preview_options", "reply_parameters", "scope"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class BotAPI:
    """State shared with the request handler; the test's handle on the server."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    fail: dict[str, list[int]] = field(default_factory=dict)  # method → retry_after per failure
    errors: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # → (status, text)
    drop: dict[str, int] = field(default_factory=dict)  # method → connections to cut unanswered
    next_message_id: int = 1000
    next_update_id: int = 1
    cond: threading.Condition = field(default_factory=threading.Condition)
    server: ThreadingHTTPServer | None = None

    # -- for tests ---------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for the bot's next getUpdates; returns its update_id."""
        with self.cond:
            update = {"update_id": self.next_update_id, **update}
            self.next_update_id += 1
            self.updates.append(update)
            self.cond.notify_all()
            return int(update["update_id"])

    def sent(self, method: str, chat_id: int | None = None, since: float = 0.0) -> list[Call]:
        with self.cond:
            return [c for c in self.calls if c.method == method and c.at >= since and (
                chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def wait_for(self, method: str, chat_id: int | None = None, count: int = 1,
                 timeout: float = 30.0, since: float = 0.0) -> list[Call]:
        """Block until the bot has called ``method`` ``count`` times (for this chat)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [c for c in self.calls if c.method == method and c.at >= since and (
                    chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.params.get("chat_id")) for c in self.calls[-15:]]
                    raise AssertionError(f"no {count}× {method} for chat {chat_id} within "
                                         f"{timeout} s; last calls: {seen}")
                self.cond.wait(left)

    # -- the Bot API -------------------------------------------------------------
    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """The status and JSON to answer with; None: cut the connection (a network error)."""
        with self.cond:
            if method != "getUpdates":
                self.calls.append(Call(method, params, time.time()))
                self.cond.notify_all()
            if self.drop.get(method):
                self.drop[method] -= 1
                return None
            if self.errors.get(method):
                status, text = self.errors[method].pop(0)
                return status, {"ok": False, "error_code": status, "description": text}
            failures = self.fail.get(method)
            if failures:
                retry_after = failures.pop(0)
                return 429, {"ok": False, "error_code": 429,
                             "description": f"Too Many Requests: retry after {retry_after}",
                             "parameters": {"retry_after": retry_after}}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        result = self._result(method, params)
        if result is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return 200, {"ok": True, "result": result}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self.cond:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return list(self.updates[: int(params.get("limit") or 100)])

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.cond:
            self.next_message_id += 1
            mid = self.next_message_id
        chat_id = int(params["chat_id"])
        chat = ({"id": chat_id, "type": "private", "first_name": "Delegate"} if chat_id > 0
                else {"id": chat_id, "type": "group", "title": "Delegation"})
        msg = {"message_id": mid, "date": int(time.time()), "chat": chat, "from": BOT_USER,
               "text": params.get("text", "")}
        if "reply_markup" in params:
            msg["reply_markup"] = params["reply_markup"]
        return msg

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage",):
            return self._message(params)
        if method == "editMessageText":
            if "inline_message_id" in params:
                return True
            msg = self._message(params)
            msg["message_id"] = int(params["message_id"])
            msg["edit_date"] = int(time.time())
            return msg
        if method in ("answerCallbackQuery", "answerInlineQuery", "sendChatAction",
                      "setMyCommands", "deleteWebhook", "setWebhook", "close", "logOut",
                      "editMessageReplyMarkup", "deleteMessage"):
            return True
        if method == "getMyCommands":
            return []
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return None


def _parse(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    kind = handler.headers.get("Content-Type", "")
    if "json" in kind:
        return dict(json.loads(body or b"{}"))
    if "multipart" in kind:
        raise ValueError("the stand-in does not take file uploads")
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    for key in _JSON_PARAMS & set(params):
        params[key] = json.loads(params[key])
    return params


def start(given: BotAPI | None = None) -> BotAPI:
    """Serve ``given`` (or a new :class:`BotAPI`) on a free localhost port in a daemon thread."""
    api = given or BotAPI()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            prefix = f"/bot{TOKEN}/"
            if not self.path.startswith(prefix):
                self._reply(401, {"ok": False, "error_code": 401,
                                  "description": "Unauthorized"})
                return
            answer = api.handle(self.path[len(prefix):], _parse(self))
            if answer is None:
                self.close_connection = True  # no response at all: the client sees a network error
                return
            self._reply(*answer)

        do_GET = do_POST

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a long poll the bot gave up on when it stopped: not news

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return api


# -- updates as Telegram sends them ------------------------------------------------

def user(uid: int = 1001, username: str = "ana") -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": username.title(), "username": username}


def private_message(text: str, uid: int = 1001, username: str = "ana",
                    message_id: int = 1) -> dict[str, Any]:
    entities = []
    if text.startswith("/"):
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    msg = {"message_id": message_id, "date": int(time.time()),
           "chat": {"id": uid, "type": "private", "first_name": username.title()},
           "from": user(uid, username), "text": text}
    if entities:
        msg["entities"] = entities
    return {"message": msg}


def group_message(text: str, chat_id: int = -100200, uid: int = 1001, username: str = "ana",
                  reply_to_bot: bool = False) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "message_id": 7, "date": int(time.time()),
        "chat": {"id": chat_id, "type": "group", "title": "Delegation"},
        "from": user(uid, username), "text": text}
    mention = f"@{BOT_USER['username']}"
    if mention in text:
        msg["entities"] = [{"type": "mention", "offset": text.index(mention),
                            "length": len(mention)}]
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0,
                            "length": len(text.split()[0])}]
    if reply_to_bot:
        msg["reply_to_message"] = {"message_id": 5, "date": int(time.time()),
                                   "chat": msg["chat"], "from": BOT_USER, "text": "earlier"}
    return {"message": msg}


def button_press(data: str, chat_id: int = 1001, uid: int = 1001, username: str = "ana",
                 query_id: str = "cb1") -> dict[str, Any]:
    return {"callback_query": {
        "id": query_id, "from": user(uid, username), "chat_instance": "ci", "data": data,
        "message": {"message_id": 999, "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "X"},
                    "from": BOT_USER, "text": "answer"}}}


def inline_query(query: str, uid: int = 1001, username: str = "ana") -> dict[str, Any]:
    return {"inline_query": {"id": "iq1", "from": user(uid, username), "query": query,
                             "offset": ""}}


class RunningBot:
    """An Application polling the stand-in from its own event loop thread."""

    def __init__(self, app: Application) -> None:  # type: ignore[type-arg,unused-ignore]
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _call(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> RunningBot:
        self.thread.start()
        self._call(self._start())
        return self

    async def _start(self) -> None:
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0, timeout=1)
        await self.app.start()

    async def _stop(self) -> None:
        assert self.app.updater is not None
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()

    def stop(self) -> None:
        self._call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def state(self) -> Any:
        return self.app.bot_data["deps"].state

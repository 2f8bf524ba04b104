"""What the bot remembers across restarts, in SQLite under RAG_HOME.

Per chat: the document scope and the recent (standalone) questions. Per answer:
the question, the answer, its citations and what was retrieved (so buttons
pressed after a restart still work), and the 👍/👎 feedback. Refused access
attempts are counted, nothing more. ``reportbot logs`` reads the same file.

SQLite calls are short and local; handlers call them directly. One connection
per thread (``check_same_thread``) is avoided by a lock around one connection.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    chat_id INTEGER PRIMARY KEY,
    doc TEXT
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    question TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS history_chat ON history (chat_id, id);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER,
    user_id INTEGER,
    username TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    mode TEXT NOT NULL,
    citations TEXT NOT NULL,   -- JSON [{"doc","label"}]
    retrieved TEXT NOT NULL,   -- JSON [{"doc","label"}]
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    value INTEGER NOT NULL,    -- +1 or -1
    at REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);
CREATE TABLE IF NOT EXISTS denied (
    who TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last REAL NOT NULL
);
"""


@dataclass(slots=True)
class LoggedAnswer:
    id: int
    chat_id: int | None
    user_id: int | None
    username: str | None
    question: str
    answer: str
    refused: bool
    mode: str
    citations: list[dict[str, str]]
    retrieved: list[dict[str, str]]
    at: float
    feedback: int = 0  # sum of 👍 (+1) and 👎 (-1)
    votes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "chat_id": self.chat_id, "user_id": self.user_id,
            "username": self.username, "question": self.question, "answer": self.answer,
            "refused": self.refused, "mode": self.mode, "citations": self.citations,
            "retrieved": self.retrieved,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.at)),
            "feedback": self.feedback, "votes": self.votes,
        }


@dataclass(slots=True)
class Denied:
    who: str
    attempts: int
    last: float = field(default=0.0)


class BotState:
    """The bot's SQLite file. Thread-safe: handlers run answers in worker threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")  # `reportbot logs` reads while the bot writes
        self._db.executescript(SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- per chat ------------------------------------------------------------
    def scope(self, chat_id: int) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM chats WHERE chat_id = ?",
                                   (chat_id,)).fetchone()
        return row[0] if row else None

    def set_scope(self, chat_id: int, doc: str | None) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO chats (chat_id, doc) VALUES (?, ?) "
                       "ON CONFLICT (chat_id) DO UPDATE SET doc = excluded.doc", (chat_id, doc))

    def history(self, chat_id: int, turns: int) -> list[str]:
        """The chat's last ``turns`` questions, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question FROM history WHERE chat_id = ? ORDER BY id DESC LIMIT ?",
                (chat_id, turns)).fetchall()
        return [r[0] for r in reversed(rows)]

    def remember(self, chat_id: int, question: str, keep: int = 20) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO history (chat_id, question, at) VALUES (?, ?, ?)",
                       (chat_id, question, time.time()))
            db.execute("DELETE FROM history WHERE chat_id = ? AND id NOT IN (SELECT id FROM "
                       "history WHERE chat_id = ? ORDER BY id DESC LIMIT ?)",
                       (chat_id, chat_id, keep))

    def reset(self, chat_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM history WHERE chat_id = ?", (chat_id,))

    # -- answers and feedback ------------------------------------------------
    def log_answer(self, chat_id: int | None, user_id: int | None, username: str | None,
                   question: str, answer: str, refused: bool, mode: str,
                   citations: list[dict[str, str]], retrieved: list[dict[str, str]]) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO answers (chat_id, user_id, username, question, answer, refused, "
                "mode, citations, retrieved, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (chat_id, user_id, username, question, answer, int(refused), mode,
                 json.dumps(citations), json.dumps(retrieved), time.time()))
            return int(cur.lastrowid or 0)

    def answer(self, answer_id: int) -> LoggedAnswer | None:
        rows = self._answers("WHERE a.id = ?", (answer_id,), 1)
        return rows[0] if rows else None

    def feedback(self, answer_id: int, user_id: int, value: int) -> None:
        """Record (or change) one user's vote on one answer."""
        with self._tx() as db:
            db.execute("INSERT INTO feedback (answer_id, user_id, value, at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (answer_id, user_id) DO UPDATE SET value = excluded.value, "
                       "at = excluded.at", (answer_id, user_id, value, time.time()))

    def answers(self, unanswered: bool = False, limit: int = 50) -> list[LoggedAnswer]:
        """Newest first; ``unanswered``: only refused or disliked answers."""
        where = "WHERE a.refused = 1 OR f.score < 0" if unanswered else ""
        return self._answers(where, (), limit)

    def counts(self) -> dict[str, int]:
        """Answers, refused answers, answers liked and disliked on balance, refused attempts."""
        with self._lock:
            answers, refused = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(refused), 0) FROM answers").fetchone()
            up, down = self._db.execute(
                "SELECT COALESCE(SUM(score > 0), 0), COALESCE(SUM(score < 0), 0) FROM "
                "(SELECT SUM(value) AS score FROM feedback GROUP BY answer_id)").fetchone()
            denied = self._db.execute(
                "SELECT COALESCE(SUM(attempts), 0) FROM denied").fetchone()[0]
        return {"answers": answers, "refused": refused, "up": up, "down": down,
                "denied": denied}

    def _answers(self, where: str, args: tuple[Any, ...], limit: int) -> list[LoggedAnswer]:
        sql = (
            "SELECT a.id, a.chat_id, a.user_id, a.username, a.question, a.answer, a.refused, "
            "a.mode, a.citations, a.retrieved, a.at, COALESCE(f.score, 0), COALESCE(f.n, 0) "
            "FROM answers a LEFT JOIN (SELECT answer_id, SUM(value) AS score, COUNT(*) AS n "
            f"FROM feedback GROUP BY answer_id) f ON f.answer_id = a.id {where} "
            "ORDER BY a.id DESC LIMIT ?"
        )
        with self._lock:
            rows = self._db.execute(sql, (*args, limit)).fetchall()
        return [LoggedAnswer(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7],
                             json.loads(r[8]), json.loads(r[9]), r[10], r[11], r[12])
                for r in rows]

    # -- access ----------------------------------------------------------------
    def deny(self, who: str) -> None:
        """Count a refused attempt: who, how often, when last. Not what they asked."""
        with self._tx() as db:
            db.execute("INSERT INTO denied (who, attempts, last) VALUES (?, 1, ?) "
                       "ON CONFLICT (who) DO UPDATE SET attempts = attempts + 1, "
                       "last = excluded.last", (who, time.time()))

    def denied(self) -> list[Denied]:
        with self._lock:
            rows = self._db.execute(
                "SELECT who, attempts, last FROM denied ORDER BY last DESC").fetchall()
        return [Denied(*r) for r in rows]

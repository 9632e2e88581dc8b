"""Saved conversations, per user, in SQLite on the server.

``<RAG_HOME>/conversations.sqlite3`` (or ``RAG_CONVERSATIONS_FILE``) holds each user's
conversations: a title, when it was started and last changed, and its answers as
``rag ask --json`` writes them, in order. Every call names the user it acts for; a
conversation of another user is "not found", never "forbidden". Each call opens its
own connection, so the store is safe to share between threads and between replicas
that share the file on one machine.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.errors import StoreError, UsageError
from rag.answers import Answer

MAX_TITLE_CHARS = 120
SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_user ON conversations (user, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    answer TEXT NOT NULL,
    PRIMARY KEY (conversation, idx)
);
"""


@dataclass(frozen=True)
class Conversation:
    id: str
    user: str
    title: str
    created: str
    updated: str
    turns: int

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "created": self.created,
            "updated": self.updated,
            "turns": self.turns,
        }


def title_of(question: str) -> str:
    """A conversation's first title: its first question, shortened."""
    words = " ".join(question.split())
    return words if len(words) <= 60 else words[:59].rstrip() + "…"


class SavedConversations:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(
                f"cannot open the conversations file {self.path}: {e}; check that it is "
                "writable (RAG_CONVERSATIONS_FILE)"
            ) from e
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.executescript(SCHEMA)
            with db:
                yield db
        except sqlite3.Error as e:
            raise StoreError(f"the conversations file {self.path} failed: {e}") from e
        finally:
            db.close()

    def create(self, user: str, title: str) -> Conversation:
        now = _now()
        conversation = Conversation(uuid.uuid4().hex, user, _title(title), now, now, 0)
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                (conversation.id, user, conversation.title, now, now),
            )
        return conversation

    def of_user(self, user: str) -> list[Conversation]:
        """The user's conversations, the last changed first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.user, c.title, c.created, c.updated, COUNT(t.idx) "
                "FROM conversations c LEFT JOIN turns t ON t.conversation = c.id "
                "WHERE c.user = ? GROUP BY c.id ORDER BY c.updated DESC, c.created DESC",
                (user,),
            ).fetchall()
        return [Conversation(*row) for row in rows]

    def get(self, user: str, conversation_id: str) -> Conversation:
        found = [c for c in self.of_user(user) if c.id == conversation_id]
        if not found:
            raise UsageError(f"no conversation {conversation_id!r}; see the list of yours")
        return found[0]

    def rename(self, user: str, conversation_id: str, title: str) -> Conversation:
        self.get(user, conversation_id)
        with self._db() as db:
            db.execute(
                "UPDATE conversations SET title = ?, updated = ? WHERE id = ? AND user = ?",
                (_title(title), _now(), conversation_id, user),
            )
        return self.get(user, conversation_id)

    def delete(self, user: str, conversation_id: str) -> None:
        self.get(user, conversation_id)
        with self._db() as db:
            db.execute("DELETE FROM turns WHERE conversation = ?", (conversation_id,))
            db.execute(
                "DELETE FROM conversations WHERE id = ? AND user = ?", (conversation_id, user)
            )

    def save(self, user: str, conversation_id: str, answers: Sequence[Answer]) -> None:
        """The conversation's answers become ``answers`` (a regenerated answer replaces
        the one it was asked again for), in one transaction."""
        self.get(user, conversation_id)
        rows = [
            (conversation_id, i, json.dumps(a.to_json(), ensure_ascii=False))
            for i, a in enumerate(answers)
        ]
        with self._db() as db:
            db.execute("DELETE FROM turns WHERE conversation = ?", (conversation_id,))
            db.executemany("INSERT INTO turns VALUES (?, ?, ?)", rows)
            db.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?", (_now(), conversation_id)
            )

    def answers(self, user: str, conversation_id: str) -> list[Answer]:
        self.get(user, conversation_id)
        with self._db() as db:
            rows = db.execute(
                "SELECT answer FROM turns WHERE conversation = ? ORDER BY idx", (conversation_id,)
            ).fetchall()
        return [Answer.from_json(json.loads(row[0])) for row in rows]

    def markdown(self, user: str, conversation_id: str) -> str:
        """The conversation as Markdown: each question, its answer, then its citations
        with their quotes and sources."""
        conversation = self.get(user, conversation_id)
        lines = [f"# {conversation.title}", "", f"_Started {conversation.created}._", ""]
        for answer in self.answers(user, conversation_id):
            lines += [f"## {answer.question}", "", answer.text, ""]
            for c in answer.citations:
                where = c.url or c.source
                page = f", page {c.page}" if c.page else ""
                lines.append(
                    f"- [{c.n}] *{c.title}* ({where}{page}): “{' '.join(c.quote.split())}”"
                )
            if answer.citations:
                lines.append("")
        return "\n".join(lines)


def _title(title: str) -> str:
    clean = " ".join((title or "").split())
    if not clean:
        raise UsageError("a conversation needs a title")
    if len(clean) > MAX_TITLE_CHARS:
        raise UsageError(f"the title is {len(clean)} characters; keep it to {MAX_TITLE_CHARS}")
    return clean


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")

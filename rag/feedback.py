"""Thumbs up or down on answers, kept with the conversation they came from, and exported
as an evaluation set.

Each rating is one JSON line in ``<RAG_HOME>/feedback.jsonl``: who rated, when, the
question with the turns before it, the answer as it was shown (text, citations with
their quotes and offsets, confidence, abstention) and the vote with an optional
comment. Rating the same answer again replaces the earlier rating (the latest line
wins on reading). ``export`` gives lines that ``rag ask --questions FILE --json``
reads back (``id``, ``text``, ``history``), with the judgement beside them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import StoreError, UsageError
from rag.answers import Answer, Turn

VOTES = ("up", "down")
MAX_COMMENT_CHARS = 2000


@dataclass(frozen=True)
class Rating:
    """One user's judgement of one answer."""

    id: str
    user: str
    at: str
    vote: str
    comment: str
    question: str
    history: tuple[tuple[str, str], ...]
    answer: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.user,
            "at": self.at,
            "vote": self.vote,
            "comment": self.comment,
            "question": self.question,
            "history": [list(t) for t in self.history],
            "answer": self.answer,
        }

    def to_eval(self) -> dict[str, Any]:
        """A line of an evaluation set: what ``rag ask --questions`` reads, and the
        judgement to compare a new answer with."""
        messages = []
        for question, answer in self.history:
            messages += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]
        shown = self.answer
        return {
            "id": self.id,
            "text": self.question,
            "history": messages,
            "vote": self.vote,
            "comment": self.comment,
            "user": self.user,
            "rated_at": self.at,
            "answer": shown.get("answer", ""),
            "abstained": bool(shown.get("abstained")),
            "citations": [
                {k: c.get(k) for k in ("n", "doc_id", "title", "quote", "quote_start", "quote_end")}
                for c in shown.get("citations", [])
            ],
            "answer_span": shown.get("answer_span"),
        }


def rating_id(user: str, question: str, history: Sequence[Turn], answer_text: str) -> str:
    """The same answer to the same conversation, rated again, has the same id."""
    key = json.dumps(
        [user, question, [[t.question, t.answer] for t in history], answer_text],
        ensure_ascii=False,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class FeedbackLog:
    """The ratings of one instance, append-only on disk; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def rate(
        self,
        user: str,
        answer: Answer,
        history: Sequence[Turn],
        vote: str,
        comment: str = "",
    ) -> Rating:
        if vote not in VOTES:
            raise UsageError(f"a rating is {' or '.join(VOTES)}, not {vote!r}")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT_CHARS:
            raise UsageError(
                f"the comment is {len(comment):,} characters; keep it to {MAX_COMMENT_CHARS:,}"
            )
        rating = Rating(
            id=rating_id(user, answer.question, history, answer.text),
            user=user,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            vote=vote,
            comment=comment,
            question=answer.question,
            history=tuple((t.question, t.answer) for t in history),
            answer=answer.to_json(),
        )
        line = json.dumps(rating.to_json(), ensure_ascii=False) + "\n"
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(line)
            except OSError as e:
                raise StoreError(
                    f"cannot write the feedback file {self.path}: {e.strerror}; "
                    "check that RAG_HOME is writable and has free space"
                ) from e
        return rating

    def ratings(self, user: str | None = None) -> list[Rating]:
        """The latest rating of each answer, oldest first; only ``user``'s if given. A
        line that cannot be read (a crash mid-write) is skipped, never fatal."""
        if not self.path.is_file():
            return []
        latest: dict[str, Rating] = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise StoreError(f"cannot read the feedback file {self.path}: {e.strerror}") from e
        for line in lines:
            try:
                data = json.loads(line)
                rating = Rating(
                    id=str(data["id"]),
                    user=str(data["user"]),
                    at=str(data["at"]),
                    vote=str(data["vote"]),
                    comment=str(data.get("comment", "")),
                    question=str(data["question"]),
                    history=tuple((str(q), str(a)) for q, a in data.get("history", [])),
                    answer=dict(data["answer"]),
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                continue
            if user is None or rating.user == user:
                latest.pop(rating.id, None)  # a re-rating moves to the end
                latest[rating.id] = rating
        return list(latest.values())

"""Ratings of answers: kept with their conversation, re-rated in place, exported as an
evaluation set that `rag ask --questions` reads back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import UsageError
from rag.answers import Turn
from rag.conversation import turns_from_messages
from rag.feedback import MAX_COMMENT_CHARS, FeedbackLog
from tests.rag.results import PRAGUE_ANSWER, PRAGUE_CITATION

CITATION = PRAGUE_CITATION
ANSWER = PRAGUE_ANSWER
HISTORY = [Turn("Who is the head of MI6?", "Richard Moore: ... [1]")]


def test_a_rating_is_kept_with_its_conversation(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    log.rate("alice", ANSWER, HISTORY, "down", "the embassy, not the city")
    (rating,) = log.ratings()
    assert (rating.user, rating.vote, rating.comment) == (
        "alice",
        "down",
        "the embassy, not the city",
    )
    assert rating.history == (("Who is the head of MI6?", "Richard Moore: ... [1]"),)
    assert rating.answer["answer_span"] == {"text": "Prague", "n": 1, "start": 38, "end": 44}


def test_rating_the_same_answer_again_replaces_the_rating(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    first = log.rate("alice", ANSWER, HISTORY, "up")
    log.rate("bob", ANSWER, HISTORY, "down")
    again = log.rate("alice", ANSWER, HISTORY, "down", "on second thought")
    assert again.id == first.id
    ratings = log.ratings()
    assert [(r.user, r.vote) for r in ratings] == [("bob", "down"), ("alice", "down")]
    assert [r.user for r in log.ratings("alice")] == ["alice"]


def test_a_torn_line_is_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    log = FeedbackLog(path)
    log.rate("alice", ANSWER, [], "up")
    with path.open("a", encoding="utf-8") as f:
        f.write('{"id": "x", "user": "bo')  # a crash mid-write
    assert [r.vote for r in log.ratings()] == ["up"]


@pytest.mark.parametrize(
    ("vote", "comment", "message"),
    [("meh", "", "a rating is up or down"), ("up", "x" * (MAX_COMMENT_CHARS + 1), "keep it to")],
)
def test_a_bad_rating_is_refused(tmp_path: Path, vote: str, comment: str, message: str) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    with pytest.raises(UsageError, match=message):
        log.rate("alice", ANSWER, [], vote, comment)
    assert log.ratings() == []


def test_the_export_is_a_question_file_with_the_judgement(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    log.rate("alice", ANSWER, HISTORY, "down", "wrong place")
    (line,) = [r.to_eval() for r in log.ratings()]
    assert line["text"] == "Where did Moore speak?" and line["vote"] == "down"
    turns = turns_from_messages(json.loads(json.dumps(line["history"])))
    assert [t.question for t in turns] == ["Who is the head of MI6?"]
    assert line["citations"][0]["quote"] == CITATION.quote
    assert line["answer_span"]["text"] == "Prague"

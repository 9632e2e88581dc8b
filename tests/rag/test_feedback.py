"""Ratings of answers: kept with their conversation, re-rated in place, exported as an
evaluation set that `rag ask --questions` reads back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import UsageError
from rag.answers import Answer, AnswerSpan, Citation, Turn
from rag.conversation import turns_from_messages
from rag.feedback import MAX_COMMENT_CHARS, FeedbackLog

CITATION = Citation(
    n=1,
    doc_id="mi6",
    source="/corpus/mi6.md",
    title="MI6 chief",
    text="Moore spoke at the British embassy in Prague.",
    start=0,
    end=45,
    quote="Moore spoke at the British embassy in Prague.",
    quote_start=0,
    quote_end=45,
)
ANSWER = Answer(
    "Where did he speak?",
    "Prague: Moore spoke at the British embassy in Prague. [1]",
    False,
    (CITATION,),
    standalone_question="Where did Moore speak?",
    confidence=0.7,
    answer_span=AnswerSpan("Prague", 1, 38, 44),
)
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
    assert line["text"] == "Where did he speak?" and line["vote"] == "down"
    turns = turns_from_messages(json.loads(json.dumps(line["history"])))
    assert [t.question for t in turns] == ["Who is the head of MI6?"]
    assert line["citations"][0]["quote"] == CITATION.quote
    assert line["answer_span"]["text"] == "Prague"

"""A conversation carries at most MAX_HISTORY_TURNS turns and MAX_HISTORY_CHARS
characters into one question, whichever door it comes through."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UsageError
from core.settings import Settings
from rag.answers import Turn
from rag.conversation import (
    MAX_HISTORY_CHARS,
    MAX_HISTORY_TURNS,
    check_history,
    turns_from_messages,
)
from rag.library import Library


def _messages(turns: int, answer: str = "An answer. [1]") -> list[dict[str, str]]:
    out = []
    for i in range(turns):
        out += [
            {"role": "user", "content": f"Question {i}?"},
            {"role": "assistant", "content": answer},
        ]
    return out


def test_a_history_at_the_limits_is_read() -> None:
    turns = turns_from_messages(_messages(MAX_HISTORY_TURNS))
    assert len(turns) == MAX_HISTORY_TURNS
    check_history(turns)  # no error


def test_too_many_messages_are_refused_before_they_are_read() -> None:
    with pytest.raises(ValueError, match=f"send at most the last {2 * MAX_HISTORY_TURNS}"):
        turns_from_messages(_messages(MAX_HISTORY_TURNS + 1))


def test_too_many_user_turns_are_refused() -> None:
    only_questions = [{"role": "user", "content": f"Q{i}?"} for i in range(MAX_HISTORY_TURNS + 1)]
    with pytest.raises(ValueError, match=f"turns; send at most the last {MAX_HISTORY_TURNS}"):
        turns_from_messages(only_questions)


def test_too_many_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="characters; send at most 100,000"):
        turns_from_messages(_messages(2, answer="x" * (MAX_HISTORY_CHARS // 2)))
    with pytest.raises(UsageError, match="characters; send at most 100,000"):
        check_history([Turn("Q?", "x" * (MAX_HISTORY_CHARS + 1))])


def test_the_library_refuses_a_long_history_before_it_answers(tmp_path: Path) -> None:
    library = Library(Settings(home=tmp_path))
    history = [Turn(f"Question {i}?", "An answer.") for i in range(MAX_HISTORY_TURNS + 1)]
    with pytest.raises(UsageError, match="51 turns"):
        library.ask("And then?", history)
    with pytest.raises(UsageError, match="51 turns"):
        next(iter(library.stream("And then?", history)))

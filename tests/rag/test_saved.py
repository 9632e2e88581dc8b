"""Saved conversations: per user, ordered, renamed, deleted, exported, and read back
by a new store on the same file (a server restart)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UsageError
from rag.answers import Answer
from rag.saved import MAX_TITLE_CHARS, SavedConversations, title_of
from tests.rag.results import PRAGUE_ANSWER, PRAGUE_CITATION

CITATION = PRAGUE_CITATION
FIRST = PRAGUE_ANSWER
SECOND = Answer("When?", "The documents don't say that.", True, standalone_question="When (Moore)?")


def test_a_conversation_survives_a_new_store_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    saved = SavedConversations(path)
    c = saved.create("alice", title_of(FIRST.question))
    saved.save("alice", c.id, [FIRST, SECOND])
    again = SavedConversations(path)  # the server restarted
    assert again.answers("alice", c.id) == [FIRST, SECOND]
    (listed,) = again.of_user("alice")
    assert (listed.title, listed.turns) == ("Where did Moore speak?", 2)


def test_each_user_sees_only_their_own(tmp_path: Path) -> None:
    saved = SavedConversations(tmp_path / "c.sqlite3")
    mine = saved.create("alice", "Moore")
    saved.create("bob", "Tram line")
    assert [c.title for c in saved.of_user("bob")] == ["Tram line"]
    for call in (
        lambda: saved.answers("bob", mine.id),
        lambda: saved.rename("bob", mine.id, "taken"),
        lambda: saved.delete("bob", mine.id),
        lambda: saved.save("bob", mine.id, [FIRST]),
        lambda: saved.markdown("bob", mine.id),
    ):
        with pytest.raises(UsageError, match="no conversation"):
            call()
    assert saved.get("alice", mine.id).title == "Moore"


def test_rename_order_and_delete(tmp_path: Path) -> None:
    saved = SavedConversations(tmp_path / "c.sqlite3")
    old = saved.create("alice", "first")
    new = saved.create("alice", "second")
    saved.save("alice", old.id, [FIRST])  # changed last: listed first
    assert [c.id for c in saved.of_user("alice")] == [old.id, new.id]
    assert saved.rename("alice", new.id, "  Tram   costs ").title == "Tram costs"
    saved.delete("alice", old.id)
    assert [c.title for c in saved.of_user("alice")] == ["Tram costs"]
    with pytest.raises(UsageError, match="needs a title"):
        saved.rename("alice", new.id, "   ")
    with pytest.raises(UsageError, match="keep it to"):
        saved.create("alice", "x" * (MAX_TITLE_CHARS + 1))


def test_a_regenerated_answer_replaces_the_saved_one(tmp_path: Path) -> None:
    saved = SavedConversations(tmp_path / "c.sqlite3")
    c = saved.create("alice", "Moore")
    saved.save("alice", c.id, [FIRST, SECOND])
    saved.save("alice", c.id, [FIRST])
    assert saved.answers("alice", c.id) == [FIRST]


def test_markdown_export_keeps_the_citations(tmp_path: Path) -> None:
    saved = SavedConversations(tmp_path / "c.sqlite3")
    c = saved.create("alice", "Moore in Prague")
    saved.save("alice", c.id, [FIRST, SECOND])
    text = saved.markdown("alice", c.id)
    assert text.startswith("# Moore in Prague\n")
    assert "## Where did Moore speak?\n\nPrague: Moore spoke at the British embassy" in text
    assert "- [1] *MI6 chief* (/corpus/mi6.md, page 2): “Moore spoke at the British" in text
    assert "## When?\n\nThe documents don't say that." in text


def test_long_first_questions_make_short_titles() -> None:
    assert title_of("  Who   won? ") == "Who won?"
    long = title_of("word " * 40)
    assert len(long) == 60 and long.endswith("…")

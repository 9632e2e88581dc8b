"""`rag feedback export`: the window's ratings as an evaluation set, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.answers import Answer, Turn
from rag.cli import app
from rag.feedback import FeedbackLog


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("RAG_HOME", str(home))
    log = FeedbackLog(home / "feedback.jsonl")
    first = Answer("Who is the head of MI6?", "Richard Moore: ... [1]", False)
    log.rate("alice", first, [], "up")
    follow = Answer("Where did he speak?", "The documents don't say that.", True)
    log.rate("bob", follow, [Turn(first.question, first.text)], "down", "it says Prague")
    return home


def test_export_json_is_one_question_line_per_rating(home: Path) -> None:
    result = CliRunner().invoke(app, ["feedback", "export", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(x["user"], x["vote"], x["text"]) for x in lines] == [
        ("alice", "up", "Who is the head of MI6?"),
        ("bob", "down", "Where did he speak?"),
    ]
    assert lines[1]["history"][0] == {"role": "user", "content": "Who is the head of MI6?"}
    assert lines[1]["abstained"] is True and lines[1]["comment"] == "it says Prague"


def test_export_of_one_user_and_as_text(home: Path) -> None:
    result = CliRunner().invoke(app, ["feedback", "export", "--json", "--user", "bob"])
    assert [json.loads(x)["user"] for x in result.output.splitlines()] == ["bob"]
    text = CliRunner().invoke(app, ["feedback", "export"])
    assert text.exit_code == 0 and "down  bob" in text.output and "it says Prague" in text.output


def test_no_ratings_says_how_to_give_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "empty"))
    result = CliRunner().invoke(app, ["feedback", "export"])
    assert result.exit_code == 0 and "no ratings yet" in result.output
    assert CliRunner().invoke(app, ["feedback", "export", "--json"]).output == ""


def test_conversations_list_and_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.saved import SavedConversations

    home = tmp_path / "home"
    monkeypatch.setenv("RAG_HOME", str(home))
    saved = SavedConversations(home / "conversations.sqlite3")
    mine = saved.create("alice", "Moore in Prague")
    saved.save("alice", mine.id, [Answer("Where?", "Prague. [1]", False)])
    listed = CliRunner().invoke(app, ["conversations", "list", "--user", "alice", "--json"])
    assert [c["title"] for c in json.loads(listed.output)] == ["Moore in Prague"]
    assert (
        "no saved conversations for bob"
        in CliRunner().invoke(app, ["conversations", "list", "--user", "bob"]).output
    )
    exported = CliRunner().invoke(app, ["conversations", "export", mine.id, "--user", "alice"])
    assert exported.exit_code == 0 and exported.output.startswith("# Moore in Prague")
    other = CliRunner().invoke(app, ["conversations", "export", mine.id, "--user", "bob"])
    assert other.exit_code == 2 and "no conversation" in other.output

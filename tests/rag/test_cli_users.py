"""`rag users` and `rag collections` through the real command (typer's runner, in
process, with RAG_HOME on tmp_path): the users file they write is the one the app reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.users import UserDirectory


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    return CliRunner()


def test_users_add_grant_revoke_list_and_remove(cli: CliRunner, tmp_path: Path) -> None:
    added = cli.invoke(app, ["users", "add", "alice", "--password-stdin", "--write", "team"],
                       input="correct horse\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "reads alice, default, team; writes alice, team" in added.output
    users = UserDirectory(tmp_path / "home" / "users.json")
    assert users.verify("alice", "correct horse") and users.principal("alice").can_write("team")

    granted = cli.invoke(app, ["users", "grant", "alice", "--read", "finance"])
    assert granted.exit_code == 0 and users.principal("alice").can_read("finance")
    revoked = cli.invoke(app, ["users", "revoke", "alice", "--read", "team"])
    assert revoked.exit_code == 0 and not users.principal("alice").can_read("team")

    listed = cli.invoke(app, ["users", "list", "--json"])
    assert json.loads(listed.output) == [
        {"name": "alice", "read": ["alice", "default", "finance"], "write": ["alice"]}
    ]
    assert cli.invoke(app, ["users", "remove", "alice"]).exit_code == 0
    assert json.loads(cli.invoke(app, ["users", "list", "--json"]).output) == []


def test_bad_user_commands_are_usage_errors(cli: CliRunner) -> None:
    short = cli.invoke(app, ["users", "add", "bob", "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "too short" in short.output
    bad = cli.invoke(app, ["users", "add", "Bob Smith", "--password-stdin"], input="long enough\n")
    assert bad.exit_code == 2 and "not a user name" in bad.output
    missing = cli.invoke(app, ["users", "grant", "nobody", "--read", "x"])
    assert missing.exit_code == 2 and "no user 'nobody'" in missing.output


def test_passwd_changes_the_password_and_keeps_the_collections(
    cli: CliRunner, tmp_path: Path
) -> None:
    cli.invoke(app, ["users", "add", "ann", "--password-stdin", "--write", "team"],
               input="first password\n")  # fmt: skip
    changed = cli.invoke(app, ["users", "passwd", "ann", "--password-stdin"], input="second one!\n")
    assert changed.exit_code == 0 and "new password for ann" in changed.output
    users = UserDirectory(tmp_path / "home" / "users.json")
    assert users.verify("ann", "second one!") and not users.verify("ann", "first password")
    assert users.principal("ann").can_write("team")
    short = cli.invoke(app, ["users", "passwd", "ann", "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "too short" in short.output
    nobody = cli.invoke(app, ["users", "passwd", "zed", "--password-stdin"], input="long enough\n")
    assert nobody.exit_code == 2 and "no user 'zed'" in nobody.output


@pytest.mark.slow
def test_ingest_into_a_collection_and_list_it(cli: CliRunner, tmp_path: Path) -> None:
    note = tmp_path / "budget.md"
    note.write_text("# Budget\n\nThe Osprey project budget is 4.2 million crowns.\n")
    added = cli.invoke(app, ["ingest", str(note), "--collection", "finance", "--json"])
    assert added.exit_code == 0, added.output
    doc_id = json.loads(added.output.splitlines()[-1])["added"][0]["doc_id"]
    assert doc_id.startswith("finance/")
    rows = json.loads(cli.invoke(app, ["collections", "list", "--json"]).output)
    assert rows == [
        {"name": "default", "documents": 0, "passages": 0, "writable": True},  # its home
        {"name": "finance", "documents": 1, "passages": 1, "writable": True},
    ]
    listed = cli.invoke(app, ["docs", "list", "--collection", "finance", "--json"])
    assert [d["doc_id"] for d in json.loads(listed.output)] == [doc_id]
    other = cli.invoke(app, ["docs", "list", "--collection", "default", "--json"])
    assert json.loads(other.output) == []
    found = cli.invoke(app, ["search", "Osprey budget", "--collection", "default", "--json"])
    assert json.loads(found.output)["results"] == []


def test_collections_create_list_and_remove(cli: CliRunner, tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        cli.invoke(app, ["users", "add", name, "--password-stdin"], input="long enough\n")
    created = cli.invoke(
        app, ["collections", "create", "team", "--owner", "alice", "--member", "bob", "--json"]
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.output) == {"name": "team", "owner": "alice", "members": ["bob"]}
    listed = json.loads(cli.invoke(app, ["collections", "list", "--json"]).output)
    assert {"name": "team", "documents": 0, "passages": 0, "writable": True} in listed
    users = UserDirectory(tmp_path / "home" / "users.json")
    assert users.principal("alice").can_write("team") and users.principal("bob").can_read("team")

    kept = cli.invoke(app, ["collections", "remove", "team"], input="n\n")
    assert kept.exit_code == 1 and "Aborted" in kept.output
    assert users.shared() == ("team",)
    removed = cli.invoke(app, ["collections", "remove", "team", "--yes", "--json"])
    assert removed.exit_code == 0, removed.output
    assert json.loads(removed.output) == {"name": "team", "removed": [], "users": ["alice", "bob"]}
    listed = json.loads(cli.invoke(app, ["collections", "list", "--json"]).output)
    assert [row["name"] for row in listed] == ["default"]
    assert not users.principal("bob").can_read("team")
    plain = cli.invoke(app, ["collections", "create", "drafts", "--member", "bob"])
    assert plain.exit_code == 0 and plain.output.strip() == "created drafts: bob read"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "Team Notes"], "not a collection name"),
        (["create", "alice"], "alice's own collection"),
        (["create", "team", "--owner", "zed"], "no user 'zed'"),
        (["remove", "default", "--yes"], "default collection cannot be removed"),
        (["remove", "alice", "--yes"], "own collection and cannot be removed"),
        (["remove", "nothing", "--yes"], "no collection 'nothing'"),
    ],
)
def test_collections_refusals_are_usage_errors(
    cli: CliRunner, args: list[str], message: str
) -> None:
    cli.invoke(app, ["users", "add", "alice", "--password-stdin"], input="long enough\n")
    refused = cli.invoke(app, ["collections", *args])
    assert refused.exit_code == 2 and message in refused.output, refused.output


def test_a_user_cannot_take_a_shared_collections_name(cli: CliRunner) -> None:
    assert cli.invoke(app, ["collections", "create", "team"]).exit_code == 0
    taken = cli.invoke(app, ["users", "add", "team", "--password-stdin"], input="long enough\n")
    assert taken.exit_code == 2 and "is a shared collection" in taken.output

"""Principals and the users file: who may read and write which collection, argon2
logins, grants and revocations, and a users file changed under a running app."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from core.errors import AccessError, UsageError
from rag.access import LOCAL, Principal, check_collection
from rag.users import UserDirectory, parse_logins


def test_a_principal_reads_what_it_writes_and_adds_only_where_it_may() -> None:
    alice = Principal.of("alice", ["default"], ["alice"], "alice")
    assert alice.can_read("alice") and alice.can_read("default") and not alice.can_read("bob")
    assert alice.can_write("alice") and not alice.can_write("default")
    assert alice.readable() == frozenset({"alice", "default"})
    assert alice.writable_target(None) == "alice"
    with pytest.raises(AccessError, match="may not add documents to the collection 'bob'"):
        alice.writable_target("bob")
    assert LOCAL.readable() is None and LOCAL.can_write("anything")


@pytest.mark.parametrize("name", ["", "Alice", "a b", "../x", "-x", "x" * 65])
def test_collection_names_are_checked(name: str) -> None:
    with pytest.raises(UsageError, match="collection name"):
        check_collection(name)


def test_users_file_keeps_hashes_and_each_user_gets_their_collection(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    users = UserDirectory(path)
    assert not users.enabled()
    users.add("alice", "correct horse", write=["team"])
    users.add("bob", "battery staple")
    raw = path.read_text()
    assert "correct horse" not in raw and "$argon2id$" in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert users.verify("alice", "correct horse")
    assert not users.verify("alice", "battery staple")
    assert not users.verify("carol", "correct horse")
    alice, bob = users.principal("alice"), users.principal("bob")
    assert alice.read == {"alice", "default", "team"} and alice.home == "alice"
    assert bob.read == {"bob", "default"} and bob.write == {"bob"}
    with pytest.raises(UsageError, match="exists"):
        users.add("alice", "another password")
    with pytest.raises(UsageError, match="reserved"):
        users.add("default", "a password!")
    with pytest.raises(UsageError, match="too short"):
        users.add("carol", "short")


def test_grants_revocations_and_removal_are_seen_by_a_running_directory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "users.json"
    running = UserDirectory(path)  # the app's, read before the changes below
    UserDirectory(path).add("bob", "battery staple")
    assert running.principal("bob").read == {"bob", "default"}
    UserDirectory(path).grant("bob", read=["team"])
    assert running.principal("bob").can_read("team")
    UserDirectory(path).revoke("bob", read=["default"])
    assert not running.principal("bob").can_read("default")
    UserDirectory(path).remove("bob")
    assert not running.verify("bob", "battery staple")
    with pytest.raises(UsageError, match="no user"):
        running.principal("bob")


def test_a_new_password_counts_at_once_in_a_running_directory(tmp_path: Path) -> None:
    import os

    path = tmp_path / "users.json"
    UserDirectory(path).add("ann", "first password")
    running = UserDirectory(path)
    assert running.verify("ann", "first password")  # now remembered for a while
    UserDirectory(path).passwd("ann", "second password")
    os.utime(path, (1, 1))  # a distinct mtime even on a coarse clock
    assert not running.verify("ann", "first password")
    assert running.verify("ann", "second password")


def test_rag_auth_logins_get_the_default_access(tmp_path: Path) -> None:
    users = UserDirectory(tmp_path / "none.json", parse_logins("ann:pw1,bob:pw2"))
    assert users.enabled() and users.names() == ["ann", "bob"]
    assert users.verify("ann", "pw1") and not users.verify("ann", "pw2")
    assert users.principal("ann").write == {"ann"}


def test_a_broken_users_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": {"alice": {"read": []}}}))
    with pytest.raises(UsageError, match="cannot read the users file"):
        UserDirectory(path).principal("alice")


def test_shared_collections_are_kept_in_the_users_file_and_seen_by_a_running_directory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "users.json"
    UserDirectory(path).add("ann", "first password")
    # a users file from before shared collections has no list: it reads as none
    old = json.loads(path.read_text())
    del old["collections"]
    path.write_text(json.dumps(old))
    running = UserDirectory(path)
    assert running.shared() == () and running.principal("ann").home == "ann"

    UserDirectory(path).create_collection("team", owner="ann")
    assert running.shared() == ("team",) and running.principal("ann").can_write("team")
    assert running.mentions("team") and not running.mentions("other")
    UserDirectory(path).passwd("ann", "second password")  # other changes keep the list
    assert running.shared() == ("team",)
    assert UserDirectory(path).drop_collection("team") == ["ann"]
    assert running.shared() == () and not running.principal("ann").can_read("team")
    assert UserDirectory(path).drop_collection("team") == []

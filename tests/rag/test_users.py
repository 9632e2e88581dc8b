"""The users file under concurrent change: two processes adding users at once both land."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from rag.users import UserDirectory


def _add_users(path: str, prefix: str, count: int) -> None:
    users = UserDirectory(Path(path))
    for i in range(count):
        users.add(f"{prefix}{i}", "correct horse battery")


def test_two_processes_adding_users_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    spawn = multiprocessing.get_context("spawn")
    workers = [
        spawn.Process(target=_add_users, args=(str(path), prefix, 8)) for prefix in ("ann", "bo")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    names = set(UserDirectory(path).names())
    assert names == {f"ann{i}" for i in range(8)} | {f"bo{i}" for i in range(8)}

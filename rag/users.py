"""The users of a team instance and what each may read and write.

Two sources, both optional:

- ``RAG_AUTH=user:password,...`` (plain passwords in the environment, as before);
- the users file (``RAG_USERS_FILE``, by default ``<RAG_HOME>/users.json``), managed
  with ``rag users add|grant|revoke|remove|list``; it keeps argon2id hashes only and
  is re-read when it changes, so a running app sees new users without a restart.
Changes hold a lock file beside it, so two processes changing it at once both land.

Every user reads and writes their own collection (named after them) and reads
``default``, the operator's shared library, unless the users file says otherwise.

The users file also lists the shared collections made with ``rag collections create``
(names only, so that an empty one is listed and its name cannot be taken by a user):
who may read and write one is still the users' grants, the one record of access, and
creating one writes the collection and its owner's and members' grants in one step.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock

from core.errors import UsageError
from core.files import write_private_json
from rag.access import DEFAULT_COLLECTION, EVERY, Principal, check_collection

# A password that was verified is remembered (as a salted digest) for this long, so a
# program calling the API many times does not pay for argon2 on every request.
VERIFIED_TTL = 300.0
# How long a change of the users file waits for another process's change to finish.
LOCK_SECONDS = 30.0
T = TypeVar("T")
_RESERVED = {DEFAULT_COLLECTION, "local", EVERY}


@dataclass(frozen=True)
class UserEntry:
    """One user of the users file (its password only as an argon2 hash)."""

    name: str
    password_hash: str
    read: tuple[str, ...]
    write: tuple[str, ...]

    def principal(self) -> Principal:
        return Principal.of(self.name, self.read, self.write, self.name)

    def to_json(self) -> dict[str, Any]:
        return {"password": self.password_hash, "read": list(self.read), "write": list(self.write)}

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "read": sorted(self.principal().read), "write": list(self.write)}

    def granted(self, read: Iterable[str] = (), write: Iterable[str] = ()) -> UserEntry:
        return UserEntry(
            self.name,
            self.password_hash,
            _collections([*self.read, *read]),
            _collections([*self.write, *write]),
        )

    def without(self, collection: str) -> UserEntry:
        """This entry with no access to ``collection``."""
        return UserEntry(
            self.name,
            self.password_hash,
            tuple(c for c in self.read if c != collection),
            tuple(c for c in self.write if c != collection),
        )


@dataclass(frozen=True)
class SharedCollection:
    """A collection made with ``rag collections create``: ``owner`` was granted write
    access to it and ``members`` read access."""

    name: str
    owner: str | None
    members: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "owner": self.owner, "members": list(self.members)}


def parse_logins(value: str | None) -> list[tuple[str, str]]:
    """``RAG_AUTH``'s ``user:password[,user2:password2]`` as (user, password) pairs."""
    if not value:
        return []
    pairs = []
    for item in value.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise UsageError(
                "RAG_AUTH must look like user:password[,user2:password2] "
                "(no empty user or password)"
            )
        pairs.append((user, password))
    return pairs


def check_user_name(name: str) -> str:
    if name in _RESERVED:
        raise UsageError(f"{name!r} is reserved; choose another user name")
    try:
        return check_collection(name)
    except UsageError:
        raise UsageError(
            f"{name!r} is not a user name; use lower-case letters, digits, - and _ "
            "(the name is also the user's own collection)"
        ) from None


def default_access(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(read, write) of a user nobody granted anything to."""
    return (name, DEFAULT_COLLECTION), (name,)


def _collections(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n if n == EVERY else check_collection(n) for n in names))


def _exclusive(method: Callable[..., T]) -> Callable[..., T]:
    """Runs a read-change-write of the users file holding ``<file>.lock``, so that two
    processes changing users at once (two `rag users add`, or the CLI next to a running
    app) do not lose one another's change."""

    @functools.wraps(method)
    def locked(self: UserDirectory, *args: Any, **kwargs: Any) -> T:
        if self.path is None:
            return method(self, *args, **kwargs)  # _for_update says what to set
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(self.path.with_name(self.path.name + ".lock"), timeout=LOCK_SECONDS):
            return method(self, *args, **kwargs)

    return locked


class UserDirectory:
    """The logins and principals of ``RAG_AUTH`` and the users file; thread-safe."""

    def __init__(self, path: Path | None, plain: Sequence[tuple[str, str]] = ()) -> None:
        self.path = path
        self.plain = [(check_user_name(n), p) for n, p in plain]
        self._entries: dict[str, UserEntry] = {}
        self._shared: tuple[str, ...] = ()
        self._mtime: float | None = None
        self._verified: dict[str, float] = {}
        self._salt = os.urandom(16)
        self._lock = threading.Lock()
        from argon2 import PasswordHasher

        self._hasher = PasswordHasher()
        self._dummy = self._hasher.hash("not a password")

    # --- reading ---------------------------------------------------------------------

    def entries(self) -> dict[str, UserEntry]:
        """The users file's users, re-read when the file changed."""
        return self._load()[0]

    def shared(self) -> tuple[str, ...]:
        """The shared collections the users file lists (``rag collections create``)."""
        return self._load()[1]

    def mentions(self, collection: str) -> bool:
        """Whether the users file lists ``collection`` or grants anyone access to it."""
        entries, shared = self._load()
        return collection in shared or any(
            collection in e.read or collection in e.write for e in entries.values()
        )

    def _load(self) -> tuple[dict[str, UserEntry], tuple[str, ...]]:
        with self._lock:
            mtime = _mtime(self.path)
            if mtime != self._mtime:
                self._entries, self._shared = _read(self.path) if mtime is not None else ({}, ())
                self._mtime = mtime
                self._verified.clear()  # a changed password or a removed user counts now
            return dict(self._entries), self._shared

    def enabled(self) -> bool:
        """Whether logins are on (any user in either source)."""
        return bool(self.plain) or bool(self.entries())

    def names(self) -> list[str]:
        return sorted({n for n, _ in self.plain} | set(self.entries()))

    def principal(self, name: str) -> Principal:
        entry = self.entries().get(name)
        if entry is not None:
            return entry.principal()
        if any(n == name for n, _ in self.plain):
            read, write = default_access(name)
            return Principal.of(name, read, write, name)
        raise UsageError(f"there is no user {name!r}")

    def verify(self, name: str, password: str) -> bool:
        """Whether ``name:password`` is a login of either source."""
        key = self._key(name, password)
        now = time.monotonic()
        self.entries()  # re-read a changed users file first: it drops remembered logins
        with self._lock:
            if self._verified.get(key, 0.0) > now:
                return True
        found = False
        for user, secret in self.plain:  # every login is compared: timing tells nothing
            same_user = hmac.compare_digest(user.encode(), name.encode())
            found = (same_user and hmac.compare_digest(secret.encode(), password.encode())) or found
        entry = self.entries().get(name)
        if not found:
            found = self._check_hash(entry.password_hash if entry else self._dummy, password)
            found = found and entry is not None
        if found:
            with self._lock:
                self._verified[key] = now + VERIFIED_TTL
        return found

    def _check_hash(self, hashed: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return bool(self._hasher.verify(hashed, password))
        except (VerificationError, InvalidHashError):
            return False

    def _key(self, name: str, password: str) -> str:
        raw = name.encode() + b"\0" + password.encode("utf-8", "surrogatepass")
        return hashlib.blake2b(raw, key=self._salt, digest_size=32).hexdigest()

    # --- managing the users file --------------------------------------------------

    @_exclusive
    def add(
        self,
        name: str,
        password: str,
        read: Iterable[str] = (),
        write: Iterable[str] = (),
    ) -> UserEntry:
        name = check_user_name(name)
        _check_password(password)
        entries, shared = self._for_update()
        if name in entries:
            raise UsageError(f"the user {name!r} exists; use `rag users grant` or remove it first")
        if name in shared:
            raise UsageError(
                f"{name!r} is a shared collection, and a user's name is their own collection; "
                "choose another user name"
            )
        base_read, base_write = default_access(name)
        entry = UserEntry(
            name,
            self._hasher.hash(password),
            _collections([*base_read, *read]),
            _collections([*base_write, *write]),
        )
        entries[name] = entry
        self._write(entries, shared)
        return entry

    def passwd(self, name: str, password: str) -> UserEntry:
        """A new password for an existing user (their collections stay)."""
        _check_password(password)
        return self._change(
            name, lambda e: UserEntry(name, self._hasher.hash(password), e.read, e.write)
        )

    def grant(self, name: str, read: Iterable[str] = (), write: Iterable[str] = ()) -> UserEntry:
        return self._change(name, lambda e: e.granted(read, write))

    def revoke(self, name: str, read: Iterable[str] = (), write: Iterable[str] = ()) -> UserEntry:
        gone_read, gone_write = set(_collections(read)), set(_collections(write))
        return self._change(
            name,
            lambda e: UserEntry(
                name,
                e.password_hash,
                tuple(c for c in e.read if c not in gone_read),
                tuple(c for c in e.write if c not in gone_write and c not in gone_read),
            ),
        )

    @_exclusive
    def _change(self, name: str, change: Callable[[UserEntry], UserEntry]) -> UserEntry:
        """An existing user's entry replaced by ``change(entry)``, written back."""
        entries, shared = self._for_update()
        entry = change(self._existing(entries, name))
        entries[name] = entry
        self._write(entries, shared)
        return entry

    @_exclusive
    def remove(self, name: str) -> None:
        entries, shared = self._for_update()
        self._existing(entries, name)
        del entries[name]
        self._write(entries, shared)

    # --- shared collections -------------------------------------------------------

    @_exclusive
    def create_collection(
        self, name: str, owner: str | None = None, members: Iterable[str] = ()
    ) -> SharedCollection:
        """List ``name`` as a shared collection and, in the same write, grant ``owner``
        write access and ``members`` read access (all users of the users file)."""
        name = check_collection(name)
        entries, shared = self._for_update()
        if name == DEFAULT_COLLECTION or name in shared:
            raise UsageError(f"the collection {name!r} exists; see `rag collections list`")
        if name in self.names():
            raise UsageError(f"{name!r} is the user {name}'s own collection; choose another name")
        readers = tuple(dict.fromkeys(m for m in members if m != owner))
        if owner is not None:
            entries[owner] = self._existing(entries, owner).granted(write=[name])
        for member in readers:
            entries[member] = self._existing(entries, member).granted(read=[name])
        self._write(entries, (*shared, name))
        return SharedCollection(name, owner, readers)

    @_exclusive
    def drop_collection(self, name: str) -> list[str]:
        """Forget ``name``: off the shared list and out of every user's grants. Returns
        the users who had access to it; writes nothing if no one had."""
        entries, shared = self._for_update()
        had = sorted(n for n, e in entries.items() if name in e.read or name in e.write)
        if not had and name not in shared:
            return []
        for user in had:
            entries[user] = entries[user].without(name)
        self._write(entries, tuple(c for c in shared if c != name))
        return had

    def _for_update(self) -> tuple[dict[str, UserEntry], tuple[str, ...]]:
        """The file as it is now (read again, under the lock: another process's write
        in the same tick of the file clock would not change its mtime)."""
        if self.path is None:
            raise UsageError("no users file is configured; set RAG_USERS_FILE or RAG_HOME")
        entries, shared = _read(self.path) if self.path.exists() else ({}, ())
        return dict(entries), shared

    @staticmethod
    def _existing(entries: dict[str, UserEntry], name: str) -> UserEntry:
        if name not in entries:
            raise UsageError(f"there is no user {name!r} in the users file (rag users list)")
        return entries[name]

    def _write(self, entries: dict[str, UserEntry], shared: Sequence[str]) -> None:
        assert self.path is not None
        payload = {
            "users": {n: e.to_json() for n, e in sorted(entries.items())},
            "collections": sorted(shared),
        }
        write_private_json(self.path, payload)  # 0600: the hashes stay private
        with self._lock:
            self._mtime = None  # re-read on the next look


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime_ns if path is not None else None
    except FileNotFoundError:
        return None


def _read(path: Path | None) -> tuple[dict[str, UserEntry], tuple[str, ...]]:
    """The users and the shared collections of the users file (a file from before
    shared collections has none)."""
    assert path is not None
    try:
        data = json.loads(path.read_text())
        users = data["users"]
        entries = {
            check_user_name(name): UserEntry(
                name, str(u["password"]), _collections(u["read"]), _collections(u["write"])
            )
            for name, u in users.items()
        }
        return entries, tuple(check_collection(c) for c in data.get("collections", []))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UsageError(
            f"cannot read the users file {path} ({type(e).__name__}: {e}); fix it or "
            "recreate it with `rag users add`"
        ) from e


MIN_PASSWORD_CHARS = 8


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsageError(f"the password is too short; use at least {MIN_PASSWORD_CHARS} characters")

"""Who may read and write which collection.

A collection is a label on every document and passage (``collection`` in their
metadata). Documents the machine's own user adds (the CLI, or the window without
logins) go to ``default``. With logins, each user has a principal: the collections
they may read, the ones they may write, and their home collection, where their
uploads go. Access is checked here and in the ``Library``, not in the doors, so every
door (window, named API, OpenAI-compatible, MCP) gets the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import AccessError, UsageError
from vectorstore.records import DEFAULT_COLLECTION

EVERY = "*"  # in a read or write list: every collection
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def check_collection(name: str) -> str:
    """A valid collection name (lower-case letters, digits, ``-`` and ``_``; at most 64)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise UsageError(
            f"{name!r} is not a collection name; use lower-case letters, digits, - and _ "
            "(at most 64, starting with a letter or digit)"
        )
    return name


@dataclass(frozen=True)
class Principal:
    """A user as access sees them. ``read`` and ``write`` are collection names, or
    :data:`EVERY`; whoever may write a collection may also read it."""

    name: str
    read: frozenset[str]
    write: frozenset[str]
    home: str = DEFAULT_COLLECTION

    @classmethod
    def of(
        cls, name: str, read: Iterable[str], write: Iterable[str], home: str | None = None
    ) -> Principal:
        writes = frozenset(write)
        reads = frozenset(read) | writes
        return cls(name, reads, writes, home or next(iter(sorted(writes)), DEFAULT_COLLECTION))

    @property
    def reads_everything(self) -> bool:
        return EVERY in self.read

    def can_read(self, collection: str) -> bool:
        return self.reads_everything or collection in self.read

    def can_write(self, collection: str) -> bool:
        return EVERY in self.write or collection in self.write

    def readable(self) -> frozenset[str] | None:
        """The collections this user may read, or None for all of them."""
        return None if self.reads_everything else self.read

    def writable_target(self, collection: str | None) -> str:
        """The collection an add goes to (``collection``, else the user's home), or an
        AccessError if the user may not write it."""
        target = check_collection(collection) if collection else self.home
        if not self.can_write(target):
            raise AccessError(
                f"{self.name} may not add documents to the collection {target!r}; "
                "ask the operator to grant it (rag users grant)"
            )
        return target


LOCAL = Principal("local", frozenset({EVERY}), frozenset({EVERY}), DEFAULT_COLLECTION)
"""The machine's own user: the CLI, and the window when logins are off."""

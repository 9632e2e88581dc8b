"""Creating and removing shared collections (``rag collections create|remove``).

A collection is a label on documents (``rag.access``). Creating one writes only the
users file, which lists it (so it is shown while empty) and grants its owner and
members access (``UserDirectory.create_collection``); a running app re-reads that
file, so nothing needs to go through it. Removing one deletes its documents through
``Library.remove`` (the keyword index and the upload copies follow), then takes it off
the users file's list and out of every user's grants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import UsageError
from rag.access import check_collection
from rag.uploads import collection_folder
from rag.users import SharedCollection
from vectorstore.records import DEFAULT_COLLECTION, DocumentRecord

if TYPE_CHECKING:
    from rag.library import Library


@dataclass(frozen=True)
class RemovedCollection:
    """What ``remove_collection`` did: the documents it deleted and the users who lost
    access to the collection."""

    name: str
    documents: tuple[DocumentRecord, ...]
    users: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "removed": [d.summary() for d in self.documents],
            "users": list(self.users),
        }


def create_collection(
    library: Library, name: str, owner: str | None = None, members: Iterable[str] = ()
) -> SharedCollection:
    """A new shared collection, empty; refused if the name is taken (by a listed
    collection, by documents already labelled with it, or by a user)."""
    name = check_collection(name)
    held = _documents_of(library, name)
    if held:
        raise UsageError(
            f"the collection {name!r} exists ({len(held)} documents); give users access "
            "to it with `rag users grant`"
        )
    return library.users.create_collection(name, owner, members)


def remove_collection(library: Library, name: str) -> RemovedCollection:
    """Delete a shared collection's documents and forget it; refused for ``default``
    and for a user's own collection."""
    name = check_collection(name)
    if name == DEFAULT_COLLECTION:
        raise UsageError(
            "the default collection cannot be removed; remove its documents with `rag docs remove`"
        )
    if name in library.users.names():
        raise UsageError(
            f"{name!r} is the user {name}'s own collection and cannot be removed; remove "
            f"its documents with `rag docs remove`, or the user with `rag users remove {name}`"
        )
    with library.write_lock:
        held = _documents_of(library, name)
        if not held and not library.users.mentions(name):
            raise UsageError(f"there is no collection {name!r}; see `rag collections list`")
        removed, _unknown = library.remove([r.doc_id for r in held])
        folder = collection_folder(library.settings.uploads_path, name)
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        users = library.users.drop_collection(name)
    return RemovedCollection(name, tuple(removed), tuple(users))


def _documents_of(library: Library, name: str) -> list[DocumentRecord]:
    """The collection's documents, pending ones included (an ingest left them)."""
    store = library.services.store
    return [r for r in store.list_documents(complete_only=False) if r.collection == name]

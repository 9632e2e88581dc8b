"""Document library operations shared by the CLI and the UI."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.sources import is_url
from vectorstore.chroma import ChromaStore
from vectorstore.records import DocumentRecord


def resolve(store: ChromaStore, target: str) -> list[DocumentRecord]:
    """Documents named by ``target``: a doc id, else a source (path or URL)."""
    found = store.get_documents([target])
    if found:
        return list(found.values())
    matches = store.find_by_source(target)
    if not matches and not is_url(target):
        from pathlib import Path

        absolute = str(Path(target).expanduser().resolve())
        matches = store.find_by_source(absolute)
        if not matches:
            prefix = absolute + "#"
            matches = [
                r for r in store.list_documents(complete_only=False) if r.source.startswith(prefix)
            ]
    return matches


def remove_documents(
    store: ChromaStore, targets: Sequence[str]
) -> tuple[list[DocumentRecord], list[str]]:
    """Remove documents by id or source; returns (removed, targets not found)."""
    removed: list[DocumentRecord] = []
    unknown: list[str] = []
    for target in targets:
        records = resolve(store, target)
        if not records:
            unknown.append(target)
            continue
        store.delete_documents([r.doc_id for r in records])
        removed.extend(records)
    return removed, unknown

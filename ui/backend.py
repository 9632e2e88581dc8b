"""The server side of the chat window: one per process, shared by every browser session.

A thin layer over the ``Library`` for what only the window has: uploaded files (copied
under safe names, removed with their documents) and each session's preferences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import AccessError
from rag.access import LOCAL, Principal, check_collection
from rag.library import DocumentRecord, Failure, IngestReport, Library
from rag.modes import MODES
from rag.retrieval import SearchFilter
from rag.uploads import collection_folder, stage

Progress = Callable[[int, int, int], None]
"""Called with (inputs done, inputs in all, passages embedded so far)."""


@dataclass(frozen=True)
class Preferences:
    """What one browser session chose in the Settings tab."""

    mode: str = "extractive"
    passages: int = 8


STOPPED = "not added: the upload was stopped before this file was read; add it again"


def _not_reached(inputs: Sequence[str], report: IngestReport) -> list[Failure]:
    """The inputs a stopped ingest never got to, as failures that say so."""
    seen = {
        d.source
        for outcomes in (report.added, report.updated, report.unchanged, report.duplicates)
        for d in outcomes
    } | {f.source for f in report.failed}
    # a .jsonl file's documents are reported as "<file>#<id>"
    reached = seen | {source.split("#", 1)[0] for source in seen}
    return [Failure(item, STOPPED) for item in inputs if item not in reached]


class Backend:
    """Everything the UI handlers and the named API call; thread-safe."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.settings = library.settings
        # Browser sessions whose running upload the user asked to stop.
        self.stopping: set[str] = set()

    @property
    def uploads_dir(self) -> Path:
        return self.settings.uploads_path

    def user(self, request: Any) -> Principal:
        """Whom a Gradio request acts for (``gr.Request.username``; every handler and
        named endpoint asks, so a direct call by function index is checked too)."""
        return self.library.principal(getattr(request, "username", None) if request else None)

    def default_preferences(self) -> Preferences:
        return Preferences(self.settings.answer_mode, self.settings.answer_passages)

    @staticmethod
    def mode_choices() -> list[tuple[str, str]]:
        """(label, name) of every answer mode, for the Settings tab (an LLM mode without
        an endpoint says so when asked)."""
        return [(mode.label, name) for name, mode in MODES.items()]

    def ingest_uploads(
        self,
        files: Sequence[str],
        urls: str = "",
        progress: Progress | None = None,
        user: Principal = LOCAL,
        stop: Callable[[], bool] | None = None,
        collection: str | None = None,
    ) -> tuple[IngestReport, dict[str, str]]:
        """Ingest uploaded files (copied under safe names) and pasted URLs into the
        user's home collection.

        Returns the report, refused uploads included as failures, and the name the
        user knows each source by.
        """
        collection = user.writable_target(collection)
        with self.library.write_lock:  # two uploads of one name are staged in turn
            folder = collection_folder(self.uploads_dir, collection)
            staged = stage(files, urls, folder, self.settings.max_file_bytes)
            total = len(staged.inputs)

            def on_progress(done: int, embedded: int) -> None:
                if progress is not None:
                    progress(min(done, total), total, embedded)

            report = IngestReport()
            try:
                if staged.inputs:
                    # the server fetches URLs for its visitors: public addresses only
                    report = self.library.add(
                        staged.inputs,
                        on_progress,
                        public_urls=True,
                        user=user,
                        collection=collection,
                        stop=stop,
                    )
                    if stop is not None and stop():
                        report.failed += _not_reached(staged.inputs, report)
            finally:  # a copy of a file that was refused, or is a duplicate, is not kept
                staged.discard_unstored(r.source for r in self.library.documents())
        report.failed[:0] = staged.refused
        return report, staged.names

    def remove(self, doc_ids: Sequence[str], user: Principal = LOCAL) -> list[DocumentRecord]:
        """Remove documents (``Library.remove`` drops the uploaded copies too)."""
        removed, _unknown = self.library.remove(list(doc_ids), user)
        return removed

    @staticmethod
    def collection_filter(collection: str | None, user: Principal) -> SearchFilter | None:
        """Questions kept to one collection the user may read (None: all of theirs)."""
        if not collection:
            return None
        name = check_collection(collection)
        if not user.can_read(name):
            raise AccessError(f"there is no collection {name!r} you may read; see /collections")
        return SearchFilter(collections=frozenset([name]))

    @staticmethod
    def search_filter(doc_ids: Sequence[str] | None) -> SearchFilter | None:
        return SearchFilter(doc_ids=frozenset(doc_ids)) if doc_ids else None

"""The server side of the chat window: one per process, shared by every browser session.

Holds the ``Services``, one ``AskPipeline`` per answer mode, and a write lock so that
ingests and removals happen one at a time while questions are answered concurrently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.pipeline import Ingestor
from ingest.report import IngestReport
from rag.ask import AskPipeline, answerer_for
from rag.errors import UsageError
from rag.library import remove_documents
from rag.retrieval import SearchFilter
from rag.services import Services
from ui.uploads import stage
from vectorstore.records import DocumentRecord

MODES = ("extractive", "openai")

Progress = Callable[[int, int, int], None]
"""Called with (inputs done, inputs in all, passages embedded so far)."""


@dataclass(frozen=True)
class Preferences:
    """What one browser session chose in the Settings tab."""

    mode: str = "extractive"
    passages: int = 8


class Backend:
    """Everything the UI handlers and the named API call; thread-safe."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self._pipelines: dict[str, AskPipeline] = {}
        self._pipelines_lock = threading.Lock()
        self.write_lock = threading.Lock()

    @property
    def uploads_dir(self) -> Path:
        return self.settings.home / "uploads"

    def default_preferences(self) -> Preferences:
        return Preferences(self.settings.answer_mode, self.settings.answer_passages)

    @property
    def llm_available(self) -> bool:
        return bool(self.settings.llm_base_url)

    def pipeline(self, mode: str | None = None) -> AskPipeline:
        """The shared pipeline for an answer mode, built on first use."""
        mode = mode or self.settings.answer_mode
        if mode not in MODES:
            raise UsageError(f"unknown answer mode {mode!r}; choose one of {', '.join(MODES)}")
        if mode == "openai" and not self.llm_available:
            raise UsageError(
                "the OpenAI-compatible mode needs RAG_LLM_BASE_URL when the server starts; "
                "choose the extractive mode in Settings or restart with it set"
            )
        with self._pipelines_lock:
            if mode not in self._pipelines:
                settings = self.settings.model_copy(update={"answer_mode": mode})
                answerer = answerer_for(self.services, settings)
                self._pipelines[mode] = AskPipeline(self.services, answerer)
            return self._pipelines[mode]

    def warm_up(self) -> None:
        """Load the embedding model and keyword index before the first question."""
        self.services.embedder.embed(["warm up"])
        self.services.keyword.sync(self.services.store)

    def documents(self) -> list[DocumentRecord]:
        """Complete documents; listed from the store only when it has changed."""
        return self.services.catalog.records()

    def document_text(self, doc_id: str) -> str | None:
        return self.services.store.document_text(doc_id)

    def ingest(self, inputs: Sequence[str], progress: Progress | None = None) -> IngestReport:
        """Ingest files and URLs; one ingest at a time, answers go on meanwhile."""
        with self.write_lock:
            return self._ingest(inputs, progress)

    def ingest_uploads(
        self, files: Sequence[str], urls: str = "", progress: Progress | None = None
    ) -> tuple[IngestReport, dict[str, str]]:
        """Ingest uploaded files (copied under safe names) and pasted URLs.

        Returns the report, refused uploads included as failures, and the name the
        user knows each source by.
        """
        with self.write_lock:
            staged = stage(files, urls, self.uploads_dir, self.settings.max_file_bytes)
            report = self._ingest(staged.inputs, progress) if staged.inputs else IngestReport()
        report.failed[:0] = staged.refused
        return report, staged.names

    def _ingest(self, inputs: Sequence[str], progress: Progress | None) -> IngestReport:
        total = len(inputs)

        def on_progress(done: int, embedded: int) -> None:
            if progress is not None:
                progress(min(done, total), total, embedded)

        ingestor = Ingestor(self.settings, self.services.store, self.services.embedder)
        report = ingestor.ingest(list(inputs), on_progress)
        self.services.keyword.sync(self.services.store)
        return report

    def remove(self, doc_ids: Sequence[str]) -> list[DocumentRecord]:
        """Remove documents, and the uploaded copies this app kept of them."""
        with self.write_lock:
            removed, _unknown = remove_documents(self.services.store, list(doc_ids))
        for record in removed:
            self._drop_upload(record.source)
        return removed

    def _drop_upload(self, source: str) -> None:
        path = Path(source)
        uploads = self.uploads_dir.resolve()
        if path.is_absolute() and path.parent == uploads and path.is_file():
            path.unlink(missing_ok=True)

    @staticmethod
    def search_filter(doc_ids: Sequence[str] | None) -> SearchFilter | None:
        return SearchFilter(doc_ids=frozenset(doc_ids)) if doc_ids else None

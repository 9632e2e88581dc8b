"""Document event handlers: add files and URLs, list and filter, remove, restrict the chat."""

from __future__ import annotations

import time
from collections.abc import Sequence
from html import escape
from typing import Any

import gradio as gr

from core.errors import RagError
from rag.library import DocumentRecord
from ui.backend import Backend
from ui.tables import choice_label, library_html, matches, report_html, report_rows

# Rows the library shows at once; a larger collection is narrowed with the filter box
# (a page with tens of thousands of rows and checkboxes is too heavy for a browser).
LIBRARY_ROWS = 500


class LibraryHandlers:
    """Bound to one Backend; every method is a Gradio event handler."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def _records(self, request: gr.Request | None) -> list[DocumentRecord]:
        try:
            return self.backend.library.documents(self.backend.user(request))
        except RagError as e:
            raise gr.Error(str(e)) from e

    def refresh(
        self, query: str, selected: Sequence[str] = (), request: gr.Request | None = None
    ) -> tuple[str, Any]:
        """Outputs: library table, selection list (keeps what is still listed)."""
        records = self._records(request)
        matching = [r for r in records if matches(r, query or "")]
        shown = matching[:LIBRARY_ROWS]
        choices = [(choice_label(r), r.doc_id) for r in shown]
        keep = [d for d in selected or () if d in {r.doc_id for r in shown}]
        table = library_html(shown, len(records), matching=len(matching))
        return table, gr.update(choices=choices, value=keep)

    def add(
        self,
        files: Sequence[str] | None,
        urls: str,
        query: str,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio injects it)
    ) -> tuple[Any, ...]:
        """Outputs: per-file report, file input, URL box, library table, selection list."""
        if not files and not (urls or "").strip():
            raise gr.Error("Drop one or more files, or paste URLs (one per line), then Add.")
        progress(0, desc="Reading files")
        session = getattr(request, "session_hash", None) or ""
        self.backend.stopping.discard(session)
        try:
            user = self.backend.user(request)
            report, names = self.backend.ingest_uploads(
                list(files or ()),
                urls or "",
                _reporter(progress),
                user,
                stop=lambda: session in self.backend.stopping,
            )
        except RagError as e:
            raise gr.Error(str(e)) from e
        finally:
            self.backend.stopping.discard(session)
        table, choices = self.refresh(query, (), request)
        return report_html(report_rows(report, names)), None, "", table, choices

    def stop_adding(self, request: gr.Request | None = None) -> None:
        """The Stop button of an upload: the ingest ends after the file in hand; the
        report lists the files it did not reach."""
        session = getattr(request, "session_hash", None)
        if session:
            self.backend.stopping.add(session)
            gr.Info("Stopping after the file in hand…")

    def confirm_remove(
        self, selected: Sequence[str], request: gr.Request | None = None
    ) -> tuple[Any, Any]:
        """Outputs: confirmation text, confirmation row."""
        if not selected:
            raise gr.Error("Tick the documents to remove first.")
        by_id = {r.doc_id: r for r in self._records(request)}
        titles = [escape(by_id[d].title) for d in selected if d in by_id]
        listed = "".join(f"<li>{t}</li>" for t in titles)
        text = (
            f"<div><strong>Remove {_documents_and_passages(len(titles))}?</strong>"
            f"<ul>{listed}</ul>This cannot be undone.</div>"
        )
        return text, gr.update(visible=True)

    def remove(
        self,
        selected: Sequence[str],
        query: str,
        restrict: Sequence[str],
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """Outputs: confirmation row, status, library table, selection list, scope state,
        scope banner."""
        try:
            removed = self.backend.remove(list(selected), self.backend.user(request))
        except RagError as e:
            raise gr.Error(str(e)) from e
        gone = {r.doc_id for r in removed}
        table, choices = self.refresh(query, (), request)
        scope = [d for d in restrict if d not in gone]
        status = f"Removed {len(removed)} document{'s' if len(removed) != 1 else ''}."
        return (
            gr.update(visible=False),
            status,
            table,
            choices,
            scope,
            *self.scope(scope, request),
        )

    def restrict(
        self, selected: Sequence[str], request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Outputs: scope state, scope banner, scope row, tabs (back to the chat)."""
        if not selected:
            raise gr.Error("Tick the documents the chat should use first.")
        scope = list(selected)
        return (scope, *self.scope(scope, request), gr.update(selected="chat"))

    def scope(self, scope: Sequence[str], request: gr.Request | None = None) -> tuple[Any, Any]:
        """Outputs: scope banner text, scope row visibility."""
        if not scope:
            return "", gr.update(visible=False)
        by_id = {r.doc_id: r for r in self._records(request)}
        titles = ", ".join(escape(by_id[d].title) for d in scope if d in by_id)
        text = (
            f'<div class="rag-scope">Answering only from {len(scope)} selected '
            f"document{'s' if len(scope) != 1 else ''}: {titles}</div>"
        )
        return text, gr.update(visible=True)


def _reporter(progress: gr.Progress) -> Any:
    started = time.perf_counter()

    def report(done: int, total: int, embedded: int) -> None:
        rate = embedded / max(time.perf_counter() - started, 1e-6)
        progress(
            (done, total),
            desc=f"{done} of {total} files read · {embedded} passages embedded, {rate:.0f}/s",
        )

    return report


def _documents_and_passages(n: int) -> str:
    return "1 document and its passages" if n == 1 else f"{n:,} documents and their passages"

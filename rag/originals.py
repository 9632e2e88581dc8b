"""The original files behind stored documents: which one a user may open, and a PDF
page rendered as a PNG (with pypdfium2) for the Sources panel.

Pages are cached under ``<RAG_HOME>/pages/<doc_id>/<content hash>-<page>.png``, so a
re-ingested file with new content is rendered again.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pypdfium2 as pdfium

from core.errors import UsageError
from rag.access import Principal
from rag.library import Library
from vectorstore.records import DocumentRecord

PAGE_SCALE = 1.5  # 108 dpi: readable in the panel
_PDFIUM = threading.Lock()  # PDFium is not thread-safe; the route runs in a thread pool


def original_file(library: Library, user: Principal, doc_id: str) -> tuple[DocumentRecord, Path]:
    """The stored document ``doc_id`` and its original file, if ``user`` may read it.

    The one place that decides who may open an original: the file route and the page
    view both ask here. A UsageError when the store does not know the document (or the
    user may not read it: the two look the same to them), when it came from a web
    address, or when its file is gone.
    """
    record = library.document(doc_id, user)
    if record is None:
        raise UsageError(f"{doc_id}: no such document; see the Documents tab or `rag docs list`")
    if record.url or "://" in record.source:
        raise UsageError(f"{doc_id}: came from {record.url or record.source}; open it there")
    path = Path(record.source.partition("#")[0])
    if not path.is_file():
        raise UsageError(f"{doc_id}: its file {path} is gone; add it again to see the original")
    return record, path


def page_png(record: DocumentRecord, path: Path, page: int, cache: Path) -> Path:
    """Page ``page`` (1-based) of the PDF at ``path`` as a PNG, rendered once and kept
    under ``cache``."""
    if record.kind != "pdf":
        raise UsageError(f"{record.doc_id}: only PDF documents have pages to show")
    target = cache / record.doc_id / f"{record.content_hash[:16]}-{page}.png"
    if target.is_file():
        return target
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as e:
            raise UsageError(f"{record.doc_id}: {path} cannot be rendered ({e})") from e
        try:
            if not 1 <= page <= len(pdf):
                raise UsageError(f"{record.doc_id}: has pages 1 to {len(pdf)}, not {page}")
            image = pdf[page - 1].render(scale=PAGE_SCALE).to_pil()
        finally:
            pdf.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    # written aside and renamed, so a reader never sees half a PNG
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        image.save(out, format="PNG")
    os.replace(tmp, target)
    return target

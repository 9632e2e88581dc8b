"""Caps checked before and while a PDF or .docx is parsed, so that a small hostile
file (a zip bomb, pages sharing one huge content stream) is refused by name instead
of costing gigabytes of memory or minutes of CPU."""

from __future__ import annotations

import zipfile
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, IndirectObject

from core.errors import IngestError
from core.settings import IngestOptions

# Small parts compress at any ratio without harm; only big ones are judged.
_RATIO_FLOOR = 1024 * 1024


def check_zip(archive: zipfile.ZipFile, source: str, options: IngestOptions) -> None:
    """Refuse from the zip directory alone: too many entries, too much unzipped data,
    or one big part packed too tightly. ``zipfile`` then never inflates a part beyond
    the size its directory entry declares, so these checks hold while reading too."""
    entries = archive.infolist()
    if len(entries) > options.max_zip_entries:
        raise IngestError(
            source,
            f"the Word document holds {len(entries):,} files, over the limit of "
            f"{options.max_zip_entries:,}; re-save it from Word or raise RAG_MAX_ZIP_ENTRIES",
        )
    total = sum(e.file_size for e in entries)
    if total > options.max_unzipped_bytes:
        raise IngestError(
            source,
            f"the Word document unzips to {_mib(total)}, over the limit of "
            f"{_mib(options.max_unzipped_bytes)} (a zip bomb?); raise RAG_MAX_UNZIPPED_MB "
            "if it is genuine",
        )
    for e in entries:
        ratio = e.file_size / max(e.compress_size, 1)
        if e.file_size > _RATIO_FLOOR and ratio > options.max_zip_ratio:
            raise IngestError(
                source,
                f"the part {e.filename} unzips to {ratio:,.0f} times its packed size, over "
                f"the limit of {options.max_zip_ratio:,.0f} (a zip bomb?); raise "
                "RAG_MAX_ZIP_RATIO if it is genuine",
            )


def check_pdf(reader: PdfReader, source: str, options: IngestOptions) -> None:
    """Refuse too many pages, or pages that reuse content already drawn on another
    page beyond a cap (text extraction re-parses a shared stream on every page)."""
    count = len(reader.pages)
    if count > options.max_pdf_pages:
        raise IngestError(
            source,
            f"the PDF has {count:,} pages, over the limit of {options.max_pdf_pages:,}; "
            "split it or raise RAG_MAX_PDF_PAGES",
        )
    seen: dict[tuple[int, int], int] = {}
    repeated = 0
    for page in reader.pages:
        for ref in _content_refs(page.get("/Contents")):
            key = (ref.idnum, ref.generation)
            if key not in seen:
                stream: Any = ref.get_object()
                seen[key] = len(stream.get_data()) if hasattr(stream, "get_data") else 0
                continue
            repeated += seen[key]
            if repeated > options.max_repeated_content_bytes:
                raise IngestError(
                    source,
                    f"the PDF's pages reuse more than "
                    f"{_mib(options.max_repeated_content_bytes)} of shared page content "
                    "(a PDF bomb?); re-save it from a PDF viewer or raise "
                    "RAG_MAX_REPEATED_CONTENT_MB",
                )


def check_text(chars: int, source: str, options: IngestOptions) -> None:
    if chars > options.max_text_chars:
        raise IngestError(
            source,
            f"the document has more than {options.max_text_chars:,} characters of text; "
            "split it or raise RAG_MAX_TEXT_CHARS",
        )


def _content_refs(contents: object) -> list[IndirectObject]:
    if isinstance(contents, IndirectObject):
        target = contents.get_object()
        if isinstance(target, ArrayObject):
            return [r for r in target if isinstance(r, IndirectObject)]
        return [contents]
    if isinstance(contents, ArrayObject):
        return [r for r in contents if isinstance(r, IndirectObject)]
    return []


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"

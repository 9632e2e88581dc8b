"""Hostile small files: a docx zip bomb and a PDF whose pages share one big content
stream are refused by name, within their budget, without the main process's memory
growing; a good file next to them is still added."""

from __future__ import annotations

import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from core.errors import IngestError
from core.settings import IngestOptions, Settings
from ingest.loaders import load_file
from ingest.report import IngestReport

MB = 1024 * 1024


def docx_bomb(path: Path, unzipped: int = 300 * MB) -> Path:
    """A real .docx whose document.xml is ``unzipped`` bytes of one repeated run,
    written streaming so the test itself stays small."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>"
    )
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document'
            '.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml'
            '.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http'
            '://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            block = b"a" * MB
            for _ in range(unzipped // MB):
                part.write(block)
            part.write(tail)
    return path


def shared_stream_pdf(path: Path, pages: int = 50) -> Path:
    """``pages`` pages whose /Contents are one ~1 MB content stream."""
    pdf = FPDF()
    pdf.set_compression(True)
    pdf.add_page()
    pdf.set_font("helvetica", size=4)
    for _ in range(6000):
        pdf.text(10, 10, "The same words again and again, drawn on top of each other.")
    one = path.with_suffix(".one.pdf")
    one.write_bytes(bytes(pdf.output()))
    writer = PdfWriter(clone_from=PdfReader(one))
    first = writer.pages[0]
    contents = first.raw_get("/Contents")
    for _ in range(pages - 1):
        page = writer.add_blank_page(float(first.mediabox.width), float(first.mediabox.height))
        page[NameObject("/Contents")] = contents
        page[NameObject("/Resources")] = first.raw_get("/Resources")
    with path.open("wb") as f:
        writer.write(f)
    return path


def _refused(path: Path, options: IngestOptions) -> tuple[str, float, int]:
    rss = psutil.Process().memory_info().rss
    start = time.perf_counter()
    with pytest.raises(IngestError) as caught:
        load_file(path, max_bytes=50 * MB, options=options, isolate=True)
    elapsed = time.perf_counter() - start
    grown = psutil.Process().memory_info().rss - rss
    assert caught.value.source == str(path.resolve())
    return caught.value.reason, elapsed, grown


def test_a_docx_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 1 * MB
    reason, elapsed, grown = _refused(bomb, IngestOptions())
    assert "unzips to 300.0 MiB, over the limit of 50.0 MiB" in reason
    assert elapsed < 60 + 10 and grown < 100 * MB


def test_a_packed_part_is_refused_by_its_ratio(tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "small-bomb.docx", unzipped=20 * MB)
    reason, _, _ = _refused(bomb, IngestOptions())
    assert "word/document.xml unzips to" in reason and "RAG_MAX_ZIP_RATIO" in reason


def test_the_parser_memory_cap_stops_a_bomb_that_passes_the_caps(tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "bomb.docx", unzipped=200 * MB)
    options = IngestOptions(
        max_unzipped_bytes=10**12, max_zip_ratio=10**9, parse_memory_bytes=512 * MB
    )
    reason, elapsed, grown = _refused(bomb, options)
    assert "memory" in reason and "RAG_PARSE_MEMORY_MB" in reason
    assert elapsed < 60 + 10 and grown < 100 * MB


def test_pages_sharing_one_big_content_stream_are_refused(tmp_path: Path) -> None:
    pdf = shared_stream_pdf(tmp_path / "shared.pdf")
    assert pdf.stat().st_size < 100_000
    reason, elapsed, _ = _refused(pdf, IngestOptions())
    assert "reuse more than 2.0 MiB of shared page content" in reason
    assert elapsed < 10


@pytest.mark.slow
def test_a_slow_pdf_is_killed_at_its_time_budget(tmp_path: Path) -> None:
    pdf = shared_stream_pdf(tmp_path / "shared.pdf")
    options = IngestOptions(max_repeated_content_bytes=10**12, parse_timeout=3)
    reason, elapsed, grown = _refused(pdf, options)
    assert reason.startswith("took longer than 3 s to parse")
    assert elapsed < 3 + 10 and grown < 100 * MB


@pytest.mark.slow
def test_a_batch_goes_on_and_questions_are_answered_meanwhile(
    tmp_path: Path, settings_factory: Callable[..., Settings]
) -> None:
    from rag.library import Library

    library = Library(settings_factory(parse_timeout=2, max_repeated_content_mb=10**6))
    sample = tmp_path / "tram.md"
    sample.write_text(
        "# Corvale tram\n\nThe Eastside tram line in Corvale will cost 412 million euros.\n"
    )
    assert library.add([str(sample)]).added
    pdf = shared_stream_pdf(tmp_path / "shared.pdf")
    good = tmp_path / "good.md"
    good.write_text("# Harbour\n\nThe harbour of Corvale opened in 1891 after a long debate.\n")
    reports: list[IngestReport] = []
    ingest = threading.Thread(target=lambda: reports.append(library.add([str(pdf), str(good)])))
    start = time.perf_counter()
    ingest.start()
    time.sleep(0.5)
    asked = time.perf_counter()
    answer = library.ask("How much will the Eastside tram line cost?")
    answered = time.perf_counter() - asked
    still_ingesting = ingest.is_alive()
    ingest.join(30)
    elapsed = time.perf_counter() - start
    assert still_ingesting and answered < 5 and "412 million" in answer.text
    (report,) = reports
    assert [f.source for f in report.failed] == [str(pdf.resolve())]
    # killed at its time budget, or, on a machine fast enough to parse it in time, refused
    # for the text it holds: either way reported by name while the rest goes on
    error = report.failed[0].error
    assert "took longer than 2 s" in error or "more than 5,000,000 characters" in error, error
    assert [d.source for d in report.added] == [str(good.resolve())]
    assert elapsed < 2 + 15

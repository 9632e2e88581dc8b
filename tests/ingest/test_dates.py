"""Where a PDF's or Word document's date comes from: the date its text states, then its
metadata (XMP, Info, core properties), and its file's date only as the last resort,
marked ``date_source="file"``."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.oxml.ns import qn
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from ingest.fields import stated_date
from ingest.loaders import load_bytes, load_file

MTIME = datetime(2019, 6, 7, 12, 0, tzinfo=UTC).timestamp()


def _pdf(text: str, created: datetime | None) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.set_creation_date(created or datetime(2000, 1, 1))
    pdf.add_page()
    pdf.multi_cell(0, 10, text)
    data = bytes(pdf.output())
    if created is not None:
        return data
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.metadata = None  # no Info dictionary (and fpdf2 wrote no XMP)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    os.utime(path, (MTIME, MTIME))
    return path


def test_a_date_stated_on_the_first_page_beats_the_pdf_creation_date(tmp_path: Path) -> None:
    data = _pdf("Harbour news, 5 March 2023\nThe ferry docks.", datetime(2026, 12, 3))
    (doc,) = load_file(_file(tmp_path, "a.pdf", data), max_bytes=10**7).documents
    assert (doc.date, doc.extra["date_source"]) == ("2023-03-05", "content")


def test_the_pdf_metadata_date_comes_next(tmp_path: Path) -> None:
    data = _pdf("No date in this text.", datetime(2021, 3, 4, 5, 6, 7))
    (doc,) = load_file(_file(tmp_path, "b.pdf", data), max_bytes=10**7).documents
    assert (doc.date, doc.extra["date_source"]) == ("2021-03-04", "metadata")


def test_the_file_date_is_the_last_resort_and_is_marked(tmp_path: Path) -> None:
    (doc,) = load_file(_file(tmp_path, "c.pdf", _pdf("Undated.", None)), max_bytes=10**7).documents
    assert (doc.date, doc.extra["date_source"]) == ("2019-06-07", "file")
    (loaded,) = load_bytes(_pdf("Undated.", None), "bytes.pdf").documents
    assert loaded.date is None and "date_source" not in loaded.extra  # no file: no file date


def test_a_word_document_uses_its_core_properties_then_the_file(tmp_path: Path) -> None:
    def word(created: datetime | None) -> bytes:
        document = docx.Document()
        document.add_paragraph("Minutes of the harbour board.")
        props = document.core_properties
        if created is None:  # python-docx's template says 2013; a document may say nothing
            for element in props._element.findall(qn("dcterms:created")):
                props._element.remove(element)
        else:
            props.created = created
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    (dated,) = load_file(
        _file(tmp_path, "d.docx", word(datetime(2022, 1, 9))), max_bytes=10**7
    ).documents
    assert (dated.date, dated.extra["date_source"]) == ("2022-01-09", "metadata")
    (undated,) = load_file(_file(tmp_path, "e.docx", word(None)), max_bytes=10**7).documents
    assert (undated.date, undated.extra["date_source"]) == ("2019-06-07", "file")


def test_stated_dates_are_whole_days_at_the_head_of_the_text() -> None:
    assert stated_date("By Ann Lee | March 5th, 2023 | Harbour") == "2023-03-05"
    assert stated_date("Dec. 12, 2019: the board met") == "2019-12-12"
    assert stated_date("Spring 2020 edition, May 2020") is None  # no whole day
    assert stated_date("x" * 700 + " 5 March 2023") is None  # too far down to be a dateline


def test_a_file_date_alone_does_not_change_the_fingerprint() -> None:
    from types import MappingProxyType

    from ingest.identity import fingerprint
    from ingest.model import SourceDocument

    def doc(day: str | None, source: str | None) -> SourceDocument:
        extra = MappingProxyType({"date_source": source} if source else {})
        return SourceDocument("a.pdf", "text", "T", "pdf", date=day, extra=extra)

    recipe = {"chunk_size": 700}
    copied = [fingerprint(doc(d, "file"), "h", recipe, "m") for d in ("2026-01-01", "2026-12-03")]
    assert copied[0] == copied[1] == fingerprint(doc(None, None), "h", recipe, "m")
    stated = fingerprint(doc("2026-01-01", "content"), "h", recipe, "m")
    assert stated != fingerprint(doc("2026-12-03", "content"), "h", recipe, "m")

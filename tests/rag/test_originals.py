"""A PDF page rendered to PNG with pypdfium2, cached, and refused when it is not there."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from core.errors import UsageError
from rag.originals import page_png
from vectorstore.records import DocumentRecord


def write_pdf(path: Path, pages: list[str]) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    path.write_bytes(bytes(pdf.output()))
    return path


def _record(kind: str = "pdf") -> DocumentRecord:
    return DocumentRecord(
        doc_id="doc1", source="x.pdf", title="x", kind=kind, content_hash="abcdef0123456789ff",
        fingerprint="f", chunks=1, state="complete", ingested_at="2026-01-01T00:00:00",
    )  # fmt: skip


def test_a_page_is_rendered_once_and_then_served_from_the_cache(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "two.pdf", ["Page one text.", "Page two text."])
    png = page_png(_record(), pdf, 2, tmp_path / "pages")
    assert png == tmp_path / "pages" / "doc1" / "abcdef0123456789-2.png"
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size == (893, 1263)  # A4 at scale 1.5
        assert image.convert("L").getextrema()[0] < 100  # some dark text on the page
    before = png.stat().st_mtime_ns
    pdf.unlink()  # served from the cache without the file
    assert page_png(_record(), pdf, 2, tmp_path / "pages").stat().st_mtime_ns == before


def test_a_page_past_the_end_or_a_non_pdf_is_refused(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "one.pdf", ["Only page."])
    with pytest.raises(UsageError, match="has pages 1 to 1, not 3"):
        page_png(_record(), pdf, 3, tmp_path / "pages")
    with pytest.raises(UsageError, match="only PDF documents"):
        page_png(_record("docx"), pdf, 1, tmp_path / "pages")
    assert not list((tmp_path / "pages").rglob("*.png"))


def test_a_damaged_pdf_is_refused_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(UsageError, match="bad.pdf cannot be rendered"):
        page_png(_record(), bad, 1, tmp_path / "pages")

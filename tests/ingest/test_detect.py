"""Tests for sniffing document kinds and decoding text bytes."""

from __future__ import annotations

import io
import zipfile

import pytest

from core.errors import IngestError
from ingest.detect import charset_of, decode_text, sniff_kind


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (b"%PDF-1.7\n...", "report.pdf", "pdf"),
        (b"%PDF-1.4\n...", "really-a-pdf.txt", "pdf"),
        (b"\n %PDF-1.4\n...", "", "pdf"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "page.txt", "html"),
        (b"\xef\xbb\xbf  <html lang='en'><p>x</p></html>", "", "html"),
        (b"<?xml version='1.0'?>\n<html><body>x</body></html>", "", "html"),
        (b"<div class='x'><article>Story</article></div>", "", "html"),
        (b"just words", "page.htm", "html"),
        (b"# Title\n\ntext", "notes.md", "md"),
        (b"# Title\n\ntext", "notes.markdown", "md"),
        (b"<div align='center'>logo</div>\n# Title", "README.md", "md"),
        (b'{"id": 1, "text": "x"}', "corpus.jsonl", "jsonl"),
        (b'{"id": 1, "text": "x"}', "corpus.ndjson", "jsonl"),
        (b"plain words", "notes.txt", "txt"),
        (b"plain words", "", "txt"),
        (b"plain words", "https://example.org/a.md?x=1#top", "md"),
    ],
)
def test_sniff_kind(data: bytes, name: str, kind: str) -> None:
    assert sniff_kind(data, name) == kind


def test_sniff_docx_by_content_whatever_the_name() -> None:
    assert sniff_kind(_zip(["[Content_Types].xml", "word/document.xml"]), "x.bin") == "docx"


def test_content_type_is_only_a_hint() -> None:
    assert sniff_kind(b"# Title", "", content_type="text/markdown; charset=utf-8") == "md"
    assert sniff_kind(b"{}", "", content_type="application/x-ndjson") == "jsonl"
    assert sniff_kind(b"%PDF-1.4", "", content_type="text/html") == "pdf"
    assert sniff_kind(b"words", "a.txt", content_type="text/markdown") == "txt"


def test_named_pdf_that_is_not_a_pdf_is_refused() -> None:
    with pytest.raises(IngestError, match=r"named \.pdf but is not a PDF file") as info:
        sniff_kind(b"hello", "scan.pdf")
    assert info.value.source == "scan.pdf"


def test_named_docx_that_is_not_a_zip_is_refused() -> None:
    with pytest.raises(IngestError, match=r"named \.docx but is not a Word"):
        sniff_kind(b"hello", "letter.docx")


def test_zip_that_is_not_docx_is_refused() -> None:
    with pytest.raises(IngestError, match="zip archive, not a Word .docx"):
        sniff_kind(_zip(["a.txt", "b.txt"]), "bundle.docx")


def test_old_office_file_is_refused() -> None:
    with pytest.raises(IngestError, match=r"old binary Office file"):
        sniff_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.doc")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"plain ascii", "plain ascii"),
        ("naïve café".encode(), "naïve café"),
        (b"\xef\xbb\xbfwith bom", "with bom"),
        ("utf16 lé".encode("utf-16"), "utf16 lé"),
        (b"\xfe\xff" + "big endian é".encode("utf-16-be"), "big endian é"),
        ("utf32 é".encode("utf-32"), "utf32 é"),
        ("no bom, little endian é".encode("utf-16-le"), "no bom, little endian é"),
        ("no bom, big endian é".encode("utf-16-be"), "no bom, big endian é"),
        ("caf\xe9 cr\xe8me".encode("latin-1"), "café crème"),
        ("price: 5€ – “quoted”".encode("cp1252"), "price: 5€ – “quoted”"),
        (b"one\r\ntwo\rthree\n", "one\ntwo\nthree\n"),
    ],
)
def test_decode_text(data: bytes, expected: str) -> None:
    assert decode_text(data, "f.txt") == expected


def test_declared_charset_is_tried_first_and_ignored_when_wrong() -> None:
    assert decode_text("Ωμέγα".encode("iso-8859-7"), "f", encoding="iso-8859-7") == "Ωμέγα"
    assert decode_text("naïve".encode(), "f", encoding="ascii") == "naïve"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        b"text with a \x00 nul byte in it",
        b"\x01\x02\x03\x04\x05\x06 abc",
    ],
)
def test_binary_data_is_refused(data: bytes) -> None:
    with pytest.raises(IngestError, match="binary file.*supported types are") as info:
        decode_text(data, "blob.bin")
    assert info.value.source == "blob.bin"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n ", b"\xef\xbb\xbf", "  \n".encode("utf-16")])
def test_empty_content_is_refused(data: bytes) -> None:
    with pytest.raises(IngestError, match="the file is empty"):
        decode_text(data, "empty.txt")


def test_bad_utf16_after_bom_is_refused() -> None:
    with pytest.raises(IngestError, match="byte-order mark but is not valid"):
        decode_text(b"\xff\xfe\x00\xd8", "odd.txt")


def test_charset_of() -> None:
    assert charset_of("text/html; charset=ISO-8859-1") == "cp1252"
    assert charset_of("text/html; charset=Shift_JIS") == "shift_jis"
    assert charset_of('text/plain; charset="utf-8"') == "utf-8"
    assert charset_of("text/plain; charset=no-such-codec") is None
    assert charset_of(None) is None

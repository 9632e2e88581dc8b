"""Tests for the per-format loaders, the dispatcher and ``load_file``."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from core.errors import IngestError
from ingest.fields import normalise_date
from ingest.loaders import LoadResult, load_bytes, load_file
from ingest.model import SourceDocument

PAGES = ["First page talks about apples.", "Second page talks about pears.", "Third."]


def make_pdf(pages: list[str], *, title: str = "", author: str = "") -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.set_creation_date(datetime(2021, 3, 4, 5, 6, 7))
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
        else:
            pdf.rect(20, 20, 100, 60)  # a drawing and no text, like a scanned page
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(*, title: str = "", author: str = "") -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    document.core_properties.created = datetime(2022, 7, 8, 9, 10)
    document.add_heading("Quarterly report", level=1)
    document.add_paragraph("Sales went up.")
    document.add_paragraph("   ")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Region", "Total"
    table.cell(1, 0).text, table.cell(1, 1).text = "North", "42"
    document.add_paragraph("The end.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def only(result: LoadResult) -> SourceDocument:
    assert not result.failures
    assert len(result.documents) == 1
    return result.documents[0]


# --- plain text and Markdown -------------------------------------------------


def test_txt_title_is_first_non_empty_line() -> None:
    doc = only(load_bytes(b"\n\n  Meeting notes  \nbody " + b"x" * 300, "notes.txt"))
    assert doc.kind == "txt"
    assert doc.title == "Meeting notes"
    assert doc.text.startswith("\n\n  Meeting notes")


def test_txt_title_is_capped() -> None:
    assert len(only(load_bytes(b"y" * 500, "long.txt")).title) == 200


def test_latin1_and_utf16_text_load() -> None:
    assert only(load_bytes("crème brûlée".encode("latin-1"), "a.txt")).text == "crème brûlée"
    assert only(load_bytes("Grüße\r\nzwei".encode("utf-16"), "b.txt")).text == "Grüße\nzwei"
    assert only(load_bytes("Grüße".encode("utf-16-le"), "c.txt")).text == "Grüße"


def test_md_front_matter() -> None:
    data = (
        b"---\ntitle: Field guide\nauthor: Ana\ndate: 2024-02-03\n"
        b"url: https://example.org/guide\nversion: 3\ntags: [a, b]\n---\n"
        b"# Heading\n\nBody text.\n"
    )
    doc = only(load_bytes(data, "/docs/guide.md", name="guide.md"))
    assert (doc.kind, doc.title, doc.author, doc.date) == ("md", "Field guide", "Ana", "2024-02-03")
    assert doc.url == "https://example.org/guide"
    assert doc.text == "# Heading\n\nBody text.\n"
    assert dict(doc.extra) == {"version": "3"}


def test_md_title_falls_back_to_heading_outside_code() -> None:
    data = b"intro line\n```sh\n# not a heading\n```\n## Real  heading ##\ntext\n"
    assert only(load_bytes(data, "a.md")).title == "Real heading"
    assert only(load_bytes(b"no heading here\nmore", "b.md")).title == "no heading here"


def test_md_thematic_break_is_not_front_matter() -> None:
    data = b"---\nJust a paragraph between rules.\n---\nMore text.\n"
    doc = only(load_bytes(data, "a.md"))
    assert doc.text == data.decode()


def test_md_broken_front_matter_is_an_error() -> None:
    with pytest.raises(IngestError, match="YAML front matter is invalid"):
        load_bytes(b"---\ntitle: [unclosed\n---\nbody\n", "bad.md")
    with pytest.raises(IngestError, match="YAML front matter is invalid"):
        load_bytes(b"---\ndate: 2024-13-45\n---\nbody\n", "baddate.md")


def test_md_front_matter_without_body_is_an_error() -> None:
    with pytest.raises(IngestError, match="front matter but no text"):
        load_bytes(b"---\ntitle: x\n---\n\n", "empty.md")


# --- HTML --------------------------------------------------------------------

ARTICLE_HTML = """<!doctype html><html><head>
<title>Site | Page</title><meta property="og:title" content="Growing tomatoes">
<meta name="author" content="Sam Gardener">
<meta property="article:published_time" content="2023-05-06T07:08:09Z">
<link rel="canonical" href="https://example.org/tomatoes">
<script>var trackingSecret = 1;</script></head><body>
<nav><a href="/">NAVHOME</a> <a href="/shop">NAVSHOP</a></nav>
<article><h1>Growing tomatoes</h1>
<p>Tomatoes need at least six hours of direct sunlight every day to produce good fruit.</p>
<p>Water them deeply twice a week rather than a little every day, so the roots grow down.</p>
</article>
<footer>FOOTERCOPY 2024 Example Inc. All rights reserved.</footer>
</body></html>"""


def test_html_main_text_and_metadata() -> None:
    doc = only(load_bytes(ARTICLE_HTML.encode(), "page.html", name="page.html"))
    assert doc.kind == "html"
    assert "six hours of direct sunlight" in doc.text
    assert "roots grow down" in doc.text
    for noise in ("NAVHOME", "NAVSHOP", "FOOTERCOPY", "trackingSecret", "<p>", "</"):
        assert noise not in doc.text
    assert doc.title == "Growing tomatoes"
    assert (doc.author, doc.date) == ("Sam Gardener", "2023-05-06")
    assert doc.url == "https://example.org/tomatoes"


def test_html_tables_become_plain_rows() -> None:
    html = (
        "<html><body><article><p>Prices for this season are listed in the table below "
        "for every market we sell at.</p><table><tr><th>Market</th><th>Price</th></tr>"
        "<tr><td>North</td><td>3</td></tr></table></article></body></html>"
    )
    text = only(load_bytes(html.encode(), "t.html")).text
    assert "North | 3" in text
    assert "---" not in text


def test_html_fallback_to_visible_body_text() -> None:
    html = b"<html><body><footer>Only footer words</footer><script>var s=1</script></body></html>"
    doc = only(load_bytes(html, "bare.html"))
    assert doc.text == "Only footer words"


def test_html_charset_from_meta_tag() -> None:
    html = '<html><head><meta charset="iso-8859-7"></head><body><p>Καλημέρα κόσμε</p></body>'
    assert "Καλημέρα" in only(load_bytes(html.encode("iso-8859-7"), "gr.html")).text


def test_html_without_text_is_an_error() -> None:
    with pytest.raises(IngestError, match="no readable text"):
        load_bytes(b"<html><body><script>var a = 1;</script></body></html>", "js.html")


# --- PDF ---------------------------------------------------------------------


def test_pdf_pages_and_metadata() -> None:
    data = make_pdf(PAGES, title="Fruit notes", author="Pat")
    doc = only(load_bytes(data, "fruit.pdf"))
    assert doc.kind == "pdf"
    assert (doc.title, doc.author, doc.date) == ("Fruit notes", "Pat", "2021-03-04")
    assert len(doc.page_starts) == 3
    assert doc.page_starts[0] == 0
    for start, page in zip(doc.page_starts, PAGES, strict=True):
        assert doc.text[start:].startswith(page)
    assert doc.text == "\n\n".join(PAGES)


def test_pdf_without_metadata_title_uses_first_line() -> None:
    assert only(load_bytes(make_pdf(["Hello there"]), "a.pdf")).title == "Hello there"


def test_pdf_with_an_empty_page_keeps_page_numbers() -> None:
    doc = only(load_bytes(make_pdf(["one", "", "three"]), "gap.pdf"))
    assert doc.text[doc.page_starts[2] :] == "three"


def test_encrypted_pdf_is_an_error() -> None:
    data = encrypt_pdf(make_pdf(PAGES), "s3cret")
    with pytest.raises(IngestError, match="the PDF is encrypted; decrypt it"):
        load_bytes(data, "locked.pdf")


def test_pdf_with_only_an_owner_password_loads() -> None:
    doc = only(load_bytes(encrypt_pdf(make_pdf(PAGES), ""), "owner-only.pdf"))
    assert "apples" in doc.text


@pytest.mark.parametrize(
    "data",
    [
        make_pdf(PAGES)[:400],
        b"%PDF-1.4\n" + bytes(range(256)) * 8,
        b"%PDF-",
    ],
    ids=["truncated", "garbage", "header-only"],
)
def test_damaged_pdf_is_an_error(data: bytes) -> None:
    with pytest.raises(IngestError, match="the PDF is damaged"):
        load_bytes(data, "broken.pdf")


def test_pdf_without_text_asks_for_ocr() -> None:
    with pytest.raises(IngestError, match="no text could be extracted.*run OCR"):
        load_bytes(make_pdf(["", ""]), "scan.pdf")


# --- DOCX --------------------------------------------------------------------


def test_docx_paragraphs_tables_and_properties() -> None:
    doc = only(load_bytes(make_docx(title="Q3", author="Lee"), "r.docx"))
    assert doc.kind == "docx"
    assert doc.text == (
        "Quarterly report\n\nSales went up.\n\nRegion | Total\n\nNorth | 42\n\nThe end."
    )
    assert (doc.title, doc.author, doc.date) == ("Q3", "Lee", "2022-07-08")


def test_docx_title_falls_back_to_first_paragraph() -> None:
    assert only(load_bytes(make_docx(), "r.docx")).title == "Quarterly report"


def test_damaged_docx_is_an_error() -> None:
    data = make_docx()
    with pytest.raises(IngestError, match="damaged"):
        load_bytes(data[: len(data) // 2], "half.docx")
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            body = b"<not xml" if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, body)
    with pytest.raises(IngestError, match="damaged"):
        load_bytes(broken.getvalue(), "badxml.docx")


def test_zip_that_is_not_docx_is_an_error() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(IngestError, match="zip archive") as info:
        load_bytes(buffer.getvalue(), "/in/bundle.zip", name="bundle.zip")
    assert info.value.source == "/in/bundle.zip"


# --- JSONL -------------------------------------------------------------------


def test_jsonl_good_and_bad_lines() -> None:
    lines = [
        {
            "_id": "4983",
            "title": "Microstructure",
            "text": "Alterations of the brain.",
            "metadata": {"k": "v"},
            "year": 2001,
            "peer": True,
            "score": 0.5,
        },  # fmt: skip
        "this is not json",
        {"id": 7, "text": "Seven.\nSecond line.", "url": "https://e.org/7", "date": "5 May 2020"},
        {"id": "8"},
        {"text": "no id"},
        {"id": "9", "text": "   "},
        [1, 2],
        {"id": 7, "text": "duplicate"},
    ]
    raw = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n\n"
    result = load_bytes(raw.encode(), "/c/corpus.jsonl", name="corpus.jsonl")
    first, second = result.documents
    assert first.source == "/c/corpus.jsonl#4983"
    assert (first.doc_id, first.title, first.kind) == ("4983", "Microstructure", "jsonl")
    assert dict(first.extra) == {"year": "2001", "peer": "True", "score": "0.5"}
    assert (second.doc_id, second.title, second.date) == ("7", "Seven.", "2020-05-05")
    assert second.url == "https://e.org/7"
    assert [f.source for f in result.failures] == [
        f"/c/corpus.jsonl:{n}" for n in (2, 4, 5, 6, 7, 8)
    ]
    assert "not valid JSON" in result.failures[0].reason
    assert "duplicate id '7'" in result.failures[-1].reason


def test_jsonl_without_any_good_record_is_an_error() -> None:
    with pytest.raises(IngestError, match="no valid record") as info:
        load_bytes(b'{"title": "x"}\nnope\n', "bad.jsonl")
    assert info.value.source == "bad.jsonl"


# --- load_file ---------------------------------------------------------------


def test_load_file_source_is_resolved_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text("hello")
    monkeypatch.chdir(tmp_path)
    doc = only(load_file(Path("sub/../a.txt"), max_bytes=1000))
    assert doc.source == str((tmp_path / "a.txt").resolve())


def test_load_file_content_beats_extension(tmp_path: Path) -> None:
    path = tmp_path / "really.txt"
    path.write_bytes(make_pdf(["pdf inside"]))
    assert only(load_file(path, max_bytes=10**6)).kind == "pdf"


def test_load_file_refuses_a_misnamed_pdf(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_text("not a pdf at all")
    with pytest.raises(IngestError, match=r"named \.pdf but is not a PDF file") as info:
        load_file(path, max_bytes=10**6)
    assert info.value.source == str(path.resolve())


def test_load_file_missing(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        load_file(tmp_path / "nope.txt", max_bytes=100)


def test_load_file_too_big(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 3 * 1024 * 1024)
    with pytest.raises(IngestError, match=r"3\.0 MiB.*limit of 1\.0 MiB.*RAG_MAX_FILE_MB or split"):
        load_file(path, max_bytes=1024 * 1024)


def test_load_file_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="is a folder"):
        load_file(tmp_path, max_bytes=100)


def test_load_file_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("x")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(IngestError, match="permission denied"):
        load_file(path, max_bytes=100)


@pytest.mark.parametrize(
    ("data", "match"),
    [(b"", "the file is empty"), (b" \n\n ", "the file is empty"), (b"\x00\x01\x02" * 9, "binary")],
)
def test_load_file_empty_and_binary(tmp_path: Path, data: bytes, match: str) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    with pytest.raises(IngestError, match=match):
        load_file(path, max_bytes=100)


# --- dates and robustness ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-04-05", "2023-04-05"),
        ("2023-04-05T10:00:00+02:00", "2023-04-05"),
        ("2023/04/05", "2023-04-05"),
        ("D:20200102030405+01'00'", "2020-01-02"),
        ("5 March 2023", "2023-03-05"),
        ("March 5, 2023", "2023-03-05"),
        ("Tue, 15 Nov 1994 08:12:31 GMT", "1994-11-15"),
        ("5th March 2023", "2023-03-05"),
        ("Sunday, 5 March 2023 10:00", "2023-03-05"),
        ("04/05/2023", "2023-05-04"),
        ("2023.04.05", "2023-04-05"),
        ("Spring 2020", None),
        ("March 2023", None),
        ("2023-02-30", None),
        ("D:99999999", None),
        ("yesterday", None),
        (2020, None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_date(value: object, expected: str | None) -> None:
    assert normalise_date(value) == expected


_PREFIXES = [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html><body>", b"---\n", b"\xff\xfe", b'{"id":1,']
_NAMES = ["", "a.txt", "a.md", "a.html", "a.jsonl", "a.pdf", "a.docx", "a.bin"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(_PREFIXES),
    body=st.one_of(st.binary(max_size=400), st.text(max_size=200).map(str.encode)),
    name=st.sampled_from(_NAMES),
)
def test_load_bytes_never_raises_anything_but_ingest_error(
    prefix: bytes, body: bytes, name: str
) -> None:
    try:
        result = load_bytes(prefix + body, "fuzz", name=name)
    except IngestError as e:
        assert e.reason
        return
    assert result.documents
    assert all(doc.text.strip() for doc in result.documents)

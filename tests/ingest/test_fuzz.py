"""Fuzzing every loader and the chunker with adversarial text and damaged files.

Whatever comes in, loading either gives documents whose passages are exact slices
that cover every visible character, or an IngestError that names the input and
says why. Nothing else may escape.
"""

from __future__ import annotations

import html
import io
import json
import random
import unicodedata

import docx
import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import IngestError
from ingest.chunking import chunk_text
from ingest.detect import has_readable_text
from ingest.loaders import load_bytes
from ingest.model import SourceDocument

SOURCE = "fuzz-input"
SIZE, OVERLAP = 700, 150

PIECES = [
    "\u200b",  # zero-width space
    "\u200c\u200d",  # zero-width non-joiner and joiner
    "\u2060\ufeff",  # word joiner, BOM inside text
    "\u202e",  # right-to-left override
    "\u200f\u061c",  # right-to-left and Arabic letter marks
    "مرحبا بالعالم. ",
    "שלום עולם",
    "👩‍👩‍👧‍👦",
    "🇬🇧🙂",
    "e\u0301",  # combining accent
    "中文句子。",
    "\t",
    "\r\n",
    "\n\n",
    ". ",
    "...",
    "?!",
    "Mr. ",
    "U.S. ",
    "a" * 3000,  # a word longer than any passage
    "<b>&amp;</b>",
    " ",
]
ADVERSARIAL = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=40)), min_size=1, max_size=60
).map("".join)


def assert_loads_or_explains(data: bytes, name: str, valid: bool = False) -> list[SourceDocument]:
    """Load ``data``; check every document's passages, or the error's wording. A
    ``valid`` input (readable text in a well-formed file) must give documents."""
    try:
        result = load_bytes(data, SOURCE, name=name)
    except IngestError as e:
        assert not valid, f"a valid {name} was refused: {e}"
        assert e.source == SOURCE
        assert len(e.reason) > 20  # says what is wrong, not just that something is
        return []
    for failure in result.failures:
        assert failure.source.startswith(SOURCE) and failure.reason
    for doc in result.documents:
        assert has_readable_text(doc.text)
        assert_chunks_cover(doc.text)
    if valid:
        assert result.documents, f"a valid {name} gave no document"
    return list(result.documents)


def _plain(text: str) -> bool:
    """Readable text without control characters: every loader must accept it."""
    controls = any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r" for ch in text)
    return has_readable_text(text) and not controls


def assert_chunks_cover(text: str, size: int = SIZE, overlap: int = OVERLAP) -> None:
    chunks = chunk_text(text, size, overlap)
    covered = bytearray(len(text))
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text)
        assert c.text == text[c.start : c.end]
        assert len(c.text) <= size
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    missed = [i for i, ch in enumerate(text) if not covered[i] and has_readable_text(ch)]
    assert not missed, f"visible characters outside every passage at {missed[:5]}"


# --- adversarial text through every text format ------------------------------------


def as_md(text: str) -> bytes:
    return ("---\ntitle: " + json.dumps(text[:60]) + "\n---\n" + text).encode()


def as_html(text: str, depth: int) -> bytes:
    body = "<div>" * depth + "<p>" + html.escape(text) + "</p>" + "</div>" * depth
    return f"<html><head><title>t</title></head><body>{body}</body></html>".encode()


def as_jsonl(text: str) -> bytes:
    lines = [json.dumps({"id": i, "text": part, "title": part[:30]}) for i, part in
             enumerate([text, text[::-1], ""])]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ADVERSARIAL, fmt=st.sampled_from(["txt", "md", "jsonl"]))
def test_text_formats_survive_adversarial_text(text: str, fmt: str) -> None:
    data = {"txt": text.encode(), "md": as_md(text), "jsonl": as_jsonl(text)}[fmt]
    docs = assert_loads_or_explains(data, f"a.{fmt}", valid=_plain(text))
    if fmt == "txt" and docs:
        # Plain text is kept as given (line ends aside): offsets point into the input.
        assert docs[0].text == text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ADVERSARIAL, depth=st.sampled_from([0, 1, 30, 300, 3000]))
def test_html_survives_adversarial_text_and_nesting(text: str, depth: int) -> None:
    docs = assert_loads_or_explains(as_html(text, depth), "a.html")
    controls = any(ch < " " and ch not in "\t\n\r" for ch in text)
    if sum(ch.isalnum() for ch in text) >= 10 and not controls:
        assert docs, "a page with visible words must give a document"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=st.lists(ADVERSARIAL, min_size=1, max_size=5))
def test_docx_survives_adversarial_text(paragraphs: list[str]) -> None:
    document = docx.Document()
    kept = ["".join(ch for ch in text if ch >= " " or ch in "\t\n") for text in paragraphs]
    for text in kept:
        # XML cannot hold control characters; python-docx refuses them at write time.
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    assert_loads_or_explains(out.getvalue(), "a.docx", valid=any(map(_plain, kept)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ADVERSARIAL)
def test_pdf_survives_adversarial_text(text: str) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    pdf.add_page()
    # The PDF core fonts cover Latin-1 only; the rest of the text is dropped here.
    latin = "".join(ch for ch in text if " " <= ch <= "\xff" or ch == "\n")
    if latin.strip():
        pdf.multi_cell(0, 5, latin[:4000])
    assert_loads_or_explains(bytes(pdf.output()), "a.pdf")


# --- damaged binary formats ---------------------------------------------------------


def _valid_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for words in ("Apples grow on trees.", "Pears are green."):
        pdf.add_page()
        pdf.multi_cell(0, 10, words * 20)
    return bytes(pdf.output())


def _valid_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Report", level=1)
    for i in range(20):
        document.add_paragraph(f"Paragraph {i} says something about sales.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


VALID = {"a.pdf": _valid_pdf(), "a.docx": _valid_docx()}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(VALID)),
    seed=st.integers(0, 2**32 - 1),
    flips=st.integers(1, 40),
    cut=st.floats(0.05, 1.0),
)
def test_damaged_pdf_and_docx_are_explained(name: str, seed: int, flips: int, cut: float) -> None:
    data = bytearray(VALID[name])
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    assert_loads_or_explains(bytes(data[: max(1, int(len(data) * cut))]), name)


# --- the extremes, each once --------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("line.txt", b"word " * (TEN_MB // 5)),
        ("nospace.txt", b"x" * TEN_MB),
        ("dots.txt", b"a." * (TEN_MB // 2)),
        ("line.md", b"---\ntitle: long\n---\n" + b"y " * (TEN_MB // 2)),
        ("line.html", b"<html><body><p>" + b"word " * (TEN_MB // 5) + b"</p></body></html>"),
        ("line.jsonl", json.dumps({"id": 1, "text": "z " * (TEN_MB // 2)}).encode()),
    ],
)
def test_a_ten_megabyte_single_line_is_chunked(name: str, data: bytes) -> None:
    docs = assert_loads_or_explains(data, name)
    assert len(docs) == 1
    assert len(docs[0].text) > TEN_MB // 2


def test_deeply_nested_html_keeps_its_text() -> None:
    depth = 50_000
    page = "<html><body>" + "<div><span>" * depth + "Deep words here." + "</body></html>"
    docs = assert_loads_or_explains(page.encode(), "deep.html")
    assert [d.text for d in docs] == ["Deep words here."]


@pytest.mark.parametrize("text", ["\u200b" * 500, "\u202e\u200f " * 300, "\ufeff\u2060\n\t" * 100])
def test_invisible_text_is_refused_with_a_reason(text: str) -> None:
    for name, data in [
        ("a.txt", text.encode()),
        ("a.md", as_md(text)),
        ("a.html", as_html(text, 2)),
    ]:
        with pytest.raises(IngestError) as caught:
            load_bytes(data, SOURCE, name=name)
        assert caught.value.source == SOURCE
        assert "visible" in caught.value.reason or "readable" in caught.value.reason


@settings(max_examples=200, deadline=None)
@given(text=ADVERSARIAL, size=st.integers(100, 900), overlap_frac=st.floats(0, 0.8))
def test_chunker_on_adversarial_text(text: str, size: int, overlap_frac: float) -> None:
    assert_chunks_cover(text, size, int(size * overlap_frac))

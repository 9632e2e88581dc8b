"""Work out what kind of document some bytes are, and turn text bytes into a str.

Content decides first (PDF and zip magic, HTML markup); the file name is only a hint
for the plain-text formats. Binary data and empty files are refused with IngestError.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath

from core.errors import IngestError

SUPPORTED = ".txt, .md, .html, .pdf, .docx and .jsonl"

_EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".log": "txt",
    ".md": "md",
    ".markdown": "md",
    ".mdown": "md",
    ".mkd": "md",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUFFIXES: tuple[str, ...] = tuple(_EXTENSIONS)
"""The file suffixes ingest knows (lower case): what an upload may be called."""
_CONTENT_TYPES: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "md",
    "text/x-markdown": "md",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
    "application/x-jsonlines": "jsonl",
    "text/plain": "txt",
}
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(r"<(!doctype\s+html|html[\s>])")
_HTML_TAG = re.compile(r"<(head|body|article|main|nav)[\s>]")
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_MAX_CONTROL_SHARE = 0.05


def sniff_kind(data: bytes, name: str, *, content_type: str | None = None) -> str:
    """Return "pdf", "docx", "html", "md", "jsonl" or "txt" for ``data``.

    ``name`` (a file name, path or URL) and ``content_type`` (an HTTP header) are
    hints used only when the content itself does not say; errors name ``name``.
    """
    source = name or "input"
    suffix = PurePosixPath(name.split("?", 1)[0].split("#", 1)[0]).suffix.lower()
    hinted = _EXTENSIONS.get(suffix)
    if data[:1024].lstrip(b"\x00\t\n\r\x0c ").startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if _is_docx(data):
            return "docx"
        raise IngestError(
            source,
            "this is a zip archive, not a Word .docx document; "
            f"unzip it and add the files inside ({SUPPORTED} are supported)",
        )
    if data.startswith(_OLE_MAGIC):
        raise IngestError(
            source,
            "this is an old binary Office file (.doc, .xls or .ppt); "
            "save it as .docx or PDF and add that instead",
        )
    if hinted == "pdf":
        raise IngestError(
            source, "the file is named .pdf but is not a PDF file; check or rename it"
        )
    if hinted == "docx":
        raise IngestError(
            source,
            "the file is named .docx but is not a Word .docx document; "
            "re-save it from Word or rename it",
        )
    if _looks_like_html(data, strict=hinted == "md"):
        return "html"
    if hinted is not None:
        return hinted
    return _CONTENT_TYPES.get(_media_type(content_type), "txt")


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError):
        # A truncated .docx has no central directory; its local headers still name
        # the part, and the docx loader will then report the file as damaged.
        return b"word/document.xml" in data


def _looks_like_html(data: bytes, *, strict: bool) -> bool:
    head = _head_text(data)
    if _HTML_START.match(head):
        return True
    if strict:
        return bool(re.search(r"<(head|body)[\s>]", head))
    return head.startswith("<") and bool(_HTML_TAG.search(head))


def _head_text(data: bytes) -> str:
    """The first 2 KB as lower-case text with leading whitespace and BOM removed."""
    head = data[:2048]
    encoding = "utf-8"
    for bom, name in _BOMS:
        if head.startswith(bom):
            head, encoding = head[len(bom) :], name
            break
    text = head.decode(encoding, errors="replace").lower().lstrip()
    if text.startswith("<?xml"):
        text = text[text.find("?>") + 2 :].lstrip()
    return text


def _media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None) -> str | None:
    """The ``charset=`` of a Content-Type header, if it names a known codec."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1)).name
    except LookupError:
        return None
    # Browsers read a declared Latin-1 as cp1252 (WHATWG Encoding); so do we.
    return "cp1252" if name in {"iso8859-1", "ascii"} else name


def decode_text(data: bytes, source: str, *, encoding: str | None = None) -> str:
    """Decode text bytes to a str with ``\\n`` line ends and no leading BOM.

    Tries a BOM, ``encoding`` (a declared charset) if given, strict UTF-8, UTF-16
    without BOM, then cp1252 and Latin-1. Raises IngestError for binary or empty data.
    """
    if not data.strip():
        raise _empty(source)
    text = _decode(data, source, encoding)
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise _binary(source)
    if not text.strip():
        raise _empty(source)
    require_readable(text, source)
    return text


# Characters that show nothing: spaces, controls, and format characters such as
# zero-width spaces and joiners, direction marks and overrides, the BOM.
_VISIBLE = re.compile(
    "[^\\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


def has_readable_text(text: str) -> bool:
    """True when ``text`` has at least one character that a reader can see."""
    return _VISIBLE.search(text) is not None


def _decode(data: bytes, source: str, encoding: str | None) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            text = _try_decode(data[len(bom) :], name)
            if text is not None:
                return text
            if name != "utf-8":
                raise IngestError(
                    source,
                    f"the file starts with a {name.upper()} byte-order mark but is "
                    "not valid text in that encoding; re-save it as UTF-8",
                )
            data = data[len(bom) :]
            break
    declared = _try_decode(data, encoding) if encoding else None
    if declared is not None:
        return declared
    if b"\x00" in data:
        return _decode_utf16_without_bom(data, source)
    for name in ("utf-8", "cp1252"):
        text = _try_decode(data, name)
        if text is not None:
            return text
    return data.decode("latin-1")


def _try_decode(data: bytes, encoding: str) -> str | None:
    """``data`` decoded strictly, or None when it is not valid in ``encoding``."""
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_utf16_without_bom(data: bytes, source: str) -> str:
    """UTF-16 text in a Latin script has a NUL in every other byte; binary does not."""
    pairs = len(data) // 2
    if pairs and len(data) % 2 == 0:
        odd_nuls = data[1::2].count(0) / pairs
        even_nuls = data[0::2].count(0) / pairs
        for share, other, name in (
            (odd_nuls, even_nuls, "utf-16-le"),
            (even_nuls, odd_nuls, "utf-16-be"),
        ):
            if share >= 0.3 and other <= 0.05:
                try:
                    return data.decode(name)
                except UnicodeDecodeError:
                    break
    raise _binary(source)


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:20_000]
    controls = sum(
        1 for ch in sample if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc"
    )
    return controls / len(sample)


def _binary(source: str) -> IngestError:
    return IngestError(
        source,
        f"this looks like a binary file, not text; supported types are {SUPPORTED}",
    )


def require_readable(text: str, source: str) -> None:
    """Raise IngestError when ``text`` shows nothing a reader could see."""
    if not has_readable_text(text):
        raise IngestError(
            source,
            "the text has no visible characters (only spaces, control, zero-width or "
            "direction marks); check the file's content or remove it",
        )


def _empty(source: str) -> IngestError:
    return IngestError(source, "the file is empty; add some text to it or remove it")

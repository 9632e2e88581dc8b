"""Turn the bytes of one file or URL into SourceDocuments, one loader per format.

A whole-file problem raises IngestError; a bad record inside a good jsonl file is
returned in ``LoadResult.failures`` next to the documents that did load.
"""

from __future__ import annotations

import email.utils
import io
import json
import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

import docx
import lxml.etree
import lxml.html
import trafilatura
import yaml
from docx.document import Document as DocxDocument
from docx.exceptions import PythonDocxError
from docx.opc.exceptions import OpcError
from docx.table import Table
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError
from pypdf.errors import DeprecationError as PdfDeprecationError
from pypdf.generic import PdfObject
from trafilatura.settings import Document as Extracted

from ingest.detect import charset_of, decode_text, sniff_kind
from ingest.model import SourceDocument
from rag.errors import IngestError

MAX_TITLE = 200

# pypdf raises its own errors on most damaged files, but on some garbage it still
# fails with plain Python errors from deep inside the parser (found by fuzzing).
_PDF_ERRORS: tuple[type[BaseException], ...] = (
    PyPdfError,
    PdfDeprecationError,  # raised for long-removed filter names in damaged files
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    NotImplementedError,
    AssertionError,
    RecursionError,
    OverflowError,
    struct.error,
    zlib.error,
)
# zipfile raises RuntimeError (and its subclass NotImplementedError) for encrypted
# members and unknown compression methods, OSError/LZMAError for bad bz2/lzma data.
_DOCX_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    EOFError,
    RuntimeError,
    OSError,
    lzma.LZMAError,
    zlib.error,
    lxml.etree.LxmlError,
    PythonDocxError,
    OpcError,
)
_DATE_FORMATS = ("%Y/%m/%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y")
_JSONL_FIELDS = frozenset({"id", "_id", "text", "title", "url", "date", "author"})
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_TABLE_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+\s*$")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "td", "th", "tr", "ul",
)  # fmt: skip


@dataclass(frozen=True)
class LoadResult:
    """What one input produced: its documents and the records that failed inside it."""

    documents: tuple[SourceDocument, ...]
    failures: tuple[IngestError, ...] = ()


def load_file(path: Path, *, max_bytes: int) -> LoadResult:
    """Load one file; its ``source`` is the absolute resolved path."""
    resolved = path.expanduser().resolve()
    source = str(resolved)
    try:
        size = resolved.stat().st_size
        if resolved.is_dir():
            raise IngestError(
                source, "this is a folder, not a file; ingest the folder to load its files"
            )
        if size > max_bytes:
            raise IngestError(
                source,
                f"the file is {_mib(size)}, over the limit of {_mib(max_bytes)}; "
                "raise RAG_MAX_FILE_MB or split the file",
            )
        data = resolved.read_bytes()
    except FileNotFoundError as e:
        raise IngestError(source, "the file does not exist; check the path") from e
    except PermissionError as e:
        raise IngestError(
            source, "the file cannot be read (permission denied); check its permissions"
        ) from e
    except OSError as e:
        raise IngestError(
            source, f"the file cannot be read ({e.strerror or e}); check the path"
        ) from e
    # The name as given carries the extension hint even when it is a symlink.
    return load_bytes(data, source, name=path.name or resolved.name)


def load_bytes(
    data: bytes, source: str, *, name: str = "", content_type: str | None = None
) -> LoadResult:
    """Load ``data`` as whatever format its content (then ``name``, then
    ``content_type``) says it is."""
    try:
        kind = sniff_kind(data, name or source, content_type=content_type)
    except IngestError as e:
        raise IngestError(source, e.reason) from e
    charset = charset_of(content_type)
    if kind == "jsonl":
        return _load_jsonl(data, source, charset)
    return LoadResult((_LOADERS[kind](data, source, charset),))


def normalise_date(value: object) -> str | None:
    """An ISO ``YYYY-MM-DD`` date when ``value`` can be read as one, else its text."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    return _parse_date(text) or text


def _parse_date(text: str) -> str | None:
    if iso := _parse_iso_date(text):
        return iso
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except (ValueError, OverflowError):
            continue
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _parse_iso_date(text: str) -> str | None:
    """ISO 8601 dates and PDF ``D:YYYYMMDD...`` dates."""
    pdf = re.fullmatch(r"D:(\d{4})(\d{2})(\d{2}).*", text, re.DOTALL)
    try:
        if pdf:
            return date(*map(int, pdf.groups())).isoformat()
        return datetime.fromisoformat(text).date().isoformat()
    except (ValueError, OverflowError):
        return None


def _load_txt(data: bytes, source: str, charset: str | None) -> SourceDocument:
    text = decode_text(data, source, encoding=charset)
    return SourceDocument(source=source, text=text, title=_first_line(text), kind="txt")


def _load_md(data: bytes, source: str, charset: str | None) -> SourceDocument:
    text = decode_text(data, source, encoding=charset)
    meta, body = _split_front_matter(text, source)
    if not body.strip():
        raise IngestError(
            source, "the file has front matter but no text; add text or remove the file"
        )
    return SourceDocument(
        source=source,
        text=body,
        title=_title(meta.get("title")) or _md_heading(body) or _first_line(body),
        kind="md",
        url=_clean(meta.get("url")),
        author=_clean(meta.get("author")),
        date=normalise_date(meta.get("date")),
        extra=_scalar_extra(meta, {"title", "url", "author", "date"}),
    )


def _split_front_matter(text: str, source: str) -> tuple[dict[str, object], str]:
    opening = re.match(r"---[ \t]*\n", text)
    if opening is None:
        return {}, text
    closing = _FRONT_MATTER_END.search(text, opening.end())
    if closing is None:
        return {}, text
    try:
        meta = yaml.safe_load(text[opening.end() : closing.start()])
    except (yaml.YAMLError, ValueError) as e:
        raise IngestError(
            source,
            f"the YAML front matter is invalid ({' '.join(str(e).split())}); fix it or remove it",
        ) from e
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, text  # "---" was a thematic break, not front matter
    body = text[closing.end() :].removeprefix("\n")
    return {str(key).lower(): value for key, value in meta.items()}, body


def _md_heading(body: str) -> str | None:
    in_fence = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and (match := _MD_HEADING.match(line)):
            return _title(match.group(1))
    return None


def _load_html(data: bytes, source: str, charset: str | None) -> SourceDocument:
    declared = charset or charset_of(_meta_charset(data))
    markup = _XML_DECLARATION.sub("", decode_text(data, source, encoding=declared), 1)
    extracted = trafilatura.bare_extraction(markup, with_metadata=True, include_comments=False)
    # trafilatura 2.x returns a Document object, or None when it finds nothing.
    found = extracted if isinstance(extracted, Extracted) else Extracted()
    root = _parse_html(markup)
    text = _unpipe_tables(found.text or "").strip()
    if not text and root is not None:
        text = _visible_text(root)
    if not text:
        raise IngestError(
            source,
            "no readable text was found in the HTML page; "
            "check that it is not only scripts, images or a login page",
        )
    return SourceDocument(
        source=source,
        text=text,
        title=_title(found.title) or _html_title(root) or _first_line(text),
        kind="html",
        url=_clean(found.url),
        author=_clean(found.author),
        date=normalise_date(found.date),
    )


def _unpipe_tables(text: str) -> str:
    """trafilatura writes tables as Markdown; keep the cells as ``a | b`` lines."""
    lines = []
    for line in text.split("\n"):
        if _TABLE_RULE.match(line):
            continue
        if line.startswith("|"):
            line = line.strip().strip("|").strip()
        lines.append(line)
    return "\n".join(lines)


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return f"charset={match.group(1).decode('ascii')}" if match else None


def _parse_html(markup: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(markup)
    except (lxml.etree.LxmlError, ValueError):
        return None  # nothing parseable: the caller reports the page as empty


def _visible_text(root: lxml.html.HtmlElement) -> str:
    """The text a browser would show in ``<body>``, one block per line."""
    for element in root.xpath("//script|//style|//noscript|//template|//svg"):
        element.drop_tree()
    body = root.find("body")
    container = root if body is None else body
    for element in container.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in container.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def _html_title(root: lxml.html.HtmlElement | None) -> str | None:
    if root is None:
        return None
    for path in ("//title", "//h1"):
        for element in root.xpath(path):
            if title := _title(element.text_content()):
                return title
    return None


def _load_pdf(data: bytes, source: str, _charset: str | None) -> SourceDocument:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise IngestError(
                source,
                "the PDF is encrypted; decrypt it (e.g. qpdf --decrypt) or remove it",
            )
        pages = [_clean_page(page.extract_text()) for page in reader.pages]
        meta = reader.metadata
        fields = {key: _pdf_field(meta, key) for key in ("/Title", "/Author")}
        created = _pdf_field(meta, "/CreationDate")
    except DependencyError as e:
        raise IngestError(
            source,
            "the PDF is AES-encrypted and reading it needs the 'cryptography' package; "
            "install it or decrypt the file (e.g. qpdf --decrypt)",
        ) from e
    except _PDF_ERRORS as e:
        raise IngestError(
            source,
            f"the PDF is damaged and cannot be read ({type(e).__name__}: {e}); "
            "repair it (e.g. re-save it from a PDF viewer) or remove it",
        ) from e
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError(
            source,
            "no text could be extracted (a scanned PDF?); run OCR on it first",
        )
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + 2
    return SourceDocument(
        source=source,
        text=text,
        title=_title(fields["/Title"]) or _first_line(text),
        kind="pdf",
        author=fields["/Author"],
        date=normalise_date(created),
        page_starts=tuple(starts),
    )


def _clean_page(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def _pdf_field(meta: Mapping[str, object] | None, key: str) -> str | None:
    value = meta.get(key) if meta is not None else None
    if isinstance(value, PdfObject):
        value = value.get_object()
    return _clean(value) if isinstance(value, str) else None


def _load_docx(data: bytes, source: str, _charset: str | None) -> SourceDocument:
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document))
        props = document.core_properties
        title, author, created = props.title, props.author, props.created
    except _DOCX_ERRORS as e:
        raise IngestError(
            source,
            f"the Word document is damaged and cannot be read ({type(e).__name__}: "
            f"{e}); re-save it from Word or remove it",
        ) from e
    if not blocks:
        raise IngestError(source, "the Word document has no text; add text or remove it")
    text = "\n\n".join(blocks)
    return SourceDocument(
        source=source,
        text=text,
        title=_title(title) or _first_line(text),
        kind="docx",
        author=_clean(author),
        date=normalise_date(created),
    )


def _docx_blocks(document: DocxDocument) -> Iterator[str]:
    """Non-empty paragraphs, and each table row as one ``a | b`` line, in order."""
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # merged cells repeat the same _tc
                        seen.add(id(cell._tc))
                        cells.append(" ".join(cell.text.split()))
                if line := " | ".join(cell for cell in cells if cell):
                    yield line
        elif item.text.strip():
            yield item.text.strip()


def _load_jsonl(data: bytes, source: str, charset: str | None) -> LoadResult:
    text = decode_text(data, source, encoding=charset)
    documents: list[SourceDocument] = []
    failures: list[IngestError] = []
    first_line_of: dict[str | None, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            document = _jsonl_record(line, source, f"{source}:{number}")
        except IngestError as e:
            failures.append(e)
            continue
        if document.doc_id in first_line_of:
            failures.append(
                IngestError(
                    f"{source}:{number}",
                    f"duplicate id {document.doc_id!r} (first used on line "
                    f"{first_line_of[document.doc_id]}); give each record its own id",
                )
            )
            continue
        first_line_of[document.doc_id] = number
        documents.append(document)
    if not documents:
        first = failures[0]
        raise IngestError(
            source,
            "no valid record was found; each line must be a JSON object with an "
            f'"id" and a non-empty "text" (first problem: {first})',
        )
    return LoadResult(tuple(documents), tuple(failures))


def _jsonl_record(line: str, source: str, line_source: str) -> SourceDocument:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as e:
        raise IngestError(line_source, f"the line is not valid JSON ({e}); fix or remove it") from e
    if not isinstance(record, dict):
        raise IngestError(line_source, "the line is not a JSON object; make it {...}")
    raw_id = record.get("id") if record.get("id") is not None else record.get("_id")
    valid_id = isinstance(raw_id, str | int | float) and not isinstance(raw_id, bool)
    doc_id = str(raw_id).strip() if valid_id else ""
    if not doc_id:
        raise IngestError(
            line_source, 'the record has no "id" or "_id" (a string or number); add one'
        )
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise IngestError(line_source, 'the record has no "text" or it is empty; add the text')
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceDocument(
        source=f"{source}#{doc_id}",
        text=text,
        title=_title(record.get("title")) or _first_line(text),
        kind="jsonl",
        doc_id=doc_id,
        url=_clean(record.get("url")),
        author=_clean(record.get("author")),
        date=normalise_date(record.get("date")),
        extra=_scalar_extra(record, _JSONL_FIELDS),
    )


def _scalar_extra(
    fields: Mapping[str, object], skip: set[str] | frozenset[str]
) -> Mapping[str, str]:
    extra: dict[str, str] = {}
    for key, value in fields.items():
        if key in skip:
            continue
        if isinstance(value, str | int | float | bool):
            extra[key] = str(value)
        elif isinstance(value, date):
            extra[key] = value.isoformat()
    return MappingProxyType(extra)


def _clean(value: object) -> str | None:
    """A scalar ``value`` as one line of text, or None when there is nothing."""
    if not isinstance(value, str | int | float | date) or isinstance(value, bool):
        return None
    return " ".join(str(value).split()) or None


def _title(value: object) -> str | None:
    text = _clean(value)
    return text[:MAX_TITLE] if text else None


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:MAX_TITLE]
    return ""


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


_LOADERS: dict[str, Callable[[bytes, str, str | None], SourceDocument]] = {
    "txt": _load_txt,
    "md": _load_md,
    "html": _load_html,
    "pdf": _load_pdf,
    "docx": _load_docx,
}

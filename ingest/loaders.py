"""Turn the bytes of one file or URL into SourceDocuments, one loader per format.

A whole-file problem raises IngestError; a bad record inside a good jsonl file is
returned in ``LoadResult.failures`` next to the documents that did load.
"""

from __future__ import annotations

import io
import json
import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType

import docx
import lxml.etree
import lxml.html
import yaml
from docx.document import Document as DocxDocument
from docx.exceptions import PythonDocxError
from docx.opc.exceptions import OpcError
from docx.table import Table
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError
from pypdf.errors import DeprecationError as PdfDeprecationError
from pypdf.generic import PdfObject

from core.errors import IngestError
from core.settings import IngestOptions
from ingest.detect import (
    charset_of,
    decode_text,
    has_readable_text,
    require_readable,
    sniff_kind,
)
from ingest.fields import (
    DATE_FROM_CONTENT,
    DATE_FROM_FILE,
    DATE_FROM_METADATA,
    clean_field,
    first_date,
    first_line,
    normalise_date,
    stated_date,
    title_of,
)
from ingest.html import load_html
from ingest.limits import check_pdf, check_text, check_zip
from ingest.model import SourceDocument

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
_JSONL_FIELDS = frozenset({"id", "_id", "text", "title", "url", "date", "author"})
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


@dataclass(frozen=True)
class LoadResult:
    """What one input produced: its documents and the records that failed inside it."""

    documents: tuple[SourceDocument, ...]
    failures: tuple[IngestError, ...] = ()


def load_file(
    path: Path, *, max_bytes: int, options: IngestOptions | None = None, isolate: bool = False
) -> LoadResult:
    """Load one file; its ``source`` is the absolute resolved path. ``options`` holds
    the parsing caps; ``isolate`` parses a PDF or .docx in a worker process."""
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
    loaded = load_bytes(
        data, source, name=path.name or resolved.name, options=options, isolate=isolate
    )
    return _file_dated(loaded, resolved)


def load_bytes(
    data: bytes,
    source: str,
    *,
    name: str = "",
    content_type: str | None = None,
    options: IngestOptions | None = None,
    isolate: bool = False,
) -> LoadResult:
    """Load ``data`` as whatever format its content (then ``name``, then
    ``content_type``) says it is. A PDF or .docx is parsed under ``options``' caps,
    in a killable worker process when ``isolate`` is set."""
    try:
        kind = sniff_kind(data, name or source, content_type=content_type)
    except IngestError as e:
        raise IngestError(source, e.reason) from e
    charset = charset_of(content_type)
    if kind == "jsonl":
        return _load_jsonl(data, source, charset)
    options = options or IngestOptions()
    if kind in ("pdf", "docx") and isolate:
        from ingest.worker import parse_in_worker

        document = parse_in_worker(kind, data, source, options)
    elif kind in ("pdf", "docx"):
        document = parse_document(kind, data, source, options)
    else:
        document = _LOADERS[kind](data, source, charset)
    require_readable(document.text, source)
    return LoadResult((document,))


def _load_txt(data: bytes, source: str, charset: str | None) -> SourceDocument:
    text = decode_text(data, source, encoding=charset)
    return SourceDocument(source=source, text=text, title=first_line(text), kind="txt")


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
        title=title_of(meta.get("title")) or _md_heading(body) or first_line(body),
        kind="md",
        url=clean_field(meta.get("url")),
        author=clean_field(meta.get("author")),
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
            return title_of(match.group(1))
    return None


def parse_document(kind: str, data: bytes, source: str, options: IngestOptions) -> SourceDocument:
    """A PDF or .docx parsed in this process under ``options``' caps."""
    if kind == "pdf":
        return _load_pdf(data, source, options)
    return _load_docx(data, source, options)


def _load_pdf(data: bytes, source: str, options: IngestOptions) -> SourceDocument:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise IngestError(
                source,
                "the PDF is encrypted; decrypt it (e.g. qpdf --decrypt) or remove it",
            )
        check_pdf(reader, source, options)
        pages: list[str] = []
        chars = 0
        for pdf_page in reader.pages:
            pages.append(_clean_page(pdf_page.extract_text()))
            chars += len(pages[-1])
            check_text(chars, source, options)
        meta = reader.metadata
        fields = {key: _pdf_field(meta, key) for key in ("/Title", "/Author")}
        created = _pdf_field(meta, "/CreationDate")
        xmp = _xmp_dates(reader)
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
    # The info dictionary's CreationDate is often when the PDF was exported or printed;
    # a date the article states at its head is its own.
    day, date_source = first_date(
        (stated_date(text), DATE_FROM_CONTENT), *xmp, (created, DATE_FROM_METADATA)
    )
    return SourceDocument(
        source=source,
        text=text,
        title=title_of(fields["/Title"]) or first_line(text),
        kind="pdf",
        author=fields["/Author"],
        date=day,
        page_starts=tuple(starts),
        extra=_date_extra(date_source),
    )


def _xmp_dates(reader: PdfReader) -> list[tuple[object, str]]:
    """The XMP packet's dates, the publication date (dc:date) first."""
    try:
        xmp = reader.xmp_metadata
        if xmp is None:
            return []
        dates: list[object] = [*(xmp.dc_date or ()), xmp.xmp_create_date]
    except (PyPdfError, ValueError):
        # A damaged XMP packet (bad XML or a malformed date) costs only its dates: the
        # text, the Info dates and the file date are still there to use.
        return []
    return [(d, DATE_FROM_METADATA) for d in dates if d is not None]


_NO_EXTRA: Mapping[str, str] = MappingProxyType({})


def _date_extra(date_source: str | None) -> Mapping[str, str]:
    return MappingProxyType({"date_source": date_source}) if date_source else _NO_EXTRA


def _file_dated(result: LoadResult, path: Path) -> LoadResult:
    """A PDF or Word document that states no date anywhere gets its file's modification
    day, marked ``date_source="file"`` (the last resort: it says when the file was saved)."""
    undated = [d for d in result.documents if d.kind in ("pdf", "docx") and d.date is None]
    if not undated:
        return result
    try:
        mtime = path.stat().st_mtime
    except OSError as e:
        raise IngestError(str(path), f"the file cannot be read ({e}); check the path") from e
    day = datetime.fromtimestamp(mtime, UTC).date().isoformat()
    extra = dict(_date_extra(DATE_FROM_FILE))
    documents = tuple(
        replace(d, date=day, extra=MappingProxyType({**d.extra, **extra})) if d in undated else d
        for d in result.documents
    )
    return replace(result, documents=documents)


def _clean_page(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def _pdf_field(meta: Mapping[str, object] | None, key: str) -> str | None:
    value = meta.get(key) if meta is not None else None
    if isinstance(value, PdfObject):
        value = value.get_object()
    return clean_field(value) if isinstance(value, str) else None


def _load_docx(data: bytes, source: str, options: IngestOptions) -> SourceDocument:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_zip(archive, source, options)
        document = docx.Document(io.BytesIO(data))
        blocks, chars = [], 0
        for block in _docx_blocks(document):
            blocks.append(block)
            chars += len(block)
            check_text(chars, source, options)
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
    day, date_source = first_date(
        (created, DATE_FROM_METADATA), (stated_date(text), DATE_FROM_CONTENT)
    )
    return SourceDocument(
        source=source,
        text=text,
        title=title_of(title) or first_line(text),
        kind="docx",
        author=clean_field(author),
        date=day,
        extra=_date_extra(date_source),
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
    if not isinstance(text, str) or not has_readable_text(text):
        raise IngestError(line_source, 'the record has no "text" or it is empty; add the text')
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceDocument(
        source=f"{source}#{doc_id}",
        text=text,
        title=title_of(record.get("title")) or first_line(text),
        kind="jsonl",
        doc_id=doc_id,
        url=clean_field(record.get("url")),
        author=clean_field(record.get("author")),
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


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


_LOADERS: dict[str, Callable[[bytes, str, str | None], SourceDocument]] = {
    "txt": _load_txt,
    "md": _load_md,
    "html": load_html,
}

"""HTML pages: the main text (trafilatura), with a plain visible-text fallback."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Document as Extracted

from core.errors import IngestError
from ingest.detect import charset_of, decode_text
from ingest.fields import clean_field, first_line, normalise_date, title_of
from ingest.model import SourceDocument

_TABLE_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+\s*$")

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)

_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "td", "th", "tr", "ul",
)  # fmt: skip


def load_html(data: bytes, source: str, charset: str | None) -> SourceDocument:
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
        # libxml2 stops at about 2,000 levels of nesting; a streaming parse has no limit.
        text = _streamed_text(markup)
    if not text:
        raise IngestError(
            source,
            "no readable text was found in the HTML page; "
            "check that it is not only scripts, images or a login page",
        )
    return SourceDocument(
        source=source,
        text=text,
        title=title_of(found.title) or _html_title(root) or first_line(text),
        kind="html",
        url=clean_field(found.url),
        author=clean_field(found.author),
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


_HUGE_HTML = lxml.html.HTMLParser(huge_tree=True)


def _parse_html(markup: str) -> lxml.html.HtmlElement | None:
    try:
        # huge_tree lifts libxml2's caps on nesting depth and text-node size, which
        # would otherwise drop the text of deeply nested or very long pages.
        return lxml.html.document_fromstring(markup, parser=_HUGE_HTML)
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
            if title := title_of(element.text_content()):
                return title
    return None


_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})


class _TextCollector(HTMLParser):
    """Visible text from a stream of tags, one block per line, without building a tree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _streamed_text(markup: str) -> str:
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)

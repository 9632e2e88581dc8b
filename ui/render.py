"""Answers, citations and documents as HTML for the chat window; pure functions.

Every piece of document text (titles, passages, quotes, sources) goes through
``html.escape`` before it meets markup, so a document can never inject live HTML.
Markers ``[n]`` become links that the page script (``ui.assets.SCRIPT``) turns into
"show this citation" events; their href carries the turn and the citation number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import PurePath
from urllib.parse import urlsplit

from rag.answers import Answer, Citation

MARKER = re.compile(r"\[(\d+)\]")
UNSUPPORTED = "[unsupported]"
_STATEMENT_END = re.compile(r"(?<=\])\s+|(?<=[.!?…])\s+(?!\[)")
ANCHOR_ID = "rag-doc-anchor"


@dataclass(frozen=True)
class Passage:
    """A passage to show in the sources panel: a citation or a related passage."""

    title: str
    source: str
    text: str
    start: int
    end: int
    doc_id: str
    quote_start: int | None = None
    quote_end: int | None = None
    url: str | None = None
    date: str | None = None
    page: int | None = None
    label: str = ""
    supported: bool = True

    @classmethod
    def of_citation(cls, c: Citation) -> Passage:
        return cls(
            title=c.title,
            source=c.source,
            text=c.text,
            start=c.start,
            end=c.end,
            doc_id=c.doc_id,
            quote_start=c.quote_start,
            quote_end=c.quote_end,
            url=c.url,
            date=c.date,
            page=c.page,
            label=f"[{c.n}]",
            supported=c.supported,
        )


_INERT = re.compile(r"!\[|\]\s*[(\[:]")


def text_html(text: str) -> str:
    """Plain text as HTML: escaped, line breaks kept, and inert as Markdown too. The
    chat renders its bubbles as Markdown, where ``![x](https://host/pixel)`` in a
    question (or in a quoted document) would make every viewer's browser fetch that
    address. The brackets that start an image or end a link (``![``, ``](``, ``][``,
    ``]:``) become character references, so no image or link syntax is left; a plain
    ``[1]`` stays as it is."""
    html = escape(text).replace("\n", "<br>")
    return _INERT.sub(lambda m: m.group(0).replace("[", "&#91;").replace("]", "&#93;"), html)


def _marker_link(turn: int, n: int, title: str) -> str:
    return (
        f'<a class="rag-cite" href="#rag-cite-{turn}-{n}" title="{escape(title)}" '
        f'data-turn="{turn}" data-n="{n}">[{n}]</a>'
    )


def linked_text(text: str, turn: int, citations: Sequence[Citation]) -> str:
    """Answer text, escaped, with each known ``[n]`` made a clickable citation link."""
    titles = {c.n: c.title for c in citations}
    out: list[str] = []
    last = 0
    for match in MARKER.finditer(text):
        n = int(match.group(1))
        if n not in titles:
            continue
        out.append(text_html(text[last : match.start()]))
        out.append(_marker_link(turn, n, titles[n]))
        last = match.end()
    out.append(text_html(text[last:]))
    html = "".join(out)
    mark = '<span class="rag-unsupported" title="no passage supports this">unsupported</span>'
    return html.replace(escape(UNSUPPORTED), mark)


def question_html(answer: Answer) -> str:
    """The user's bubble: the question, and under it the standalone question it was
    searched as when a follow-up was rewritten ("Where did he say it?")."""
    html = text_html(answer.question)
    standalone = answer.standalone_question
    if standalone and standalone.strip() != answer.question.strip():
        html += f'<div class="rag-standalone">Searched as: {escape(standalone)}</div>'
    return html


def answer_html(answer: Answer, turn: int) -> str:
    """The chat bubble of an answer: one HTML block (no blank lines, so Markdown leaves
    it alone), with clickable markers, or an abstention with its related passages."""
    if answer.abstained:
        return _abstention_html(answer, turn)
    body = linked_text(answer.text, turn, answer.citations)
    return f'<div class="rag-answer">{body}</div>'


def _abstention_html(answer: Answer, turn: int) -> str:
    items = "".join(
        f'<li><a class="rag-related" href="#rag-related-{turn}-{i}" data-turn="{turn}" '
        f'data-i="{i}">{escape(r.document.title or r.document.source)}</a>'
        f'<span class="rag-snippet">{escape(_snippet(r.passage.text))}</span></li>'
        for i, r in enumerate(answer.related)
    )
    related = f'<ul class="rag-related-list">{items}</ul>' if items else ""
    return (
        '<div class="rag-abstain"><div class="rag-abstain-head">No answer in your documents'
        f"</div><div>{text_html(answer.text)}</div>{related}</div>"
    )


def _snippet(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def pending_html(text: str = "") -> str:
    """A bubble while the answer is being found or streamed."""
    if not text:
        return '<div class="rag-pending">Searching your documents…</div>'
    return f'<div class="rag-answer rag-streaming">{text_html(text)}</div>'


def partial_answer_html(answer: Answer, turn: int, shown: int) -> str:
    """The first ``shown`` statements of an answer, markers already clickable."""
    statements = split_statements(answer.text)
    text = " ".join(statements[:shown])
    body = linked_text(text, turn, answer.citations)
    return f'<div class="rag-answer rag-streaming">{body}</div>'


def split_statements(text: str) -> list[str]:
    """An answer cut into statements (a sentence with its markers) for progressive display."""
    return [s for s in _STATEMENT_END.split(text) if s]


def error_html(message: str) -> str:
    return f'<div class="rag-error">{text_html(message)}</div>'


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) address, else None (no ``javascript:`` links)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def short_source(source: str) -> str:
    """A URL as is; a file path as its file name (and ``#record`` of a jsonl line)."""
    if safe_url(source):
        return source
    path, hash_, record = source.partition("#")
    return PurePath(path).name + hash_ + record


def source_html(source: str, url: str | None, short: bool = False) -> str:
    """Where a document comes from: its web address as a link (new tab) when it has one,
    else its file path (the file name alone when ``short``)."""
    link = safe_url(url) or safe_url(source)
    if link is None:
        shown = short_source(source) if short else source
        return f'<span class="rag-source" title="{escape(source)}">{escape(shown)}</span>'
    return (
        f'<a class="rag-source" href="{escape(link)}" title="{escape(source)}" target="_blank" '
        f'rel="noopener noreferrer nofollow">{escape(link)}</a>'
    )


def highlighted(text: str, offset: int, start: int | None, end: int | None) -> str:
    """``text`` (found at document ``offset``) escaped, with ``[start, end)`` marked."""
    if start is None or end is None:
        return escape(text)
    a = min(max(start - offset, 0), len(text))
    b = min(max(end - offset, a), len(text))
    return f'{escape(text[:a])}<mark class="rag-quote">{escape(text[a:b])}</mark>{escape(text[b:])}'


def passage_html(p: Passage) -> str:
    """The sources panel card: title, source, date, passage with the quote highlighted."""
    meta = [source_html(p.source, p.url, short=True)]
    if p.date:
        meta.append(f'<span class="rag-date">{escape(p.date[:10])}</span>')
    if p.page is not None:
        meta.append(f'<span class="rag-page">page {p.page}</span>')
    flag = "" if p.supported else '<div class="rag-unsupported-note">Weak support</div>'
    label = f'<span class="rag-label">{escape(p.label)}</span>' if p.label else ""
    body = highlighted(p.text, p.start, p.quote_start, p.quote_end)
    return (
        f'<div class="rag-card" data-doc="{escape(p.doc_id)}">'
        f'<div class="rag-card-title">{label}{escape(p.title or p.source)}</div>'
        f'<div class="rag-meta">{" · ".join(meta)}</div>{flag}'
        f'<div class="rag-passage">{body}</div></div>'
    )


def document_html(title: str, text: str, p: Passage) -> str:
    """The whole document, escaped, with the passage shaded, the quote marked and an
    anchor (``ANCHOR_ID``) where the view should scroll to."""
    q_start = p.quote_start if p.quote_start is not None else p.start
    q_end = p.quote_end if p.quote_end is not None else p.end
    a, b = _clamp(p.start, p.end, len(text))
    qa, qb = _clamp(q_start, q_end, len(text))
    qa = min(max(qa, a), b)
    qb = min(max(qb, qa), b)
    body = (
        escape(text[:a])
        + '<span class="rag-doc-passage">'
        + escape(text[a:qa])
        + f'<mark class="rag-quote" id="{ANCHOR_ID}">{escape(text[qa:qb])}</mark>'
        + escape(text[qb:b])
        + "</span>"
        + escape(text[b:])
    )
    return (
        f'<div class="rag-doc"><div class="rag-card-title">{escape(title)}</div>'
        f'<div class="rag-doc-text">{body}</div></div>'
    )


def _clamp(start: int, end: int, size: int) -> tuple[int, int]:
    a = min(max(start, 0), size)
    return a, min(max(end, a), size)


def placeholder_html(message: str) -> str:
    return f'<div class="rag-placeholder">{escape(message)}</div>'

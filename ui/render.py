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
from typing import Any
from urllib.parse import quote, urlsplit

from rag.answers import Answer, AnswerSpan, Citation

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
    answer_start: int | None = None  # the exact answer, inside the quote
    answer_end: int | None = None
    date_source: str | None = None

    @classmethod
    def of_citation(cls, c: Citation, span: AnswerSpan | None = None) -> Passage:
        inside = span is not None and span.n == c.n
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
            answer_start=span.start if span and inside else None,
            answer_end=span.end if span and inside else None,
            date_source=c.date_source,
        )

    @property
    def reflows(self) -> bool:
        """PDF text keeps the line breaks of its page; it is joined for display."""
        return self.page is not None or self.source.lower().endswith(".pdf")


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


def message_text(content: Any) -> str:
    """A chat message's text: a string, or Gradio 6's list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _marker_link(turn: int, n: int, title: str) -> str:
    return (
        f'<a class="rag-cite" href="#rag-cite-{turn}-{n}" title="{escape(title)}" '
        f'role="button" '
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
    return f'<div class="rag-answer">{body}{_mode_html(answer, turn)}</div>'


def _mode_html(answer: Answer, turn: int) -> str:
    """Under the answer: a link that copies it, and which mode answered."""
    copy = (
        f'<a class="rag-copy-msg" href="#rag-copy-{turn}" role="button" '
        'title="Copy this answer with its sources">Copy</a>'
    )
    if not answer.mode:
        return f'<div class="rag-mode">{copy}</div>'
    if answer.mode == "extractive":
        label = "extractive (no LLM)"
    else:
        label = f"{answer.model} (LLM)" if answer.model else f"{answer.mode} (LLM)"
    return f'<div class="rag-mode">{copy} · answered by {escape(label)}</div>'


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
        f"</div><div>{text_html(answer.text)}</div>{related}{_mode_html(answer, turn)}</div>"
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


def highlighted(
    text: str,
    offset: int,
    start: int | None,
    end: int | None,
    answer: tuple[int | None, int | None] = (None, None),
    reflow: bool = False,
) -> str:
    """``text`` (found at document ``offset``) escaped, with the quote ``[start, end)``
    marked and the exact ``answer`` span marked more strongly inside it. With
    ``reflow`` the text is joined into paragraphs first (``reflowed``); the marks are
    placed through its offset map, so they cover the same characters."""
    shown, at = reflowed(text) if reflow else (text, list(range(len(text) + 1)))
    if start is None or end is None:
        return escape(shown)
    a, b = _clamp(start - offset, end - offset, len(text))
    c, d = a, a
    if answer[0] is not None and answer[1] is not None:
        c, d = _clamp(answer[0] - offset, answer[1] - offset, len(text))
        c, d = min(max(c, a), b), min(max(d, a), b)
    a, b, c, d = at[a], at[b], at[c], at[d]
    inner = escape(shown[a:c])
    if d > c:
        inner += f'<mark class="rag-answer-span">{escape(shown[c:d])}</mark>'
    inner += escape(shown[d:b])
    return f'{escape(shown[:a])}<mark class="rag-quote">{inner}</mark>{escape(shown[b:])}'


_BULLET = re.compile(r"[-*•‣◦·–—]\s|\d{1,3}[.)]\s|[a-z][.)]\s")


def reflowed(text: str) -> tuple[str, list[int]]:
    """PDF text for reading: a single line break inside a paragraph becomes a space and
    a word hyphenated at a line end is joined ("recom-\nmended" -> "recommended");
    blank lines and lines that start a list item stay. Returns the text and, for every
    offset ``i`` of ``text`` (and its end), the offset ``at[i]`` of the same place in
    the reflowed text, so spans keep covering the same characters."""
    out: list[str] = []
    at: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n" and _joins(text, i):
            hyphen = i > 1 and text[i - 1] == "-" and text[i - 2].isalpha()
            if hyphen and i + 1 < n and text[i + 1].islower():
                out.pop()  # the hyphen; its offset keeps pointing at the join
                at.append(len(out))
            else:
                at.append(len(out))
                out.append(" ")
            i += 1
            while i < n and text[i] in " \t":  # the next line's indent
                at.append(len(out))
                i += 1
            continue
        at.append(len(out))
        out.append(ch)
        i += 1
    at.append(len(out))
    return "".join(out), at


def _joins(text: str, i: int) -> bool:
    """Whether the line break at ``i`` is inside a paragraph (looks only at its lines)."""
    j = i - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    k = i + 1
    while k < len(text) and text[k] in " \t":
        k += 1
    if j < 0 or k >= len(text) or text[j] == "\n" or text[k] == "\n":
        return False
    return not _BULLET.match(text, k)


def passage_html(p: Passage) -> str:
    """The sources panel card: title, source, date, passage with the quote highlighted."""
    meta = [source_html(p.source, p.url, short=True)]
    if p.date:
        # a file date says when the file was saved, not when the text was written
        shown = f"file date {p.date[:10]}" if p.date_source == "file" else p.date[:10]
        meta.append(f'<span class="rag-date">{escape(shown)}</span>')
    if p.page is not None:
        meta.append(f'<span class="rag-page">page {p.page}</span>')
    flag = "" if p.supported else '<div class="rag-unsupported-note">Weak support</div>'
    label = f'<span class="rag-label">{escape(p.label)}</span>' if p.label else ""
    answer = (p.answer_start, p.answer_end)
    body = highlighted(p.text, p.start, p.quote_start, p.quote_end, answer, p.reflows)
    return (
        f'<div class="rag-card" data-doc="{escape(p.doc_id)}">'
        f'<div class="rag-card-title">{label}{escape(p.title or p.source)}</div>'
        f'<div class="rag-meta">{" · ".join(meta)}</div>{flag}'
        f'<div class="rag-passage">{body}</div>{original_html(p)}</div>'
    )


def files_url(doc_id: str) -> str:
    """The original file's route (``ui.files``); relative, so the window also works
    under a path prefix."""
    return f"files/{quote(doc_id, safe='')}"


def page_url(doc_id: str, page: int) -> str:
    return f"{files_url(doc_id)}/pages/{page}.png"


def original_html(p: Passage) -> str:
    """Links to the original file (open, download) and, for a PDF passage, the image of
    its page; nothing for a document from the web (its address is the source link)."""
    if p.url or safe_url(p.source):
        return ""
    href = escape(files_url(p.doc_id))
    links = (
        f'<a class="rag-open" href="{href}" target="_blank" rel="noopener">Open the original</a>'
        f' · <a class="rag-download" href="{href}?download=1">Download</a>'
    )
    image = ""
    if p.page is not None:
        alt = escape(f"Page {p.page} of {p.title or short_source(p.source)}")
        image = (
            f'<img class="rag-page-image" src="{escape(page_url(p.doc_id, p.page))}" '
            f'alt="{alt}" loading="lazy">'
        )
    return f'<div class="rag-original">{links}{image}</div>'


def document_html(title: str, text: str, p: Passage) -> str:
    """The whole document, escaped, with the passage shaded, the quote marked (the exact
    answer more strongly) and an anchor (``ANCHOR_ID``) where the view should scroll
    to; PDF text reflowed, the marks placed through its offset map."""
    q_start = p.quote_start if p.quote_start is not None else p.start
    q_end = p.quote_end if p.quote_end is not None else p.end
    a, b = _clamp(p.start, p.end, len(text))
    qa, qb = _clamp(q_start, q_end, len(text))
    qa = min(max(qa, a), b)
    qb = min(max(qb, qa), b)
    ca, cb = qa, qa
    if p.answer_start is not None and p.answer_end is not None:
        ca, cb = _clamp(p.answer_start, p.answer_end, len(text))
        ca, cb = min(max(ca, qa), qb), min(max(cb, qa), qb)
    shown, at = reflowed(text) if p.reflows else (text, list(range(len(text) + 1)))
    a, qa, ca, cb, qb, b = (at[x] for x in (a, qa, ca, cb, qb, b))
    answer = f'<mark class="rag-answer-span">{escape(shown[ca:cb])}</mark>' if cb > ca else ""
    body = (
        escape(shown[:a])
        + '<span class="rag-doc-passage">'
        + escape(shown[a:qa])
        + f'<mark class="rag-quote" id="{ANCHOR_ID}">'
        + escape(shown[qa:ca])
        + answer
        + escape(shown[cb:qb])
        + "</mark>"
        + escape(shown[qb:b])
        + "</span>"
        + escape(shown[b:])
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

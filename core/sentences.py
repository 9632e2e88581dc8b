"""Sentence splitting with exact character offsets: the one splitter that chunking,
answering, verification and the chat window all use."""

from __future__ import annotations

import re
from collections.abc import Iterator

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "no",
        "fig",
        "figs",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "gen",
        "gov",
        "sen",
        "rep",
        "col",
        "lt",
        "sgt",
        "capt",
        "approx",
        "dept",
        "est",
        "al",
        "ca",
        "cf",
        "op",
        "vol",
        "pp",
        "ed",
        "eds",
    ]
)
# A candidate end: terminal punctuation, optional closing quotes/brackets, then space.
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# How far back from a period to look for its word: the longest abbreviation is far
# shorter, and a bounded look keeps splitting linear on text with no paragraph breaks.
_WORD_WINDOW = 24


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` ends an abbreviation or an initial."""
    window = max(0, dot - _WORD_WINDOW)
    match = _WORD_BEFORE.search(text, window, dot)
    if not match:
        return False
    if (
        match.start() == window
        and window > 0
        and (text[window - 1].isalnum() or text[window - 1] in "._")
    ):
        return False  # the word runs past the window: too long to be an abbreviation
    word = match.group(1).lower().strip(".")
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha()


def _starts_sentence(text: str, pos: int) -> bool:
    """True when the text after ``pos`` (skipping spaces) can open a sentence."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        return True
    ch = text[pos]
    return ch.isupper() or ch.isdigit() or ch in "\"'“‘«([-*#•" or not ch.isalpha()


def _line_ends_sentence(line: str, next_line: str) -> bool:
    """Whether a single newline ends a sentence: after terminal punctuation, or a
    short heading-like line, or before a list item or heading."""
    stripped = line.rstrip()
    nxt = next_line.lstrip()
    if not stripped or not nxt:
        return True
    if stripped[-1] in '.!?:;…"”’)':
        return True
    if nxt[0] in "-*#•>|" or re.match(r"\d+[.)]\s", nxt):
        return True
    return len(stripped) < 80 and nxt[0].isupper()


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_block(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentence spans inside one paragraph ``text[start:end]``."""
    cuts = []
    for match in _END.finditer(text, start, end):
        stop = match.end()
        single_period = match.group(0).rstrip("\"'”’»)]") == "."
        if single_period and _is_abbreviation(text, match.start()):
            continue
        if _starts_sentence(text, stop):
            cuts.append(stop)
    line_start = start
    for newline in (m.start() for m in re.finditer("\n", text[start:end])):
        pos = start + newline
        nxt_end = text.find("\n", pos + 1, end)
        if _line_ends_sentence(
            text[line_start:pos], text[pos + 1 : nxt_end if nxt_end != -1 else end]
        ):
            cuts.append(pos)
        line_start = pos + 1
    begin = start
    for cut in sorted(set(cuts)):
        if cut <= begin:
            continue
        span = trim_span(text, begin, cut)
        if span:
            yield span
        begin = cut
    span = trim_span(text, begin, end)
    if span:
        yield span


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` covering every non-space character of ``text``."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for para in _PARAGRAPH.finditer(text):
        spans.extend(_split_block(text, begin, para.start()))
        begin = para.end()
    spans.extend(_split_block(text, begin, len(text)))
    return spans

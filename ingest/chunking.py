"""Sentence-aware chunking that keeps exact character offsets.

Every chunk is a slice of the document text, so ``text[chunk.start:chunk.end]`` is
the chunk's text by construction; overlap repeats whole trailing sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.model import Chunk

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


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
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
        span = _trim(text, begin, cut)
        if span:
            yield span
        begin = cut
    span = _trim(text, begin, end)
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


def _split_long(text: str, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long sentence into pieces of at most ``size``, at spaces if possible."""
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        if cut <= start:
            cut = start + size
        span = _trim(text, start, cut)
        if span:
            yield span
        start = cut
    span = _trim(text, start, end)
    if span:
        yield span


def _units(text: str, size: int) -> list[tuple[int, int, bool]]:
    """Sentences no longer than ``size``, each flagged when it opens a paragraph."""
    units: list[tuple[int, int, bool]] = []
    previous_end = 0
    for start, end in split_sentences(text):
        new_paragraph = "\n\n" in text[previous_end:start] or not units
        for i, (s, e) in enumerate(_split_long(text, start, end, size)):
            units.append((s, e, new_paragraph and i == 0))
        previous_end = end
    return units


def chunk_text(text: str, size: int = 700, overlap: int = 150) -> list[Chunk]:
    """Pack sentences into chunks of about ``size`` characters.

    A chunk closes before a sentence that would push it past ``size``, or at a
    paragraph break once it is half full. The next chunk repeats the previous
    chunk's trailing sentences that fit in ``overlap`` characters.
    """
    if overlap >= size:
        raise ValueError(f"overlap ({overlap}) must be smaller than size ({size})")
    units = _units(text, size)
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        first = i
        start = units[i][0]
        end = units[i][1]
        i += 1
        while i < len(units):
            s, e, new_para = units[i]
            if e - start > size or (new_para and end - start >= size // 2):
                break
            end = e
            i += 1
        chunks.append(Chunk(index=len(chunks), start=start, end=end, text=text[start:end]))
        if i >= len(units):
            break
        back = i
        while back - 1 > first and end - units[back - 1][0] <= overlap:
            back -= 1
        i = back
    return chunks

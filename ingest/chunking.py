"""Sentence-aware chunking that keeps exact character offsets.

Every chunk is a slice of the document text, so ``text[chunk.start:chunk.end]`` is
the chunk's text by construction; overlap repeats whole trailing sentences.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.sentences import split_sentences, trim_span
from ingest.model import Chunk


def _split_long(text: str, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long sentence into pieces of at most ``size``, at spaces if possible."""
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        if cut <= start:
            cut = start + size
        span = trim_span(text, start, cut)
        if span:
            yield span
        start = cut
    span = trim_span(text, start, end)
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

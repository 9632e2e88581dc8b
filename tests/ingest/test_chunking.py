"""Chunking keeps exact offsets, loses no text and repeats only the overlap."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_text, split_sentences

SENTENCE_TEXT = st.lists(
    st.sampled_from(
        list("abcdefghij ABCDE.!?\n\t\"'”’-…0123456789")
        + ["\n\n", "é", "中", "🙂", "\u200b", "\u202e", "Mr. ", "U.S. ", " Hello world. "]
    ),
    max_size=600,
).map("".join)


def _covered(chunks: list, n: int) -> list[bool]:
    seen = [False] * n
    for c in chunks:
        for i in range(c.start, c.end):
            seen[i] = True
    return seen


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=2000), SENTENCE_TEXT),
    size=st.integers(min_value=50, max_value=800),
    overlap_frac=st.floats(0, 0.9),
)
def test_chunks_are_exact_slices_that_cover_all_text(
    text: str, size: int, overlap_frac: float
) -> None:
    overlap = int(size * overlap_frac)
    chunks = chunk_text(text, size, overlap)
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert c.text.strip() == c.text and c.text
        assert len(c.text) <= size
    assert [c.index for c in chunks] == list(range(len(chunks)))
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    covered = _covered(chunks, len(text))
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


@settings(max_examples=200, deadline=None)
@given(text=SENTENCE_TEXT, size=st.integers(min_value=80, max_value=600))
def test_overlap_never_exceeds_the_setting(text: str, size: int) -> None:
    overlap = size // 4
    chunks = chunk_text(text, size, overlap)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.end - b.start <= overlap


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=2000))
def test_sentences_cover_every_visible_character(text: str) -> None:
    spans = split_sentences(text)
    covered = [False] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        previous_end = end
        for i in range(start, end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def test_sentences_respect_abbreviations_and_quotes() -> None:
    text = 'Dr. Smith met Mr. J. Jones in the U.S. on Monday. "We agree," he said. It rained!'
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == [
        "Dr. Smith met Mr. J. Jones in the U.S. on Monday.",
        '"We agree," he said.',
        "It rained!",
    ]


def test_chunks_prefer_paragraph_breaks_and_overlap_by_sentences() -> None:
    para = " ".join(f"Sentence number {i} is here." for i in range(12))
    text = para + "\n\n" + para
    chunks = chunk_text(text, size=300, overlap=60)
    assert len(chunks) > 2
    second = chunks[1]
    assert second.start < chunks[0].end  # overlap repeats the last sentence
    assert text[second.start : chunks[0].end].endswith(".")


def test_long_sentence_without_spaces_is_cut_hard() -> None:
    text = "x" * 2500
    chunks = chunk_text(text, size=700, overlap=100)
    assert "".join(c.text for c in chunks) == text
    assert max(len(c.text) for c in chunks) <= 700


def test_overlap_must_be_smaller_than_size() -> None:
    with pytest.raises(ValueError, match="overlap"):
        chunk_text("abc", size=100, overlap=100)

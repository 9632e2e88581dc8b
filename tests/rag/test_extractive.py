"""The extractive answerer: cited statements, exact quotes, speaker preference, abstention."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ingest.chunking import chunk_text
from rag.answers import ABSTAIN_PREFIX
from rag.extractive import ExtractiveAnswerer
from rag.retrieval import Result
from vectorstore.records import STATE_COMPLETE, DocumentRecord, Passage

pytestmark = pytest.mark.slow

MOORE = (
    "MI6 chief speaks in Prague\n\n"
    "Richard Moore, the head of MI6, spoke at the British embassy in Prague on Wednesday. "
    "He invited Russians who oppose the war to join hands with Britain.\n\n"
    "According to Moore, MI6 officers combine their skills with AI and bulk data to disrupt "
    "the flow of weapons to Russia. Moore said Britain intends to win the race to master the "
    "ethical and safe use of AI.\n\n"
    "The weather in Prague was warm and sunny during the visit, and the embassy garden was "
    "open to guests for the evening reception.\n\n"
    "He said there was no doubt that adversaries would try to develop AI recklessly. "
    "Detecting and disrupting those who develop AI dangerously will be a big part of the "
    "service's role, he said."
)
VOSS = (
    "Cyber agency warns about AI\n\n"
    "Helena Voss, deputy director of the cyber agency, said AI tools let criminals write "
    "phishing emails faster than ever. Voss said AI had lowered the barrier to entry for "
    "attackers and that defenders must use AI too."
)


def _results(*docs: tuple[str, str]) -> list[Result]:
    out = []
    for doc_id, text in docs:
        record = DocumentRecord(
            doc_id=doc_id,
            source=f"/corpus/{doc_id}.txt",
            title=text.split("\n")[0],
            kind="txt",
            content_hash="h",
            fingerprint="v",
            chunks=0,
            state=STATE_COMPLETE,
            ingested_at="2025-01-01T00:00:00+00:00",
        )
        for chunk in chunk_text(text, 300, 60):
            passage = Passage(
                f"{doc_id}:{chunk.index}",
                doc_id,
                chunk.text,
                chunk.start,
                chunk.end,
                {"version": "v"},
            )
            out.append(Result(passage, record, 1.0 / (1 + len(out))))
    return out


@pytest.fixture(scope="module")
def answerer(embedder: Any) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(embedder)


def test_every_quote_is_the_document_text_at_its_offsets(answerer: ExtractiveAnswerer) -> None:
    results = _results(("moore", MOORE), ("voss", VOSS))
    answer = answerer.answer("What did Moore say about AI?", results)
    assert not answer.abstained and answer.citations
    texts = {"moore": MOORE, "voss": VOSS}
    for c in answer.citations:
        document = texts[c.doc_id]
        assert document[c.quote_start : c.quote_end] == c.quote
        assert document[c.start : c.end] == c.text
        assert c.start <= c.quote_start < c.quote_end <= c.end
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert markers == [c.n for c in answer.citations] == list(range(1, len(markers) + 1))


def test_gathers_all_ai_statements_of_the_speaker_and_nothing_else(
    answerer: ExtractiveAnswerer,
) -> None:
    answer = answerer.answer(
        "What did Moore say about AI?", _results(("voss", VOSS), ("moore", MOORE))
    )
    assert {c.doc_id for c in answer.citations} == {"moore"}
    assert "AI and bulk data" in answer.text
    assert "ethical and safe" in answer.text
    assert "recklessly" in answer.text or "dangerously" in answer.text
    assert "weather" not in answer.text


def test_other_speakers_question_goes_to_their_article(answerer: ExtractiveAnswerer) -> None:
    answer = answerer.answer(
        "What did Helena Voss say about AI?", _results(("moore", MOORE), ("voss", VOSS))
    )
    assert {c.doc_id for c in answer.citations} == {"voss"}


def test_abstains_when_the_passages_do_not_answer(answerer: ExtractiveAnswerer) -> None:
    results = _results(("moore", MOORE), ("voss", VOSS))
    answer = answerer.answer("What is the price of rice in Japan this year?", results)
    assert answer.abstained
    assert answer.text.startswith(ABSTAIN_PREFIX)
    assert not answer.citations
    assert answer.related  # the closest passages are offered as possibly related


def test_no_passages_means_abstention(answerer: ExtractiveAnswerer) -> None:
    answer = answerer.answer("What did Moore say about AI?", [])
    assert answer.abstained and not answer.related


def test_adjacent_sentences_of_one_passage_share_one_citation(answerer: ExtractiveAnswerer) -> None:
    answer = answerer.answer("What did Moore say about AI?", _results(("moore", MOORE)))
    for c in answer.citations:
        assert MOORE[c.quote_start : c.quote_end] == c.quote
    assert len(answer.citations) < answer.text.count(". ") + 2

"""Builds retrieval results by hand for answerer, prompt and verification tests."""

from __future__ import annotations

from rag.answers import Answer, AnswerSpan, Citation
from rag.retrieval import Result
from vectorstore.records import STATE_COMPLETE, DocumentRecord, Passage


def make_result(
    doc_id: str, title: str, text: str, start: int = 0, date: str | None = None
) -> Result:
    """A result whose passage ``text`` sits at ``start`` in its document (dated ``date``)."""
    record = DocumentRecord(
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        title=title,
        kind="text",
        content_hash=doc_id,
        fingerprint=doc_id,
        chunks=1,
        state=STATE_COMPLETE,
        ingested_at="2024-01-01T00:00:00Z",
        date=date,
    )
    return Result(Passage(f"{doc_id}:0", doc_id, text, start, start + len(text)), record, 1.0)


PRAGUE_QUOTE = "Moore spoke at the British embassy in Prague."
PRAGUE_CITATION = Citation(
    n=1,
    doc_id="mi6",
    source="/corpus/mi6.md",
    title="MI6 chief",
    text=PRAGUE_QUOTE,
    start=0,
    end=len(PRAGUE_QUOTE),
    quote=PRAGUE_QUOTE,
    quote_start=0,
    quote_end=len(PRAGUE_QUOTE),
    page=2,
)
# A factoid answer with its citation and span, as the window shows and saves it.
PRAGUE_ANSWER = Answer(
    "Where did Moore speak?",
    f"Prague: {PRAGUE_QUOTE} [1]",
    False,
    (PRAGUE_CITATION,),
    standalone_question="Where did Moore speak?",
    confidence=0.71,
    answer_span=AnswerSpan("Prague", 1, 38, 44),
)

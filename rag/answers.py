"""What an answer is: text with [n] markers, the citations behind them, abstention.

Shared by every answerer (extractive, generative) and by the CLI and UI, which
print ``Answer.to_json()`` as the ``rag ask --json`` contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rag.retrieval import Result


@dataclass(frozen=True)
class Citation:
    """Marker ``[n]``: a passage and the exact quote in it that supports the claim.

    ``start``/``end`` locate the passage and ``quote_start``/``quote_end`` the quote,
    both as offsets into the document text.
    """

    n: int
    doc_id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    quote: str
    quote_start: int
    quote_end: int
    supported: bool = True
    url: str | None = None
    date: str | None = None
    page: int | None = None
    date_source: str | None = None  # "content", "metadata" or "file" (the last resort)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "quote_start": self.quote_start,
            "quote_end": self.quote_end,
            "supported": self.supported,
            "url": self.url,
            "date": self.date,
            "page": self.page,
            "date_source": self.date_source,
        }


CITATION_FIELDS = tuple(Citation.__dataclass_fields__)


@dataclass(frozen=True)
class AnswerSpan:
    """The exact answer of a factoid question: ``document[start:end] == text``, inside
    the quote of citation ``n``."""

    text: str
    n: int
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "n": self.n, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Result, ...] = ()
    standalone_question: str | None = None
    confidence: float = 0.0
    answer_span: AnswerSpan | None = None
    mode: str | None = None  # the answer mode that answered (rag.modes), set by the Library
    model: str | None = None  # an LLM mode's "model at host", set by the Library

    def to_json(self, qid: object = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if qid is not None:
            out["id"] = qid
        out.update(
            question=self.question,
            answer=self.text,
            abstained=self.abstained,
            citations=[c.to_json() for c in self.citations],
            related=[r.to_json() for r in self.related],
            confidence=round(self.confidence, 4),
            answer_span=self.answer_span.to_json() if self.answer_span else None,
        )
        out["standalone_question"] = self.standalone_question or self.question
        if self.mode is not None:
            out["mode"] = self.mode
        if self.model is not None:
            out["model"] = self.model
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        """The answer ``to_json`` wrote (a saved conversation read back)."""
        span = data.get("answer_span")
        return cls(
            question=str(data["question"]),
            text=str(data["answer"]),
            abstained=bool(data.get("abstained")),
            citations=tuple(
                Citation(**{k: c.get(k) for k in CITATION_FIELDS if k in c})
                for c in data.get("citations", [])
            ),
            related=tuple(Result.from_json(r) for r in data.get("related", [])),
            standalone_question=data.get("standalone_question"),
            confidence=float(data.get("confidence", 0.0)),
            answer_span=AnswerSpan(**span) if span else None,
            mode=data.get("mode"),
            model=data.get("model"),
        )


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, as the rewriter sees it."""

    question: str
    answer: str = ""
    standalone: str | None = None


class Answerer(Protocol):
    """Answers a question from retrieved passages alone."""

    def answer(self, question: str, results: Sequence[Result]) -> Answer: ...


def make_citation(
    n: int, result: Result, quote_start: int, quote_end: int, supported: bool = True
) -> Citation:
    """A citation of ``result`` whose quote is ``document[quote_start:quote_end]``."""
    p = result.passage
    offset = quote_start - p.start
    quote = p.text[offset : offset + (quote_end - quote_start)]
    page = p.metadata.get("page")
    return Citation(
        n=n,
        doc_id=p.doc_id,
        source=result.document.source,
        title=result.document.title,
        text=p.text,
        start=p.start,
        end=p.end,
        quote=quote,
        quote_start=quote_start,
        quote_end=quote_end,
        supported=supported,
        url=result.document.url,
        date=result.document.date,
        page=int(page) if page is not None else None,
        date_source=result.document.extra.get("date_source"),
    )


ABSTAIN_PREFIX = "The documents don't say"


def abstention(question: str, related: Sequence[Result], confidence: float = 0.0) -> Answer:
    """The answer that says the documents do not answer ``question``; ``related`` are
    shown as possibly related, one passage per document."""
    text = f"{ABSTAIN_PREFIX} {_topic(question)}."
    by_doc = {r.passage.doc_id: r for r in reversed(related)}  # the best of each document
    folded = tuple(r for r in related if by_doc[r.passage.doc_id] is r)
    if folded:
        text += " These passages may be related:"
    return Answer(question, text, True, (), folded, confidence=confidence)


def _topic(question: str) -> str:
    q = question.strip()
    if not q:
        return "that"
    return f'that ("{q}")' if len(q) < 160 else "that"

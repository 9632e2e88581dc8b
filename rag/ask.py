"""Question in, answer out: rewrite a follow-up, retrieve, answer (extractive or LLM)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rag.answers import Answer, Answerer, Turn
from rag.conversation import rewrite_followup
from rag.extractive import ExtractiveAnswerer
from rag.retrieval import HybridRetriever, SearchFilter
from rag.services import Services


class AskPipeline:
    """Everything ``rag ask`` and the chat need, built once per process."""

    def __init__(self, services: Services, answerer: Answerer | None = None) -> None:
        self.services = services
        self.retriever = HybridRetriever(services.store, services.embedder, services.keyword)
        self.answerer = answerer or self._default_answerer()

    def _default_answerer(self) -> Answerer:
        settings = self.services.settings
        if settings.answer_mode == "openai":
            from rag.generative import OpenAICompatibleAnswerer

            return OpenAICompatibleAnswerer(settings, self.services.embedder)
        return ExtractiveAnswerer(self.services.embedder, idf=self.services.keyword.idf)

    def standalone(self, question: str, history: Sequence[Turn] = ()) -> str:
        return rewrite_followup(question, history) if history else question

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        search_filter: SearchFilter | None = None,
        k: int | None = None,
    ) -> Answer:
        query = self.standalone(question, history)
        results = self.retriever.retrieve(
            query, k or self.services.settings.answer_passages, search_filter
        )
        answer = self.answerer.answer(query, results)
        return Answer(
            question=question,
            text=answer.text,
            abstained=answer.abstained,
            citations=answer.citations,
            related=answer.related,
            standalone_question=query,
            confidence=answer.confidence,
        )

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        search_filter: SearchFilter | None = None,
        k: int | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas as they come (LLM mode), then the final Answer."""
        stream = getattr(self.answerer, "stream", None)
        if stream is None:
            yield self.ask(question, history, search_filter, k)
            return
        query = self.standalone(question, history)
        results = self.retriever.retrieve(
            query, k or self.services.settings.answer_passages, search_filter
        )
        yield from stream(query, results)

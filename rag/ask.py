"""Question in, answer out: rewrite a follow-up, retrieve, answer (extractive or LLM)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from rag.answers import Answer, Answerer, Turn
from rag.conversation import rewrite_followup
from rag.extractive import ExtractiveAnswerer
from rag.retrieval import HybridRetriever, Result, SearchFilter
from rag.services import Services
from rag.settings import Settings


def answerer_for(services: Services, settings: Settings) -> Answerer:
    """The answerer that ``settings.answer_mode`` asks for, on the shared parts."""
    if settings.answer_mode == "openai":
        from rag.generative import OpenAICompatibleAnswerer

        return OpenAICompatibleAnswerer(settings, services.query_embedder)
    return ExtractiveAnswerer(
        services.query_embedder, idf=services.keyword.idf, threshold=settings.abstain_threshold
    )


class AskPipeline:
    """Everything ``rag ask`` and the chat need, built once per process."""

    def __init__(self, services: Services, answerer: Answerer | None = None) -> None:
        self.services = services
        self.retriever = HybridRetriever(
            services.store, services.query_embedder, services.keyword, catalog=services.catalog
        )
        self.answerer = answerer or answerer_for(services, services.settings)

    def standalone(self, question: str, history: Sequence[Turn] = ()) -> str:
        return rewrite_followup(question, history) if history else question

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        search_filter: SearchFilter | None = None,
        k: int | None = None,
    ) -> Answer:
        query, results = self._retrieve(question, history, search_filter, k)
        answer = self.answerer.answer(query, results)
        return replace(answer, question=question, standalone_question=query)

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
        yield from stream(*self._retrieve(question, history, search_filter, k))

    def _retrieve(
        self,
        question: str,
        history: Sequence[Turn],
        search_filter: SearchFilter | None,
        k: int | None,
    ) -> tuple[str, list[Result]]:
        """The standalone query for ``question`` and the passages retrieved for it."""
        query = self.standalone(question, history)
        k = k or self.services.settings.answer_passages
        return query, self.retriever.retrieve(query, k, search_filter)

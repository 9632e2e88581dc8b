"""The LangChain door: our retriever, our answerer and our embedder as LangChain parts.

- ``RagRetriever`` is a ``BaseRetriever``: its ``Document``s carry ``doc_id``,
  ``source``, ``title``, ``start``, ``end`` and ``score`` in their metadata.
- ``answer_runnable(library)`` is a ``Runnable`` from a question (a string, or chat
  messages as LangChain messages or ``{"role", "content"}`` dicts) to the answer's
  JSON, the object of ``rag ask --json``.
- ``RagEmbeddings`` is the packaged MiniLM as LangChain ``Embeddings``.

Each builds its ``Library`` from the environment's ``Settings`` when given none.
Our store is not a LangChain ``VectorStore``: documents have states (pending,
complete) that it has no place for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.messages import BaseMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict, Field

from core.embedder import Embedder
from rag.conversation import turns_from_messages
from rag.library import Library, open_library
from rag.retrieval import Result, SearchFilter

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


def to_document(result: Result) -> Document:
    """A retrieved passage as a LangChain ``Document``."""
    p, d = result.passage, result.document
    metadata = {
        "doc_id": p.doc_id,
        "source": d.source,
        "title": d.title,
        "start": p.start,
        "end": p.end,
        "score": result.score,
        "url": d.url,
        "date": d.date,
    }
    return Document(page_content=p.text, metadata=metadata, id=p.id)


class RagRetriever(BaseRetriever):
    """The library's hybrid search (dense + keyword, fused) as a LangChain retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    library: Library = Field(default_factory=open_library)
    k: int | None = None  # the settings' top_k when unset
    search_filter: SearchFilter | None = None
    per_doc: int | None = 1

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        results = self.library.search(query, self.k, self.search_filter, self.per_doc)
        return [to_document(r) for r in results]


def _messages(value: Sequence[Any]) -> list[dict[str, str]]:
    out = []
    for m in value:
        if isinstance(m, BaseMessage):
            out.append({"role": _ROLES.get(m.type, m.type), "content": m.text})
        elif isinstance(m, dict):
            out.append({"role": str(m.get("role")), "content": str(m.get("content") or "")})
        else:
            raise ValueError(f"{m!r} is neither a LangChain message nor a {{role, content}} dict")
    return out


def answer_runnable(library: Library | None = None) -> Runnable[Any, dict[str, Any]]:
    """The library's ``ask`` as a ``Runnable``: a question or chat messages in (the
    last user message is the question), the answer's JSON out."""
    lib = library or open_library()

    def ask(value: Any) -> dict[str, Any]:
        if isinstance(value, str):
            return lib.ask(value).to_json()
        if isinstance(value, dict) and "question" in value:
            return lib.ask(str(value["question"])).to_json()
        messages = _messages(value)
        if not messages or messages[-1]["role"] != "user":
            raise ValueError("the last message must be the user's question")
        history = turns_from_messages(messages[:-1])
        return lib.ask(messages[-1]["content"], history).to_json()

    return RunnableLambda(ask, name="rag_ask")


class RagEmbeddings(Embeddings):
    """The packaged embedding model as LangChain ``Embeddings``."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder or open_library().services.embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.embed(texts)]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

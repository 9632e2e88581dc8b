"""The LangChain door on a real library: an LCEL chain over ``RagRetriever``, the answer
runnable inside a chain, our embedder as ``Embeddings``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from core.settings import Settings
from rag.langchain import RagEmbeddings, RagRetriever, answer_runnable
from rag.library import Library
from rag.retrieval import SearchFilter
from rag.services import Services

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def library(
    tmp_path_factory: pytest.TempPathFactory, embedder: Any, sample_corpus: Path
) -> Library:
    services = Services(Settings(home=tmp_path_factory.mktemp("lc-home")))
    services.__dict__["embedder"] = embedder
    library = Library(services.settings, services)
    assert library.add([str(sample_corpus)]).ok
    return library


def _join(docs: list[Document]) -> str:
    return "\n\n".join(f"[{d.metadata['title']}] {d.page_content}" for d in docs)


def test_an_lcel_chain_uses_the_retriever(library: Library) -> None:
    retriever = RagRetriever(library=library, k=3)
    prompt = ChatPromptTemplate.from_template("Context:\n{context}\n\nQuestion: {question}")
    chain = {
        "context": retriever | RunnableLambda(_join),
        "question": RunnablePassthrough(),
    } | prompt
    value = chain.invoke("How much will the Corvale tram line cost?")
    text = value.to_messages()[0].content
    assert "412 million" in text and "Question: How much will the Corvale tram line cost?" in text

    docs = retriever.invoke("How much will the Corvale tram line cost?")
    assert len(docs) == 3
    top = docs[0]
    assert set(top.metadata) >= {"doc_id", "source", "title", "start", "end", "score"}
    stored = library.document_text(top.metadata["doc_id"])
    assert stored is not None
    assert stored[top.metadata["start"] : top.metadata["end"]] == top.page_content


def test_the_retriever_honours_filters(library: Library) -> None:
    tram = RagRetriever(library=library, k=1).invoke("tram line cost")[0].metadata["doc_id"]
    others = frozenset(r.doc_id for r in library.documents() if r.doc_id != tram)
    scoped = RagRetriever(library=library, k=3, search_filter=SearchFilter(doc_ids=others))
    assert all(d.metadata["doc_id"] != tram for d in scoped.invoke("tram line cost"))


def test_the_answer_runnable_inside_a_chain(library: Library) -> None:
    chain = RunnableLambda(lambda q: q.strip()) | answer_runnable(library) | (lambda a: a["answer"])
    assert "412 million" in chain.invoke("  How much will the Corvale tram line cost?  ")

    messages = [
        HumanMessage("What did Moore say about AI?"),
        AIMessage("Moore said MI6 pairs AI with bulk data. [1]"),
        HumanMessage("Where did he say it?"),
    ]
    answer = answer_runnable(library).invoke(messages)
    assert "Moore" in answer["standalone_question"] and answer["citations"]
    with pytest.raises(ValueError, match="last message"):
        answer_runnable(library).invoke([AIMessage("hello")])


def test_embeddings_match_the_embedder(embedder: Any) -> None:
    lc = RagEmbeddings(embedder)
    vectors = lc.embed_documents(["a tram line", "a harbour strike"])
    assert len(vectors) == 2 and len(vectors[0]) == embedder.dimension
    assert np.allclose(lc.embed_query("a tram line"), vectors[0], atol=1e-5)

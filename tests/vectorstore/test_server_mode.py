"""The whole path (ingest, hybrid search, remove) against a real Chroma server."""

from __future__ import annotations

import pytest

from core.settings import IngestOptions
from ingest.pipeline import Ingestor
from rag.library import remove_documents
from rag.retrieval import HybridRetriever
from vectorstore.keyword import KeywordIndex

pytestmark = [pytest.mark.server, pytest.mark.slow]

QUESTION = "What did Moore say about AI?"


@pytest.mark.parametrize("store", ["server"], indirect=True)
def test_ingest_search_and_remove_through_the_server(
    store, embedder, sample_corpus, tmp_path
) -> None:
    assert store.location.url

    report = Ingestor(IngestOptions(), store, embedder).ingest([str(sample_corpus)])

    assert report.ok and len(report.added) == 8
    assert store.count_passages() == sum(d.chunks for d in report.added)
    retriever = HybridRetriever(store, embedder, KeywordIndex(tmp_path / "kw.bin"))
    results = retriever.retrieve(QUESTION, 3)
    assert results[0].document.source.endswith("mi6-moore-prague.md")
    moore = results[0].document.doc_id

    removed, unknown = remove_documents(store, [moore])

    assert [r.doc_id for r in removed] == [moore] and unknown == []
    assert store.passages_for([moore]) == []
    after = retriever.retrieve(QUESTION, 5)
    assert after and all(r.document.doc_id != moore for r in after)
    assert len(store.list_documents()) == 7

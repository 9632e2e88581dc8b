"""Abstentions: the question quoted whole, one related passage per document."""

from __future__ import annotations

from rag.answers import ABSTAIN_PREFIX, abstention
from rag.retrieval import Result
from vectorstore.records import STATE_COMPLETE, DocumentRecord, Passage


def _result(doc_id: str, start: int) -> Result:
    record = DocumentRecord(
        doc_id, f"/d/{doc_id}.md", doc_id.title(), "md", "h", "f", 1, STATE_COMPLETE, "2025-01-01"
    )
    return Result(Passage(f"{doc_id}:{start}", doc_id, "text", start, start + 4), record, 0.5)


def test_an_abstention_quotes_the_question_with_its_question_mark() -> None:
    answer = abstention("Who won the 2019 Calder marathon?", [])
    assert answer.text == f'{ABSTAIN_PREFIX} that ("Who won the 2019 Calder marathon?").'
    assert answer.abstained and not answer.related


def test_related_passages_are_folded_to_one_per_document_best_first() -> None:
    related = [_result("tram", 0), _result("tram", 100), _result("bank", 0), _result("tram", 200)]
    answer = abstention("Anything?", related)
    assert [r.passage.id for r in answer.related] == ["tram:0", "bank:0"]
    assert answer.text.endswith("These passages may be related:")


def test_a_citation_carries_where_its_document_date_came_from() -> None:
    from dataclasses import replace
    from types import MappingProxyType

    from rag.answers import make_citation

    plain = _result("tram", 0)
    filed = Result(
        plain.passage,
        replace(plain.document, extra=MappingProxyType({"date_source": "file"})),
        plain.score,
    )
    assert make_citation(1, filed, 0, 4).date_source == "file"
    assert make_citation(1, filed, 0, 4).to_json()["date_source"] == "file"
    assert make_citation(1, plain, 0, 4).date_source is None

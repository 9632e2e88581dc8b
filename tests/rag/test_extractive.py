"""The extractive answerer: answers that lead, exact quotes and spans, corroboration,
disagreement, year constraints, attributed statements, calibrated abstention."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ingest.chunking import chunk_text
from rag.analysis import analyse
from rag.answers import ABSTAIN_PREFIX, Answer
from rag.extractive import DEFAULT_THRESHOLD, ExtractiveAnswerer, span_fit
from rag.retrieval import Result
from rag.spans import extract
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


def _span_holds(answer: Answer, documents: dict[str, str]) -> str:
    """The answer span's text, checked against its document and its citation's quote."""
    span = answer.answer_span
    assert span is not None
    cited = next(c for c in answer.citations if c.n == span.n)
    assert documents[cited.doc_id][span.start : span.end] == span.text
    assert cited.quote_start <= span.start < span.end <= cited.quote_end
    return span.text


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


def test_a_factoid_answer_leads_with_its_span_in_one_statement(
    answerer: ExtractiveAnswerer,
) -> None:
    answer = answerer.answer(
        "In which city did Richard Moore speak on Wednesday?",
        _results(("moore", MOORE), ("voss", VOSS)),
    )
    assert not answer.abstained
    assert _span_holds(answer, {"moore": MOORE, "voss": VOSS}) == "Prague"
    assert answer.text.startswith("Prague")
    assert len({c.quote for c in answer.citations}) == len(answer.citations)
    assert answer.text.count("[") == len(answer.citations)  # one statement, all its markers


BRIDGE_A = (
    "Harlow bridge opens\n\n"
    "The new Harlow footbridge over the river Tam opened to the public on 21 July 2017, "
    "two years later than planned. It cost the county 14 million pounds."
)
BRIDGE_B = (
    "Tam crossing finished\n\n"
    "After long delays, the Harlow footbridge finally opened on Jul 21, 2017, with the mayor "
    "cutting a ribbon at the northern end of the river Tam crossing."
)
BRIDGE_C = (
    "Harlow bridge: the council's account\n\n"
    "The council says the Harlow footbridge over the Tam opened on 3 June 2018, after a "
    "second safety inspection of the new river crossing."
)


def test_two_spellings_of_one_date_are_one_answer_cited_by_both(
    answerer: ExtractiveAnswerer,
) -> None:
    results = _results(("a", BRIDGE_A), ("b", BRIDGE_B))
    answer = answerer.answer("When did the Harlow footbridge open?", results)
    assert not answer.abstained
    assert {c.doc_id for c in answer.citations} == {"a", "b"}
    assert "Sources differ" not in answer.text
    assert _span_holds(answer, {"a": BRIDGE_A, "b": BRIDGE_B}) in ("21 July 2017", "Jul 21, 2017")


def test_disagreeing_sources_are_both_shown(answerer: ExtractiveAnswerer) -> None:
    results = _results(("a", BRIDGE_A), ("c", BRIDGE_C), ("b", BRIDGE_B))
    answer = answerer.answer("When did the Harlow footbridge open?", results)
    assert "Sources differ:" in answer.text
    assert "2017" in answer.text and "3 June 2018" in answer.text
    by_doc = {c.doc_id for c in answer.citations}
    assert by_doc == {"a", "b", "c"}


MARATHON_A = (
    "Calder marathon results\n\n"
    "Anna Berg won the Calder marathon in 2018, finishing in two hours and 31 minutes "
    "ahead of a field of 4,000 runners."
)
MARATHON_B = (
    "Calder marathon: a new champion\n\n"
    "Maria Lind won the Calder marathon in 2019, breaking the course record on a cold "
    "and windy morning by the harbour."
)


def test_a_sentence_about_another_year_does_not_answer(answerer: ExtractiveAnswerer) -> None:
    results = _results(("a", MARATHON_A), ("b", MARATHON_B))
    answer = answerer.answer("Who won the Calder marathon in 2019?", results)
    assert not answer.abstained
    assert _span_holds(answer, {"a": MARATHON_A, "b": MARATHON_B}) == "Maria Lind"
    assert {c.doc_id for c in answer.citations} == {"b"}
    assert "Anna Berg" not in answer.text


def test_statements_are_the_speakers_and_name_him(answerer: ExtractiveAnswerer) -> None:
    answer = answerer.answer(
        "What did Moore say about AI?", _results(("voss", VOSS), ("moore", MOORE))
    )
    assert {c.doc_id for c in answer.citations} == {"moore"}
    assert answer.answer_span is None  # a statement has no single span
    assert "AI and bulk data" in answer.text
    assert "weather" not in answer.text
    assert not re.search(r"\b[Hh]e said\b", answer.text)  # "he said" names the speaker
    if "recklessly" in answer.text:
        assert "Moore said there was no doubt" in answer.text


def test_other_speakers_question_goes_to_their_article(answerer: ExtractiveAnswerer) -> None:
    # Retrieval ranks the named speaker's article first; the scorer leans on that rank,
    # so Moore's passages come after it here, as they would from the retriever.
    answer = answerer.answer(
        "What did Helena Voss say about AI?", _results(("voss", VOSS), ("moore", MOORE))
    )
    assert {c.doc_id for c in answer.citations} == {"voss"}


def test_abstains_when_the_passages_do_not_answer(answerer: ExtractiveAnswerer) -> None:
    results = _results(("moore", MOORE), ("voss", VOSS))
    answer = answerer.answer("What is the price of rice in Japan this year?", results)
    assert answer.abstained
    assert answer.text.startswith(ABSTAIN_PREFIX)
    assert not answer.citations and answer.answer_span is None
    assert answer.related  # the closest passages are offered as possibly related
    assert 0.0 <= answer.confidence < answerer.threshold


def test_confidence_is_higher_for_the_answerable_question(answerer: ExtractiveAnswerer) -> None:
    results = _results(("a", MARATHON_A), ("b", MARATHON_B))
    answered = answerer.answer("Who won the Calder marathon in 2019?", results)
    unknown = answerer.answer("Who won the Calder marathon in 2024?", results)
    assert answered.confidence > unknown.confidence


def test_the_threshold_decides_abstention(embedder: Any) -> None:
    results = _results(("a", MARATHON_A), ("b", MARATHON_B))
    question = "Who won the Calder marathon in 2019?"
    always = ExtractiveAnswerer(embedder, threshold=0.0).answer(question, results)
    never = ExtractiveAnswerer(embedder, threshold=1.0).answer(question, results)
    assert not always.abstained and never.abstained
    assert always.confidence == pytest.approx(never.confidence)


def test_threshold_zero_answers_even_an_unlikely_question(embedder: Any) -> None:
    results = _results(("moore", MOORE), ("voss", VOSS))
    question = "What is the price of rice in Japan this year?"
    always = ExtractiveAnswerer(embedder, threshold=0.0).answer(question, results)
    assert not always.abstained and always.citations
    assert always.confidence < DEFAULT_THRESHOLD  # the default still abstains on it


def test_a_value_question_that_no_sentence_states_a_value_for_abstains(
    embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sentence states a number at all: the best sentence cannot be the answer, so
    its probability counts NO_VALUE as much, and the answerer abstains where it would
    otherwise offer that sentence."""
    results = _results(("moore", MOORE), ("voss", VOSS))
    question = "How many Russians have joined hands with Britain?"
    answer = ExtractiveAnswerer(embedder).answer(question, results)
    assert answer.abstained and answer.confidence < DEFAULT_THRESHOLD
    monkeypatch.setattr("rag.extractive.NO_VALUE", 1.0)
    unscaled = ExtractiveAnswerer(embedder).answer(question, results)
    assert not unscaled.abstained and unscaled.answer_span is None


def test_no_passages_means_abstention(answerer: ExtractiveAnswerer) -> None:
    answer = answerer.answer("What did Moore say about AI?", [])
    assert answer.abstained and not answer.related


@pytest.mark.parametrize(
    ("question", "sentence", "span", "fit"),
    [
        ("Where did Moore speak?", "Moore spoke at the embassy in Prague.", "Prague", 1.0),
        ("On what day of the week did she speak?", "She spoke on Tuesday.", "Tuesday", 1.0),
        (
            "On what day of the week did she speak?",
            "She spoke two weeks ago.",
            "two weeks ago",
            0.0,
        ),
        # where he said it, not a place named in what he said
        ("Where did Moore say it?", "Moore said arms flow to Russia.", "Russia", 0.1),
        # a rule that rules a span out still does inside what was said
        ("Where did Moore say it?", "Moore said he appealed to Russians.", "Russians", 0.0),
        ("Where did Moore speak?", "He used the Prague appearance to warn Russia.", "Prague", 1.0),
        ("Where did Moore speak?", "Moore said Russia intends to win.", "Russia", 0.1),
        ("Where did Moore speak?", "He followed in Washington's footsteps.", "Washington", 0.1),
        ("Where did Moore speak?", "Moore thanked Kestrel Holdings.", "Kestrel Holdings", 0.0),
        ("Where were they firing?", "They fired near the town of Avdiivka.", "Avdiivka", 1.0),
        ("Where did Moore speak?", "Moore spoke to Russians who object.", "Russians", 0.0),
        ("Where was it built?", "It was built in the port city of Brenn.", "Brenn", 1.0),
        ("By how much did output fall?", "Output is 780,000 tonnes, down 34 per cent.", "34", 1.0),
        ("By how much did output fall?", "Output is 780,000 tonnes, down 34 per cent.", "780", 0.5),
        ("How many people came?", "About 780,000 people came.", "780", 1.0),
        ("How many Russians came?", "Others came in the past 18 months.", "18", 0.0),
        ("How many rockets did they fire?", "The 59th brigade fired.", "59", 0.0),
        ("How many years did it take?", "It took 18 years.", "18", 1.0),
        ("In which year did Moore become chief?", "He became chief in 2020.", "2020", 1.0),
        ("In which year did Moore become chief?", "He spoke two months ago.", "two months", 0.0),
        ("In which year did Moore become chief?", "He spoke on Wednesday.", "Wednesday", 0.0),
        ("When will Moore step down?", "He spoke two months ago.", "two months", 0.0),
        ("When will the line open?", "It opens next year, in spring 2026.", "next year", 1.0),
        ("When did Moore speak?", "He spoke two months ago.", "two months", 1.0),
    ],
)
def test_span_fit(question: str, sentence: str, span: str, fit: float) -> None:
    q = analyse(question)
    (found,) = [s for s in extract(sentence, q.kind) if s.text.startswith(span)]
    assert span_fit(found, sentence, q) == fit


PORT = (
    "Porto chief urges shippers to stay\n\n"
    "“We will not wait for the next flood,” Ines Carvalho told Radio Vale on Tuesday, at the "
    "harbour museum in Porto.\n\n"
    "The port handled a record tonnage last year, most of it bound for northern Europe.\n\n"
    "During the Radio Vale interview in front of an audience at the museum, she also said "
    "the port would use drones to inspect cargo bound for Norway.\n\n"
    "Her staff are “pairing drones with customs data to stop smuggling to Norway”, said "
    "Carvalho, who has long argued for faster inspections."
)


@pytest.mark.parametrize(
    ("question", "setting"),
    [
        ("Where did Carvalho say that about drones?", "Porto"),
        ("When did Carvalho say that about drones?", "Tuesday"),
        ("Who did Carvalho say that about drones to?", "Radio Vale"),
    ],
)
def test_a_setting_question_gets_the_setting_of_the_statement(
    answerer: ExtractiveAnswerer, question: str, setting: str
) -> None:
    """The drone statement's sentence names only "the museum"; the sentence about the
    same interview names the place and day. Norway, named in what she said, is no
    answer to where she said it."""
    answer = answerer.answer(question, _results(("port", PORT)))
    assert not answer.abstained, answer.text
    assert _span_holds(answer, {"port": PORT}) == setting
    assert "Norway:" not in answer.text
    # the statement on the topic is cited too, so the reader sees why this setting
    assert any("drones" in c.quote for c in answer.citations)
    if "she also said" in PORT and "also said" in answer.text:
        assert "Carvalho also said" in answer.text  # the speaking "she" is named


def test_a_statement_topic_that_no_passage_mentions_is_unmentioned() -> None:
    from rag.analysis import analyse
    from rag.extractive import _topic_unmentioned

    results = _results(("moore", MOORE), ("voss", VOSS))
    assert _topic_unmentioned(analyse("What did Moore say about China?"), results)
    assert not _topic_unmentioned(analyse("What did Moore say about AI?"), results)
    assert not _topic_unmentioned(analyse("What did Moore say?"), results)  # no topic
    assert not _topic_unmentioned(analyse("Who is the head of MI6?"), results)  # no speech

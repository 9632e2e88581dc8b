"""Who published or wrote the article, from its credit lines (or its author field)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag.credits import Credit, asked_credit, credit_answer
from tests.rag.results import make_result

STORY = (
    "Harbour board backs the ferry plan\n\n"
    "The board voted on Tuesday to let the Marigold dock at pier four.\n\n"
    "Source: Vale Gazette and news agencies\n"
)
BYLINE = "By Ines Carvalho, Vale Gazette\n\nThe board voted on Tuesday to let the Marigold dock."
PREFIX = "Earlier text of the article. "


@pytest.mark.parametrize(
    ("question", "credit"),
    [
        ("Which outlet published the report on the ferry plan?", Credit.PUBLISHER),
        ("Which news organisation published the article about the vote?", Credit.PUBLISHER),
        ("What website ran this story?", Credit.PUBLISHER),
        ("Who published the article?", Credit.PUBLISHER),
        ("Who wrote the article about the harbour board?", Credit.AUTHOR),
        ("Who is the author of this piece?", Credit.AUTHOR),
        ("Which newspaper reported that the minister resigned?", None),  # the news, not us
        ("Which agency made a similar appeal?", None),
        ("Who voted for the ferry plan?", None),
    ],
)
def test_credit_questions(question: str, credit: Credit | None) -> None:
    assert asked_credit(question) is credit


def test_the_publisher_comes_from_the_source_line_with_exact_offsets() -> None:
    result = make_result("ferry", "Harbour board backs the ferry plan", STORY, start=len(PREFIX))
    document = PREFIX + STORY
    question = "Which outlet published the report on the ferry plan?"
    answer = credit_answer(question, Credit.PUBLISHER, [result])
    assert answer is not None and not answer.abstained
    assert answer.text == "Vale Gazette: Source: Vale Gazette and news agencies [1]"
    span = answer.answer_span
    assert span is not None and document[span.start : span.end] == span.text == "Vale Gazette"
    cited = answer.citations[0]
    assert document[cited.quote_start : cited.quote_end] == cited.quote
    assert cited.quote == "Source: Vale Gazette and news agencies"


def test_the_author_comes_from_the_byline_or_the_author_field() -> None:
    byline = make_result("byline", "Ferry", BYLINE)
    answer = credit_answer("Who wrote the article?", Credit.AUTHOR, [byline])
    assert answer is not None and answer.answer_span is not None
    assert answer.answer_span.text == "Ines Carvalho"
    plain = make_result("plain", "Ferry", "The board voted on Tuesday.")
    assert credit_answer("Who wrote the article?", Credit.AUTHOR, [plain]) is None
    signed = replace(plain, document=replace(plain.document, author="Ines Carvalho"))
    answer = credit_answer("Who wrote the article?", Credit.AUTHOR, [signed])
    assert answer is not None and answer.text.startswith("Ines Carvalho:")
    assert credit_answer("Who published the article?", Credit.PUBLISHER, [signed]) is None

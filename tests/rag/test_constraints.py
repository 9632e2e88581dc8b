"""What the generative prompt says of the question, and the year check on its claims."""

from __future__ import annotations

import pytest

from rag.analysis import analyse
from rag.constraints import conflict, describe
from rag.prompting import build_messages


def test_describe_names_the_kind_and_the_year() -> None:
    text = describe(analyse("Who won the Calder marathon in 2019?"))
    assert "a person" in text and "2019" in text


def test_describe_names_the_speaker_of_a_statement_question() -> None:
    text = describe(analyse("What did Richard Moore say about AI?"))
    assert "attributed" in text and "Richard Moore" in text


def test_the_prompt_carries_the_description() -> None:
    user = build_messages("How many people live in Calder in 2024?", [])[-1].content
    assert "a number" in str(user) and "2024" in str(user)


@pytest.mark.parametrize(
    ("claim", "bad"),
    [
        ("Anna Berg won the race in 2018.", True),
        ("Maria Lind won the race in 2019.", False),
        ("Maria Lind won it, as she did in 2018 and 2019.", False),
        ("Maria Lind won the race.", False),  # says nothing of the year
    ],
)
def test_a_claim_about_another_year_conflicts(claim: str, bad: bool) -> None:
    q = analyse("Who won the Calder marathon in 2019?")
    assert (conflict(claim, q) is not None) is bad


def test_no_year_asked_means_no_conflict() -> None:
    assert conflict("Anna Berg won in 2018.", analyse("Who won the Calder marathon?")) is None

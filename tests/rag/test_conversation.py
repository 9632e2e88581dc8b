"""Follow-up questions become standalone queries without an LLM."""

from __future__ import annotations

import pytest

from rag.answers import Turn
from rag.conversation import rewrite_followup


def test_first_question_is_unchanged() -> None:
    assert rewrite_followup("What did Moore say about AI?", []) == "What did Moore say about AI?"


def test_what_about_replaces_the_topic_of_the_previous_question() -> None:
    history = [Turn("What did Moore say about AI?")]
    assert (
        rewrite_followup("And what about the Wagner mutiny?", history)
        == "What did Moore say about the Wagner mutiny?"
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did he say about AI?", "What did Professor Daniel Okafor say about AI?"),
        ("Which outlet interviewed him?", "Which outlet interviewed Professor Daniel Okafor?"),
        ("What is his main finding?", "What is Professor Daniel Okafor's main finding?"),
    ],
)
def test_person_pronouns_take_the_person_named_in_the_last_answer(
    question: str, expected: str
) -> None:
    history = [Turn("Who led the team?", "Professor Daniel Okafor led the Kestrel team. [1]")]
    assert rewrite_followup(question, history) == expected


def test_speaker_of_an_earlier_question_is_the_referent() -> None:
    history = [
        Turn("What did Moore say about Putin's administration?"),
        Turn("How long is the sentence for spying?"),
    ]
    rewritten = rewrite_followup(
        "And how is the counteroffensive going, according to him?", history
    )
    assert "Moore" in rewritten and "him" not in rewritten


def test_thing_pronouns_carry_the_previous_topic() -> None:
    history = [Turn("What did Corvale City Council approve on 4 February 2025?")]
    rewritten = rewrite_followup("How much will it cost?", history)
    assert rewritten.startswith("How much will it cost")
    assert "Corvale City Council" in rewritten


def test_topic_is_carried_across_several_turns() -> None:
    history = [
        Turn("What did Corvale City Council approve on 4 February 2025?"),
        Turn("How much will it cost?", standalone="How much will it cost (Corvale City Council)?"),
    ]
    assert "Corvale City Council" in rewrite_followup("When does construction start?", history)


def test_question_with_its_own_entity_is_left_alone() -> None:
    history = [Turn("What did Moore say about AI?")]
    question = "Who won the Aldermoor International Open?"
    assert rewrite_followup(question, history) == question


@pytest.mark.parametrize(
    ("question", "expected", "kind"),
    [
        ("Where did he say it?", "Where did Moore say that about AI?", "place"),
        ("When did he say that?", "When did Moore say that about AI?", "date"),
        ("Why did he say it?", "Why did Moore say that about AI?", "reason"),
    ],
)
def test_where_did_he_say_it_keeps_speaker_and_topic_and_asks_anew(
    question: str, expected: str, kind: str
) -> None:
    from rag.analysis import analyse

    standalone = rewrite_followup(question, [Turn("What did Moore say about AI?", "...")])
    assert standalone == expected
    assert analyse(standalone).kind.value == kind


def test_chat_messages_become_turns_with_their_standalone_questions() -> None:
    from rag.conversation import turns_from_messages

    turns = turns_from_messages(
        [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "What did Moore say about AI?"},
            {"role": "assistant", "content": "Moore said ... [1]"},
            {"role": "user", "content": "Where did he say it?"},
        ]
    )
    assert [t.question for t in turns] == ["What did Moore say about AI?", "Where did he say it?"]
    assert turns[0].answer == "Moore said ... [1]" and turns[1].answer == ""
    assert turns[1].standalone == "Where did Moore say that about AI?"


@pytest.mark.parametrize(
    "messages",
    [
        "not a list",
        [{"role": "user"}],
        [{"role": "assistant", "content": "first"}],
        [{"role": "robot", "content": "hi"}],
    ],
)
def test_malformed_chat_messages_are_refused(messages: object) -> None:
    from rag.conversation import turns_from_messages

    with pytest.raises(ValueError):
        turns_from_messages(messages)


def test_a_bare_follow_up_carries_the_previous_subject_and_its_answer() -> None:
    history = [
        Turn(
            "Which agency made a similar call to Russians before MI6?",
            "CIA: A similar invitation was made two months ago by Washington. [1]",
        )
    ]
    assert (
        rewrite_followup("When?", history)
        == "When (CIA; agency made a similar call to Russians before MI6)?"
    )


def test_a_carried_subject_outlives_a_turn_that_named_none() -> None:
    first = Turn(
        "Which agency made a similar call to Russians before MI6?",
        "CIA: A similar invitation was made two months ago by Washington. [1]",
    )
    when = Turn(
        "When?",
        "two months ago: A similar invitation was made two months ago by Washington. [1]",
        standalone=rewrite_followup("When?", [first]),
    )
    rewritten = rewrite_followup("How many views did it get?", [first, when])
    # the date that answered "When?" is no subject; the agency still is
    assert rewritten == (
        "How many views did it get (CIA; agency made a similar call to Russians before MI6)?"
    )


def test_an_abstention_carries_no_answer() -> None:
    history = [Turn("Which team won the 2019 cup?", "The documents don't say that. [1]")]
    assert rewrite_followup("Where?", history) == "Where (team won the 2019 cup)?"


def test_the_carried_subject_leaves_the_previous_questions_date_behind() -> None:
    history = [Turn("What did Corvale City Council approve on 4 February 2025?", "A tram line.")]
    assert (
        rewrite_followup("How much will it cost?", history)
        == "How much will it cost (Corvale City Council approve)?"
    )

"""The setting of a speech event: which questions ask for it, which part of a sentence
states it, and which spans there answer where, when and to whom."""

from __future__ import annotations

import pytest

from rag.analysis import analyse
from rag.setting import (
    Setting,
    act_noun,
    anchors,
    asked_setting,
    plain_act,
    reports_speech,
    setting_parts,
    setting_spans,
    speaker_of,
    topic_terms,
)

STATEMENT = (
    "During the Radio Vale interview in front of an audience at the museum, she also said "
    "the port would double its exports to Norway by 2030."
)
ATTRIBUTION = (
    "“We will not wait for the next flood,” Ines Carvalho told Radio Vale on Tuesday, "
    "at the harbour museum in Porto."
)
QUOTED = "Exports are “rising faster than in Spain”, said Carvalho, who has warned the board."


@pytest.mark.parametrize(
    ("question", "setting"),
    [
        ("Where did Carvalho say that about exports?", Setting.PLACE),
        ("Where did she say it?", Setting.PLACE),
        ("When did Carvalho say that?", Setting.TIME),
        ("When did she speak?", Setting.TIME),
        ("Who did Carvalho say it to?", Setting.AUDIENCE),
        ("To whom did she say that?", Setting.AUDIENCE),
        ("Where did Ines Carvalho make the promise?", Setting.PLACE),
        ("Where did she give the speech?", Setting.PLACE),
        # the saying is not what is asked about: the place of the port, the time of a plan
        ("Where did she say the new port would be built?", None),
        ("When did she say exports would double?", None),
        ("Who said it?", None),  # the speaker, not the audience
        ("Where is the harbour museum?", None),
        ("What did Carvalho say about exports?", None),
        ("When was the TED talk?", None),  # a talk, not the act of talking
        ("Which city did Carvalho talk about?", None),  # the topic, not the setting
    ],
)
def test_asked_setting(question: str, setting: Setting | None) -> None:
    assert asked_setting(analyse(question)) is setting


def test_topic_leaves_out_the_speaker_and_the_act() -> None:
    assert topic_terms(analyse("Where did Carvalho say that about exports?")) == {"export"}
    assert topic_terms(analyse("Where did Ines Carvalho make the promise?")) == set()
    assert speaker_of(analyse("Where did Ines Carvalho make the promise?")) == "Ines Carvalho"


def _parts(sentence: str) -> list[str]:
    return [sentence[a:b].strip() for a, b in setting_parts(sentence)]


def test_setting_parts_leave_out_what_was_said() -> None:
    assert _parts(STATEMENT) == [
        "During the Radio Vale interview in front of an audience at the museum, she also said"
    ]
    assert _parts(ATTRIBUTION) == [
        "Ines Carvalho told Radio Vale on Tuesday, at the harbour museum in Porto."
    ]
    # an inverted attribution ("said Carvalho,") is setting; the quote is not
    parts = _parts(QUOTED)
    assert parts[0] == "Exports are" and "said Carvalho, who has warned" in parts[1]
    assert not any("Spain" in p for p in parts)


def test_setting_spans_by_kind() -> None:
    def texts(sentence: str, setting: Setting) -> list[str]:
        return [s.text for s in setting_spans(sentence, setting)]

    assert texts(ATTRIBUTION, Setting.PLACE) == ["Porto"]
    assert texts(ATTRIBUTION, Setting.TIME) == ["Tuesday"]
    assert texts(ATTRIBUTION, Setting.AUDIENCE) == ["Radio Vale"]
    assert texts(STATEMENT, Setting.AUDIENCE) == ["Radio Vale"]  # "the Radio Vale interview"
    # Norway and 2030 are in what she said, not where or when she said it
    assert texts(STATEMENT, Setting.PLACE) == []
    assert texts(STATEMENT, Setting.TIME) == []
    assert texts(QUOTED, Setting.PLACE) == []


def test_sentences_about_one_event_share_anchors() -> None:
    shared = anchors(STATEMENT) & anchors(ATTRIBUTION)
    assert "museum" in shared and any("vale" in a for a in shared)
    assert not anchors(STATEMENT) & anchors("The weather in Lisbon was warm.")


def test_reports_speech_by_the_speaker() -> None:
    assert reports_speech(ATTRIBUTION, "Carvalho", "")
    assert reports_speech(STATEMENT, "Carvalho", "Ines Carvalho runs the port")  # "she"
    assert not reports_speech(STATEMENT, "Carvalho", "nobody named here")
    assert not reports_speech("The port opened in 1990.", None, "")


def test_a_named_act_is_reported_by_the_sentence_naming_it() -> None:
    q = analyse("Where did Vice President Ana Ruiz deliver her concession speech?")
    assert asked_setting(q) is Setting.PLACE
    assert speaker_of(q) == "Ana Ruiz"  # titles are not the speaker's name
    assert act_noun(q) == "speech"
    sentence = "Ruiz delivered her concession speech at Hallam University on Friday."
    assert reports_speech(sentence, "Ana Ruiz", "", act_noun(q))
    assert not reports_speech(sentence, "Ana Ruiz", "")  # no speech verb, no quote
    assert [s.text for s in setting_spans(sentence, Setting.PLACE)] == ["Hallam University"]


def test_what_is_said_after_the_settings_adjuncts_is_not_setting() -> None:
    assert _parts("Carvalho told the Herald on Monday that exports would double in Spain.") == [
        "Carvalho told the Herald on Monday that"
    ]
    assert _parts("She said on Monday that the summit would be held in Geneva.") == [
        "She said on Monday that"
    ]


def test_titles_are_neither_speaker_nor_topic() -> None:
    q = analyse("Where did Vice President Ana Ruiz speak?")
    assert speaker_of(q) == "Ana Ruiz" and topic_terms(q) == set()
    assert topic_terms(analyse("On what day of the week did Ana Ruiz speak?")) == set()


@pytest.mark.parametrize(
    ("question", "plain"),
    [
        ("Where did Ines Carvalho make the promise?", "Where did Ines Carvalho say it?"),
        ("When did she give her Radio Vale interview?", "When did she say it?"),
        ("Where did Harris deliver her concession speech?", "Where did Harris say it?"),
        ("Where did Carvalho say it?", None),  # already plain
        ("What promise did Carvalho make?", None),  # not a setting question
        ("Where did she say the summit would be held?", None),
    ],
)
def test_a_named_act_reads_as_the_plain_say_it(question: str, plain: str | None) -> None:
    assert plain_act(analyse(question)) == plain

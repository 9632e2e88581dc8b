"""Answer spans: extraction by kind and normalisation to one key per answer."""

from __future__ import annotations

import pytest

from rag.analysis import Kind
from rag.spans import extract, names, same_name

SENTENCE = (
    "Richard Moore told Politico on Wednesday, 19 July 2023, at the British embassy in Prague "
    "that the line will cost £412 million and rates rose 4.25 per cent over 20 years."
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("It opened on Jul 21, 2017.", "2017-07-21"),
        ("It opened on 21 July 2017.", "2017-07-21"),
        ("It opened on July 21st, 2017.", "2017-07-21"),
        ("It opened in March 2020.", "2020-03"),
        ("It opened in 1889.", "1889"),
    ],
)
def test_dates_in_any_spelling_share_one_key(text: str, key: str) -> None:
    assert [s.key for s in extract(text, Kind.DATE)] == [key]


def test_span_offsets_slice_the_sentence() -> None:
    for kind in (Kind.DATE, Kind.MONEY, Kind.PERCENT, Kind.DURATION, Kind.PERSON, Kind.PLACE):
        spans = extract(SENTENCE, kind)
        assert spans, kind
        for span in spans:
            assert SENTENCE[span.start : span.end] == span.text


def test_amounts_are_normalised() -> None:
    assert [s.key for s in extract(SENTENCE, Kind.MONEY)] == ["money:gbp:4.12e+08"]
    assert [s.key for s in extract("a $1.5bn deal", Kind.MONEY)] == ["money:usd:1.5e+09"]
    assert [s.key for s in extract(SENTENCE, Kind.PERCENT)] == ["pct:4.25"]
    assert [s.key for s in extract("rates are 4.25% now", Kind.PERCENT)] == ["pct:4.25"]
    assert [s.key for s in extract(SENTENCE, Kind.DURATION)] == ["dur:20:year"]


def test_amounts_in_other_currencies_shares_as_fractions_and_lengths() -> None:
    money = "Winners get 15,000 Canadian dollars; he paid two guilders and $20,000."
    assert [(m.text, m.key) for m in extract(money, Kind.MONEY)] == [
        ("15,000 Canadian dollars", "money:canadian dollar:15000"),
        ("two guilders", "money:guilder:2"),
        ("$20,000", "money:usd:20000"),
    ]
    shares = "It lands close to a fifth of the catch, two thirds of it, or one in four, or half."
    assert [m.key for m in extract(shares, Kind.PERCENT)] == [
        "pct:20", "pct:66.7", "pct:25", "pct:50",
    ]  # fmt: skip
    long = "The wall, about 24 kilometres long, took 3 years."  # "how long" asks either
    assert [m.text for m in extract(long, Kind.DURATION)] == ["24 kilometres", "3 years"]


def test_people_and_places() -> None:
    people = extract(SENTENCE, Kind.PERSON)
    assert people[0].text == "Richard Moore" and people[0].key == "name:moore"
    assert "Prague" in [s.text for s in extract(SENTENCE, Kind.PLACE)]
    assert same_name("Moore", "Richard Moore")
    assert not same_name("Moore", "Richard Branson")


def test_statements_have_no_spans() -> None:
    assert extract(SENTENCE, Kind.STATEMENT) == []


def test_a_number_keeps_its_percent_unit() -> None:
    spans = extract("Output fell to 780,000 tonnes, down 34 per cent, and 2% more.", Kind.NUMBER)
    assert [(s.text, s.key) for s in spans] == [
        ("780,000", "n:780000"),
        ("34 per cent", "pct:34"),
        ("2%", "pct:2"),
    ]


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("The CIA made it two months ago.", ["two months ago"]),
        ("Prices rose last week and fell 3 years ago.", ["last week", "3 years ago"]),
        ("It opened on Monday, earlier this year.", ["Monday", "earlier this year"]),
        ("Two months of talks ended.", []),
    ],
)
def test_relative_dates_are_dates(text: str, spans: list[str]) -> None:
    assert [s.text for s in extract(text, Kind.DATE)] == spans


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("The UK-based oil firm and a US-led coalition met Rolls-Royce.", ["Rolls-Royce"]),
        ("Spies use artificial intelligence (AI) to curb supplies.", ["AI"]),
        ("Fans of “Oppenheimer” queued at the Odeon.", ["Oppenheimer", "Odeon"]),
    ],
)
def test_names_are_names_not_adjectives_or_punctuation(sentence: str, found: list[str]) -> None:
    spans = names(sentence)
    assert [s.text for s in spans] == found
    assert all(sentence[s.start : s.end] == s.text for s in spans)

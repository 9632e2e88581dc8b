"""Question analysis: the kind of answer asked for, its focus, subject, speaker, constraints."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from rag.analysis import Analysis, Constraints, Kind, analyse

K = Kind
_ANALYSIS_FIELDS = {"focus", "subject", "speaker", "terms"}


@dataclass(frozen=True)
class Row:
    question: str
    kind: Kind
    expect: dict[str, Any] = field(default_factory=dict)


def row(question: str, kind: Kind, **expect: Any) -> Row:
    """One case: the kind, and every other field named here (Analysis or Constraints)."""
    return Row(question, kind, expect)


NEWS = [
    row("Who won the 2020 US presidential election?", K.PERSON, years=(2020,), entities=("US",)),
    row(
        "Which party won the most seats in the 2019 general election?",
        K.ORGANISATION,
        focus="party",
        extreme="most",
        years=(2019,),
    ),
    row("When will the new prime minister take office?", K.DATE, subject="the new prime minister"),
    row("How many votes did the Green candidate receive?", K.NUMBER, focus="votes"),
    row(
        "What percentage of the vote did Labour get in Wales?",
        K.PERCENT,
        focus="percentage",
        entities=("Labour", "Wales"),
    ),
    row("Why did the coalition government collapse?", K.REASON, subject="the coalition government"),
    row("Who is the current mayor of Lagos?", K.PERSON, subject="the current mayor of Lagos"),
    row("What did the Supreme Court rule on abortion?", K.DESCRIPTION, entities=("Supreme Court",)),
    row("Was the senator found guilty?", K.YESNO, subject="the senator"),
    row("What sentence did the judge hand down?", K.DURATION, focus="sentence"),
    row("Which judge presided over the trial?", K.PERSON, focus="judge", subject="the trial"),
    row("How long was the defendant in prison?", K.DURATION),
    row("When is the verdict expected?", K.DATE, subject="the verdict"),
    row("Has the court overturned the ban?", K.YESNO),
    row("In which country did the coup take place?", K.PLACE, focus="country", subject="the coup"),
    row(
        "How many people were killed in the earthquake in Turkey on 6 February 2023?",
        K.NUMBER,
        focus="people",
        dates=("2023-02-06",),
        years=(2023,),
        entities=("Turkey",),
        numbers=(),
    ),
    row("What was the magnitude of the earthquake?", K.NUMBER, focus="magnitude"),
    row("Where did the hurricane make landfall?", K.PLACE, subject="the hurricane"),
    row(
        "What caused the wildfires in Greece last summer?",
        K.REASON,
        relative_time="last summer",
        extreme=None,
    ),
    row("Which towns were evacuated after the floods?", K.PLACE, focus="towns"),
    row("How much aid has the EU pledged?", K.MONEY, focus="aid", entities=("EU",)),
    row("Who were the candidates in the 2016 election?", K.PERSON, years=(2016,)),
]

SCIENCE = [
    row("What is CRISPR?", K.DESCRIPTION, subject="CRISPR", entities=("CRISPR",)),
    row("How does the new malaria vaccine work?", K.DESCRIPTION, subject="the new malaria vaccine"),
    row(
        "Which species of frog was discovered in Peru?",
        K.ENTITY,
        focus="species",
        entities=("Peru",),
    ),
    row("What percentage of patients responded to the drug?", K.PERCENT, focus="percentage"),
    row("How many participants took part in the trial?", K.NUMBER, focus="participants"),
    row("When was penicillin discovered?", K.DATE, subject="penicillin"),
    row("Who discovered penicillin?", K.PERSON, subject="penicillin"),
    row("At what temperature does water boil?", K.NUMBER, focus="temperature"),
    row("Why do antibiotics not work against viruses?", K.REASON, negated=True),
    row("What are the side effects of the vaccine?", K.DESCRIPTION),
    row("How far is Mars from the Sun?", K.NUMBER, entities=("Mars", "Sun")),
    row(
        "What is the largest planet in the solar system?",
        K.ENTITY,
        focus="planet",
        extreme="largest",
    ),
    row("How old is the universe?", K.NUMBER, subject="the universe"),
    row("Did the trial meet its primary endpoint?", K.YESNO, subject="the trial"),
    row("What dose was given to the patients?", K.NUMBER, focus="dose"),
    row("Which gene is linked to the disease?", K.ENTITY, focus="gene"),
    row("What disease does the mosquito spread?", K.ENTITY, focus="disease"),
]

BUSINESS = [
    row(
        "What was Apple's revenue in Q3 2024?",
        K.MONEY,
        focus="revenue",
        quarters=(3,),
        years=(2024,),
        entities=("Apple",),
        numbers=(),
    ),
    row(
        "How much profit did the bank make in the third quarter of 2024?",
        K.MONEY,
        focus="profit",
        quarters=(3,),
        years=(2024,),
        ordinals=(),
    ),
    row("By how much did Tesla's shares fall?", K.NUMBER, entities=("Tesla",)),
    row(
        "What is the current interest rate set by the Federal Reserve?",
        K.PERCENT,
        focus="rate",
        entities=("Federal Reserve",),
    ),
    row("What was the inflation rate in the eurozone in March?", K.PERCENT, months=(3,)),
    row("Which company acquired Twitter in 2022?", K.ORGANISATION, focus="company", years=(2022,)),
    row("How much did Musk pay for Twitter?", K.MONEY, entities=("Musk", "Twitter")),
    row("What was the share price at the close on Friday?", K.MONEY, focus="price", entities=()),
    row(
        "Who is the CEO of Northern Reserve Bank?",
        K.PERSON,
        subject="the CEO of Northern Reserve Bank",
        entities=("Northern Reserve Bank",),
    ),
    row("What did the CEO say about layoffs?", K.STATEMENT, speaker=None, subject="layoffs"),
    row("How many jobs will be cut?", K.NUMBER, focus="jobs"),
    row("What is the company's market share in China?", K.PERCENT, focus="share"),
    row("Did the merger go ahead?", K.YESNO, subject="the merger"),
    row(
        "What was the second-quarter operating profit?",
        K.MONEY,
        quarters=(2,),
        ordinals=(),
        extreme=None,
    ),
    row("When does the fiscal year end?", K.DATE, subject="the fiscal year"),
    row("What was the unemployment rate in the fourth quarter?", K.PERCENT, quarters=(4,)),
    row("How much is the company worth?", K.MONEY),
    row("What fine did the regulator impose on the bank?", K.MONEY, focus="fine"),
    row("What was the company's valuation when it listed?", K.MONEY, focus="valuation"),
    row("Which bank cut its growth forecast?", K.ORGANISATION, focus="bank"),
]

SPORT = [
    row(
        "Who won the 2019 Tour de France?",
        K.PERSON,
        subject="the 2019 Tour de France",
        years=(2019,),
        entities=("Tour de France",),
    ),
    row(
        "Which team won the league in the 2019 season?",
        K.ORGANISATION,
        focus="team",
        subject="the league",
        years=(2019,),
    ),
    row("What was the final score?", K.NUMBER, focus="score"),
    row(
        "Who was the first woman to win the race?",
        K.PERSON,
        ordinals=(1,),
        extreme="first",
    ),
    row(
        "How many goals did Haaland score last season?",
        K.NUMBER,
        focus="goals",
        relative_time="last season",
        extreme=None,
        entities=("Haaland",),
    ),
    row("Which stadium will host the final?", K.PLACE, focus="stadium"),
    row("Who scored the winning goal in the 89th minute?", K.PERSON, ordinals=(89,)),
    row("What was the attendance at the match?", K.NUMBER, focus="attendance"),
    row(
        "Has Arsenal ever won the Champions League?",
        K.YESNO,
        entities=("Arsenal", "Champions League"),
    ),
    row(
        "Who was the top scorer in the tenth edition of the tournament?",
        K.PERSON,
        extreme="top",
        ordinals=(10,),
    ),
    row("How long did the match last?", K.DURATION, extreme=None),
    row("Which club did he join in January?", K.ORGANISATION, focus="club", months=(1,)),
    row("What was the fastest lap time?", K.DURATION, extreme="fastest"),
    row("Did Federer ever win the French Open?", K.YESNO, entities=("Federer", "French Open")),
    row("Who won, Nadal or Djokovic?", K.PERSON, entities=("Nadal", "Djokovic")),
    row("Which driver finished second in Monaco?", K.PERSON, focus="driver", ordinals=(2,)),
    row("How many points did the Lakers score?", K.NUMBER, focus="points"),
]

ENCYCLOPEDIA = [
    row("When was the Eiffel Tower built?", K.DATE, subject="the Eiffel Tower"),
    row(
        "Where is the Great Barrier Reef?",
        K.PLACE,
        subject="the Great Barrier Reef",
        entities=("Great Barrier Reef",),
    ),
    row("What is the capital of Australia?", K.PLACE, focus="capital", subject="Australia"),
    row("Which river flows through Cairo?", K.PLACE, focus="river"),
    row(
        "Who was the first president of Kenya?",
        K.PERSON,
        ordinals=(1,),
        subject="the first president of Kenya",
    ),
    row("In what year did the Berlin Wall fall?", K.DATE, focus="year", subject="the Berlin Wall"),
    row("How long is the Great Wall of China?", K.NUMBER),
    row("What language is spoken in Brazil?", K.ENTITY, focus="language"),
    row("What was the population of Rome in the 1st century?", K.NUMBER, ordinals=(1,)),
    row("Why did the Roman Empire fall?", K.REASON, subject="the Roman Empire"),
    row("What is the tallest mountain in Africa?", K.PLACE, focus="mountain", extreme="tallest"),
    row(
        "Who wrote 'Pride and Prejudice'?",
        K.PERSON,
        entities=("Pride and Prejudice",),
        subject="Pride and Prejudice",
    ),
    row("What is the longest river in the world?", K.PLACE, extreme="longest"),
    row("When did the Second World War end?", K.DATE, entities=("Second World War",)),
    row("How many moons does Jupiter have?", K.NUMBER, focus="moons", subject="Jupiter"),
    row("What was the Marshall Plan?", K.DESCRIPTION, subject="the Marshall Plan"),
    row("Which novel by Tolstoy is the longest?", K.ENTITY, focus="novel", extreme="longest"),
    row("What century was the cathedral built in?", K.DATE, focus="century"),
    row("Which empire built Machu Picchu?", K.ENTITY, focus="empire"),
]

STATEMENTS = [
    row("What did Moore say about AI?", K.STATEMENT, speaker="Moore", subject="AI"),
    row(
        "According to Helena Voss, what is the main risk?",
        K.STATEMENT,
        speaker="Helena Voss",
        subject="the main risk",
    ),
    row(
        "What is the main risk, according to Helena Voss?",
        K.STATEMENT,
        speaker="Helena Voss",
        subject="the main risk",
    ),
    row(
        "What did the prime minister tell parliament about the budget?",
        K.STATEMENT,
        speaker=None,
        subject="the budget",
    ),
    row(
        "What has Dr Amir Khan claimed about the vaccine?",
        K.STATEMENT,
        speaker="Dr Amir Khan",
        subject="the vaccine",
    ),
    row(
        "How did Moore respond to the criticism?",
        K.STATEMENT,
        speaker="Moore",
        subject="the criticism",
    ),
    row(
        "What is Moore's view on nuclear power?",
        K.STATEMENT,
        speaker="Moore",
        subject="nuclear power",
    ),
    row(
        "What does the IMF think about inflation?",
        K.STATEMENT,
        speaker="IMF",
        subject="inflation",
    ),
    row("What did Richard Moore say about MI6?", K.STATEMENT, speaker="Richard Moore"),
    row("Who said that the economy would recover?", K.PERSON, speaker=None),
    row("What was the minister's reaction to the report?", K.STATEMENT),
    row(
        "what did moore say about the tram line",
        K.STATEMENT,
        speaker="moore",
        subject="the tram line",
    ),
    row(
        "What did MI6 warn about 'Join hands with us'?",
        K.STATEMENT,
        speaker="MI6",
        subject="Join hands with us",
        entities=("MI6", "Join hands with us"),
    ),
    row("What did the minister announce this week?", K.STATEMENT, relative_time="this week"),
    row("What is Helena Voss arguing?", K.STATEMENT, speaker="Helena Voss"),
    row("What did she mean by 'a reset'?", K.STATEMENT, speaker=None),
    row("Did Moore say AI is dangerous?", K.YESNO, speaker="Moore"),
]

YES_NO = [
    row("Is coffee bad for you?", K.YESNO),
    row("Did the company meet its targets?", K.YESNO),
    row("Were any arrests made?", K.YESNO),
    row("Can the vaccine be stored at room temperature?", K.YESNO),
    row("Has inflation fallen below 2%?", K.YESNO, numbers=("2%",)),
    row("Was the fine $5 million or $10 million?", K.MONEY, numbers=("$5 million", "$10 million")),
    row("Is it true that the mayor resigned?", K.YESNO),
    row("Do you know if the match was cancelled?", K.YESNO),
    row("Will interest rates rise next month?", K.YESNO, relative_time="next month"),
    row("Was the treaty signed in 1919 or 1920?", K.DATE, years=(1919, 1920)),
    row("Did the Lakers or the Celtics win?", K.ENTITY),
    row("Isn't the bridge closed?", K.YESNO, negated=True),
]

WHY_HOW = [
    row("Why was the match postponed?", K.REASON, subject="the match"),
    row("For what reason was the bridge closed?", K.REASON, subject="the bridge"),
    row("What led to the collapse of the bank?", K.REASON),
    row("How did the fire start?", K.DESCRIPTION, subject="the fire"),
    row("How come the vote was delayed?", K.REASON),
    row("Explain how the electoral college works.", K.DESCRIPTION),
    row("What was the reason for the delay?", K.REASON, focus="reason"),
    row("What does 'quantitative easing' mean?", K.DESCRIPTION),
    row("What happened at the summit?", K.DESCRIPTION, subject="the summit"),
    row("Describe the new rules.", K.DESCRIPTION),
    row("What was the ship called?", K.ENTITY, focus="ship"),
    row("What is the name of the ship that sank in 1912?", K.ENTITY, focus="ship"),
    row("What is the name of the CEO?", K.PERSON, focus="ceo"),
    row("Name the player who scored the winning goal.", K.PERSON, focus="player"),
    row("What kind of car does she drive?", K.ENTITY, focus="car"),
    row("What effect did the ban have?", K.DESCRIPTION),
]

FOLLOW_UPS = [
    row("Where?", K.PLACE),
    row("When?", K.DATE),
    row("Why?", K.REASON),
    row("How much?", K.MONEY),
    row("And when did he say it?", K.DATE, speaker=None, subject=None),
    row("Where did she say that?", K.PLACE, subject=None),
    row("Who did he say it to?", K.PERSON),
    row("What about the CIA?", K.DESCRIPTION, subject="the CIA"),
    row("And the penalty?", K.DESCRIPTION, subject="the penalty"),
    row("What did he say?", K.STATEMENT, speaker=None),
    row("Why not?", K.REASON, negated=True),
    row("How many?", K.NUMBER),
    row("And in 2020?", K.DESCRIPTION, years=(2020,)),
    row("Who else?", K.PERSON),
    row("Since when?", K.DATE),
    row("And the score?", K.NUMBER, focus="score"),
    row("Did she?", K.YESNO),
    row("What year?", K.DATE, focus="year"),
    row("How long?", K.DURATION),
    row("What else did she say?", K.STATEMENT),
    row("So who won?", K.PERSON),
    row("But why did they do it?", K.REASON),
    row("Which one?", K.ENTITY, focus=None),
    row("how about apple", K.DESCRIPTION, subject="apple"),
    row("Okay, and what was the final result?", K.DESCRIPTION),
]

SLOPPY = [
    row("who won the nobel prize in 2021", K.PERSON, years=(2021,), subject="the nobel prize"),
    row("when was it founded", K.DATE, subject=None),
    row("how much did the new stadium cost", K.MONEY, subject="the new stadium"),
    row("whats the population of lagos", K.NUMBER, focus="population", subject="lagos"),
    row("which country hosted the 2016 olympics", K.PLACE, years=(2016,)),
    row("tell me about the eastside tram line", K.DESCRIPTION, subject="the eastside tram line"),
    row("Can you tell me who won the election?", K.PERSON, subject="the election"),
    row("where's the new hospital going to be built", K.PLACE, subject="the new hospital"),
]

CONSTRAINTS = [
    row("What happened on 21 July 2017?", K.DESCRIPTION, dates=("2017-07-21",), years=(2017,)),
    row("What happened on Jul 21, 2017?", K.DESCRIPTION, dates=("2017-07-21",), months=()),
    row("What happened on July 21st, 2017?", K.DESCRIPTION, dates=("2017-07-21",), ordinals=()),
    row("What happened on July 21st 2017?", K.DESCRIPTION, dates=("2017-07-21",)),
    row("What happened on 2017-07-21?", K.DESCRIPTION, dates=("2017-07-21",), numbers=()),
    row("Who spoke on the 3rd of March?", K.PERSON, dates=("--03-03",), ordinals=(), months=()),
    row(
        "Which firm reported the highest revenue in Q3 2024?",
        K.ORGANISATION,
        quarters=(3,),
        years=(2024,),
        extreme="highest",
    ),
    row(
        "How did sales change in the third quarter of 2024?",
        K.DESCRIPTION,
        quarters=(3,),
        years=(2024,),
        ordinals=(),
    ),
    row("What were second-quarter earnings?", K.MONEY, quarters=(2,), ordinals=()),
    row("Who finished second in the 2018 race?", K.PERSON, ordinals=(2,), years=(2018,)),
    row("Who won the 3rd stage?", K.PERSON, ordinals=(3,)),
    row("Which countries did not sign the treaty?", K.PLACE, negated=True, subject="the treaty"),
    row("Who has never lost a final?", K.PERSON, negated=True),
    row("Which parties, except Labour, backed the bill?", K.ORGANISATION, negated=True),
    row("Who won the race?", K.PERSON, negated=False, extreme=None, relative_time=None),
    row(
        "What is the second-largest city in Brazil?",
        K.PLACE,
        ordinals=(2,),
        extreme="largest",
    ),
    row("Who is the youngest player in the squad?", K.PERSON, extreme="youngest"),
    row("What was the most expensive transfer?", K.ENTITY, extreme="most"),
    row("How many cases were reported yesterday?", K.NUMBER, relative_time="yesterday"),
    row("What has changed recently?", K.DESCRIPTION, relative_time="recently"),
    row("What happened two years ago?", K.DESCRIPTION, relative_time="two years ago", numbers=()),
    row(
        "How many people attended the rally in March 2020?",
        K.NUMBER,
        months=(3,),
        years=(2020,),
        entities=(),
    ),
    row("Did more than 1.5 million people vote?", K.YESNO, numbers=("1.5 million",)),
    row(
        "How many of the 200 passengers survived?",
        K.NUMBER,
        numbers=("200",),
        focus="passengers",
    ),
    row("What did the 12 jurors decide?", K.DESCRIPTION, numbers=("12",)),
    row("Who was the latest candidate to drop out?", K.PERSON, extreme="latest"),
    row("Which was the most recent eruption?", K.ENTITY, extreme="latest"),
    row("When did the second wave of infections peak?", K.DATE, ordinals=(2,)),
    row("What did the town do in May?", K.DESCRIPTION, months=(5,)),
    row("What may happen to prices?", K.DESCRIPTION, months=()),
    row("How many homes were sold in 2000?", K.NUMBER, years=(2000,)),
    row("Were 2000 people evacuated?", K.YESNO, years=(), numbers=("2000",)),
    row("Who is the CEO now?", K.PERSON, relative_time="now"),
    row(
        "When did the Bank of England raise rates earlier this year?",
        K.DATE,
        entities=("Bank of England",),
        relative_time="earlier this year",
    ),
    row("Who is Jean-Luc Picard?", K.PERSON, entities=("Jean-Luc Picard",)),
    row(
        "What did the COVID-19 inquiry find in 2023?",
        K.DESCRIPTION,
        entities=("COVID-19",),
        numbers=(),
        years=(2023,),
    ),
    row("What did the Northern Reserve Bank's governor say about rates?", K.STATEMENT),
]

TABLE = NEWS + SCIENCE + BUSINESS + SPORT + ENCYCLOPEDIA + STATEMENTS + YES_NO
TABLE += WHY_HOW + FOLLOW_UPS + SLOPPY + CONSTRAINTS


def test_table_is_large_and_varied() -> None:
    assert len(TABLE) >= 110
    assert len(FOLLOW_UPS) >= 15
    assert len({r.question for r in TABLE}) == len(TABLE)
    assert {r.kind for r in TABLE} == set(Kind)


@pytest.mark.parametrize("case", TABLE, ids=[r.question[:60] for r in TABLE])
def test_question(case: Row) -> None:
    result = analyse(case.question)
    assert result.kind is case.kind
    for name, expected in case.expect.items():
        owner: Any = result if name in _ANALYSIS_FIELDS else result.constraints
        assert getattr(owner, name) == expected, name


def test_empty_question_is_a_description() -> None:
    for text in ("", "   ", "?", "\n\t"):
        result = analyse(text)
        assert result.kind is Kind.DESCRIPTION
        assert result.constraints == Constraints()
        assert result.terms == ()
        assert result.focus is None and result.subject is None and result.speaker is None


def test_long_question_is_read_quickly() -> None:
    padding = "the council said the new tram line through the old market would open soon " * 28
    text = f"When did the Eastside tram line open, given that {padding}?"
    assert len(text) >= 2000
    started = time.perf_counter()
    result = analyse(text)
    assert time.perf_counter() - started < 1.0
    assert result.kind is Kind.DATE
    assert result.subject == "the Eastside tram line"
    assert result.text == text


def test_non_ascii_names() -> None:
    result = analyse("What did Zoë Çelik say about the İstanbul summit?")
    assert result.kind is Kind.STATEMENT
    assert result.speaker == "Zoë Çelik"
    assert result.constraints.entities == ("Zoë Çelik", "İstanbul")
    assert result.subject == "the İstanbul summit"
    assert "çelik" in result.terms


def test_curly_quotes_and_apostrophes() -> None:
    result = analyse("What’s Moore’s view on “Join hands with us”?")
    assert result.kind is Kind.STATEMENT
    assert result.speaker == "Moore"
    assert "Join hands with us" in result.constraints.entities


def test_shouted_question_has_no_capitalised_entities() -> None:
    result = analyse("WHO WON THE TOUR IN 2019?")
    assert result.kind is Kind.PERSON
    assert result.constraints.entities == ()
    assert result.constraints.years == (2019,)


def test_impossible_dates_are_dropped() -> None:
    assert analyse("What happened on 31 February 2020?").constraints.dates == ()
    assert analyse("What happened on 29 February?").constraints.dates == ("--02-29",)
    assert analyse("What happened on 25/12/2019?").constraints.dates == ("2019-12-25",)


def test_terms_drop_question_and_framing_words() -> None:
    result = analyse("What did Moore say about the tram?")
    assert result.terms == ("moor", "tram")
    assert analyse("What happened?").terms == ()


def test_is_factoid() -> None:
    assert analyse("Who won the race?").is_factoid
    assert analyse("Which film won?").is_factoid
    assert not analyse("Why did it fail?").is_factoid
    assert not analyse("Did it fail?").is_factoid
    assert not analyse("What did Moore say?").is_factoid


def test_results_are_frozen() -> None:
    result = analyse("Who won?")
    assert isinstance(result, Analysis)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = Kind.DATE  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.constraints.negated = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("question", "change"),
    [
        ("By how much did the olive oil harvest fall?", True),
        ("What pay rise did the dock workers want?", True),
        ("How much have house prices risen since 2020?", True),
        ("How many people attended the march?", False),
        ("What is the rise of fascism?", False),  # a description, not a number
        ("Which bank cut its growth forecast?", False),  # an organisation
    ],
)
def test_asks_change(question: str, change: bool) -> None:
    assert analyse(question).asks_change is change

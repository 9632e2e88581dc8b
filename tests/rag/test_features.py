"""Features of candidate sentences: a quote's attribution, and a year the document's
own date contradicts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from rag.analysis import analyse
from rag.features import FEATURES, SOFT_CONFLICT, attribution, featurise
from rag.retrieval import Result
from tests.rag.results import make_result


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Their secrets will be safe with us,” Richard Moore told Politico on Wednesday, "
            "at the British embassy in Prague.",
            "Richard Moore told Politico on Wednesday, at the British embassy in Prague",
        ),
        ("“We will win the race to master AI,” he said.", None),  # two words: too short
        (
            'The minister said "we are not moving" and then left the room at noon.',
            "The minister said and then left the room at noon",
        ),
        ("Moore said the talks, “which began in May, will go on", "Moore said the talks"),
        ("A sentence that quotes nobody at all.", None),
    ],
)
def test_attribution_is_the_sentence_outside_its_quote(sentence: str, expected: str | None) -> None:
    assert attribution(sentence) == expected


class _WordsEmbedder:
    """Bag-of-words vectors: enough to rank a clause that shares the question's words."""

    dimension = 64
    name = "words"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().replace(",", " ").replace("?", " ").split():
                out[i, hash(word) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def _result(text: str, date: str | None = None) -> Result:
    return make_result("d", "News", text, date=date)


def _feature(question: str, text: str, name: str, date: str | None = None) -> list[float]:
    rows = featurise(analyse(question), [_result(text, date)], _WordsEmbedder(), lambda _t: 1.0)
    return [float(s.features[FEATURES.index(name)]) for s in rows]


def test_a_quoted_sentence_is_as_close_as_its_attribution() -> None:
    quote = (
        "“Our door is always open to everyone who wants peace and an end to this war,” "
        "Richard Moore told Politico at the embassy in Prague."
    )
    question = "Who told Politico at the embassy in Prague?"
    q, whole, clause = _WordsEmbedder().embed(
        [question, quote, "Richard Moore told Politico at the embassy in Prague"]
    )
    (dense,) = _feature(question, quote, "dense_sentence")
    assert float(q @ clause) > float(q @ whole) + 0.1
    assert dense == pytest.approx(float(q @ clause), abs=1e-5)


def test_a_yearless_sentence_in_a_document_of_another_year_conflicts_softly() -> None:
    text = "Merriam-Webster picked polarization as its word of the year, the dictionary said."
    question = "Which word did Merriam-Webster pick as its 2022 word of the year?"
    assert _feature(question, text, "time_conflict", date="2024-12-02") == [SOFT_CONFLICT]
    assert _feature(question, text, "time_conflict", date="2022-11-28") == [0.0]
    assert _feature(question, text, "time_match", date="2022-11-28") == [0.5]
    assert _feature(question, text, "time_conflict", date=None) == [0.0]


def test_a_quotation_of_several_sentences_is_one_candidate() -> None:
    from core.sentences import split_sentences
    from rag.features import MAX_QUOTE_CHARS, whole_quotes

    text = (
        "Offers to spy hold risks. “Contact us. Perhaps nobody listens. We want to,” the "
        "agency said in the clip. “This quote is never closed. Next sentence."
    )
    pieces = [text[s:e] for s, e in whole_quotes(text, split_sentences(text))]
    assert pieces == [
        "Offers to spy hold risks.",
        "“Contact us. Perhaps nobody listens. We want to,” the agency said in the clip.",
        "“This quote is never closed.",
        "Next sentence.",
    ]
    long = "“" + " ".join(["A sentence of words here."] * 40) + "” he said."
    assert len(whole_quotes(long, split_sentences(long))) > 1 and len(long) > MAX_QUOTE_CHARS


def _spans(question: str, text: str) -> list[str]:
    rows = featurise(analyse(question), [_result(text, None)], _WordsEmbedder(), lambda _t: 1.0)
    return [span.text for s in rows for span in s.spans]


def test_a_word_capitalised_only_to_open_a_sentence_is_no_name() -> None:
    text = (
        "Egg prices fell by a tenth. Shoppers paid less for an egg in March than in "
        "February. Comedian Jimmy Kimmel joked about it, and one comedian sang. Federal "
        "Reserve officials said federal data showed it."
    )
    spans = _spans("Which food fell the most in price?", text)
    assert "Egg" not in spans  # "egg" is written in lower case elsewhere
    assert "Jimmy Kimmel" in spans and "Comedian Jimmy Kimmel" not in spans
    assert "Federal Reserve" in spans  # the rest alone would be no name: kept whole


def test_another_entity_sharing_a_name_of_the_question_is_no_answer() -> None:
    text = (
        "Emmanuel Macron and Brigitte Macron arrived on Tuesday. The state banquet was "
        "held at Windsor Castle."
    )
    spans = _spans("Which royal residence hosted Emmanuel Macron's state visit?", text)
    assert "Windsor Castle" in spans and "Brigitte Macron" not in spans

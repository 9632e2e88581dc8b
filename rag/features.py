"""What the answer scorer sees of one sentence: a row of numbers per candidate sentence.

The same code serves the answerer and the training script (``bench/train_scorer.py``),
so the model is trained on exactly the features it is used with. A feature says how
well a sentence of a retrieved passage meets the question: similarity, term overlap
weighted by rarity, the question's named entities and constraints (years, dates,
numbers, "first"), the asked kind of answer, the speaker, position and rank, and
signs of navigation or listing text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.embedder import Embedder
from core.sentences import split_sentences
from core.tokenize import terms
from rag.analysis import Analysis, Kind
from rag.constraints import YEAR
from rag.retrieval import Result
from rag.spans import Span, distinctive, extract, without_first_word

FEATURES: tuple[str, ...] = (
    "dense_sentence",
    "dense_passage",
    "fused_score",
    "rank_inverse",
    "terms_sentence",
    "terms_passage",
    "terms_title",
    "terms_beyond_title",
    "missing_rare_term",
    "has_entities",
    "entities_sentence",
    "entities_passage",
    "is_factoid",
    "kind_in_sentence",
    "kind_in_passage",
    "dense_gap",
    "dense_neighbour",
    "terms_window",
    "time_match",
    "time_conflict",
    "number_match",
    "number_conflict",
    "extreme_match",
    "question_negated",
    "negation_in_sentence",
    "negation_mismatch",
    "speaker_in_question",
    "speaker_match",
    "speech_in_sentence",
    "position",
    "boilerplate",
    "log_length",
    "pronoun_start",
)

IdfLookup = Callable[[str], float]
# ``time_conflict`` of a sentence that states no year, in a document dated another year
# than the asked one: below the 0.5 at which the answerer stops counting a sentence.
SOFT_CONFLICT = 0.4

_SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|warned|warns|added|claimed|argued|stated|explained|"
    r"described|insisted|noted|wrote|announced|urged|according to)\b|[\"“”]",
    re.I,
)
_NEGATION = re.compile(r"\b(?:not|never|no|none|nor|neither|without|n't)\b|n't\b", re.I)
_BOILERPLATE = re.compile(
    r"\b(?:click|subscribe|sign up|log in|read more|check out|advertisement|cookies?|"
    r"newsletter|all rights reserved|share this|follow us|watch|photo:|image:|getty|"
    r"copyright|terms of use|privacy policy)\b|©|\||»|›",
    re.I,
)
_BYLINE = re.compile(r"^\s*(?:By|From|Photo|Image|Source)\s+[A-Z]")
_CAUSE = re.compile(
    r"\b(?:because|due to|owing to|as a result|so that|in order to|since|after|led to|"
    r"caused|causing|thanks to|so as to|aimed at|reason|why|therefore|hence|amid)\b",
    re.I,
)
_DIGITS = re.compile(r"\d")
_PRONOUN_START = re.compile(r"^\W*(?:he|she|they|it|this|that|these|those|his|her|their)\b", re.I)
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


@dataclass(frozen=True)
class Sentence:
    """One candidate sentence of a retrieved passage, with its features."""

    rank: int
    result: Result
    start: int  # document offsets
    end: int
    text: str
    spans: tuple[Span, ...]  # spans of the asked kind that the question does not contain
    features: np.ndarray


def sentences_of(results: Sequence[Result]) -> list[tuple[int, Result, int, int, str]]:
    """Every distinct sentence of the results, as (rank, result, start, end, text)."""
    out = []
    seen: set[tuple[str, int, int]] = set()
    for rank, r in enumerate(results):
        for s, e in whole_quotes(r.passage.text, split_sentences(r.passage.text)):
            text = r.passage.text[s:e]
            key = (r.passage.doc_id, r.passage.start + s, r.passage.start + e)
            stripped = text.strip().lstrip("#").strip()
            if key in seen or len(stripped) < 20 or _is_heading(stripped, r.document.title):
                continue
            seen.add(key)
            out.append((rank, r, key[1], key[2], text))
    return out


# A quotation of several sentences stays one candidate, with its attribution: "“Contact
# us. Perhaps ... We want to,” the agency said" is one statement of the agency's.
MAX_QUOTE_CHARS = 600


def whole_quotes(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with the sentences of one open quotation (“ ... ”) joined, when the
    quotation closes within ``MAX_QUOTE_CHARS``."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        j = i
        while (
            text.count("“", start, end) > text.count("”", start, end)
            and j + 1 < len(spans)
            and spans[j + 1][1] - start <= MAX_QUOTE_CHARS
        ):
            j += 1
            end = spans[j][1]
        if text.count("“", start, end) > text.count("”", start, end):
            j, end = i, spans[i][1]  # never closed nearby: the sentences stay apart
        out.append((start, end))
        i = j + 1
    return out


def _is_heading(sentence: str, title: str) -> bool:
    """A sentence that only repeats the title as a heading. A title taken from a plain
    text's first line can be a whole sentence of it ("The budget is 4.2 million."):
    one that ends like a sentence is content, and is kept."""
    return sentence == title.strip() and not sentence.rstrip("\"'”").endswith((".", "!", "?"))


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def attribution(text: str) -> str | None:
    """The words of a sentence outside its quotation, when it quotes someone and they
    are at least four words: "“Our door is open,” Moore told Politico in Prague." ->
    "Moore told Politico in Prague". A quote opened in an earlier sentence or closed in
    a later one is cut off too."""
    whole = flat(text)
    if not any(mark in whole for mark in '“”"'):
        return None
    rest = _QUOTED.sub(" ", whole)
    if "”" in rest:
        rest = rest[rest.rindex("”") + 1 :]
    if "“" in rest:
        rest = rest[: rest.index("“")]
    rest = " ".join(rest.split()).strip(" ,.;:")
    return rest if len(rest.split()) >= 4 and rest != whole else None


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def featurise(
    q: Analysis, results: Sequence[Result], embedder: Embedder, idf: IdfLookup
) -> list[Sentence]:
    """The candidate sentences of ``results`` for question ``q``, each with its features."""
    raw = sentences_of(results)
    if not raw:
        return []
    clauses = [attribution(s[4]) for s in raw]
    extra = [c for c in clauses if c]
    vectors = embedder.embed([q.text] + [flat(s[4]) for s in raw] + extra)
    sims = vectors[1:] @ vectors[0]
    dense = [float(v) for v in sims[: len(raw)]]
    # A quote's attribution ("..., Moore told Politico on Wednesday, at the embassy in
    # Prague") says who, when and where; the quote's words can drown it in the whole
    # sentence's vector, so a sentence counts as close as its closer part.
    at = len(raw)
    for i, clause in enumerate(clauses):
        if clause:
            dense[i] = max(dense[i], float(sims[at]))
            at += 1
    best_dense = max(dense)
    ctx = _Context(q, idf, _LOWER_WORD.findall(" ".join(s[4] for s in raw)))
    spans_of = [ctx.answer_spans(s[4]) for s in raw]
    asked_of = [
        bool(spans) or ctx.has_asked_kind(s[4]) for s, spans in zip(raw, spans_of, strict=True)
    ]
    by_rank: dict[int, list[int]] = {}
    for i, (rank, *_) in enumerate(raw):
        by_rank.setdefault(rank, []).append(i)
    out = []
    for i, (rank, r, start, end, text) in enumerate(raw):
        siblings = by_rank[rank]
        at = siblings.index(i)
        near = [
            j
            for j in (
                siblings[at - 1] if at else None,
                siblings[at + 1] if at + 1 < len(siblings) else None,
            )
            if j is not None
        ]
        window = " ".join(raw[j][4] for j in sorted([i, *near]))
        neighbours = _Neighbours(
            dense_gap=dense[i] - best_dense,
            dense_neighbour=max((dense[j] for j in near), default=0.0),
            terms_window=ctx.coverage(window),
            kind_in_passage=any(asked_of[j] for j in siblings),
            position=at / len(siblings),
        )
        row = ctx.row(text, r, rank, dense[i], spans_of[i], asked_of[i], neighbours)
        out.append(Sentence(rank, r, start, end, text, tuple(spans_of[i]), row))
    return out


@dataclass(frozen=True)
class _Neighbours:
    """What a sentence's features take from the other sentences of its question."""

    dense_gap: float  # its similarity minus the best sentence's
    dense_neighbour: float  # the best similarity of the sentences beside it
    terms_window: float  # term coverage of it with the sentences beside it
    kind_in_passage: bool
    position: float


class _Context:
    """What is worked out once per question and reused for each of its sentences.

    ``lower_words`` are the words the retrieved sentences write in lower case: one of
    them capitalised only because it opens a sentence ("Egg prices rose", "Federal
    officials said") is a common word, not a name."""

    def __init__(self, q: Analysis, idf: IdfLookup, lower_words: Sequence[str] = ()) -> None:
        self.q = q
        self.lower_words = frozenset(lower_words)
        # the distinctive words of the question's longer names ("Emmanuel Macron"): a
        # span that shares one and is not that name is another entity of the question's
        # ("Brigitte Macron"), not what it asks for
        self.named_words = {
            w.lower()
            for e in q.constraints.entities
            if len(e.split()) > 1
            for w in e.split()
            if distinctive(w)
        }
        self.weights = {t: idf(t) for t in set(q.terms)}
        self.total = sum(self.weights.values()) or 1.0
        self.top_idf = max(self.weights.values(), default=1.0) or 1.0
        self.entities = [set(terms(e)) for e in q.constraints.entities]
        self.entities = [e for e in self.entities if e]
        self.speaker_keys = _speaker_keys(q.speaker)
        self.question_lower = q.text.lower()
        c = q.constraints
        self.years = {str(y) for y in c.years}
        self.months = {_MONTHS[m - 1] for m in c.months if 1 <= m <= 12}
        self.dates = set(c.dates)
        self.numbers = {n.strip("$£€%").replace(",", "") for n in c.numbers}
        self._title_terms: dict[str, set[str]] = {}

    def answer_spans(self, text: str) -> list[Span]:
        if not self.q.is_factoid:
            return []
        out = []
        for found in extract(text, self.q.kind):
            span = self._truecased(found) if _opens(text, found) else found
            if span is None:
                continue
            words = {_possessive(w).lower() for w in span.text.split()}
            if (
                span.text.lower() in self.question_lower
                or (self.speaker_keys and span.text.split()[-1] in self.speaker_keys)
                or bool(words & self.named_words)
            ):
                continue
            out.append(span)
        return out

    def _truecased(self, span: Span) -> Span | None:
        """A span that opens its sentence, without a first word that the passages
        otherwise write in lower case (None for a one-word span: a common word)."""
        first = span.text.split()[0]
        if (
            span.kind is Kind.DATE
            or not first[:1].isupper()
            or first.lower() not in self.lower_words
        ):
            return span
        if len(span.text.split()) == 1:
            return None
        # "Comedian Jimmy Kimmel" loses its first word; "Federal Reserve" stays whole
        rest = without_first_word(span)
        return rest if rest is not None and len(rest.text.split()) > 1 else span

    def has_asked_kind(self, text: str) -> bool:
        """Whether a sentence holds what a non-factoid question asks for: speech for a
        statement, a cause for a reason; any sentence can describe or answer yes/no."""
        if self.q.is_factoid:
            return False
        if self.q.kind is Kind.STATEMENT:
            return bool(_SPEECH.search(text))
        if self.q.kind is Kind.REASON:
            return bool(_CAUSE.search(text))
        return True

    def coverage(self, text: str) -> float:
        present = set(terms(text))
        return sum(w for t, w in self.weights.items() if t in present) / self.total

    def beyond_title(self, sentence_terms: set[str], title: str) -> float:
        """Coverage of the question's terms that its document's title does not hold:
        "the *source* of the Danube *traditionally placed*" over a Danube article is
        answered by the sentence with those words, not by the article's first sentence,
        which names the Danube as every sentence of it may."""
        if title not in self._title_terms:
            self._title_terms[title] = set(terms(title))
        in_title = self._title_terms[title]
        rest = {t: w for t, w in self.weights.items() if t not in in_title}
        total = sum(rest.values())
        if not total:
            return sum(w for t, w in self.weights.items() if t in sentence_terms) / self.total
        return sum(w for t, w in rest.items() if t in sentence_terms) / total

    def row(
        self,
        text: str,
        r: Result,
        rank: int,
        sim: float,
        spans: list[Span],
        asked: bool,
        near: _Neighbours,
    ) -> np.ndarray:
        q = self.q
        context = f"{r.document.title} {r.passage.text}"
        sent_terms, ctx_terms = set(terms(text)), set(terms(context))
        missing = [w for t, w in self.weights.items() if t not in ctx_terms]
        time_match, time_conflict = self._time(text, context, r.document.date)
        words = text.split()
        titled = sum(1 for w in words if w[:1].isupper()) / max(1, len(words))
        boiler = bool(_BOILERPLATE.search(text)) or (len(words) >= 4 and titled > 0.7)
        speech = bool(_SPEECH.search(text))
        boiler = boiler or bool(_BYLINE.match(text)) or _fragment(text)
        number_match = bool(self.numbers) and any(n in text.replace(",", "") for n in self.numbers)
        negated = bool(_NEGATION.search(text))
        values = {
            "dense_sentence": sim,
            "dense_passage": float(r.signals.get("dense", 0.0)),
            "fused_score": float(r.score),
            "rank_inverse": 1.0 / (1 + rank),
            "terms_sentence": self.coverage(text),
            "terms_passage": self.coverage(context),
            "terms_title": self.coverage(r.document.title),
            "terms_beyond_title": self.beyond_title(sent_terms, r.document.title),
            "missing_rare_term": max(missing, default=0.0) / self.top_idf,
            "has_entities": float(bool(self.entities)),
            "entities_sentence": _share(self.entities, sent_terms),
            "entities_passage": _share(self.entities, ctx_terms),
            "is_factoid": float(q.is_factoid),
            "kind_in_sentence": float(asked),
            "kind_in_passage": float(near.kind_in_passage),
            "dense_gap": near.dense_gap,
            "dense_neighbour": near.dense_neighbour,
            "terms_window": near.terms_window,
            "time_match": time_match,
            "time_conflict": time_conflict,
            "number_match": float(number_match),
            "number_conflict": float(
                bool(self.numbers) and not number_match and bool(_DIGITS.search(text))
            ),
            "extreme_match": float(
                bool(q.constraints.extreme) and str(q.constraints.extreme) in text.lower()
            ),
            "question_negated": float(q.constraints.negated),
            "negation_in_sentence": float(negated),
            "negation_mismatch": float(q.constraints.negated != negated),
            "speaker_in_question": float(bool(self.speaker_keys)),
            "speaker_match": float(
                bool(self.speaker_keys)
                and speech
                and (
                    any(k in text for k in self.speaker_keys)
                    or bool(re.search(r"\b(?:he|she)\b", text, re.I))
                    and any(k in context for k in self.speaker_keys)
                )
            ),
            "speech_in_sentence": float(speech),
            "position": near.position,
            "boilerplate": float(boiler),
            "log_length": math.log1p(len(text)) / 6.0,
            "pronoun_start": float(bool(_PRONOUN_START.match(text))),
        }
        return np.array([values[name] for name in FEATURES], dtype=np.float64)

    def _time(self, text: str, context: str, doc_date: str | None) -> tuple[float, float]:
        """Whether the sentence meets the question's years, months and dates (1, 0),
        states other ones and none of the asked (0, 1), or says nothing of time."""
        if not (self.years or self.months or self.dates):
            return 0.0, 0.0
        low = text.lower()
        years_here = set(YEAR.findall(text))
        hit = bool(self.years & years_here) or any(m in low for m in self.months)
        if not hit and self.years and not years_here:
            # The year may be the document's own or stated elsewhere in the passage.
            hit = bool(self.years & set(YEAR.findall(context))) or bool(
                doc_date and doc_date[:4] in self.years
            )
            if hit:
                return 0.5, 0.0
            # A sentence without a year in a document dated another year is most likely
            # about that year: a soft conflict (it still votes; the model weighs it).
            dated = bool(doc_date and YEAR.fullmatch(doc_date[:4]))
            return 0.0, (SOFT_CONFLICT if dated else 0.0)
        conflict = bool(self.years) and bool(years_here) and not (self.years & years_here)
        return float(hit), float(conflict)


_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]+\b")


def _opens(text: str, span: Span) -> bool:
    """Whether ``span`` is the first word of its sentence (after opening quotes)."""
    return not text[: span.start].strip(" \"“‘'([")


def _possessive(word: str) -> str:
    return re.sub(r"['’]s$", "", word.strip(".,;:"))


def _fragment(text: str) -> bool:
    """A short line without a sentence's end: a heading, caption or menu item."""
    stripped = text.strip()
    return len(stripped.split()) < 8 and not re.search(r"[.!?\"”’)]$", stripped)


def _share(entities: list[set[str]], present: set[str]) -> float:
    if not entities:
        return 0.0
    return sum(1 for e in entities if e <= present) / len(entities)


def _speaker_keys(speaker: str | None) -> tuple[str, ...]:
    if not speaker:
        return ()
    parts = [p.strip(".") for p in speaker.split()]
    skip = {"mr", "mrs", "ms", "dr", "prof", "sir", "president", "minister", "chief", "the"}
    return tuple(p for p in parts if p.lower() not in skip and len(p) > 1)

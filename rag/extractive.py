"""The default answerer: reads what the question asks for and answers it from the
passages, citing each claim. No LLM.

Every sentence of the retrieved passages is featurised (``rag.features``) and scored
by the learned model (``rag.scorer``): the probability that it states the answer.

- A factoid question (who, when, how many, which company...) gets one statement. The
  candidate answers are the spans of the asked kind in the best sentences, normalised
  (``rag.spans``) so that two spellings of one date are one answer. Each is supported
  by the sentences that state it, one vote per passage, weighted by their probability;
  a sentence about another year than the asked one gives no support. The winner leads,
  in its best sentence, citing every passage that states it; when another answer has
  nearly as much support, the answer says that the sources differ.
- Other questions (what did X say, how, why, what is) get the distinct, on-topic
  statements, best first, each cited; "he said" becomes "Moore said".

``confidence`` is the calibrated probability that the answer is supported; below
the threshold the answerer abstains ("The documents don't say ...").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from core.embedder import Embedder
from core.tokenize import terms
from rag.analysis import Analysis, Kind, analyse, noun_kind
from rag.answers import Answer, AnswerSpan, Citation, abstention, make_citation
from rag.credits import asked_credit, credit_answer
from rag.features import FEATURES, Sentence, featurise, flat
from rag.retrieval import Result
from rag.scorer import Scorer, packaged_scorer
from rag.setting import (
    EVENT_AFTER,
    SPEECH_VERBS,
    Setting,
    act_noun,
    anchors,
    asked_setting,
    in_setting,
    plain_act,
    reports_speech,
    setting_spans,
    speaker_of,
    topic_terms,
)
from rag.spans import Span, names

# Below this confidence the answerer abstains: chosen with the sweep of bench/answers.py
# on the dev sets (README, "Answers").
DEFAULT_THRESHOLD = 0.15
# Sentences whose spans compete to be the answer of a factoid question.
TOP_SENTENCES = 12
# A sentence below this probability neither supports an answer nor joins a statement list.
MIN_PROBABILITY = 0.05
# Another document's answer whose best sentence is this close to the winner's, and at
# least this likely, makes the sources "differ".
DIFFER_RATIO = 0.8
DIFFER_PROBABILITY = 0.5
# A rival answer stated more confidently than a sentence cited for the winner is shown
# too, if it is at least this likely.
DIFFER_FLOOR = 0.2
MAX_CORROBORATING = 3
# One of the two best sentences follows a factoid answer stated elsewhere when it is at
# least this share as likely as the lead (chosen on the dev sets: README, "Answers").
ALSO_RATIO = 0.5
# How much a span that fits the question poorly counts (``span_fit``).
PLACE_ELSEWHERE = 0.1
# A setting stated by a sentence about the same event as the statement, not by the
# statement's own sentence, counts this much (``setting_candidates``).
LINKED = 0.8
# A setting question answered although no statement on its topic was found keeps this
# share of its probability.
UNSET = 0.5
# A question asking for a number, amount, share, date or length of time that no
# retrieved sentence states one of: what the best sentence says cannot be its answer.
VALUE_KINDS = frozenset([Kind.NUMBER, Kind.MONEY, Kind.PERCENT, Kind.DATE, Kind.DURATION])
NO_VALUE = 0.3
# A span inside what a sentence reports as said answers no question about the saying.
REPORTED = 0.1
NAMED_PLACE = 0.8
NAMED_OTHER = 0.5
UNKNOWN_PERSON = 0.6
CHANGE_ELSEWHERE = 0.5
# A span this many tokens further from the question's words than the closest one
# counts half (``proximity``).
PROXIMITY_TOKENS = 4
# A span that holds or touches the noun the question asks for counts as closest.
FOCUS_BESIDE = 2.0
_WORD = re.compile(r"[\w'’-]+")
# Nouns that ask "where" in other words: the answer still follows "in", "at"...
_WHERE_NOUNS = frozenset(["location", "place", "whereabouts", "address"])
_LOCATIVE = (" in", " at", " near", " from", " outside", " inside", " across", " to")
_CHANGE_BEFORE = (" by", " down", " up", " of")
# Peoples named after places ("Russians", "Ukrainians", "the Chinese") answer no "where".
_PEOPLE = re.compile(r"^[A-Z][a-z]+(?:ians|ans|ese)$")
# "near the town of Avdiivka", "in the Odesa region"'s kin: a place named by its kind.
_SETTLEMENT_OF = re.compile(
    r"\b(?:in|at|near|from|outside|inside|to|around)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}"
    r"(?:town|city|village|region|province|state|county|district|port|capital|island|area|"
    r"suburb|neighbourhood|neighborhood)\s+of$"
)
# Statements (non-factoid answers) keep this share of the best one's probability.
KEEP_RATIO = 0.5
MAX_STATEMENTS = {Kind.STATEMENT: 4, Kind.YESNO: 2}
DEFAULT_MAX_STATEMENTS = 3

_CONFLICT = FEATURES.index("time_conflict")
_BOILERPLATE = FEATURES.index("boilerplate")
_SPEAKER_MATCH = FEATURES.index("speaker_match")
_DENSE = FEATURES.index("dense_sentence")
_SPEECH_VERBS = SPEECH_VERBS
_PRONOUN_SPEAKER = re.compile(
    rf"\b(?P<a>[Hh]e|[Ss]he)(?=\s+(?:also\s+|later\s+|then\s+)?(?:{_SPEECH_VERBS})\b)"
    rf"|\b(?:{_SPEECH_VERBS})(?P<b>\s+(?:he|she))\b(?=\s*[.,;!?]|$)"
)

IdfLookup = Callable[[str], float]


@dataclass(frozen=True)
class Scored:
    """A candidate sentence and the model's probability that it states the answer."""

    sentence: Sentence
    p: float

    @property
    def passage(self) -> tuple[str, int]:
        return self.sentence.result.passage.doc_id, self.sentence.result.passage.start

    def feature(self, index: int) -> float:
        return float(self.sentence.features[index])


@dataclass(frozen=True)
class Vote:
    """A sentence stating a candidate answer, and how much it counts for it: its
    probability, less when the span fits the question poorly."""

    scored: Scored
    span: Span
    weight: float


@dataclass(frozen=True)
class Candidate:
    """One normalised answer of a factoid question and the sentences that state it,
    strongest first, one per passage."""

    key: str
    text: str
    support: float
    votes: tuple[Vote, ...]

    @property
    def best(self) -> Vote:
        return self.votes[0]


class ExtractiveAnswerer:
    def __init__(
        self,
        embedder: Embedder,
        idf: IdfLookup | None = None,
        threshold: float | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        self.embedder = embedder
        self.idf = idf or (lambda _t: 1.0)
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        self.scorer = scorer or packaged_scorer()

    def answer(self, question: str, results: Sequence[Result]) -> Answer:
        credit = asked_credit(question)
        if credit is not None:  # "which outlet published the article?": its credit line
            credited = credit_answer(question, credit, results)
            if credited is not None:
                return credited
        q = analyse(question)
        scored = self.score(q, results)
        plain = plain_act(q)
        if plain is not None and scored:
            scored = _best_of(scored, self.score(analyse(plain), results))
        if not scored:
            return abstention(question, results[:3])
        if q.is_factoid:
            answer = self._factoid(question, q, scored)
            if answer is not None:
                return self._finish(question, results, answer)
        # Too unlikely to keep, the best sentence still answers when the threshold
        # allows it (0 answers everything): the threshold alone decides abstention.
        statements = select_statements(q, scored) or [scored[0]]
        answer = statement_answer(question, q, statements)
        if q.kind in VALUE_KINDS or _topic_unmentioned(q, results):
            # no sentence states a number, date or amount at all; no passage mentions
            # what the speaker is asked about ("What did Moore say about China?")
            answer = replace(answer, confidence=answer.confidence * NO_VALUE)
        return self._finish(question, results, answer)

    def _factoid(self, question: str, q: Analysis, scored: Sequence[Scored]) -> Answer | None:
        """The factoid answer, None when no sentence states a span of the asked kind. A
        setting question ("where did he say it") takes the setting of the statements
        on its topic when that is better supported than what the plain reading finds,
        and is answered weakly when no statement on its topic was found."""
        candidates = rank_candidates(scored, q)
        setting = asked_setting(q)
        found = setting_candidates(scored, q, setting) if setting is not None else None
        link = None
        if found is not None and found[0]:
            best, link = found
            if not candidates or best[0].support > candidates[0].support:
                return factoid_answer(question, best, link, speaker_of(q))
            if best[0].key != candidates[0].key or link is candidates[0].best.scored:
                link = None
        if not candidates:
            return None
        # a setting that agrees with the plain reading cites the statement it belongs to
        also = link or best_other(scored, candidates[0])
        answer = factoid_answer(question, candidates, also, q.speaker)
        if setting is not None and found is None:  # no statement on the topic
            answer = replace(answer, confidence=answer.confidence * UNSET)
        return answer

    def score(self, q: Analysis, results: Sequence[Result]) -> list[Scored]:
        sentences = featurise(q, results, self.embedder, self.idf)
        if not sentences:
            return []
        p = self.scorer.probability(np.vstack([s.features for s in sentences]))
        return sorted(
            (Scored(s, float(v)) for s, v in zip(sentences, p, strict=True)), key=lambda s: -s.p
        )

    def _finish(self, question: str, results: Sequence[Result], answer: Answer) -> Answer:
        confidence = self.scorer.confidence(answer.confidence)
        if confidence < self.threshold:
            return abstention(question, results[:3], confidence)
        return replace(answer, confidence=confidence)


# --- factoid questions -----------------------------------------------------------------


def rank_candidates(scored: Sequence[Scored], q: Analysis) -> list[Candidate]:
    """The answers stated in the best sentences, most supported first.

    A candidate's support is the noisy-or of its passages' best votes: one vote per
    passage, so a passage repeating a name does not outvote two that agree. A sentence
    that names another year than the asked one, or reads as navigation text, gives no
    support."""
    tally = _Tally()
    usable = [s for s in scored if s.feature(_CONFLICT) < 0.5 and s.feature(_BOILERPLATE) < 0.5]
    for s in usable[:TOP_SENTENCES]:
        if s.p < MIN_PROBABILITY:
            break
        fitting = [
            (span, fit)
            for span in s.sentence.spans
            if (fit := span_fit(span, s.sentence.text, q)) > 0
        ]
        # closeness is relative to the closest span that could answer, not to any span
        near = proximity(s.sentence.text, [span for span, _ in fitting], q)
        for (span, fit), closeness in zip(fitting, near, strict=True):
            tally.vote(s, span, s.p * fit * closeness)
    return tally.candidates()


class _Tally:
    """Votes for candidate answers: one per passage (its strongest), and the spellings
    each answer was stated in."""

    def __init__(self) -> None:
        self.votes: dict[str, dict[tuple[str, int], Vote]] = {}
        self.spellings: dict[str, list[str]] = {}

    def vote(self, s: Scored, span: Span, weight: float) -> None:
        passages = self.votes.setdefault(span.key, {})
        held = passages.get(s.passage)
        if held is None or weight > held.weight:
            passages[s.passage] = Vote(s, span, weight)
        self.spellings.setdefault(span.key, []).append(span.text)

    def candidates(self) -> list[Candidate]:
        """Most supported first; support is the noisy-or of the passages' votes."""
        out = []
        for key, passages in self.votes.items():
            held = tuple(sorted(passages.values(), key=lambda v: -v.weight))
            support = 1.0 - float(np.prod([1.0 - v.weight for v in held]))
            text = max(self.spellings[key], key=lambda t: (len(t.split()), len(t)))
            out.append(Candidate(key, text, support, held))
        return sorted(out, key=lambda c: (-c.support, -c.best.weight))


def _topic_unmentioned(q: Analysis, results: Sequence[Result]) -> bool:
    """A statement question whose topic (its words beside the speaker's) no retrieved
    passage mentions."""
    if q.kind is not Kind.STATEMENT or not q.speaker:
        return False
    topic = set(q.terms) - set(terms(q.speaker))
    if not topic:
        return False
    seen = set(terms(" ".join(f"{r.document.title} {r.passage.text}" for r in results)))
    return not topic & seen


def _best_of(first: Sequence[Scored], second: Sequence[Scored]) -> list[Scored]:
    """The sentences scored two ways, each kept with its higher probability."""
    best: dict[tuple[str, int], Scored] = {}
    for s in (*first, *second):
        key = (s.sentence.result.passage.doc_id, s.sentence.start)
        if key not in best or s.p > best[key].p:
            best[key] = s
    return sorted(best.values(), key=lambda s: -s.p)


def setting_candidates(
    scored: Sequence[Scored], q: Analysis, setting: Setting
) -> tuple[list[Candidate], Scored | None] | None:
    """The answers to "where / when / to whom did X say it": spans of the setting part
    (``rag.setting``) of the sentences that report X's statements on the topic, and of
    the sentences about the same event (sharing a name or event noun with their
    settings). Each vote counts as much as the best statement on the topic, less
    (``LINKED``) from a sentence only linked to it. Returns the candidates and the
    statement that links the winner's sentence to the topic, to cite after it: no
    candidates when no statement on the topic states its setting, and None when there
    is no statement on the topic.
    """
    topic = topic_terms(q)
    speaker = speaker_of(q)
    act = act_noun(q)
    usable = [s for s in scored if s.feature(_BOILERPLATE) < 0.5]
    docs: dict[str, str] = {}
    for r in {id(s.sentence.result): s.sentence.result for s in usable}.values():
        docs[r.passage.doc_id] = f"{docs.get(r.passage.doc_id, r.document.title)} {r.passage.text}"
    statements = [
        s
        for s in usable[: 2 * TOP_SENTENCES]
        if reports_speech(s.sentence.text, speaker, docs[s.sentence.result.passage.doc_id], act)
        and (not topic or topic & set(terms(s.sentence.text)))
    ]
    if not statements:
        return None
    strength = max(s.p for s in statements)
    event = set().union(*(anchors(s.sentence.text) for s in statements))
    event -= {f"name:{k.lower()}" for k in (speaker or "").split()}
    tally = _Tally()
    taken = {id(s) for s in statements}
    linked = [s for s in usable if id(s) not in taken and anchors(s.sentence.text) & event]
    for group, weight in ((statements, strength), (linked, strength * LINKED)):
        for s in group:
            for span in setting_spans(s.sentence.text, setting):
                fit = date_fit(span, q) if setting is Setting.TIME else 1.0
                if fit > 0:
                    tally.vote(s, span, weight * fit)
    out = tally.candidates()
    if not out:
        return [], None
    lead = out[0].best.scored
    if id(lead) in taken:
        return out, None
    shared = anchors(lead.sentence.text) & event
    link = next((s for s in statements if anchors(s.sentence.text) & shared), None)
    return out, link


def proximity(sentence: str, spans: Sequence[Span], q: Analysis) -> list[float]:
    """How close each span sits to the question's words in the sentence, relative to
    the closest span (1.0): "*Ford* recalled ... F-150 trucks" answers "which
    automaker recalled"; a span beside the asked noun comes first: "Hurricane *Otis*"
    answers "the name of the hurricane"."""
    if len(spans) < 2:
        return [1.0] * len(spans)
    wanted = set(q.terms)
    focus = set(terms(q.focus or ""))
    tokens = [
        (m.start(), m.end(), bool(wanted & set(terms(m.group())))) for m in _WORD.finditer(sentence)
    ]
    marked = [i for i, (_, _, hit) in enumerate(tokens) if hit]
    if not marked:
        return [1.0] * len(spans)
    out = []
    for span in spans:
        inside = [i for i, (a, b, _) in enumerate(tokens) if a < span.end and b > span.start]
        if not inside:
            out.append(1.0)
            continue
        lo, hi = inside[0], inside[-1]
        beside = tokens[max(lo - 1, 0) : hi + 2]
        if focus and any(focus & set(terms(sentence[a:b])) for a, b, _ in beside):
            out.append(FOCUS_BESIDE)  # "Hurricane Otis", "Lake Como", "the Seine river"
            continue
        gaps = [lo - i if i < lo else i - hi for i in marked if i < lo or i > hi]
        out.append(1.0 / (1.0 + (min(gaps) - 1) / PROXIMITY_TOKENS) if gaps else 0.5)
    best = max(out)
    return [v / best for v in out]


def span_fit(span: Span, sentence: str, q: Analysis) -> float:
    """How well a span of the asked kind answers the question, from 0 to 1.

    A place answer follows "in", "at", "near"... or names an event's setting ("the
    Prague appearance"); when the question names the kind of place ("which country")
    a place anywhere in the sentence will do, but for "where" a known place elsewhere
    ("Russia intends ...") is a weak answer and an unknown name is none. A person is
    a name, not "Covid-19"; an unknown name counts fully after a person noun ("winner
    Adele"). The
    answer to a change question ("by how much did X fall") is the size of the change:
    a percentage, or the number after "by", "down", "up"."""
    fit = _plain_fit(span, sentence, q)
    if asked_setting(q) is not None and not in_setting(span, sentence):
        return min(fit, REPORTED)  # "where did he say it": not "... weapons to Russia, said Moore"
    return fit


def _plain_fit(span: Span, sentence: str, q: Analysis) -> float:
    before = sentence[: span.start].rstrip().lower()
    if q.kind is Kind.DATE:
        return date_fit(span, q)
    if q.kind is Kind.PLACE:
        if _PEOPLE.search(span.text):
            return 0.0  # "appealed to Russians": a people, not a place
        possessive = sentence[span.end : span.end + 2] in ("'s", "’s")  # in Washington's steps
        if (
            (before.endswith(_LOCATIVE) and not possessive)
            or EVENT_AFTER.match(sentence, span.end)
            or _SETTLEMENT_OF.search(before)
        ):
            return 1.0
        if q.focus and noun_kind(q.focus) is Kind.PLACE and q.focus not in _WHERE_NOUNS:
            # "which country", "which site": the answer need not follow "in"
            return NAMED_PLACE if span.kind is Kind.PLACE else NAMED_OTHER
        return PLACE_ELSEWHERE if span.kind is Kind.PLACE else 0.0
    if q.kind is Kind.PERSON and span.kind is not Kind.PERSON:
        if any(c.isdigit() for c in span.text):  # "Covid-19", "F-150"
            return 0.0
        previous = before.rsplit(None, 1)[-1] if before else ""
        if noun_kind(previous) is Kind.PERSON:  # "Grammy winner Adele"
            return 1.0
        return UNKNOWN_PERSON
    if q.kind is Kind.NUMBER and not _counts_time(q):
        after = sentence[span.end :]
        if _ORDINAL_AFTER.match(after) or _TIME_UNIT_AFTER.match(after):
            return 0.0  # "the 59th brigade", "18 months": no count of what was asked
    if q.asks_change:
        if span.key.startswith("pct:") or before.endswith(_CHANGE_BEFORE):
            return 1.0
        return CHANGE_ELSEWHERE
    return 1.0


_TIME_UNITS = r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centuries|century)"
_TIME_UNIT_AFTER = re.compile(rf"\s*-?\s*{_TIME_UNITS}\b", re.I)
_ORDINAL_AFTER = re.compile(r"(?:st|nd|rd|th)\b")


def _counts_time(q: Analysis) -> bool:
    """Whether a number question counts time itself ("how many years")."""
    return bool(q.focus and re.fullmatch(_TIME_UNITS, q.focus, re.I))


_YEAR_FOCUS = frozenset(["year", "years", "decade", "century"])
_HAS_YEAR = re.compile(r"\d{4}|\d0s")
_FUTURE = re.compile(r"\b(?:will|shall|going to|expected to|due to|scheduled to|plans? to)\b", re.I)
_PAST_RELATIVE = re.compile(r"\b(?:ago|last|yesterday|earlier|previous|before)\b")


_WEEKDAY_QUESTION = re.compile(r"\bday of the week\b|\bweekday\b", re.I)
_WEEKDAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)


def date_fit(span: Span, q: Analysis) -> float:
    """A date answers "which year" only if it names a year, "what day of the week" only
    if it names one, and a question about what will happen is not answered by "two
    months ago" or "last week"."""
    if q.focus in _YEAR_FOCUS and not _HAS_YEAR.search(span.key):
        return 0.0
    if _WEEKDAY_QUESTION.search(q.text) and not _WEEKDAY.search(span.text):
        return 0.0
    if span.key.startswith("rel:") and _FUTURE.search(q.text) and _PAST_RELATIVE.search(span.key):
        return 0.0
    return 1.0


def differs(winner: Candidate, other: Candidate) -> bool:
    """Whether ``other`` is a rival answer the reader should see: stated by another
    document than the ones stating the winner, and either nearly as confidently as the
    winner or more confidently than a sentence the answer cites for the winner."""
    weakest = min(v.weight for v in winner.votes[: 1 + MAX_CORROBORATING])
    strong = other.best.weight >= max(DIFFER_RATIO * winner.best.weight, DIFFER_PROBABILITY)
    if not strong and not (other.best.weight >= max(weakest, DIFFER_FLOOR)):
        return False
    winner_docs = {v.scored.sentence.result.passage.doc_id for v in winner.votes}
    rival = [v for v in other.votes if v.scored.sentence.result.passage.doc_id not in winner_docs]
    if not rival:
        return False
    return not any(span.key == winner.key for span in rival[0].scored.sentence.spans)


def best_other(scored: Sequence[Scored], winner: Candidate) -> Scored | None:
    """One of the two best sentences, when the winner's statements do not include it and
    it is at least ``ALSO_RATIO`` as likely as the winner's lead: the answer shows it
    after the lead, so the reader also sees what the scorer rated highest."""
    usable = [s for s in scored if s.feature(_BOILERPLATE) < 0.5 and s.feature(_CONFLICT) < 0.5][:2]
    cited = {id(v.scored) for v in winner.votes[: 1 + MAX_CORROBORATING]}
    lead = winner.best.scored
    return next(
        (
            s
            for s in usable
            if id(s) not in cited and s.p >= ALSO_RATIO * lead.p and not _redundant(s, lead)
        ),
        None,
    )


def factoid_answer(
    question: str,
    candidates: Sequence[Candidate],
    also: Scored | None = None,
    speaker: str | None = None,
) -> Answer:
    """The winning answer in its best sentence, cited by every passage that states it,
    then ``also`` (a further highly rated sentence), each cited; "Sources differ" when
    a rival answer is as credible as the winner's support."""
    winner = candidates[0]
    lead = winner.best
    groups: list[list[Vote]] = [list(winner.votes[: 1 + MAX_CORROBORATING])]
    rival = next((c for c in candidates[1:3] if differs(winner, c)), None)
    if rival is not None:
        taken = {id(v.scored.sentence) for v in groups[0]}
        groups.append(
            [v for v in rival.votes if id(v.scored.sentence) not in taken][: 1 + MAX_CORROBORATING]
        )
    citations: list[Citation] = []
    markers: list[str] = []
    for group in groups:
        marks = ""
        for v in group:
            n = len(citations) + 1
            citations.append(_cite(n, v.scored))
            marks += f"[{n}]"
        markers.append(marks)
    text = f"{winner.text}: {attributed(lead.scored, speaker)} {markers[0]}"
    if also is not None and rival is None:  # a disagreement is shown alone, in order
        citations.append(_cite(len(citations) + 1, also))
        text += f" {attributed(also, speaker)} [{len(citations)}]"
    if rival is not None:
        text += f" Sources differ: {winner.text} {markers[0]}; {rival.text} {markers[1]}."
    sentence = lead.scored.sentence
    span = AnswerSpan(
        text=lead.span.text,
        n=1,
        start=sentence.start + lead.span.start,
        end=sentence.start + lead.span.end,
    )
    return Answer(question, text, False, tuple(citations), confidence=lead.weight, answer_span=span)


# --- statements, descriptions, reasons -------------------------------------------------


def select_statements(q: Analysis, scored: Sequence[Scored]) -> list[Scored]:
    """The distinct, on-topic sentences that answer, best first."""
    usable = [s for s in scored if s.feature(_BOILERPLATE) < 0.5] or list(scored)
    best = usable[0].p
    limit = MAX_STATEMENTS.get(q.kind, DEFAULT_MAX_STATEMENTS)
    topic = _topic_terms(q)
    chosen: list[Scored] = []
    for s in usable:
        if len(chosen) >= limit or s.p < max(KEEP_RATIO * best, MIN_PROBABILITY):
            break
        if chosen:
            if q.speaker and q.kind is Kind.STATEMENT and s.feature(_SPEAKER_MATCH) < 0.5:
                continue
            if topic and not topic & set(terms(s.sentence.text)) and s.feature(_DENSE) < 0.5:
                continue
        if any(_redundant(s, other) for other in chosen):
            continue
        chosen.append(s)
    return chosen


def statement_answer(question: str, q: Analysis, chosen: Sequence[Scored]) -> Answer:
    citations = [_cite(n, s) for n, s in enumerate(chosen, start=1)]
    text = " ".join(f"{attributed(s, q.speaker)} [{n}]" for n, s in enumerate(chosen, start=1))
    return Answer(question, text, False, tuple(citations), confidence=chosen[0].p)


def _topic_terms(q: Analysis) -> set[str]:
    speaker = set(terms(q.speaker or ""))
    return {t for t in q.terms if t not in speaker}


def _redundant(a: Scored, b: Scored) -> bool:
    sa, sb = a.sentence, b.sentence
    if (
        sa.result.passage.doc_id == sb.result.passage.doc_id
        and sa.start < sb.end
        and sb.start < sa.end
    ):
        return True
    ta, tb = set(terms(sa.text)), set(terms(sb.text))
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) > 0.8


# --- showing a sentence ----------------------------------------------------------------


def attributed(s: Scored, speaker: str | None = None) -> str:
    """The sentence as shown: flattened, with a speaking "he"/"she" replaced by the
    speaker's name (the asked-about speaker, else the last person the passage names
    before the sentence)."""
    text = flat(s.sentence.text)
    match = _PRONOUN_SPEAKER.search(text)
    if match is None:
        return text
    name = _surname(speaker) if speaker else _previous_person(s.sentence)
    if not name:
        return text
    if match.group("b"):  # "..., said he." keeps the verb
        return text[: match.start("b")] + " " + name + text[match.end("b") :]
    return text[: match.start()] + name + text[match.end() :]


def _surname(speaker: str) -> str:
    return speaker.split()[-1]


def _previous_person(sentence: Sentence) -> str | None:
    """A surname stated before the sentence, of someone the passage names in full."""
    p = sentence.result.passage
    spans = names(p.text)
    surnames = {_surname(s.text) for s in spans if s.kind is Kind.PERSON}
    offset = sentence.start - p.start
    earlier = [_surname(s.text) for s in spans if s.end <= offset]
    return next((w for w in reversed(earlier) if w in surnames), None)


def _cite(n: int, s: Scored) -> Citation:
    return make_citation(n, s.sentence.result, s.sentence.start, s.sentence.end)

"""The default answerer: picks the sentences that answer, cites each one. No LLM.

Candidate sentences come from the retrieved passages. Each is scored by its
MiniLM similarity to the question, by how much of the question's weighted terms
it and its passage contain, and by its passage's retrieval rank; questions about
what a person said favour sentences where that person is the speaker. The best
sentences, without repeats, form the answer in document order, each followed by
a citation [n] whose quote is that sentence, located by document offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.chunking import split_sentences
from rag.answers import Answer, Citation, abstention, make_citation
from rag.embedding import Embedder
from rag.question import SPEECH_IN_TEXT, Question, has_answer_type, mentions, parse_question
from rag.retrieval import Result
from vectorstore.tokenize import terms

# Weights of the sentence score; chosen on the sample seed questions and RealTimeQA
# (bench/answers.py), where similarity and term coverage each carried the most signal.
W_DENSE = 0.55
W_SENTENCE_TERMS = 0.30
W_PASSAGE_TERMS = 0.15
W_RANK = 0.10
SPEAKER_BONUS = 0.12
# Sentences without the kind of answer the question wants (a time for "when", a
# number for "how many") keep this share of their score.
WRONG_TYPE_FACTOR = 0.85
# A sentence joins the answer when it scores at least this share of the best one.
KEEP_RATIO = 0.65
# ...and mentions the question's topic, or is this similar to the question.
KEEP_DENSE = 0.5
MAX_STATEMENTS = 5
# Below this confidence the answerer abstains (calibrated by bench/answers.py).
DEFAULT_THRESHOLD = 0.45
_MIN_CHARS = 25


@dataclass(frozen=True)
class Candidate:
    result_rank: int
    result: Result
    start: int  # document offsets
    end: int
    text: str
    score: float
    dense: float
    coverage: float
    typed: bool
    on_topic: bool


IdfLookup = Callable[[str], float]


class ExtractiveAnswerer:
    def __init__(
        self,
        embedder: Embedder,
        idf: IdfLookup | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        max_statements: int = MAX_STATEMENTS,
    ) -> None:
        self.embedder = embedder
        self.idf = idf or (lambda _t: 1.0)
        self.threshold = threshold
        self.max_statements = max_statements

    def answer(self, question: str, results: Sequence[Result]) -> Answer:
        q = parse_question(question)
        candidates = self.candidates(q, results)
        if not candidates:
            return abstention(question, results[:3])
        confidence = self.confidence(candidates)
        if confidence < self.threshold:
            return abstention(question, results[:3], confidence)
        chosen = self.select(candidates)
        return self.compose(question, chosen, confidence)

    # --- scoring ---------------------------------------------------------------

    def candidates(self, q: Question, results: Sequence[Result]) -> list[Candidate]:
        sentences: list[tuple[int, Result, int, int, str]] = []
        seen: set[tuple[str, int, int]] = set()
        for rank, r in enumerate(results):
            for s, e in split_sentences(r.passage.text):
                text = r.passage.text[s:e]
                key = (r.passage.doc_id, r.passage.start + s, r.passage.start + e)
                if key in seen or not _is_statement(text, r.document.title):
                    continue
                seen.add(key)
                sentences.append((rank, r, key[1], key[2], text))
        if not sentences:
            return []
        vectors = self.embedder.embed([q.text] + [_flat(s[4]) for s in sentences])
        dense = vectors[1:] @ vectors[0]
        weights = {t: self.idf(t) for t in set(q.terms)}
        total = sum(weights.values()) or 1.0
        speaker_terms = set(terms(q.speaker or ""))
        topic_weights = {t: w for t, w in weights.items() if t not in speaker_terms} or weights
        topic_total = sum(topic_weights.values()) or 1.0
        speaker_docs = self._speaker_docs(q, results)
        out = []
        for (rank, r, start, end, text), sim in zip(sentences, dense, strict=True):
            sent_cov = _coverage(weights, total, text)
            pass_cov = _coverage(weights, total, r.document.title + " " + r.passage.text)
            score = (
                W_DENSE * float(sim)
                + W_SENTENCE_TERMS * sent_cov
                + W_PASSAGE_TERMS * pass_cov
                + W_RANK / (1 + rank)
            )
            if speaker_docs is not None:
                if r.passage.doc_id not in speaker_docs:
                    continue
                if _speaks(q, text):
                    score += SPEAKER_BONUS
            typed = has_answer_type(text, q.kind)
            if not typed:
                score *= WRONG_TYPE_FACTOR
            topic_cov = _coverage(
                topic_weights, topic_total, r.document.title + " " + r.passage.text
            )
            on_topic = _coverage(topic_weights, topic_total, text) > 0
            out.append(
                Candidate(rank, r, start, end, text, score, float(sim), topic_cov, typed, on_topic)
            )
        return sorted(out, key=lambda c: -c.score)

    def _speaker_docs(self, q: Question, results: Sequence[Result]) -> set[str] | None:
        """Documents that mention the asked-about speaker (None: no speaker, or none do)."""
        if not q.speaker_keys:
            return None
        docs = {
            r.passage.doc_id
            for r in results
            if mentions(r.passage.text, q.speaker_keys)
            or mentions(r.document.title, q.speaker_keys)
        }
        return docs or None

    def confidence(self, candidates: Sequence[Candidate]) -> float:
        """How sure we are that the passages answer: the best sentence's similarity, and
        how much of the question's topic (its weighted terms, the speaker's name left
        out) the best passages contain; lowered when no sentence has the kind of
        answer the question wants."""
        best = candidates[0]
        top_cov = max(c.coverage for c in candidates[:10])
        value = 0.5 * best.dense + 0.5 * top_cov
        return value if any(c.typed for c in candidates[:10]) else value * WRONG_TYPE_FACTOR

    # --- composing -------------------------------------------------------------

    def select(self, candidates: Sequence[Candidate]) -> list[Candidate]:
        best = candidates[0].score
        chosen: list[Candidate] = []
        for c in candidates:
            if len(chosen) >= self.max_statements or c.score < KEEP_RATIO * best:
                break
            if chosen and not (c.on_topic or c.dense >= KEEP_DENSE):
                continue
            if any(_redundant(c, other) for other in chosen):
                continue
            chosen.append(c)
        return chosen

    def compose(self, question: str, chosen: Sequence[Candidate], confidence: float) -> Answer:
        doc_order: dict[str, int] = {}
        for c in chosen:
            doc_order.setdefault(c.result.passage.doc_id, len(doc_order))
        ordered = sorted(chosen, key=lambda c: (doc_order[c.result.passage.doc_id], c.start))
        statements = _merge_adjacent(ordered)
        parts: list[str] = []
        citations: list[Citation] = []
        for n, (result, start, end) in enumerate(statements, start=1):
            citation = make_citation(n, result, start, end)
            citations.append(citation)
            parts.append(f"{_flat(citation.quote)} [{n}]")
        return Answer(question, " ".join(parts), False, tuple(citations), confidence=confidence)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _is_statement(text: str, title: str) -> bool:
    stripped = text.strip().lstrip("#").strip()
    if len(stripped) < _MIN_CHARS or stripped == title.strip():
        return False
    return not text.lstrip().startswith("#")


def _coverage(weights: dict[str, float], total: float, text: str) -> float:
    present = set(terms(text))
    return sum(w for t, w in weights.items() if t in present) / total


def _speaks(q: Question, text: str) -> bool:
    """The sentence reports speech and names the speaker or refers back to them."""
    if not SPEECH_IN_TEXT.search(text):
        return False
    return mentions(text, q.speaker_keys) or bool(re.search(r"\b(he|she|they)\b", text, re.I))


def _redundant(a: Candidate, b: Candidate) -> bool:
    if a.result.passage.doc_id == b.result.passage.doc_id and a.start < b.end and b.start < a.end:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) > 0.8


def _merge_adjacent(ordered: Sequence[Candidate]) -> list[tuple[Result, int, int]]:
    """Consecutive sentences of one passage become one quote (one citation)."""
    merged: list[tuple[Result, int, int]] = []
    for c in ordered:
        if merged:
            result, start, end = merged[-1]
            p = result.passage
            if (
                c.result.passage.doc_id == p.doc_id
                and c.start >= end
                and c.end <= p.end
                and p.text[end - p.start : c.start - p.start].strip() == ""
            ):
                merged[-1] = (result, start, c.end)
                continue
        merged.append((c.result, c.start, c.end))
    return merged

"""Checks a generated answer sentence by sentence against the passages it cites.

Each sentence is scored against every retrieved passage's sentences (MiniLM cosine plus
lexical overlap of content terms). A citation that does not support its sentence is
repaired to the passage that does; a sentence no passage supports keeps its text, gets a
``supported=False`` citation and the visible mark ``[unsupported]`` after its markers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.embedder import Embedder
from core.sentences import split_sentences
from core.tokenize import terms
from rag.analysis import analyse
from rag.answers import Citation, make_citation
from rag.constraints import conflict
from rag.retrieval import Result

# Weights and threshold were chosen on hand-made pairs with the packaged MiniLM
# (tests/rag/test_verify.py holds the cases): paraphrases of a passage sentence score
# 0.65-0.95, the same topic with a different fact 0.35-0.5 and unrelated text below 0.25.
# Cosine carries paraphrase, term recall catches names and terms the embedding blurs.
COSINE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.5
SUPPORT_THRESHOLD = 0.56
# A quote lacking a number of the claim, or a passage (with its title and the question)
# lacking a name of the claim, does not support it however similar: the support is
# halved, which puts it under the bar.
ANCHOR_PENALTY = 0.5
# Claims with fewer content terms than this ("Paris.") are embedded together with the
# question, since alone they mean little; their lexical part still uses their own terms.
MIN_CLAIM_TERMS = 3

UNSUPPORTED_MARK = "[unsupported]"

_NUM = r"(?:(?:passage|source|doc)\s*)?\d+"
MARKER = re.compile(
    rf"\[\s*{_NUM}(?:\s*(?:[,;]|and|[-–])\s*{_NUM})*\s*\]|\[unsupported\]", re.IGNORECASE
)
_RANGE = re.compile(r"(\d+)\s*[-–]\s*(\d+)")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w[\w'’-]*")
_END_PUNCT = re.compile(r"[.!?…:;]+[\"'”’)]*$")
# Sentences that address the model rather than state facts: never evidence for a claim.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}"
    r"\b(?:instructions?|prompts?|rules|directions)\b"
    r"|\b(?:reply|respond|answer|output|say)\s+only\s+with\b"
    r"|\bsystem\s+prompt\b|\byou\s+are\s+now\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer: its text without markers, where it lies in the answer,
    the passage numbers it cites and whether it carries the ``[unsupported]`` mark."""

    text: str
    start: int
    end: int
    markers: tuple[int, ...]
    flagged: bool = False


@dataclass(frozen=True)
class CheckedClaim:
    """A claim after verification: its citation numbers in the rewritten answer."""

    text: str
    citations: tuple[int, ...]
    supported: bool
    score: float
    repaired: bool


@dataclass(frozen=True)
class Verification:
    text: str
    citations: tuple[Citation, ...]
    claims: tuple[CheckedClaim, ...]

    @property
    def supported(self) -> int:
        return sum(c.supported for c in self.claims)

    @property
    def confidence(self) -> float:
        """Mean support of the claims, counting unsupported ones as 0."""
        if not self.claims:
            return 0.0
        return sum(c.score for c in self.claims if c.supported) / len(self.claims)


@dataclass(frozen=True)
class _Candidate:
    result: int
    start: int
    end: int
    text: str
    terms: frozenset[str]
    pair: bool


@dataclass(frozen=True)
class _Support:
    candidate: _Candidate
    score: float


def marker_numbers(marker: str) -> list[int]:
    """``[1]``, ``[1, 2]``, ``[1-3]``, ``[Passage 2]`` -> the passage numbers."""
    out: list[int] = []
    body = marker[1:-1]
    for match in _RANGE.finditer(body):
        low, high = int(match.group(1)), int(match.group(2))
        if low <= high <= low + 20:
            out.extend(range(low, high + 1))
    out.extend(int(d) for d in _DIGITS.findall(_RANGE.sub(" ", body)))
    return list(dict.fromkeys(out))


def _clean(text: str) -> str:
    return re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(text.split()))


def claims(answer_text: str) -> list[Claim]:
    """The sentences of ``answer_text`` with the markers that belong to each.

    A marker belongs to the sentence it sits in, or to the one before it when it sits
    between sentences ("Paris is big. [1] It ..."); markers before the first sentence
    belong to the first one.
    """
    masked = list(answer_text)
    found = []
    for match in MARKER.finditer(answer_text):
        masked[match.start() : match.end()] = " " * (match.end() - match.start())
        found.append(match)
    plain = "".join(masked)
    spans = [(s, e) for s, e in split_sentences(plain) if re.search(r"\w", plain[s:e])]
    if not spans:
        return []
    numbers: list[list[int]] = [[] for _ in spans]
    flagged = [False] * len(spans)
    for match in found:
        owner = max((i for i, (s, _) in enumerate(spans) if s <= match.start()), default=0)
        if match.group(0).lower() == UNSUPPORTED_MARK:
            flagged[owner] = True
        else:
            numbers[owner].extend(marker_numbers(match.group(0)))
    return [
        Claim(_clean(plain[s:e]), s, e, tuple(dict.fromkeys(numbers[i])), flagged[i])
        for i, (s, e) in enumerate(spans)
    ]


def anchors(claim: str) -> tuple[set[str], set[str]]:
    """What a source must contain to support ``claim``, which embeddings and term recall
    both blur: its numbers (needed in the quote itself) and its capitalised words after
    the first, i.e. names (needed in the passage, its title or the question, since the
    quote may say "it")."""
    numbers = {t for t in terms(claim) if any(ch.isdigit() for ch in t)}
    names: set[str] = set()
    for word in _WORD.findall(claim)[1:]:
        if word[0].isupper():
            names.update(terms(word))
    return numbers, names - numbers


def _candidates(results: Sequence[Result]) -> list[_Candidate]:
    """Every evidence sentence of every passage, and every adjacent pair of them."""
    out: list[_Candidate] = []
    for index, result in enumerate(results):
        text = result.passage.text
        spans = [
            span for span in split_sentences(text) if not _INSTRUCTION.search(text[slice(*span)])
        ]
        for i, (s, e) in enumerate(spans):
            out.append(_Candidate(index, s, e, text[s:e], frozenset(terms(text[s:e])), False))
            if i + 1 < len(spans) and text[e : spans[i + 1][0]].strip() == "":
                s2, e2 = s, spans[i + 1][1]
                out.append(
                    _Candidate(index, s2, e2, text[s2:e2], frozenset(terms(text[s2:e2])), True)
                )
    return out


def _best_per_result(
    claim: str,
    claim_vector: np.ndarray,
    candidates: Sequence[_Candidate],
    vectors: np.ndarray,
    known: Sequence[frozenset[str]],
) -> dict[int, _Support]:
    """The best quote of each passage for ``claim``; ``known[r]`` are the terms of
    passage ``r``, its title and the question, against which anchors are checked."""
    claim_terms = set(terms(claim))
    numbers, names = anchors(claim)
    cosines = vectors @ claim_vector if len(candidates) else np.zeros(0)
    single: dict[int, _Support] = {}
    pair: dict[int, _Support] = {}
    for candidate, cosine in zip(candidates, cosines, strict=True):
        recall = len(claim_terms & candidate.terms) / len(claim_terms) if claim_terms else 0.0
        score = COSINE_WEIGHT * max(float(cosine), 0.0) + LEXICAL_WEIGHT * recall
        if not (numbers <= candidate.terms and names <= known[candidate.result]):
            score *= ANCHOR_PENALTY
        best = pair if candidate.pair else single
        current = best.get(candidate.result)
        if current is None or score > current.score:
            best[candidate.result] = _Support(candidate, score)
    # Two adjacent sentences are quoted only when no single one supports the claim.
    for result, support in pair.items():
        alone = single.get(result)
        if alone is None or (alone.score < SUPPORT_THRESHOLD and support.score > alone.score):
            single[result] = support
    return single


def _choose(cited: list[int], best: dict[int, _Support]) -> tuple[list[_Support], bool, bool]:
    """(supports to cite, supported?, repaired?) for one claim."""
    kept = [best[r] for r in cited if r in best and best[r].score >= SUPPORT_THRESHOLD]
    if kept:
        return kept, True, len(kept) != len(cited)
    ranked = sorted(best.values(), key=lambda s: s.score, reverse=True)
    if ranked and ranked[0].score >= SUPPORT_THRESHOLD:
        return [ranked[0]], True, True
    fallback = next((best[r] for r in cited if r in best), ranked[0] if ranked else None)
    if fallback is None:
        return [], False, bool(cited)
    return [fallback], False, not cited or fallback.candidate.result != cited[0]


def _render(text: str, numbers: Sequence[int], supported: bool) -> str:
    tail = "".join(f"[{n}]" for n in numbers)
    if not supported:
        tail = f"{tail} {UNSUPPORTED_MARK}".strip()
    end = _END_PUNCT.search(text)
    if end:
        return f"{text[: end.start()].rstrip()} {tail}{text[end.start() :]}"
    return f"{text} {tail}"


def _gap(text: str) -> str:
    if "\n\n" in text:
        return "\n\n"
    return "\n" if "\n" in text else " "


def verify(
    answer_text: str, results: Sequence[Result], embedder: Embedder, question: str = ""
) -> Verification:
    """Rewrite ``answer_text`` with verified, renumbered citations.

    Markers ``[n]`` refer to ``results[n - 1]``. In the returned text every sentence ends
    with the markers of the passages that support it, or with its best (unsupporting)
    passage's marker and ``[unsupported]``. Citations are numbered 1..m in order of first
    appearance, one per (passage, quote).
    """
    found = claims(answer_text)
    if not found:
        return Verification("", (), ())
    scoring = [
        c.text if len(set(terms(c.text))) >= MIN_CLAIM_TERMS else f"{question} {c.text}".strip()
        for c in found
    ]
    candidates = _candidates(results)
    asked = analyse(question) if question else None
    question_terms = set(terms(question))
    known = [
        frozenset(question_terms | set(terms(f"{r.document.title} {r.passage.text}")))
        for r in results
    ]
    vectors = embedder.embed([*scoring, *(c.text for c in candidates)])
    claim_vectors, candidate_vectors = vectors[: len(found)], vectors[len(found) :]

    numbering: dict[tuple[int, int, int, bool], int] = {}
    citations: list[Citation] = []
    checked: list[CheckedClaim] = []
    pieces: list[str] = []
    previous_end = 0
    for claim, vector in zip(found, claim_vectors, strict=True):
        best = _best_per_result(claim.text, vector, candidates, candidate_vectors, known)
        cited = [n - 1 for n in claim.markers if 1 <= n <= len(results)]
        chosen, supported, repaired = _choose(cited, best)
        if supported and asked is not None and conflict(claim.text, asked):
            supported = False  # "who won in 2019" answered with the 2018 winner
        repaired = repaired or len(cited) != len(claim.markers)
        numbers = []
        for support in chosen:
            cand = support.candidate
            key = (cand.result, cand.start, cand.end, supported)
            if key not in numbering:
                numbering[key] = len(citations) + 1
                result = results[cand.result]
                start = result.passage.start + cand.start
                citations.append(
                    make_citation(numbering[key], result, start, start + len(cand.text), supported)
                )
            numbers.append(numbering[key])
        numbers = list(dict.fromkeys(numbers))
        score = max((s.score for s in chosen), default=0.0)
        checked.append(CheckedClaim(claim.text, tuple(numbers), supported, score, repaired))
        if pieces:
            pieces.append(_gap(answer_text[previous_end : claim.start]))
        pieces.append(_render(claim.text, numbers, supported))
        previous_end = claim.end
    return Verification("".join(pieces), tuple(citations), tuple(checked))

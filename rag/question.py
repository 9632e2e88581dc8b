"""Reading a question: its content terms, and the person it asks about as a speaker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.tokenize import stem, terms

# Words that frame a question rather than carry its topic.
_FRAME = frozenset(
    stem(w)
    for w in [
        "say",
        "said",
        "says",
        "tell",
        "told",
        "think",
        "thinks",
        "thought",
        "describe",
        "described",
        "explain",
        "explained",
        "mention",
        "mentioned",
        "happen",
        "happened",
        "according",
        "view",
        "views",
        "position",
        "stated",
        "state",
        "comment",
        "comments",
        "remark",
        "remarks",
        "claim",
        "claimed",
        "announce",
        "announced",
        "warn",
        "warned",
    ]
)
_SPEECH_VERBS = (
    r"say|said|says|think|thinks|tell|told|warn|warned|claim|claimed|argue|argued|announce|"
    r"announced|mean|meant|reveal|revealed|describe|described|predict|predicted|suggest|"
    r"suggested|propose|proposed|believe|believed|promise|promised|write|wrote|state|stated|"
    r"add|added|explain|explained|call|called|urge|urged"
)
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|bin|al|da|di|le|la))*"
_SPEAKER_PATTERNS = (
    re.compile(
        rf"\b(?:did|does|do|has|have|had|will|would)\s+(?P<who>{_NAME})\s+(?:{_SPEECH_VERBS})\b"
    ),
    re.compile(rf"\b[Aa]ccording to\s+(?P<who>{_NAME})"),
    re.compile(
        rf"\b(?P<who>{_NAME})(?:'s|’s)\s+(?:view|views|position|remarks|comments|statement|words)\b"
    ),
    re.compile(rf"\bhow did\s+(?P<who>{_NAME})\s+(?:{_SPEECH_VERBS}|respond|react)\b"),
)
SPEECH_IN_TEXT = re.compile(rf"\b(?:{_SPEECH_VERBS}|told|according to)\b|[\"“”]", re.IGNORECASE)
_HONORIFICS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "professor", "sir", "president", "minister", "chief"]
)


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_ANSWER_TYPES: dict[str, re.Pattern[str]] = {
    "time": re.compile(
        rf"\b(?:{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
        r"(?:1[89]|20)\d\d|today|yesterday|tomorrow|tonight|week|month|year|spring|summer|"
        r"autumn|fall|winter|ago|since|until|by|\d{1,2}:\d\d|\d{1,2}(?:am|pm))\b",
        re.IGNORECASE,
    ),
    "quantity": re.compile(
        r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|"
        r"hundred|thousand|million|billion|half|third|quarter|twice|double|percent)\b",
        re.IGNORECASE,
    ),
    "name": re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+"),
}
_TYPE_OF_QUESTION = (
    (re.compile(r"^\s*(?:when|what (?:year|date|day|time|month))\b|\bby when\b", re.I), "time"),
    (
        re.compile(
            r"^\s*(?:how (?:many|much|old|long|far|big|large|high|often)|what (?:percentage|"
            r"share|proportion|number|amount|rate|level|price|size|age))\b",
            re.I,
        ),
        "quantity",
    ),
    (
        re.compile(r"^\s*(?:who|whom|whose|where|which (?:person|country|city|company))\b", re.I),
        "name",
    ),
)


def answer_type(question: str) -> str | None:
    """The kind of answer a question wants: time, quantity, name, or None."""
    for pattern, kind in _TYPE_OF_QUESTION:
        if pattern.search(question):
            return kind
    return None


def has_answer_type(text: str, kind: str | None) -> bool:
    return kind is None or bool(_ANSWER_TYPES[kind].search(text))


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]
    speaker: str | None
    kind: str | None = None

    @property
    def speaker_keys(self) -> tuple[str, ...]:
        """Name parts that identify the speaker in text (surname first)."""
        if not self.speaker:
            return ()
        parts = [p.strip(".") for p in self.speaker.split()]
        parts = [p for p in parts if p.lower() not in _HONORIFICS and len(p) > 1]
        return tuple(reversed(parts))


def parse_question(text: str) -> Question:
    content = tuple(t for t in terms(text) if t not in _FRAME)
    return Question(
        text=text,
        terms=content or tuple(terms(text)),
        speaker=find_speaker(text),
        kind=answer_type(text),
    )


def find_speaker(text: str) -> str | None:
    for pattern in _SPEAKER_PATTERNS:
        match = pattern.search(text)
        if match:
            who = match.group("who").strip()
            if who.lower() not in {"he", "she", "they", "it", "you", "we", "i"}:
                return who
    return None


def mentions(text: str, keys: tuple[str, ...]) -> bool:
    """True when any name part in ``keys`` appears in ``text`` as a whole word."""
    return any(re.search(rf"\b{re.escape(k)}\b", text) for k in keys)

"""Reading a question: its content terms, and the person it asks about as a speaker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vectorstore.tokenize import stem, terms

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


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]
    speaker: str | None

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
    return Question(text=text, terms=content or tuple(terms(text)), speaker=find_speaker(text))


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

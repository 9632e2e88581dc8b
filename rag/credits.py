"""Who published or wrote the article: answered from its credit lines.

"Which outlet published the report?" is not answered by any sentence of the story: the
article says it in a credit line ("Source: Al Jazeera and news agencies", "By Jane
Doe", "Reporting by ..."), which the sentence scorer rightly reads as boilerplate. A
question about the article's publisher or author is answered from such a line of the
best-ranked document that has one, or, for the author, from the document's ``author``
field, cited to its first passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rag.answers import Answer, AnswerSpan, make_citation
from rag.retrieval import Result

# A stated credit is the article's own word on the matter; it is not weighed against
# other sentences, so its confidence is set, not learned.
CREDIT_CONFIDENCE = 0.9


class Credit(StrEnum):
    PUBLISHER = "publisher"
    AUTHOR = "author"


_WORK = r"(?:article|report|story|piece|column|feature|interview|news|coverage)"
_PUBLISHER = re.compile(
    r"\b(?:which|what)\s+(?:news\s+|media\s+)?(?:outlet|organi[sz]ation|publication|publisher|"
    r"newspaper|paper|site|website|broadcaster|network|agency|source)\b[^?]*?\b(?:published|"
    r"publishes|publish|ran|carried|reported|put\s+out|is\s+behind)\b"
    rf"|\bwho\s+(?:published|ran|carried|put\s+out)\s+(?:the|this)\s+{_WORK}\b"
    rf"|\b(?:publisher|source)\s+of\s+(?:the|this)\s+{_WORK}\b",
    re.I,
)
_AUTHOR = re.compile(
    rf"\bwho\s+(?:wrote|authored|reported|filed)\s+(?:the|this)\s+{_WORK}\b"
    rf"|\b(?:author|writer|reporter|byline)\s+of\s+(?:the|this)\s+{_WORK}\b"
    rf"|\bwho\s+is\s+the\s+(?:author|writer|reporter)\b",
    re.I,
)
_LINES = {
    Credit.PUBLISHER: re.compile(
        r"^[ \t]*(?:Source|Sources|Published\s+by|Publisher|Courtesy\s+of)\s*:?[ \t]+"
        r"(?P<who>[A-Z][^\n]{1,150}?)[ \t.]*$",
        re.M,
    ),
    Credit.AUTHOR: re.compile(
        r"^[ \t]*(?:By|Written\s+by|Reporting\s+by|Words\s+by|Author)\s*:?[ \t]+"
        r"(?P<who>[A-Z][^\n]{1,150}?)[ \t.]*$",
        re.M,
    ),
}
# "Al Jazeera and news agencies", "Jane Doe, Reuters": the first name is the answer.
_FIRST = re.compile(r"^(?P<name>.+?)(?:\s+and\s+(?:news\s+)?agencies\b|\s+and\s+|,|;|\||$)")


_THE_WORK = re.compile(rf"\b(?:the|this|that)\s+{_WORK}s?\b", re.I)


def asked_credit(question: str) -> Credit | None:
    """Whether the question asks who published or who wrote the article ("Which
    newspaper reported that ...?" asks about the news, not the article: no credit)."""
    if not _THE_WORK.search(question):
        return None
    if _PUBLISHER.search(question):
        return Credit.PUBLISHER
    if _AUTHOR.search(question):
        return Credit.AUTHOR
    return None


@dataclass(frozen=True)
class _Found:
    result: Result
    line_start: int  # offsets in the passage's text
    line_end: int
    name_start: int
    name_end: int


def credit_answer(question: str, credit: Credit, results: Sequence[Result]) -> Answer | None:
    """The credit the best-ranked document states, cited; None when none states it."""
    for result in results:
        found = _credit_line(result, credit)
        if found is not None:
            return _answer(question, found)
    if credit is Credit.AUTHOR:
        for result in results:
            if result.document.author:
                author = result.document.author
                p = result.passage
                cited = make_citation(1, result, p.start, p.start + min(len(p.text), 200))
                text = f"{author}: the document's author is {author}. [1]"
                return Answer(question, text, False, (cited,), confidence=CREDIT_CONFIDENCE)
    return None


def _credit_line(result: Result, credit: Credit) -> _Found | None:
    text = result.passage.text
    for m in _LINES[credit].finditer(text):
        who = m.group("who")
        name = _FIRST.match(who)
        if name is None or not name.group("name").strip():
            continue
        start = m.start("who")
        return _Found(result, m.start(), m.end(), start, start + len(name.group("name").strip()))
    return None


def _answer(question: str, found: _Found) -> Answer:
    r, p = found.result, found.result.passage
    raw = p.text[found.line_start : found.line_end]
    line = raw.strip()
    line_start = p.start + found.line_start + len(raw) - len(raw.lstrip())
    cited = make_citation(1, r, line_start, line_start + len(line))
    name = p.text[found.name_start : found.name_end]
    span = AnswerSpan(name, 1, p.start + found.name_start, p.start + found.name_end)
    return Answer(
        question,
        f"{name}: {line} [1]",
        False,
        (cited,),
        confidence=CREDIT_CONFIDENCE,
        answer_span=span,
    )

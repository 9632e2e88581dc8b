"""Follow-up questions rewritten into standalone queries, without an LLM.

"What did he say about AI?" after a question about Daniel Okafor becomes "What
did Daniel Okafor say about AI?"; "And what about the Wagner mutiny?" after "What
did Moore say about AI?" becomes "What did Moore say about the Wagner mutiny?";
a question with "it"/"they" gets the previous question's topic appended so that
retrieval still finds the right document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from core.errors import UsageError
from rag.analysis import Kind
from rag.answers import ABSTAIN_PREFIX, Turn
from rag.question import find_speaker
from rag.spans import extract, names

_PERSON_PRONOUNS = re.compile(r"\b(he|she|him|his|her|hers)\b", re.IGNORECASE)
_THING_PRONOUNS = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there)\b", re.I)
_ELLIPSIS = re.compile(
    r"^\s*(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+(?P<topic>.+?)\s*\??\s*$", re.IGNORECASE
)
_AND_ONLY = re.compile(
    r"^\s*(?:and|also|plus)\s+(?!(?:what|who|whom|whose|when|where|why|how|which|did|does|do|is|"
    r"are|was|were|will|would|can|could|has|have)\b)(?P<topic>(?:\S+\s*){1,6}?)\s*\??\s*$",
    re.IGNORECASE,
)
_SAID_IT = re.compile(
    r"\b(?P<verb>say|said|says|tell|told|mean|meant|claim|claimed|warn|warned|write|wrote)"
    r"\s+(?:it|that|this|so)\b",
    re.IGNORECASE,
)
_ABOUT = re.compile(r"\babout\s+(?P<topic>[^?]+)", re.IGNORECASE)
_NAME = re.compile(r"\b([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)+)\b")
_ENTITY = re.compile(r"\b((?:[A-Z][\w'’-]*\s+(?:of\s+|de\s+|the\s+)?)*[A-Z][\w'’-]*)")
_STARTERS = frozenset(
    [
        "What",
        "Who",
        "Whom",
        "Whose",
        "When",
        "Where",
        "Why",
        "How",
        "Which",
        "Did",
        "Does",
        "Do",
        "Is",
        "Are",
        "Was",
        "Were",
        "Will",
        "Would",
        "Can",
        "Could",
        "Should",
        "Has",
        "Have",
        "Had",
        "And",
        "But",
        "So",
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "Of",
        "For",
        "To",
        "By",
    ]
)
# Words that mark a capitalised span as an organisation, place or event, not a person.
_NOT_PERSON = frozenset(
    [
        "Open",
        "University",
        "Council",
        "Bank",
        "Agency",
        "Port",
        "Authority",
        "Group",
        "Service",
        "Services",
        "Line",
        "Summit",
        "Ministry",
        "Club",
        "Party",
        "Court",
        "Committee",
        "League",
        "Association",
        "Museum",
        "Union",
        "Company",
        "Institute",
        "Office",
        "Department",
        "Government",
        "Parliament",
        "Embassy",
        "Reserve",
        "City",
        "Street",
        "Cup",
        "Championship",
        "Festival",
        "Conference",
        "School",
        "College",
        "Hospital",
        "Board",
        "Commission",
        "Force",
        "Army",
        "Navy",
    ]
)


# What a conversation may carry into one question. The rewriter reads the last few turns;
# more only costs time, so a door refuses a history past these before reading it.
MAX_HISTORY_TURNS = 50
MAX_HISTORY_CHARS = 100_000


def _too_long(turns: int, chars: int) -> str | None:
    """What is wrong with a history of ``turns`` turns and ``chars`` characters, if
    anything."""
    if turns > MAX_HISTORY_TURNS:
        return f"the history has {turns} turns; send at most the last {MAX_HISTORY_TURNS}"
    if chars > MAX_HISTORY_CHARS:
        return (
            f"the history holds {chars:,} characters; send at most {MAX_HISTORY_CHARS:,} "
            "(the last turns of the conversation)"
        )
    return None


def check_history(turns: Sequence[Turn]) -> None:
    """A UsageError when a conversation is longer than one question may carry."""
    chars = sum(len(t.question) + len(t.answer) + len(t.standalone or "") for t in turns)
    problem = _too_long(len(turns), chars)
    if problem:
        raise UsageError(problem)


def turns_from_messages(messages: object) -> list[Turn]:
    """Chat messages (``[{"role": "user"|"assistant", "content": str}, ...]``, oldest
    first) as the turns the rewriter reads: each user message with the reply after it.
    A history longer than ``check_history`` allows is refused before it is rewritten."""
    if not isinstance(messages, list):
        raise ValueError("'history' must be a list of {role, content} messages")
    if len(messages) > 2 * MAX_HISTORY_TURNS + 1:
        raise ValueError(
            f"'history' has {len(messages)} messages; send at most the last {2 * MAX_HISTORY_TURNS}"
        )
    turns: list[Turn] = []
    for m in messages:
        if not isinstance(m, dict) or not isinstance(m.get("content"), str):
            raise ValueError("each history message needs a 'role' and a text 'content'")
        role = m.get("role")
        if role == "user":
            turns.append(Turn(m["content"]))
        elif role == "assistant":
            if not turns or turns[-1].answer:
                raise ValueError("an assistant message in 'history' must follow a user one")
            turns[-1] = Turn(turns[-1].question, m["content"])
        elif role != "system":
            raise ValueError(f"history role {role!r} is not 'user', 'assistant' or 'system'")
    chars = sum(len(m["content"]) for m in messages)  # every message checked above is text
    problem = _too_long(len(turns), chars)
    if problem:  # refused before the follow-ups are rewritten, the costly part
        raise ValueError(problem)
    out: list[Turn] = []
    for t in turns:
        out.append(replace(t, standalone=rewrite_followup(t.question, out)))
    return out


def rewrite_followup(question: str, history: Sequence[Turn]) -> str:
    """A standalone version of ``question`` given the earlier turns (most recent last)."""
    if not history:
        return question
    previous = history[-1].standalone or history[-1].question
    ellipsis = _ELLIPSIS.match(question) or _AND_ONLY.match(question)
    if ellipsis:
        return _replace_topic(previous, ellipsis.group("topic"), _carried(history[-1]))
    rewritten = question
    person = _last_person(history)
    if person and _PERSON_PRONOUNS.search(rewritten):
        rewritten = _substitute_person(rewritten, person)
    about = _ABOUT.search(previous)
    said_it = _SAID_IT.search(rewritten)
    if said_it and about:  # "Where did he say it?" after "What did Moore say about AI?"
        said = about.group("topic").strip()
        return f"{rewritten[: said_it.end('verb')]} that about {said}{rewritten[said_it.end() :]}"
    if _THING_PRONOUNS.search(rewritten) or not _entities(rewritten):
        if about:
            topic: str | None = about.group("topic").strip()
        else:
            topic = _carried(history[-1]) or _history_topic(history)
        if topic and topic.lower() not in rewritten.lower():
            rewritten = f"{rewritten.rstrip().rstrip('?')} ({topic})?"
    return rewritten


# The question word (and its auxiliary) that starts a question: what is left is what
# the question is about ("Which agency made a call to Russians?" -> "agency made a
# call to Russians").
_WH_HEAD = re.compile(
    r"^\s*(?:and\s+|but\s+|so\s+)?(?:what|who|whom|whose|when|where|why|which|"
    r"how(?:\s+(?:many|much|long|often|old|far|big))?)\b\s*"
    r"(?:(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could)\b\s*)?",
    re.IGNORECASE,
)
_CARRIED = re.compile(r"\s*\(([^)]*)\)\s*\??\s*$")
# A factoid answer leads with its answer: "CIA: A similar invitation was made ..."
_LEAD_SPAN = re.compile(r"^([^:\n\[\]]{1,60}?):\s")
CARRIED_WORDS = 16


def _without_dates(text: str) -> str:
    """``text`` without the dates that set when it happened ("approve on 4 February 2025"
    -> "approve"): such a date constrains the question that asked it, not the follow-ups
    that carry its subject. A date that names the thing ("the 2019 cup") stays."""
    for span in reversed(extract(text, Kind.DATE)):
        head = _TIME_PREPOSITION.sub("", text[: span.start])
        if head != text[: span.start]:
            text = head.rstrip() + " " + text[span.end :].lstrip()
    return " ".join(text.split())


_TIME_PREPOSITION = re.compile(r"\b(?:on|in|since|by|during|until|from)\s+$", re.I)


def _carried(turn: Turn) -> str | None:
    """What a bare or pronoun follow-up ("When?", "How many views did it get?") carries
    from the turn before: that turn's subject without its question word, after the
    name that answered it. "When?" after "Which agency made a similar call to Russians?"
    answered "CIA: ..." carries "CIA; agency made a similar call to Russians"."""
    text = turn.standalone or turn.question
    carried = _CARRIED.search(text)
    core = _without_dates(_WH_HEAD.sub("", _CARRIED.sub("", text))).strip().rstrip("?").strip()
    if carried and (len(core.split()) < 2 or _THING_PRONOUNS.search(core)):
        core = carried.group(1)  # that turn was a follow-up itself: keep what it carried
    elif carried and len(core.split()) < 4:
        core = f"{core}; {carried.group(1)}"  # "The penalty" alone says too little
    parts = []
    lead = _LEAD_SPAN.match(turn.answer or "")
    named = lead is not None and lead.group(1)[:1].isupper()  # a name, not "two months ago"
    if lead and named and not turn.answer.startswith(ABSTAIN_PREFIX) and lead.group(1) not in core:
        parts.append(lead.group(1).strip())
    if core:
        parts.append(core)
    words = "; ".join(parts).split()
    return " ".join(words[:CARRIED_WORDS]) or None


def _replace_topic(previous: str, topic: str, carried: str | None = None) -> str:
    topic = topic.strip().rstrip("?")
    about = _ABOUT.search(previous)
    if about:
        return previous[: about.start("topic")] + topic + "?"
    anchor = carried or _topic_of(previous)
    return f"{topic[0].upper()}{topic[1:]} ({anchor})?" if anchor else f"{topic}?"


def _people(text: str) -> list[str]:
    found = []
    for name in _NAME.findall(text):
        words = [w for w in name.split() if w not in _STARTERS]
        if len(words) < 2 or any(w in _NOT_PERSON for w in words):
            continue
        typed = names(" ".join(words))
        if typed and typed[0].kind in (Kind.PLACE, Kind.ORGANISATION):
            continue  # "the United Kingdom", "Secret Intelligence Service" are no "he"
        found.append(" ".join(words))
    return found


def _last_person(history: Sequence[Turn]) -> str | None:
    """The person a "he"/"she" most likely means: the last speaker asked about, else
    the first person named in the answer to a "who" question, else in the question."""
    for turn in reversed(history):
        text = turn.standalone or turn.question
        speaker = find_speaker(text)
        if speaker:
            return speaker
        asked_who = text.lower().startswith(("who ", "which person"))
        in_answer, in_question = _people(turn.answer), _people(text)
        if asked_who and in_answer:
            return in_answer[0]
        if in_question:
            return in_question[-1]
        if in_answer:
            return in_answer[0]
    return None


def _substitute_person(question: str, person: str) -> str:
    def repl(match: re.Match[str]) -> str:
        word = match.group(1).lower()
        if word in {"his", "hers"}:
            return f"{person}'s"
        if word == "her":
            # "her" is possessive before a noun, an object otherwise; both read fine as the name
            nxt = question[match.end() :].lstrip()
            return (
                f"{person}'s"
                if nxt[:1].isalpha() and not nxt.lower().startswith(("say", "to"))
                else person
            )
        return person

    return _PERSON_PRONOUNS.sub(repl, question, count=2)


def _entities(text: str) -> list[str]:
    """Capitalised spans of a question, without question words ("What", "The")."""
    spans = []
    for match in _ENTITY.finditer(text):
        words = match.group(1).split()
        while words and words[0] in _STARTERS:
            words.pop(0)
        while words and words[-1].lower() in {"of", "de", "the"}:
            words.pop()
        if words:
            spans.append(" ".join(words))
    return spans


def _history_topic(history: Sequence[Turn]) -> str | None:
    """The topic of the most recent turn that names one (its own or carried context)."""
    for turn in reversed(history):
        text = turn.standalone or turn.question
        spans = _entities(re.sub(r"\s*\([^)]*\)\s*\??\s*$", "?", text))
        if spans:
            return max(spans, key=len)
        carried = re.search(r"\(([^)]*)\)\s*\??\s*$", text)
        if carried:
            return carried.group(1)
    return _topic_of(history[-1].standalone or history[-1].question)


def _topic_of(question: str) -> str | None:
    """The main named thing of a question: its longest capitalised span, else what it is
    about, else its content after the question word."""
    question = re.sub(r"\s*\([^)]*\)\s*\??\s*$", "?", question)
    spans = _entities(question)
    if spans:
        return max(spans, key=len)
    about = _ABOUT.search(question)
    if about:
        return about.group("topic").strip()
    words = question.rstrip("?").split()
    return " ".join(words[2:]) if len(words) > 2 else None

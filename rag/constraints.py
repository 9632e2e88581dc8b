"""What an answer must meet, said to an LLM and checked in its answer.

The generative answerer tells the model which kind of answer the question asks for
and what it must agree with (``describe``); verification then refuses a claim that
states another year than the asked one and none of the asked (``conflict``), the
same rule that keeps such sentences from supporting an extractive answer.
"""

from __future__ import annotations

import re

from rag.analysis import Analysis, Kind

YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_KIND_WORDS = {
    Kind.PERSON: "a person (name them)",
    Kind.ORGANISATION: "an organisation (name it)",
    Kind.PLACE: "a place",
    Kind.DATE: "a date or time (as exact as the passages give it)",
    Kind.NUMBER: "a number",
    Kind.MONEY: "an amount of money, with its currency",
    Kind.PERCENT: "a percentage",
    Kind.DURATION: "a length of time",
    Kind.YESNO: "yes or no, then the fact that decides it",
    Kind.STATEMENT: "what was said: each statement attributed to its speaker by name",
    Kind.DESCRIPTION: "a short description",
    Kind.REASON: "a reason or cause",
    Kind.ENTITY: "a named thing",
}


def describe(q: Analysis) -> str:
    """One or two sentences for the prompt: the asked kind and the constraints."""
    out = f"The question asks for {_KIND_WORDS[q.kind]}."
    c = q.constraints
    must = [f"the year {', '.join(map(str, c.years))}" if c.years else ""]
    must += [f"the date {d}" for d in c.dates]
    must += [f"quarter Q{n}" for n in c.quarters]
    must += [f"'{c.extreme}'" if c.extreme else ""]
    must += [f"the speaker {q.speaker}" if q.speaker else ""]
    must = [m for m in must if m]
    if must:
        out += (
            f" The answer must be about {'; '.join(must)}: a passage about another one "
            "does not answer it."
        )
    return out


def conflict(text: str, q: Analysis) -> str | None:
    """Why ``text`` cannot answer ``q`` (it names other years than the asked ones and
    none of them), or None."""
    asked = {str(y) for y in q.constraints.years}
    if not asked:
        return None
    stated = set(YEAR.findall(text))
    if stated and not stated & asked:
        years = ", ".join(sorted(stated))
        return f"it is about {years}, the question about {', '.join(sorted(asked))}"
    return None

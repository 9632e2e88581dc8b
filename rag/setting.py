"""Where, when and to whom a statement was made: the setting of a speech event.

"Where did he say it?", asked after "What did Moore say about AI?", wants the setting
of those statements, not a place named inside them ("... the flow of weapons to
Russia, said Moore"). A sentence that reports speech has two parts: what was said
(inside quotation marks, or the clause after "said"), and its setting, the rest
("During the Politico interview in front of an audience at the embassy, he also
said ..."; "...,” Moore told Politico on Wednesday, at the British embassy in
Prague."). Only spans of the setting part answer a setting question.

The statement's own sentence often names only part of its setting ("at the
embassy"); another sentence about the same event names the rest. Two sentences are
about one event when their setting parts share an anchor: a name ("Politico") or an
event noun ("interview", "embassy").
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from core.tokenize import terms
from rag.analysis import Analysis, Kind
from rag.spans import Span, extract, names

SPEECH_VERBS = (
    r"said|says|told|tells|added|warned|warns|argued|argues|explained|insisted|noted|"
    r"wrote|writes|claimed|claims|stated|described|urged|believes|believed|thinks|thought"
)


class Setting(StrEnum):
    PLACE = "place"
    TIME = "time"
    AUDIENCE = "audience"  # to whom: "who did he say it to?"


# The speech act a setting question asks about: "say it", "say that about AI", "make
# the promise", "speak". "Where did he say the summit would be held?" asks about the
# summit, not the saying, so a clause after the verb is no setting question.
_NAMED_ACT_PATTERN = (
    r"\b(?:make|made|give|gave|deliver|delivered|issue|issued)\s+(?:the|that|this|these|those|"
    r"his|her|their|its|such)\s+(?:[\w'’-]+\s+){0,3}?(?:promise|pledge|remarks?|comments?|speech|"
    r"statement|appeal|warning|claim|invitation|call|offer|announcement|interview|address|"
    r"lecture|testimony|briefing)s?\b"
)
_NAMED_ACT = re.compile(_NAMED_ACT_PATTERN, re.I)
_ACT = re.compile(
    r"\b(?:did|does|do|will|would|has|have|had)\s+(?:[\w'’.-]+\s+){0,5}?"
    r"(?:say|said|tell|told|speak|spoke|talk|talked|testify|testified)"
    r"(?:\s+(?:it|that|this|these|those|so|them|him|her|us))?"
    r"(?:\s+(?:about|on|of|regarding|to)\s+[^?\s][^?]*|\s+to)?\s*\??\s*$|" + _NAMED_ACT_PATTERN,
    re.I,
)
_TO_WHOM = re.compile(
    r"\bto\s*\??\s*$|^\s*to\s+whom\b|\bwhom\b|\bwho\s+did\s+\w+(?:\s+\w+)?\s+tell\b", re.I
)
# Words of the question that name the act or its setting, not the topic.
_ACT_WORDS = frozenset(
    terms(
        "say said tell told speak spoke talk talked make made give gave deliver promise pledge "
        "remarks comments speech statement appeal warning claim invitation call offer "
        "announcement interview address lecture testimony briefing where when whom"
    )
)

# "the Prague appearance": a place named as the setting of an event.
EVENT_AFTER = re.compile(
    r"\s+(?:appearance|speech|visit|summit|conference|meeting|talks?|event|interview|rally|"
    r"address|trip|hearing|trial|ceremony|concert|match|games|forum|launch|briefing)\b",
    re.I,
)
_QUOTE = re.compile(r"“[^”]*”|\"[^\"]*\"")
_VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b")
_REPORTS = re.compile(
    rf"\b(?:{SPEECH_VERBS}|explain|explains|according to|spoke|speaks|speaking|talked)\b", re.I
)
# After the verb (and, for "told", its object): an adjunct of the setting, not speech.
# After the verb, its object or (inverted, "said Moore,") its subject.
_OBJECT = re.compile(
    r"\s+(?:(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*|he|she|they|we|"
    r"(?:the\s+|an?\s+)?[a-z]+)"
)
# A clause of what was said after the setting's adjuncts: "said on Monday that ...".
_THAT = re.compile(r"\bthat\b")
_ADJUNCT = re.compile(
    r"\s*(?:[,.;:!?)\]]|$|(?:on|at|in|during|while|after|before|from|to|last|this|yesterday|"
    r"today|earlier|later|when|as|according)\b)"
)
# Nouns naming where or as what an event took place: anchors shared by sentences about it.
EVENT_NOUNS = frozenset(
    terms(
        "interview interviews appearance speech address lecture conference summit forum meeting "
        "briefing "
        "hearing rally event ceremony visit embassy parliament congress senate university "
        "headquarters audience podcast broadcast programme program show panel debate session "
        "assembly committee festival gala dinner convention museum hotel stadium studio court "
        "palace church cathedral school hospital office"
    )
)
_AUDIENCE_BEFORE = re.compile(
    r"(?:\btold|\binterview\s+with|\bspeaking\s+to|\bspoke\s+to|\btalking\s+to|\btalked\s+to|"
    r"\bsaid\s+to|\bwrote\s+to)\s+(?:the\s+)?$",
    re.I,
)
_AUDIENCE_AFTER = re.compile(r"\s+(?:interview|podcast|programme|program|show|broadcast)\b", re.I)
_LOCATIVE_BEFORE = re.compile(r"\b(?:in|at|near|outside|inside)\s+(?:the\s+)?$", re.I)
# "the British embassy": a name before a common noun modifies it; it is not the place.
_MODIFIES = re.compile(
    r"\s+(?!(?:in|on|at|and|or|of|for|with|to|during|after|before|last|this|that|which|who|"
    r"where|when|as|by|from|near|but|while|on)\b)[a-z]"
)


def asked_setting(q: Analysis) -> Setting | None:
    """The part of a speech event's setting that ``q`` asks for, if it asks for one."""
    if not _ACT.search(q.text):
        return None
    if q.kind is Kind.PLACE:
        return Setting.PLACE
    if q.kind is Kind.DATE:
        return Setting.TIME
    if q.kind in (Kind.PERSON, Kind.ORGANISATION, Kind.ENTITY) and _TO_WHOM.search(q.text):
        return Setting.AUDIENCE
    return None


_TITLES = frozenset(
    [
        "vice",
        "president",
        "prime",
        "minister",
        "chancellor",
        "senator",
        "governor",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "mayor",
        "judge",
        "dr",
        "mr",
        "mrs",
        "ms",
        "sir",
        "dame",
        "lord",
        "lady",
        "former",
        "chief",
        "secretary",
        "general",
    ]
)
_TITLE_TERMS = frozenset(terms(" ".join(_TITLES)))
# The noun of the asked act ("deliver her concession speech"): a sentence naming it
# reports the event even without a speech verb ("Harris delivered her concession
# speech at Howard University").
_ACT_NOUN = re.compile(
    r"\b(promise|pledge|remarks?|comments?|speech|statement|appeal|warning|claim|invitation|"
    r"offer|announcement|interview|address|lecture|testimony|briefing)s?\b",
    re.I,
)


def act_noun(q: Analysis) -> str | None:
    """The noun naming the act a setting question asks about, if it names one."""
    m = _ACT.search(q.text)
    found = _ACT_NOUN.search(m.group()) if m else None
    if found is None:
        return None
    noun = found.group(1).lower()
    return noun[:-1] if noun in ("remarks", "comments") else noun


def plain_act(q: Analysis) -> str | None:
    """A setting question that names its act ("Where did Moore make the promise?") as
    the plain "say it" one ("Where did Moore say it?"), or None. The article may call
    the act otherwise ("I invite them ..."), so its sentences are also read against
    the plain question."""
    if asked_setting(q) is None:
        return None
    found = _NAMED_ACT.search(q.text)
    if found is None:
        return None
    return q.text[: found.start()] + "say it" + q.text[found.end() :]


def speaker_of(q: Analysis) -> str | None:
    """Who made the statement: the question's speaker, or the one person it names
    ("Where did Richard Moore make the promise?")."""
    if q.speaker:
        return q.speaker
    act = _ACT.search(q.text)
    people = []
    for entity in q.constraints.entities:
        if act and _inside_act_object(entity, act.group()):
            continue  # "deliver the Gettysburg Address": what was given, not who
        words = entity.split()
        while words and words[0].lower() in _TITLES:  # "Vice President Kamala Harris"
            words = words[1:]
        if words and (len(words) < len(entity.split()) or _is_person(entity)):
            people.append(" ".join(words))
    return people[0] if len(people) == 1 else None


def _inside_act_object(entity: str, act: str) -> bool:
    verb = re.search(r"\b(?:make|made|give|gave|deliver|delivered|issue|issued)\b", act, re.I)
    return verb is not None and entity in act[verb.end() :]


def _is_person(text: str) -> bool:
    return any(s.kind is Kind.PERSON for s in names(text))


def topic_terms(q: Analysis) -> set[str]:
    """What the statements are about: the question's terms without the speaker and the
    words of the act ("Where did Moore say that about AI?" -> {"ai"})."""
    speaker = speaker_of(q) or ""
    named = [e for e in q.constraints.entities if speaker and speaker in e]
    focus = q.focus or ""
    left_out = set(terms(" ".join([speaker, *named, focus]))) | _ACT_WORDS | _TITLE_TERMS
    if focus == "day" or "day of the week" in q.text.lower():
        left_out |= set(terms("day week"))
    return {t for t in q.terms if t not in left_out}


_PRONOUN = re.compile(r"\b(?:he|she)\b", re.I)


def reports_speech(
    sentence: str, speaker: str | None, context: str, act: str | None = None
) -> bool:
    """Whether ``sentence`` reports a statement (or names the asked ``act``: "her
    concession speech"), by ``speaker`` when one is asked about: named in it, or a
    "he"/"she" there while ``context`` (the rest of the document that was retrieved)
    names them."""
    said = bool(_QUOTE.search(sentence) or _REPORTS.search(sentence))
    if not (said or act and re.search(rf"\b{act}s?\b", sentence, re.I)):
        return False
    if not speaker:
        return True
    surname = speaker.split()[-1]
    return surname in sentence or (bool(_PRONOUN.search(sentence)) and surname in context)


@lru_cache(maxsize=4096)
def setting_parts(sentence: str) -> tuple[tuple[int, int], ...]:
    """The character ranges of ``sentence`` outside what it reports as said (kept: a
    question's span fits, anchors and setting spans all ask it of the same sentences)."""
    said: list[tuple[int, int]] = [(m.start(), m.end()) for m in _QUOTE.finditer(sentence)]
    for m in _VERB.finditer(sentence):
        if any(a <= m.start() < b for a, b in said):
            continue
        after = m.end()
        obj = _OBJECT.match(sentence, after)
        if _ADJUNCT.match(sentence, after) or (obj and _ADJUNCT.match(sentence, obj.end())):
            # "told the Guardian on Wednesday, at ..." is setting; "... that X" is not
            that = _THAT.search(sentence, after, min(len(sentence), after + 80))
            if that is not None and not any(a <= that.start() < b for a, b in said):
                said.append((that.end(), len(sentence)))
                break
            continue
        said.append((after, len(sentence)))  # "he said British spies are using AI ..."
        break
    parts, at = [], 0
    for a, b in sorted(said):
        if a > at:
            parts.append((at, a))
        at = max(at, b)
    if at < len(sentence):
        parts.append((at, len(sentence)))
    return tuple(parts)


def in_setting(span: Span, sentence: str) -> bool:
    """Whether ``span`` lies in the setting part of ``sentence``."""
    return any(a <= span.start and span.end <= b for a, b in setting_parts(sentence))


def anchors(sentence: str) -> set[str]:
    """The names and event nouns of a sentence's setting part."""
    out: set[str] = set()
    for a, b in setting_parts(sentence):
        part = sentence[a:b]
        out |= {t for t in terms(part) if t in EVENT_NOUNS}
        out |= {s.key for s in names(part)}
    return out


def setting_spans(sentence: str, setting: Setting) -> list[Span]:
    """The spans of ``sentence``'s setting part that say ``setting``."""
    parts = setting_parts(sentence)

    def inside(span: Span) -> bool:
        return any(a <= span.start and span.end <= b for a, b in parts)

    if setting is Setting.TIME:
        return [s for s in extract(sentence, Kind.DATE) if inside(s)]
    if setting is Setting.PLACE:
        return [
            s
            for s in extract(sentence, Kind.PLACE)
            if inside(s)
            and (
                _LOCATIVE_BEFORE.search(sentence[: s.start])
                and not _MODIFIES.match(sentence, s.end)
                or s.kind is Kind.PLACE  # "the Prague appearance"; not "the Politico interview"
                and bool(EVENT_AFTER.match(sentence, s.end))
            )
        ]
    found: dict[str, Span] = {}
    for kind in (Kind.PERSON, Kind.ORGANISATION, Kind.ENTITY):
        for s in extract(sentence, kind):
            if not inside(s) or s.key in found:
                continue
            if _AUDIENCE_BEFORE.search(sentence[: s.start]) or _AUDIENCE_AFTER.match(
                sentence, s.end
            ):
                found[s.key] = s
    return list(found.values())

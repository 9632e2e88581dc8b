"""Question analysis for the extractive answerer: what kind of answer a question wants
(a person, a date, a reason ...) and the constraints an answer must meet (years, dates,
names, negation, rank). Rules over words, no model: cheap, offline and predictable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from core.tokenize import STOP_WORDS, stem, terms

T = TypeVar("T")


class Kind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"  # date or time
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    DURATION = "duration"
    YESNO = "yesno"
    STATEMENT = "statement"  # what someone said, thinks or warned
    DESCRIPTION = "description"  # what is X, what happened, how; the default
    REASON = "reason"
    ENTITY = "entity"  # a named thing that is not a person, organisation or place


_FACTOID = frozenset(
    [Kind.PERSON, Kind.ORGANISATION, Kind.PLACE, Kind.DATE, Kind.NUMBER, Kind.MONEY]
    + [Kind.PERCENT, Kind.DURATION, Kind.ENTITY]
)


@dataclass(frozen=True)
class Constraints:
    """What an answer must agree with, read from the question's own words."""

    years: tuple[int, ...] = ()
    dates: tuple[str, ...] = ()  # "YYYY-MM-DD", or "--MM-DD" when no year is given
    months: tuple[int, ...] = ()  # months named without a day
    quarters: tuple[int, ...] = ()
    ordinals: tuple[int, ...] = ()
    numbers: tuple[str, ...] = ()  # as written, without years, dates, quarters, ordinals
    entities: tuple[str, ...] = ()
    negated: bool = False
    extreme: str | None = None
    relative_time: str | None = None


@dataclass(frozen=True)
class Analysis:
    """A question read: ``focus`` is the noun the wh-word asks for ("which *country*"),
    ``subject`` what it is about, ``speaker`` whose words it asks for."""

    text: str
    kind: Kind
    focus: str | None
    subject: str | None
    speaker: str | None
    constraints: Constraints
    terms: tuple[str, ...]

    @property
    def is_factoid(self) -> bool:
        return self.kind in _FACTOID

    @property
    def asks_change(self) -> bool:
        """A number question about a change ("by how much did X fall", "what pay rise"):
        its answer is the size of the change, often a percentage."""
        return self.kind is Kind.NUMBER and _CHANGE.search(self.text) is not None


def analyse(question: str) -> Analysis:
    base = _SPACE.sub(" ", question.translate(_QUOTES)).strip()
    body, forced, embedded = _strip_lead(_EXPAND.sub(r"\1 is", base))
    core = _core(body)
    low = core.lower()
    kind, focus = _kind(low)
    if embedded and _EMBEDDED_SPEECH.match(low):  # "tell me what Moore said"
        kind, focus = Kind.STATEMENT, None
    if forced is Kind.YESNO:  # "do you know whether X or Y"
        kind, focus = _choice(low) or Kind.YESNO, None
    elif forced is not None:
        kind, focus = forced, None
    names = _entities(body)
    speaker = _speaker(body, names)
    if kind is Kind.DESCRIPTION and (speaker or re.match(r"according to\b", body, re.I)):
        kind = Kind.STATEMENT
    return Analysis(
        text=question,
        kind=kind,
        focus=focus,
        subject=_subject(core, focus, speaker, kind),
        speaker=speaker,
        constraints=_constraints(body, names),
        terms=tuple(t for t in terms(body) if t not in _FRAME),
    )


# ---------------------------------------------------------------- word lists


def _seq(*chunks: str) -> list[str]:
    return " ".join(chunks).split()


def _words(*chunks: str) -> frozenset[str]:
    return frozenset(_seq(*chunks))


_PERSON = _words(
    "person man woman boy girl child individual player minister president leader chief author",
    "writer singer actor actress director founder ceo cfo chairman chairwoman chair winner",
    "coach manager scientist researcher politician candidate judge senator governor mayor",
    "chancellor king queen prince princess emperor empress pope artist composer poet novelist",
    "athlete driver rider cyclist runner boxer footballer striker goalkeeper captain champion",
    "official spokesperson spokesman spokeswoman executive economist analyst doctor physician",
    "surgeon nurse professor lawyer attorney prosecutor defendant suspect victim witness",
    "journalist reporter editor presenter inventor explorer astronaut pilot commander general",
    "officer soldier detective investor entrepreneur billionaire owner employee worker mp",
    "lawmaker legislator diplomat ambassador secretary premier monarch ruler dictator architect",
    "engineer designer musician rapper guitarist chef teacher student philosopher",
    "mathematician physicist chemist biologist historian referee umpire jockey skipper",
    "quarterback midfielder defender nominee laureate recipient successor predecessor heir son",
    "daughter father mother wife husband brother sister celebrity hero character protagonist",
    "whistleblower activist campaigner protester survivor patient scorer batsman bowler people",
)
_ORGANISATION = _words(
    "company firm organisation organization agency party team club bank university college",
    "school newspaper paper magazine outlet network broadcaster channel group band charity",
    "union federation association council committee government ministry department regulator",
    "authority institute institution corporation business brand manufacturer maker airline",
    "carrier retailer supplier startup publisher studio label league board alliance coalition",
    "army navy militia faction movement church insurer lender conglomerate subsidiary operator",
    "provider contractor franchise side squad outfit employer developer automaker carmaker",
)
_PLACE = _words(
    "country nation city town village state province region county district island river lake",
    "sea ocean mountain continent venue stadium arena port capital location place area site",
    "airport station neighbourhood neighborhood suburb street territory coast valley desert",
    "forest park building hospital prison address birthplace hometown headquarters destination",
    "volcano",
)
_DATE_NOUNS = _words("year date day month time decade century season era week hour deadline")
_NUMBER_NOUNS = _words(
    "number score population attendance rank ranking temperature magnitude toll count total",
    "amount size height length distance weight age speed capacity majority tally figure volume",
    "depth width altitude elevation mass dose density frequency crowd margin level",
)
# Nouns and verbs of a change: "what pay rise", "by how much did output fall".
_CHANGE_NOUNS = _words("rise increase raise hike cut fall drop decline reduction gain loss jump")
_CHANGE = re.compile(
    r"\b(?:by how much|ris(?:e|en|es)|rose|increas\w*|rais\w*|hik\w*|cut|fall(?:s|en)?|fell|"
    r"dro(?:p|ps|pped)|declin\w*|reduc\w*|grow|grew|grown|gain\w*|los[est]|jump\w*|"
    r"climb\w*|shr[iau]nk\w*|soar\w*|slump\w*|plung\w*)\b",
    re.I,
)
_MONEY_NOUNS = _words(
    "price cost fee salary wage budget revenue profit fine income earnings valuation value worth",
    "funding investment loan debt deficit spending payment payout compensation bonus fare rent",
    "turnover bill damages bail ransom bid subsidy grant donation dividend money cash sales aid",
)
_PERCENT_NOUNS = _words(
    "percentage percent proportion share rate fraction turnout inflation unemployment growth yield"
)
_DURATION_NOUNS = _words("duration period span lifespan sentence tenure stint delay")
_REASON_NOUNS = _words("reason cause motive explanation purpose rationale trigger grounds")
_NOUN_KIND: dict[str, Kind] = {
    **{w: Kind.PERSON for w in _PERSON},
    **{w: Kind.ORGANISATION for w in _ORGANISATION},
    **{w: Kind.PLACE for w in _PLACE},
    **{w: Kind.DATE for w in _DATE_NOUNS},
    **{w: Kind.NUMBER for w in _NUMBER_NOUNS | _CHANGE_NOUNS},
    **{w: Kind.MONEY for w in _MONEY_NOUNS},
    **{w: Kind.PERCENT for w in _PERCENT_NOUNS},
    **{w: Kind.DURATION for w in _DURATION_NOUNS},
    **{w: Kind.REASON for w in _REASON_NOUNS},
}
# After "what is the ..." only attributes change the kind: "what is the state of X" does not ask
# for a place, but "what is the capital of X" does.
_ATTRIBUTE_KINDS = (Kind.DATE, Kind.NUMBER, Kind.MONEY, Kind.PERCENT, Kind.DURATION, Kind.REASON)
_WHAT_BE: dict[str, Kind] = {
    w: k for w, k in _NOUN_KIND.items() if k in _ATTRIBUTE_KINDS and w not in _CHANGE_NOUNS
} | {
    w: Kind.PLACE
    for w in _words("capital location address birthplace hometown headquarters venue destination")
}
_TIME_UNITS = _words("second minute hour day night week fortnight month year decade century")
_STATEMENT_NOUNS = _words(
    "view opinion position stance reaction response message statement remark comment warning",
    "argument answer reply take",
)
_ABSTRACT = _words(
    "effect impact role change measure step problem issue evidence advice action lesson risk",
    "benefit advantage disadvantage challenge concern difference factor plan policy goal aim",
    "approach strategy method way symptom rule condition term reform recommendation finding",
    "result outcome consequence implication criticism question point idea theme topic thing",
    "detail information situation status progress development trend significance importance",
    "mistake error danger threat alternative solution option proposal demand promise decision",
    "conclusion allegation charge accusation complaint difficulty obstacle opportunity priority",
    "requirement feature function property mechanism process precaution restriction sanction",
    "penalty punishment damage injury research happen else",
)
_UNTYPED = _ABSTRACT | _STATEMENT_NOUNS  # head nouns that ask for a description
_KIND_OF = _words("kind type sort form brand make model variety breed genre category")
_IRREGULAR = _words(
    "won became began broke brought built bought caught chose came drew drove ate fell",
    "felt fought found flew forgot froze got gave went grew hung heard hid held kept",
    "knew laid led left lent lost made meant met paid rode rang rose ran said saw",
    "sold sent shook shot showed sang sank sat slept spoke spent stood stole struck",
    "swam took taught tore told thought threw understood woke wore wrote born done gone seen",
    "risen fallen grown taken given known shown driven written spoken chosen beaten broken",
    "stolen frozen hidden begun eaten forgotten ridden shaken thrown worn drawn flown blown",
)
_BASE_VERBS = _words(
    "win open close say make take go come get give start end begin leave join quit resign lose",
    "beat play score sign buy sell announce launch release build become die happen change cut",
    "increase reduce fall rise grow decide agree refuse vote pass approve reject ban allow stop",
    "fail fire hire invade attack kill arrest charge sue accept report find discover invent",
    "publish write describe respond react mean cause affect hit move return visit meet tell",
    "think claim warn argue know want need plan hold host lead run serve work live collapse",
    "crash merge acquire file settle drop finish complete receive award earn pay cost spend",
    "invest raise lower hike keep remain stay apologise apologize testify plead appeal rule",
    "convict elect appoint nominate replace succeed overturn strike protest flee escape survive",
    "recover reach break expand shrink decline suspend cancel delay postpone introduce propose",
    "support oppose blame deny admit confirm reveal show suggest predict expect estimate",
    "detect observe treat prevent spread emerge erupt flood burn sink land fly arrive found",
    "establish create form design develop produce trade reopen resume retire debut compete",
    "qualify look feel seem spike soar plunge slump jump climb tumble surge last take set put",
)
_AUX = _words(
    "is are was were am be been do does did has have had can could will would should shall",
    "may might must isn't aren't wasn't weren't don't doesn't didn't hasn't haven't hadn't",
    "can't couldn't won't wouldn't shouldn't mustn't",
)
_DO_AUX = _words("do does did will would can could should shall may might must")
_BE = _words("is are was were be been")
_WH = _words("who whom whose when where why how what which")
_DETERMINERS = _words("the a an this these those his her its their our my your any some each every")
_PREPS = _words(
    "of in on at by for with from to about during since after before between against under",
    "over into through across among than as per within without near like despite toward",
    "towards via around behind beyond until upon off out",
)
_PRONOUNS = _words(
    "i you he she it we they me him us them there someone anyone everyone anything something"
)
_ADVERBS = _words(
    "and or but nor so yet if whether because while although not never ever also still already",
    "now just only really actually exactly again recently currently finally eventually then",
    "here ago too very even else ultimately originally initially officially reportedly",
    "allegedly yesterday today tonight tomorrow that who which whose whom when where why how",
)
# Third-person verbs that are never plural nouns: "the budget goes to ...".
_VERBS_3SG = _words("goes says seems means becomes comes gives knows thinks belongs")
_STOP = _AUX | _PREPS | _PRONOUNS | _ADVERBS | _WH | _VERBS_3SG
_IMPERATIVE = _words(
    "name list identify give find describe explain summarise summarize outline discuss compare",
    "define",
)
_DESCRIBE = _words("describe explain summarise summarize outline discuss compare define")
_UNITS = _seq("zero one two three four five six seven eight nine ten eleven twelve thirteen")
_UNITS += _seq("fourteen fifteen sixteen seventeen eighteen nineteen")
_TENS_WORDS = _seq("twenty thirty forty fifty sixty seventy eighty ninety")
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)}
_NUMBER_WORDS |= {w: 10 * i for i, w in enumerate(_TENS_WORDS, 2)}
_ORDINAL_WORDS = {
    w: i
    for i, w in enumerate(
        _seq(
            "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth",
            "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth",
        ),
        1,
    )
}
_ORDINAL_WORDS |= {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50}
_ORDINAL_WORDS |= {"hundredth": 100}
_MONTH_NAMES = _seq("january february march april may june july august september october")
_MONTHS = {m: i for i, m in enumerate([*_MONTH_NAMES, "november", "december"], 1)}
_MONTHS |= {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9}
_MONTHS |= {"sept": 9, "oct": 10, "nov": 11, "dec": 12}
_WEEKDAYS = _words("monday tuesday wednesday thursday friday saturday sunday")
_FRAME = frozenset(
    stem(w)
    for w in _seq(
        "say said says tell told think thought describe explain mention happen happened according",
        "view views position stated comment comments remark remarks claim claimed announce",
        "announced warn warned name called mean know please",
    )
)


def _verb_forms(bases: str) -> frozenset[str]:
    forms: set[str] = set()
    for b in bases.split():
        forms |= {b, b + "s"}
        if b.endswith("e"):
            forms |= {b + "d", b[:-1] + "ing"}
        elif b.endswith("y") and b[-2] not in "aeiou":
            forms |= {b[:-1] + "ied", b[:-1] + "ies", b + "ing"}
        else:
            forms |= {b + "ed", b + "ing"}
    return frozenset(forms)


_SPEECH_BASES = (
    "say tell think believe warn claim argue announce reveal predict suggest propose promise"
    " write state add explain urge insist admit deny confirm acknowledge demand tweet post vow"
    " pledge recommend testify comment stress note concede allege declare respond reply react"
    " describe mean feel characterise characterize justify defend"
)
_SPEECH = _verb_forms(_SPEECH_BASES) | _words("said told thought wrote written meant felt")
_SPEECH_BASE = frozenset(_SPEECH_BASES.split())
_VERB_S = frozenset(v + ("es" if v.endswith(("o", "sh", "ch", "s")) else "s") for v in _BASE_VERBS)
_SPEECH_PAST = frozenset(w for w in _SPEECH if w.endswith(("ed", "d", "t", "n")))
_SPEECH_ING = frozenset(w for w in _SPEECH if w.endswith("ing"))
_EMBEDDED_SPEECH = re.compile(rf"what(?:\s+\S+){{1,6}}?\s+(?:{'|'.join(_SPEECH_PAST)})\b")

# ---------------------------------------------------------------- reading the kind

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_EXPAND = re.compile(
    r"\b(what|who|where|when|how|why|which|that|it|there)'?s\b(?<!\bits)(?<!\bthats)", re.I
)
_FILLER = re.compile(
    r"^(?:and|so|but|also|then|now|ok|okay|well|oh|right|alright|hey|hmm+|um+|uh+|please|sorry)"
    r"\b[\s,.!:;-]*",
    re.I,
)
_ASK = re.compile(
    r"^(?:(?:can|could|would|will)\s+(?:you|someone|anyone)\s+(?:please\s+)?"
    r"(?=(?:tell|explain|describe|say|list|name|give|show|remind|let|find|confirm|summari[sz]e"
    r"|outline|check|identify)\b)|(?:do|does|did)\s+(?:you|anyone|someone)\s+know\s+"
    r"|i\s+(?:want|would\s+like|'d\s+like|need)\s+to\s+know\s+|i\s+wonder(?:ed)?\s+"
    r"|i'?m\s+wondering\s+)",
    re.I,
)
_TELL = re.compile(r"^(?:(?:tell|remind|show)\s+(?:me|us)\s+|let\s+(?:me|us)\s+know\s+)", re.I)
_CLAUSE = re.compile(
    r",\s*(?=(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|has"
    r"|have|had|can|could|will|would|should)\b)",
    re.I,
)
_TOKEN_LOW = re.compile(r"[\w$£€¥%][\w'%.-]*")
_PERCENT_WORDS = re.compile(r"%|\bper\s?cent|\bpercentage\b", re.I)
_MONEY_WORDS = re.compile(
    r"[$£€¥]|\b(?:cost|costs|costing|pay|paid|pays|raise|raised|spend|spent|earn|earned|earns"
    r"|charge|charged|worth|fund|funding|price|priced|sell|sold|money|cash|dollars?|pounds?"
    r"|euros?|yen|budget|invest|invested|owe|owed|debt|revenue|profit|salary|wage|loan|fine"
    r"|fined|fee|tax|bill|grant|donate|donated|compensation|bonus|bid|offer|valued|buy|bought"
    r"|lose|lost|make|made|gross|grossed|win|won)\b",
    re.I,
)
_REASON_WHAT = re.compile(
    r"^(?:caused|causes|cause|led to|leads to|prompted|prompts|triggered|triggers|sparked"
    r"|sparks|drove|drives|motivated|made|makes|forced|pushed|inspired|explains"
    r"|(?:is|was|are|were) behind)\b"
)
_LENGTH_THING = re.compile(
    r"^(?:is|was|are|were) (?:the |a |an )?(?:\w+ )?(?:river|bridge|tunnel|road|line|track"
    r"|wall|runway|coastline|border|route|canal|railway|pipeline|cable|course|circuit|beach"
    r"|street|highway|motorway|trail)s?\b"
)
# "What was he arrested for?" asks why; "What does NATO stand for?" does not.
_FOR_WHAT = _words(
    "that it this arrested jailed fined sentenced charged convicted sued punished criticised",
    "criticized blamed fired sacked banned suspended detained investigated praised needed",
)
_CALLED = re.compile(r"\b(?:called|named|known as)\W*$")
_MEASURE_ADJ = _words(
    "old far big large tall high deep heavy fast wide often hot cold strong close small low"
    " severe loud bright many"
)
_MONEY_ADJ = _words("expensive cheap rich costly valuable wealthy")
_COMPOUNDS = {
    **{(m, "time"): Kind.DURATION for m in _seq("lap finishing winning race journey travel")},
    **{(m, "time"): Kind.DURATION for m in _seq("running waiting response flight")},
    **{(m, "point"): Kind.NUMBER for m in _seq("boiling melting freezing dew flash")},
    ("exchange", "rate"): Kind.NUMBER,
    ("heart", "rate"): Kind.NUMBER,
}
_HOW_WORDS = _words("much long soon come so") | _MONEY_ADJ


def _strip_lead(text: str) -> tuple[str, Kind | None, bool]:
    """Drop conversational lead-ins ("And", "Can you tell me"); an "if"/"whether" left at
    the front makes the question a yes/no one. Also says whether a lead-in was dropped."""
    previous, embedded = None, False
    while previous != text:
        previous = text
        text = _FILLER.sub("", text, count=1)
        for pattern in (_ASK, _TELL):
            text, n = pattern.subn("", text, count=1)
            embedded = embedded or n > 0
    forced = None
    lead = re.match(r"(?:if|whether)\s+", text, re.I)
    if lead:
        text, forced = text[lead.end() :], Kind.YESNO
    elif re.match(r"about\b", text, re.I):
        forced = Kind.DESCRIPTION
    return text, forced, embedded


def _core(body: str) -> str:
    """The question proper: without "According to X," or a leading clause before the comma."""
    low = body.lower()
    opens = re.match(r"(?:who|whom|whose|what|which|when|where|why|how)\b", low)
    if not opens and low.split(" ", 1)[0] not in _AUX:
        comma = _CLAUSE.search(body)
        if comma and comma.start() < 120:
            body = body[comma.end() :]
    return re.sub(r",?\s+according to [^,?]+(?=[?.!]*$)", "", body, flags=re.I)


def noun_kind(word: str) -> Kind | None:
    """The kind of answer a noun names ("singer" a person, "city" a place), if any."""
    return _noun_kind(word.lower())


def _singular(w: str) -> str:
    if w in ("people", "men", "women", "children"):
        return {"people": "person", "men": "man", "women": "woman"}.get(w, "child")
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _noun_kind(w: str | None) -> Kind | None:
    if w is None:
        return None
    return _NOUN_KIND.get(w) or _NOUN_KIND.get(_singular(w))


def _is_verb_form(w: str) -> bool:
    return w in _IRREGULAR or (w.endswith("ed") and len(w) > 3 and not w.endswith("eed"))


def _head(ws: list[str]) -> str | None:
    """The head noun of the noun phrase that opens ``ws`` ("european country" -> "country")."""
    hit = cand = None
    for i, w in enumerate(ws[:6]):
        if w in _DETERMINERS and hit is None and cand is None:
            continue
        if w.endswith("'s") and len(w) > 2:
            return w[:-2]
        if w in _NUMBER_WORDS or w[0].isdigit():
            continue
        if hit and w in _CHANGE_NOUNS:  # "which bank cut ...": a verb after the head
            break
        if _noun_kind(w) or _singular(w) in _UNTYPED:
            hit = w
            continue
        if w in _STOP or w in _DETERMINERS or _is_verb_form(w) or (hit and i > 0):
            break
        if cand and (cand.endswith("s") and not cand.endswith("ss") or w in _BASE_VERBS):
            break
        cand = w
    return hit or cand


def _kind(low: str) -> tuple[Kind, str | None]:
    ws = [w.rstrip(".'") or w for w in _TOKEN_LOW.findall(low)]
    if not ws:
        return Kind.DESCRIPTION, None
    if ws[0] in _AUX:
        return _choice(low) or Kind.YESNO, None
    if ws[0] in _IMPERATIVE and not (len(ws) > 1 and ws[1] in _WH):
        return _imperative(ws)
    for i, w in enumerate(ws):
        if w in _WH:
            if _subordinate(ws, i):  # "injured when a crane collapsed in which city?"
                continue
            if w in ("what", "how") and _is_statement(ws[i:]):
                return Kind.STATEMENT, None
            return _wh(w, ws[i + 1 :], ws[i - 1] if i else "", low)
    head = _head(ws)
    kind = (_WHAT_BE.get(head) or _WHAT_BE.get(_singular(head))) if head else None
    return (kind, head) if kind else (Kind.DESCRIPTION, None)


def _subordinate(ws: list[str], i: int) -> bool:
    """A "when"/"where"/"while" that opens a clause inside the question, with the
    question's own wh-word ("which", "what", "who", "how") after it."""
    if ws[i] not in ("when", "where") or i == 0 or ws[i - 1] in _PREPS:
        return False
    return any(w in ("which", "what", "who", "whom", "whose", "how") for w in ws[i + 1 :])


def _is_statement(ws: list[str]) -> bool:
    """ "What did X say", "what has X claimed", "what is X arguing", "how did X respond"."""
    rest = ws[2:] if len(ws) > 2 and ws[1] == "else" else ws[1:]
    if rest and ws[0] == "what" and rest[0] in _DETERMINERS | _PRONOUNS:
        return any(w in _SPEECH_PAST or w in _SPEECH_ING for w in rest[1:7])
    if not rest or rest[0] not in _AUX:
        return False
    aux = rest[0].removesuffix("n't")
    for i, w in enumerate(rest[1:8], 1):
        if aux in _DO_AUX:
            hit = i > 1 and w in _SPEECH_BASE
        elif aux in _BE:
            hit = w in _SPEECH_ING or w in _SPEECH_PAST
        else:
            hit = i > 1 and w in _SPEECH_PAST
        if hit:
            return not w.startswith("mean") or rest[i + 1 : i + 2] == ["by"]
    return False


def _wh(w: str, rest: list[str], prev: str, low: str) -> tuple[Kind, str | None]:
    if w in ("who", "whom", "whose"):
        return Kind.PERSON, None
    if w == "when":
        return Kind.DATE, None
    if w == "where":
        return Kind.PLACE, None
    if w == "why":
        return Kind.REASON, None
    if w == "how":
        return _how(rest, prev, low)
    return _what(w, rest, low)


def _how(rest: list[str], prev: str, low: str) -> tuple[Kind, str | None]:
    if not rest:
        return Kind.DESCRIPTION, None
    w, after = rest[0], rest[1:]
    if w in ("many", "much"):
        percent = bool(_PERCENT_WORDS.search(low))
        if prev == "by":
            return (Kind.PERCENT if percent else Kind.NUMBER), None
        noun = _head(after[2:] if after[:2] == ["of", "the"] else after)
        unit = noun is not None and _singular(noun) in _TIME_UNITS | {"time"}
        if w == "many" or noun:
            if unit and noun != "times":
                return Kind.DURATION, noun
            if w == "much" and _noun_kind(noun) is Kind.MONEY:
                return Kind.MONEY, noun
            return (Kind.PERCENT if percent else Kind.NUMBER), noun
        if percent:
            return Kind.PERCENT, None
        if not after or _MONEY_WORDS.search(low):
            return Kind.MONEY, None
        return Kind.NUMBER, None
    if w == "long":
        return (Kind.NUMBER if _LENGTH_THING.match(" ".join(after)) else Kind.DURATION), None
    if w == "soon":
        return Kind.DURATION, None
    if w in ("come", "so"):
        return Kind.REASON, None
    if w in _MONEY_ADJ:
        return Kind.MONEY, None
    if w in _MEASURE_ADJ:
        return Kind.NUMBER, None
    return Kind.DESCRIPTION, None


def _what(wh: str, rest: list[str], low: str) -> tuple[Kind, str | None]:
    default = Kind.DESCRIPTION if wh == "what" else Kind.ENTITY
    if not rest:
        return default, None
    w, tail = rest[0], " ".join(rest)
    if w == "about" or (w == "of" and wh == "what"):
        return Kind.DESCRIPTION, None
    if rest == ["for"] or _REASON_WHAT.match(tail):
        return Kind.REASON, None
    if w in _AUX and rest[-1] == "for" and rest[-2] in _FOR_WHAT:
        return Kind.REASON, None
    if w.startswith("happen") or re.match(r"(?:is|has|will|had) happen", tail):
        return Kind.DESCRIPTION, None
    if (w in _KIND_OF and rest[1:2] == ["of"]) or w == "of":
        head = _head(rest[2:] if w != "of" else rest[1:])
        return _noun_kind(head) or Kind.ENTITY, head
    if w in _BE or w == "'s":
        return _what_be(wh, rest[1:], low)
    if w in _AUX:
        named = re.search(r"\b(?:call|name)\b", tail)
        return (Kind.ENTITY if named else default), None
    if w in _STOP or w in _DETERMINERS:
        return default, None
    head = _head(rest)
    if head is None or head in ("one", "ones"):
        return default, None
    kind = _noun_kind(head)
    if kind:
        return kind, head
    if wh == "what" and _singular(head) in _UNTYPED:
        return Kind.DESCRIPTION, head
    return Kind.ENTITY, head


def _what_be(wh: str, ws: list[str], low: str) -> tuple[Kind, str | None]:
    """ "What is/was the <noun phrase> ...": the head noun decides, when it is an attribute."""
    default = Kind.DESCRIPTION if wh == "what" else Kind.ENTITY
    owner = ws[0] if ws and ws[0] in ("his", "her", "its", "their") else None
    np: list[str] = []
    end = 0
    for end, w in enumerate(ws):
        if not np and w in _DETERMINERS:
            continue
        passive = w in _BASE_VERBS and ws[end + 1 : end + 2] == ["by"]  # "the rate set by ..."
        if w in _STOP or w in _DETERMINERS or _is_verb_form(w) or passive:
            break
        np.append(w)
    else:
        end = len(ws)
    if not np:
        return default, None
    after = ws[end:]
    head = np[-1]
    if head in ("name", "title"):
        if after[:1] == ["of"]:
            inner = _head(after[1:])
            return _noun_kind(inner) or Kind.ENTITY, inner
        if len(np) > 1 and np[-2].endswith("'s"):
            return _noun_kind(np[-2][:-2]) or Kind.ENTITY, np[-2][:-2]
        return (Kind.PERSON if owner in ("his", "her") else Kind.ENTITY), head
    if _CALLED.search(low):
        return _noun_kind(head) or Kind.ENTITY, head
    single = _singular(head)
    if len(np) > 1 and (np[-2], head) in _COMPOUNDS:
        return _COMPOUNDS[np[-2], head], head
    if single in _STATEMENT_NOUNS:
        return Kind.STATEMENT, None
    if head in _WHAT_BE or single in _WHAT_BE:
        return _WHAT_BE.get(head) or _WHAT_BE[single], head
    ranks = _EXTREME_WORDS | _ORDINAL_WORDS.keys()
    if any(part in ranks for w in np[:-1] for part in w.split("-")):
        kind = _noun_kind(head)
        return kind or (Kind.DESCRIPTION if single in _ABSTRACT else Kind.ENTITY), head
    return default, None


def _imperative(ws: list[str]) -> tuple[Kind, str | None]:
    """ "Name the player who ...", "List the countries ...", "Explain the rule"."""
    if ws[0] in _DESCRIBE:
        return Kind.DESCRIPTION, None
    head = _head([w for w in ws[1:3] if w not in ("me", "us")] + ws[3:])
    kind = _noun_kind(head)
    if kind:
        return kind, head
    return (Kind.ENTITY if ws[0] in ("name", "identify") else Kind.DESCRIPTION), head


def _choice(low: str) -> Kind | None:
    """ "Was it X or Y?" asks for one of two things; their shape gives the kind."""
    m = _CHOICE.search(low)
    if not m or "whether or" in low:
        return None
    left, right = low[max(0, m.start() - 12) : m.end(1)], low[m.start(2) : m.end(2) + 12]
    if all(_MONTH_ONLY.search(side) or _YEAR.search(side) for side in (left, right)):
        return Kind.DATE
    shapes = {_shape(m.group(1)), _shape(m.group(2))}
    if len(shapes) == 1 and None not in shapes:
        return shapes.pop()
    return Kind.ENTITY


_VALUE = r"[$£€¥]?\d[\d,.]*(?:\s?(?:million|billion|trillion|thousand|bn|m|k))?%?"
_CHOICE = re.compile(rf"({_VALUE}|[\w$£€%.'-]+),?\s+or\s+(?!not\b)({_VALUE}|[\w$£€%.'-]+)")


def _shape(word: str) -> Kind | None:
    word = word.strip(".,")
    if word.endswith("%"):
        return Kind.PERCENT
    if word[:1] in "$£€¥":
        return Kind.MONEY
    if re.fullmatch(r"1\d{3}|20\d{2}", word) or word in _MONTHS:
        return Kind.DATE
    if re.fullmatch(r"\d[\d,.]*", word):
        return Kind.NUMBER
    return None


# ---------------------------------------------------------------- constraints

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_DATES = (
    re.compile(rf"\b{_DAY}(?:\s+of)?\s+(?P<m>{_MONTH_RE})\b\.?(?:,?\s+(?P<y>\d{{4}})\b)?", re.I),
    re.compile(
        rf"\b(?P<m>{_MONTH_RE})\b\.?\s+(?:the\s+)?{_DAY}(?![\d:])\b(?:,?\s+(?P<y>\d{{4}})\b)?",
        re.I,
    ),
    re.compile(r"\b(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})\b"),
)
_MONTH_ONLY = re.compile(rf"\b(?P<m>{_MONTH_RE})\b", re.I)
_MONTH_LEAD = re.compile(
    r"\b(?:in|since|until|by|from|during|of|early|late|mid|last|next|this|between|and|through"
    r"|before|after)\s+$",
    re.I,
)
_YEAR = re.compile(r"(?<![\w$£€¥.,'-])(?:1\d{3}|20\d{2}|2100)(?![\w%]|[.,]\d)")
_COUNTED = re.compile(
    r"\s*(?:%|per\s?cent|percent|people|persons|km|kilometres|miles|metres|meters|feet|tonnes"
    r"|tons|kg|votes|jobs|homes|cases|deaths|units|points|runs|goals|times|words|pages|workers"
    r"|employees|troops|soldiers|students|patients|residents|fans|passengers|shares|barrels"
    r"|calories|members|users|children|men|women|cars|houses|acres|hectares|species)\b",
    re.I,
)
_QUARTER = re.compile(
    r"\b[Qq](?P<n>[1-4])\b|\b(?P<w>first|second|third|fourth|1st|2nd|3rd|4th|final)[\s-]+quarter"
    r"\b",
    re.I,
)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4}
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ORDINAL = re.compile(
    rf"\b(?:(?P<tens>{_TENS})-)?(?P<w>{'|'.join(_ORDINAL_WORDS)})\b|\b(?P<n>\d+)(?:st|nd|rd|th)\b",
    re.I,
)
_NUMBER = re.compile(
    r"(?<![\w.,])(?<![A-Za-z]-)(?:(?:US|A|C|NZ|HK)?[$£€¥]\s?)?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:\s?(?:million|billion|trillion|thousand|hundred)\b|(?:bn|mn|m|k)\b)?"
    r"(?:\s?(?:%|per\s?cent\b|percent\b))?(?![\w-])",
    re.I,
)
_NUMBER_WORD = re.compile(
    rf"\b(?:(?:{_TENS})-(?:one|two|three|four|five|six|seven|eight|nine)|two|three|four|five"
    rf"|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    rf"|eighteen|nineteen|{_TENS}|dozen)(?:\s(?:million|billion|trillion|thousand|hundred))?\b",
    re.I,
)
_UNIT = (
    r"(?:week|weekend|month|year|season|night|morning|afternoon|evening|summer|winter|spring"
    r"|autumn|fall|quarter|decade|century|term|fortnight)s?"
)
_COUNT = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|couple\s+of|several)"
_RELATIVE = re.compile(
    rf"\b(?:the\s+day\s+(?:before\s+yesterday|after\s+tomorrow)"
    rf"|{_COUNT}\s+(?:{_UNIT}|days?|hours?|minutes?)\s+ago|(?:earlier|later)\s+(?:this|last)\s+{_UNIT}"
    rf"|(?:so\s+far\s+)?this\s+(?:past\s+)?{_UNIT}|(?:last|next|past|previous|coming)\s+"
    rf"(?:{_COUNT}\s+)?{_UNIT}|in\s+recent\s+(?:{_UNIT}|days)|yesterday|today|tonight|tomorrow"
    r"|recently|lately|currently|nowadays|these\s+days|right\s+now|at\s+the\s+moment|now)\b",
    re.I,
)
_EXTREME_WORDS = _words(
    "first last most least top maximum minimum largest highest lowest biggest smallest best",
    "worst latest earliest oldest youngest longest shortest fastest slowest greatest richest",
    "poorest tallest deepest heaviest lightest hottest coldest warmest wettest driest strongest",
    "weakest cheapest newest closest nearest furthest farthest busiest deadliest costliest",
    "quickest widest loudest brightest safest",
)
_EXTREME = re.compile(rf"\bmost\s+recent(?:ly)?\b|\b(?:{'|'.join(_EXTREME_WORDS)})\b", re.I)
_EXTREME_NAMES = {"newest": "latest", "nearest": "closest", "farthest": "furthest"}
_NEGATION = re.compile(
    r"\b(?:not|never|no|none|nobody|nothing|neither|nor|without|except|excluding|cannot"
    r"|no-one)\b|n't\b",
    re.I,
)

Span = tuple[int, int]


def _inside(start: int, end: int, spans: list[Span]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _constraints(text: str, names: list[tuple[int, int, str]]) -> Constraints:
    relative = _RELATIVE.search(text)
    taken: list[Span] = [relative.span()] if relative else []
    dates, years = _dates(text, taken)
    years += [(m.start(), int(m.group())) for m in _YEAR.finditer(text) if _is_year(text, m)]
    quarters = []
    for m in _QUARTER.finditer(text):
        word = (m.group("w") or "").lower()
        quarters.append(int(m.group("n") or _QUARTER_WORDS.get(word) or word[0]))
        taken.append(m.span())
    return Constraints(
        years=_unique(y for _, y in sorted(years)),
        dates=_unique(dates),
        months=_unique(_months(text, taken)),
        quarters=_unique(quarters),
        ordinals=_unique(_ordinals(text, taken)),
        numbers=_unique(_numbers(text, taken)),
        entities=_unique(name for _, _, name in names),
        negated=bool(_NEGATION.search(text)),
        extreme=_extreme(text, taken),
        relative_time=_SPACE.sub(" ", relative.group().lower()) if relative else None,
    )


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))


def _dates(text: str, taken: list[Span]) -> tuple[list[str], list[tuple[int, int]]]:
    found: list[tuple[int, str]] = []
    years: list[tuple[int, int]] = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if _inside(*m.span(), taken):
                continue
            parts = m.groupdict()
            if parts.get("a"):
                a, b = int(parts["a"]), int(parts["b"])
                day, month = (b, a) if b > 12 else (a, b)  # day first unless that cannot be
            else:
                day, m_text = int(parts["d"]), parts["m"].lower()
                month = _MONTHS[m_text] if m_text in _MONTHS else int(m_text)
            year = int(parts["y"]) if parts.get("y") else None
            if year is not None and not 1000 <= year <= 2100:
                continue
            try:
                date(year or 2000, month, day)
            except ValueError:
                continue
            iso = f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"
            found.append((m.start(), iso))
            taken.append(m.span())
            if year:
                years.append((m.start(), year))
    return [iso for _, iso in sorted(found)], years


def _is_year(text: str, m: re.Match[str]) -> bool:
    return not _COUNTED.match(text, m.end())


def _months(text: str, taken: list[Span]) -> list[int]:
    months = []
    for m in _MONTH_ONLY.finditer(text):
        name = m.group().lower()
        if _inside(*m.span(), taken):
            continue
        has_year = re.match(r"\s+\d{4}\b", text[m.end() :]) is not None
        if len(name) <= 4 and name not in ("may", "june", "july") and not has_year:
            continue
        if name in ("may", "march") and not (
            has_year or m.group()[0].isupper() or _MONTH_LEAD.search(text[: m.start()])
        ):
            continue
        if name == "may" and m.start() == 0:
            continue
        months.append(_MONTHS[name])
    return months


def _ordinals(text: str, taken: list[Span]) -> list[int]:
    found = []
    for m in _ORDINAL.finditer(text):
        if _inside(*m.span(), taken):
            continue
        if m.group("n"):
            found.append(int(m.group("n")))
        else:
            word = m.group("w").lower()
            before = text[: m.start()].lower()
            if word == "second" and re.search(r"(?:\d|per|split|one|a few)\s*$", before):
                continue
            tens = m.group("tens")
            found.append(_ORDINAL_WORDS[word] + (_NUMBER_WORDS[tens.lower()] if tens else 0))
    return found


def _numbers(text: str, taken: list[Span]) -> list[str]:
    found = []
    for m in _NUMBER.finditer(text):
        if _inside(*m.span(), taken):
            continue
        if _YEAR.fullmatch(m.group()) and _is_year(text, m):
            continue
        found.append((m.start(), m.group().strip()))
    for m in _NUMBER_WORD.finditer(text):
        if not _inside(*m.span(), taken):
            found.append((m.start(), m.group().lower()))
    return [n for _, n in sorted(found)]


def _extreme(text: str, taken: list[Span]) -> str | None:
    for m in _EXTREME.finditer(text):
        word = m.group().lower()
        before, after = text[: m.start()].lower(), text[m.end() :].lower()
        if _inside(*m.span(), taken) or re.search(r"\bat\s+$", before):
            continue
        if word in ("most", "least") and re.match(r"\s+of\b", after):
            continue
        if word == "last" and not re.match(r"\s+\w", after) and not before.endswith("the "):
            continue
        if word.startswith("most") and word != "most":
            return "latest"
        return _EXTREME_NAMES.get(word, word)
    return None


# ---------------------------------------------------------------- names, speaker, subject

_TOKEN = re.compile(
    r"(?:[A-Za-z]\.){2,}|\d{1,3}(?:,\d{3})+(?:\.\d+)?|[^\W_](?:[\w'.-]*[^\W_])?|[^\w\s]"
)
_QUOTED = re.compile(r"\"([^\"]{2,150})\"|(?<!\w)'([^']{2,150}?)'(?!\w)")
_NAME_LINKS = _words("de du des la le les van der den von da di del della dos das bin al el")
_NAME_LINKS |= _words("of the for upon y & 'n'")
_PREDICATES = _words(
    "open shut closed ready safe true false available legal illegal free over likely possible",
    "necessary responsible guilty innocent dead alive able allowed right wrong worth enough",
    "due still yet",
)
_TOPIC_AFTER = _SPEECH | _STATEMENT_NOUNS | _words("views opinions comments remarks")
_VERBAL = _BASE_VERBS | _SPEECH | _VERB_S
_FILLERS = _DETERMINERS | _MONTHS.keys() | _WEEKDAYS | _TIME_UNITS | _EXTREME_WORDS
_FILLERS |= _ORDINAL_WORDS.keys() | {"time"}
_ROLES = _words("ceo cfo cto coo mp mps mep vp")
_NOT_NAMES = (
    STOP_WORDS
    | _AUX
    | _IMPERATIVE
    | _words("what's who's where's according tell please ok okay hey hi hello thanks yes")
    | _words("really same also then now given regarding despite following")
    | _ROLES
)


def _is_name(token: str) -> bool:
    first = token[0]
    if first.isupper():
        return True
    rest_upper = any(c.isupper() for c in token[1:])
    return rest_upper and (first.isdigit() or (first.islower() and "'" not in token))


def _entities(text: str) -> list[tuple[int, int, str]]:
    """Quoted titles and runs of capitalised words, without question words at the front."""
    spans = [
        (m.start(), m.end(), (m.group(1) or m.group(2)).strip()) for m in _QUOTED.finditer(text)
    ]
    quoted = [(s, e) for s, e, _ in spans]
    if any(c.islower() for c in text):  # a shouted question has no telling capitals
        toks = [t for t in _TOKEN.finditer(text) if not _inside(*t.span(), quoted)]
        i = 0
        while i < len(toks):
            j = _name_end(text, toks, i) if _is_name(toks[i].group()) else i + 1
            run = toks[i:j]
            while run and (not _named(run[0].group()) or _is_date_word(run[0].group())):
                run = run[1:]
            if run and _is_name(run[0].group()):
                start = run[0].start()
                name = re.sub(r"'s?$", "", text[start : run[-1].end()])
                spans.append((start, start + len(name), name))
            i = j
    return sorted(spans)


def _is_date_word(token: str) -> bool:
    low = token.lower()
    return low in _MONTHS or low in _WEEKDAYS or re.fullmatch(r"q[1-4]", low) is not None


def _name_end(text: str, toks: list[re.Match[str]], i: int) -> int:
    j = i + 1
    while j < len(toks) and not toks[j - 1].group().endswith("'s"):
        k = j
        while k < len(toks) and k - j < 2 and toks[k].group().lower() in _NAME_LINKS:
            k += 1
        if k >= len(toks) or not _is_name(toks[k].group()):
            break
        if any(text[toks[n - 1].end() : toks[n].start()].strip() for n in range(j, k + 1)):
            break
        j = k + 1
    return j


_SPEAKER_BEFORE = re.compile(
    r"(?:\b(?:what|did|does|do|has|have|had|will|would|is|was|are|were)(?:n't)?\s+(?:the\s+)?"
    r"|\baccording\s+to\s+(?:the\s+)?|\b(?:said|stated|written|claimed|announced)\s+by\s+"
    r"(?:the\s+)?)$",
    re.I,
)
_SPEAKER_AFTER = re.compile(
    r"'s?\s+(?:view|views|position|remarks|comments|statement|words|reaction|response|opinion"
    r"|stance|message|argument|warning|claim|answer|take)\b",
    re.I,
)
_LOWER_SPEAKER = re.compile(
    r"\b(?:did|does|do|has|have|had)\s+(?!(?:the|a|an|this|that|his|her|their|its|he|she|they"
    r"|it|you|we|i)\b)([^\W\d_][\w'.-]*(?:\s[^\W\d_][\w'.-]*)?)\s+(?:" + "|".join(_SPEECH) + r")\b"
)


def _speaker(text: str, names: list[tuple[int, int, str]]) -> str | None:
    for start, end, name in names:
        if text[start] in "'\"":
            continue
        before, after = text[:start], text[end:]
        said = re.match(r"\s+(\w+)", after)
        if _SPEAKER_BEFORE.search(before) and (
            "accord" in before[-15:].lower()
            or " by " in before[-6:].lower()
            or (said and said.group(1).lower() in _SPEECH)
        ):
            return name
        if _SPEAKER_AFTER.match(text, end):
            return name
    if not any(c.isupper() for c in text):
        m = _LOWER_SPEAKER.search(text)
        if m:
            return m.group(1)
    return None


def _subject(core: str, focus: str | None, speaker: str | None, kind: Kind) -> str | None:
    toks = list(_TOKEN.finditer(core))[:300]  # the subject is near the front; bounds the work
    low = [t.group().lower() for t in toks]
    topic = _topic(core, toks, low, kind)
    if topic:
        return topic
    start = 0
    for i, w in enumerate(low):
        if w in _WH and not start:
            start = i + 1
            if w == "how" and low[i + 1 : i + 2] and low[i + 1] in _MEASURE_ADJ | _HOW_WORDS:
                start = i + 2
            for k in range(i + 1, min(i + 7, len(low))):
                if low[k] in _AUX or low[k] == "of":
                    break
                if low[k] == focus:
                    start = k + 1
                    break
    if not start and low and low[0] in _IMPERATIVE:
        start = 1
    named: list[str] = []
    later: list[str] = []
    strong: list[str] = []
    weak: list[str] = []
    i = start
    while i < len(toks):
        quoted = _QUOTED.match(core, toks[i].start()) if low[i] in ("'", '"') else None
        if quoted:
            named.append(quoted.group(1) or quoted.group(2))
            while i < len(toks) and toks[i].start() < quoted.end():
                i += 1
            continue
        end = _np_end(low, toks, i, i > 0 and low[i - 1] in _AUX)
        if end == i:
            i += 1
            continue
        words = low[i:end]
        if "of" in words and (words[words.index("of") - 1] in (focus, "name", "title")):
            i += words.index("of") + 1
            continue
        phrase = core[toks[i].start() : toks[end - 1].end()]
        bare = phrase.split(" ", 1)[-1] if words[0] in _DETERMINERS else phrase
        if words[-1] == focus and not any(_named(t.group()) for t in toks[i:end]):
            later.append(phrase)
        elif not _time_only(words) and speaker not in (phrase, bare):
            if any(_named(t.group()) for t in toks[i:end]):
                named.append(phrase)
            else:
                (strong if words[0] in _DETERMINERS else weak).append(phrase)
        i = end
    found = named or strong or weak or later
    return found[0] if found else None


def _topic(core: str, toks: list[re.Match[str]], low: list[str], kind: Kind) -> str | None:
    """What the question is "about": "say about AI", "view on nuclear power", "about 'X'"."""
    for i, w in enumerate(low[:-1]):
        about = w in ("about", "regarding", "concerning")
        topic = w in ("on", "of") and i > 0 and low[i - 1] in _TOPIC_AFTER
        if about or (kind is Kind.STATEMENT and topic):
            quoted = _QUOTED.match(core, toks[i + 1].start())
            if quoted:
                return quoted.group(1) or quoted.group(2)
            end = _np_end(low, toks, i + 1, False)
            if end > i + 1 and not _time_only(low[i + 1 : end]):
                return core[toks[i + 1].start() : toks[end - 1].end()]
    return None


def _time_only(words: list[str]) -> bool:
    """Phrases such as "2019", "the first" or "May" are constraints, not subjects."""
    return all(w in _FILLERS or w[0].isdigit() for w in words)


def _np_end(low: list[str], toks: list[re.Match[str]], i: int, after_aux: bool) -> int:
    """End (exclusive) of the noun phrase that starts at token ``i``; ``i`` when none does."""
    if i >= len(low) or not _np_word(low[i], toks[i].group()) and low[i] not in _DETERMINERS:
        return i
    verbal = low[i] in _VERBAL or low[i].endswith("ing")
    after_pronoun = i > 1 and low[i - 1] in _PRONOUNS and low[i - 2] in _DO_AUX  # did she attend
    if (verbal or after_pronoun) and not _named(toks[i].group()):
        return i
    do_support = after_aux and low[i - 1] in _DO_AUX
    j, after_det, verb_seen = i, False, False
    while j < len(low):
        w, raw = low[j], toks[j].group()
        if w in _DETERMINERS:
            if j > i and low[j - 1] != "of":
                break
            j, after_det = j + 1, True
            continue
        if (
            w == "of"
            and j > i
            and j + 1 < len(low)
            and (low[j + 1] in _DETERMINERS or _np_word(low[j + 1], toks[j + 1].group()))
        ):
            j += 1
            continue
        if w in _NAME_LINKS and j > i and j + 1 < len(low) and _named(toks[j + 1].group()):
            j += 1
            continue
        if not _np_word(w, raw) and not (after_det and _is_verb_form(w)):
            break
        if do_support:
            verb = w in _BASE_VERBS or w in _SPEECH_BASE or w.endswith("ing")
        else:  # "is the tax cut ..." keeps its compound; "is the line open" stops
            verb = w in _PREDICATES or w.endswith("ing") or low[j + 1 : j + 2] == ["than"]
        if after_aux and j > i and not after_det and verb and not _named(raw):
            verb_seen = True
            break
        if w in ("last", "next", "past") and j + 1 < len(low) and low[j + 1] in _TIME_UNITS:
            break
        j, after_det = j + 1, False
    at_end = j >= len(low) or not low[j][0].isalnum() or low[j] in _PREPS
    if do_support and not verb_seen and at_end and j - i >= 2 and not _named(toks[j - 1].group()):
        j -= 1
    return j if j > i and low[j - 1] not in _DETERMINERS else i


def _named(raw: str) -> bool:
    return _is_name(raw) and (_acronym(raw) or raw.lower() not in _NOT_NAMES)


def _acronym(raw: str) -> bool:
    """ "US", "WHO", "IT": capitals that would be stop words in lower case."""
    return len(raw) > 1 and raw.isupper() and raw.lower() not in _ROLES


def _np_word(w: str, raw: str) -> bool:
    if not raw[0].isalnum():
        return False
    if _named(raw):
        return True
    return w not in _STOP and w not in _DETERMINERS and not _is_verb_form(w)

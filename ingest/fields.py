"""Metadata fields as loaders read them: dates, titles and one-line values."""

from __future__ import annotations

import email.utils
import re
from datetime import date, datetime

from dateutil import parser as date_parser

MAX_TITLE = 200

_DATE_FORMATS = ("%Y/%m/%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y")
# A text parsed to the same day under both defaults named its year, month and day itself.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


def normalise_date(value: object) -> str | None:
    """The ISO ``YYYY-MM-DD`` day ``value`` names, or None when it names no whole day
    ("Spring 2020", "2023-02-30"): date filters compare only real dates."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    return _parse_date(text)


def _parse_date(text: str) -> str | None:
    if iso := _parse_iso_date(text):
        return iso
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except (ValueError, OverflowError):
            continue
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return _parse_loose(text)


def _parse_loose(text: str) -> str | None:
    """Other spellings ("5th March 2023", "Sunday 5 March 2023 10:00"), read day first
    as rag.spans reads dates, unless the text starts with the year."""
    dayfirst = not text[:4].isdigit()
    try:
        first, second = (date_parser.parse(text, default=d, dayfirst=dayfirst) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    return first.date().isoformat() if first.date() == second.date() else None


def _parse_iso_date(text: str) -> str | None:
    """ISO 8601 dates and PDF ``D:YYYYMMDD...`` dates."""
    pdf = re.fullmatch(r"D:(\d{4})(\d{2})(\d{2}).*", text, re.DOTALL)
    try:
        if pdf:
            return date(*map(int, pdf.groups())).isoformat()
        return datetime.fromisoformat(text).date().isoformat()
    except (ValueError, OverflowError):
        return None


def clean_field(value: object) -> str | None:
    """A scalar ``value`` as one line of text, or None when there is nothing."""
    if not isinstance(value, str | int | float | date) or isinstance(value, bool):
        return None
    return " ".join(str(value).split()) or None


def title_of(value: object) -> str | None:
    text = clean_field(value)
    return text[:MAX_TITLE] if text else None


def first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:MAX_TITLE]
    return ""


# Where a document's date came from (``date_source`` in its extra metadata): the Sources
# panel marks a file date, which says when the file was saved, not when it was written.
DATE_FROM_CONTENT, DATE_FROM_METADATA, DATE_FROM_FILE = "content", "metadata", "file"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_STATED_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)
STATED_DATE_WINDOW = 600  # a dateline or byline sits at the head of the first page


def stated_date(text: str) -> str | None:
    """The first whole day written at the head of ``text`` ("5 March 2023",
    "March 5, 2023", "2023-03-05"), as ISO ``YYYY-MM-DD``; None when it names none."""
    for match in _STATED_DATE.finditer(text[:STATED_DATE_WINDOW]):
        if day := normalise_date(match.group(0)):
            return day
    return None


def first_date(*candidates: tuple[object, str]) -> tuple[str | None, str | None]:
    """The first ``(value, source)`` that names a whole day, as ``(ISO day, source)``;
    ``(None, None)`` when none does."""
    for value, source in candidates:
        if day := normalise_date(value):
            return day, source
    return None, None

"""Metadata fields as loaders read them: dates, titles and one-line values."""

from __future__ import annotations

import email.utils
import re
from datetime import date, datetime

MAX_TITLE = 200

_DATE_FORMATS = ("%Y/%m/%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y")


def normalise_date(value: object) -> str | None:
    """An ISO ``YYYY-MM-DD`` date when ``value`` can be read as one, else its text."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    return _parse_date(text) or text


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
        return None


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

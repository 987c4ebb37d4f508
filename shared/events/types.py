"""Field types of the wire contract: ids that are safe NATS subject tokens, and NFC-normalised Vietnamese text."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""An id used as a NATS subject token: lowercase letters, digits and inner hyphens, at most 64 characters."""

ACTOR_PATTERN = r"^[a-z0-9][a-z0-9:._@-]{0,127}$"
Actor = Annotated[str, StringConstraints(pattern=ACTOR_PATTERN)]
"""Who acts: a unit id, a council member or a city system (for example `system:hr`)."""


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Unicode category Cc except tab and newline."""

BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional controls (embeddings, overrides, isolates, marks): a right-to-left override (U+202E) shows
the text after it reversed, so a name holding one reads differently from what is stored."""


def _visible(value: str) -> bool:
    """Whether anything is left once format characters (category Cf: zero-width, BOM) and spaces are removed."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in value)


REFUSED = re.compile(f"{CONTROL.pattern}|{BIDI.pattern}")
"""Either kind of refused character, found in one scan of the text (which one is told afterwards)."""


def _clean_text(value: str) -> str:
    """Every human text of every command and event goes through here, so the usual case costs one normalisation
    and one scan; the text is checked character by character only when its first character is a format one."""
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise ValueError("must not be empty")
    if REFUSED.search(value):
        if CONTROL.search(value):
            raise ValueError("must not contain control characters")
        found = BIDI.search(value)
        assert found is not None
        name = unicodedata.name(found.group(), "bidirectional control")
        raise ValueError(f"must not contain bidirectional controls (U+{ord(found.group()):04X} {name})")
    if unicodedata.category(value[0]) == "Cf" and not _visible(value):  # stripped: value[0] is no space
        raise ValueError("must contain visible characters, not only zero-width characters, byte order marks or spaces")
    return value


Name = Annotated[str, Field(max_length=300), AfterValidator(_clean_text)]
LongText = Annotated[str, Field(max_length=5000), AfterValidator(_clean_text)]
"""Human text (NFC-normalised, trimmed, visible, no control or bidirectional control characters): names up to
300, long text up to 5000."""


EARLIEST, LATEST = date(1945, 1, 1), date(2200, 12, 31)


def _plausible_day(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


Day = Annotated[date, AfterValidator(_plausible_day)]
"""A calendar date the system can mean (1945–2200): far-past and far-future dates are refused."""


FIRST_MOMENT, LAST_MOMENT = datetime.combine(EARLIEST, time(), UTC), datetime.combine(LATEST, time.max, UTC)


def _plausible_moment(value: datetime) -> datetime:
    # the year first: converting 9999-12-31T23:59:59-12:00 to UTC would overflow
    moment = None
    if EARLIEST.year <= value.year <= LATEST.year:
        moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if moment is None or not FIRST_MOMENT <= moment <= LAST_MOMENT:
        raise ValueError(f"must be between {EARLIEST}T00:00:00Z and {LATEST}T23:59:59Z")
    return moment


Moment = Annotated[datetime, AfterValidator(_plausible_moment)]
"""A point in time the system can mean (1945–2200), in UTC; without an offset it is taken as UTC."""

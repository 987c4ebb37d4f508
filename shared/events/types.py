"""Field types of the wire contract: ids that are safe NATS subject tokens, and NFC-normalised Vietnamese text."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
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


def _clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise ValueError("must not be empty")
    if CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


Name = Annotated[str, Field(max_length=300), AfterValidator(_clean_text)]
LongText = Annotated[str, Field(max_length=5000), AfterValidator(_clean_text)]
"""Human text (NFC-normalised, trimmed, non-empty, no control characters): names up to 300, long text up to 5000."""


EARLIEST, LATEST = date(1945, 1, 1), date(2200, 12, 31)


def _plausible_day(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


Day = Annotated[date, AfterValidator(_plausible_day)]
"""A calendar date the system can mean (1945–2200): far-past and far-future dates are refused."""

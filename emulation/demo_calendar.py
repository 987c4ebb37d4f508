"""The demo's calendar: the department's "today" while `emulation up --demo` plays a past year.

The services read their service clock from `EMULATION_CLOCK_FILE` when it is set (`shared/infra/clock.py`); with
`--demo`, `emulation up` points every process at `<data dir>/demo-calendar`, and the demo moves it to each step's
moment before sending the step. It only moves forward, so loading the demo again (every command a repeat) leaves
it where the year ended, and nothing the services decide by the clock (a reminder) is decided twice. The record
clock (each event's `time`) stays real.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from shared.infra.clock import Clock

FILE = "demo-calendar"


def path(data_dir: Path) -> Path:
    return data_dir / FILE


def today(calendar: Path) -> datetime | None:
    """The calendar's moment, or None when the demo has not started it."""
    return Clock(calendar).now() if calendar.exists() else None


def advance(calendar: Path, moment: datetime) -> datetime:
    """Move the calendar to `moment` unless it is already later; the calendar's moment after.

    Written whole under another name, then renamed: a service reading it never sees half a line."""
    current = today(calendar)
    if current is not None and current >= moment:
        return current
    calendar.parent.mkdir(parents=True, exist_ok=True)
    partial = calendar.with_name(calendar.name + ".tmp")
    partial.write_text(moment.isoformat())
    os.replace(partial, calendar)
    return moment

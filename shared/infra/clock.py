"""The clock every service reads. Real by default; tests move it.

With `EMULATION_CLOCK_FILE` set, "now" is the ISO 8601 time written in that file (all processes of
a test share it, so moving time is writing one line). `emulation up` sets it only with `--demo`: the demo's
calendar, `emulation/demo_calendar.py`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path


class Clock:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path

    @classmethod
    def from_env(cls) -> Clock:
        raw = os.environ.get("EMULATION_CLOCK_FILE")
        return cls(Path(raw) if raw else None)

    def now(self) -> datetime:
        if self.path is None or not self.path.exists():
            return datetime.now(UTC)
        moment = datetime.fromisoformat(self.path.read_text().strip())
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def set(self, moment: datetime) -> None:
        """Move a file clock (tests only)."""
        assert self.path is not None, "only a file clock can be moved"
        self.path.write_text(moment.isoformat())

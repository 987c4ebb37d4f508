"""`emulation up --verbose`: every process's JSON log lines, as they are written, on the terminal too.

The processes keep logging only to their own rotated files (`shared/infra/logs.py`); this follows those files,
so the children run exactly alike with or without `--verbose`. A file that rotates is read to its end before
its successor is opened, and a process that starts later is picked up when its file appears. Lines already
in a file when `up` starts (an earlier run's) are not repeated.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PATTERN = "*.json.log"
POLL = 0.2
"""Seconds between looks at the files."""


@dataclass
class Follower:
    """Follows every `*.json.log` in `folder`, handing each complete new line to `out`."""

    folder: Path
    out: Callable[[str], None]
    files: dict[Path, IO[bytes]] = field(default_factory=dict)
    partial: dict[Path, bytes] = field(default_factory=dict)

    def skip_existing(self) -> None:
        """Start after what the files already hold."""
        for path in sorted(self.folder.glob(PATTERN)):
            handle = open(path, "rb")
            handle.seek(0, os.SEEK_END)
            self.files[path] = handle

    def poll(self) -> None:
        """Hand out every line written since the last poll."""
        for path in sorted(self.folder.glob(PATTERN)):
            if path not in self.files:
                self.files[path] = open(path, "rb")
        for path, handle in list(self.files.items()):
            self._read(path, handle)
            if self._rotated(path, handle):  # the old file is read to its end above; its successor from the start
                handle.close()
                try:
                    self.files[path] = open(path, "rb")
                except FileNotFoundError:
                    del self.files[path]
                    continue
                self._read(path, self.files[path])

    def _read(self, path: Path, handle: IO[bytes]) -> None:
        data = self.partial.pop(path, b"") + handle.read()
        *lines, rest = data.split(b"\n")
        if rest:
            self.partial[path] = rest
        for line in lines:
            if line.strip():
                self.out(line.decode("utf-8", errors="replace"))

    @staticmethod
    def _rotated(path: Path, handle: IO[bytes]) -> bool:
        try:
            return os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            return True

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop`, then once more (the last lines of processes that just stopped)."""
        try:
            while not stop.is_set():
                self.poll()
                try:
                    await asyncio.wait_for(stop.wait(), POLL)
                except TimeoutError:
                    pass
            self.poll()
        finally:
            self.close()

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()
        self.files.clear()

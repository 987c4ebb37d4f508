"""Structured logs: one JSON object per line, with any `extra=` fields.

Each process writes every record from EMULATION_LOG_LEVEL on to its own file, `<log dir>/<process>.json.log`
(log dir: EMULATION_LOG_DIR, default `<data dir>/logs`), rotated by the standard library when it would pass
EMULATION_LOG_MAX_BYTES, keeping EMULATION_LOG_BACKUPS older files (`.json.log.1` is the newest). Stderr gets
only what a person must see (EMULATION_LOG_STDERR_LEVEL, warnings by default), so a supervisor that keeps a
process's stderr in a file does not keep the full log twice, unrotated.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from shared.infra.settings import Settings

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def __init__(self, process: str | None = None) -> None:
        super().__init__()
        self.process = {"process": process} if process else {}
        """Named on every line, so lines of several processes read together stay apart (`up --verbose`)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **self.process,
        }
        out |= {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def log_file(settings: Settings, process: str) -> Path:
    """The file a process logs to: `registry-commands` → `<log dir>/registry-commands.json.log`."""
    return settings.log_path / f"{process}.json.log"


def configure(settings: Settings, process: str, service: str | None = None) -> Path | None:
    """Log to the process's rotated file and, from the stderr level on, to stderr; returns the file (None when
    it cannot be opened: then stderr gets every record, and says why)."""
    formatter = JsonFormatter(process)
    stamp = _ServiceFilter(service or process)
    level = logging.getLevelName(settings.log_level.upper())
    to_stderr = logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [to_stderr]
    path = log_file(settings, process)
    problem = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # backupCount 0 would never rotate: at least one older file is kept
        to_file = RotatingFileHandler(
            path, maxBytes=settings.log_max_bytes, backupCount=max(1, settings.log_backups), encoding="utf-8"
        )
        handlers.append(to_file)
        to_stderr.setLevel(max(level, logging.getLevelName(settings.log_stderr_level.upper())))
    except OSError as e:
        problem = e
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(stamp)
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    if problem is None:
        return path
    logging.getLogger("emulation.logs").warning(
        "cannot write the log file; logging to stderr only", extra={"path": str(path), "error": str(problem)}
    )
    return None


class _ServiceFilter(logging.Filter):
    """Stamps every record with the process's service name unless the record names one itself."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "service"):
            record.service = self.service
        return True

"""`emulation up --verbose` follows every process's JSON log: new lines once, across rotations and new files."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from emulation.follow import Follower

pytestmark = pytest.mark.unit


def writer(path: Path, max_bytes: int = 0) -> logging.Logger:
    log = logging.getLogger(f"test.follow.{path.name}")
    log.handlers[:] = [RotatingFileHandler(path, maxBytes=max_bytes, backupCount=3)]
    log.propagate = False
    log.setLevel(logging.INFO)
    return log


def test_only_lines_written_after_the_start_are_shown_each_once(tmp_path: Path) -> None:
    old = tmp_path / "registry-commands.json.log"
    old.write_text('{"n": "from an earlier run"}\n')
    shown: list[str] = []
    follower = Follower(tmp_path, shown.append)
    follower.skip_existing()
    log = writer(old)
    log.info('{"n": 1}')
    follower.poll()
    follower.poll()
    (tmp_path / "registry-commands.log").write_text("raw output, not a JSON log\n")
    writer(tmp_path / "audit-views.json.log").info('{"n": 2}')  # a process that started later
    follower.poll()
    assert shown == ['{"n": 1}', '{"n": 2}']
    follower.close()


def test_a_line_is_shown_once_it_is_complete(tmp_path: Path) -> None:
    path = tmp_path / "read-api.json.log"
    path.write_text("")
    shown: list[str] = []
    follower = Follower(tmp_path, shown.append)
    follower.skip_existing()
    with path.open("a") as f:
        f.write('{"half"')
        f.flush()
        follower.poll()
        assert shown == []
        f.write(": true}\n")
    follower.poll()
    assert shown == ['{"half": true}']
    follower.close()


def test_no_line_is_lost_or_repeated_when_a_file_rotates(tmp_path: Path) -> None:
    path = tmp_path / "evaluation-relay-views.json.log"
    log = writer(path, max_bytes=300)
    shown: list[str] = []
    follower = Follower(tmp_path, shown.append)
    follower.skip_existing()
    for n in range(40):  # about ten rotations, one poll every few lines
        log.info(f'{{"n": {n}, "padding": "{"x" * 40}"}}')
        if n % 3 == 0:
            follower.poll()
    follower.poll()
    assert [int(line.split(",")[0].removeprefix('{"n": ')) for line in shown] == list(range(40))
    assert (tmp_path / "evaluation-relay-views.json.log.1").exists()
    follower.close()

"""Process logs: every record as a JSON line in the process's own file, rotated and bounded; stderr gets warnings."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.infra import logs
from shared.infra.settings import Settings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def keep_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def test_records_go_to_the_process_file_and_only_warnings_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path)
    path = logs.configure(settings, "registry-commands", "registry")
    assert path == tmp_path / "logs" / "registry-commands.json.log"
    log = logging.getLogger("emulation.test")
    log.info("command accepted", extra={"command": "launch_campaign"})
    log.warning("relay behind", extra={"lag": 3})
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(x["level"], x["message"], x["service"], x["process"]) for x in lines] == [
        ("info", "command accepted", "registry", "registry-commands"),
        ("warning", "relay behind", "registry", "registry-commands"),
    ]
    assert lines[0]["command"] == "launch_campaign"
    stderr = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [x["message"] for x in stderr] == ["relay behind"]


def test_files_rotate_and_old_ones_are_deleted(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, log_max_bytes=2000, log_backups=3)
    path = logs.configure(settings, "read-api")
    assert path is not None
    log = logging.getLogger("emulation.test")
    for n in range(400):  # about 60 KB: thirty files' worth
        log.info("request served", extra={"n": n, "path": "/v1/units"})
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["read-api.json.log", "read-api.json.log.1", "read-api.json.log.2", "read-api.json.log.3"]
    assert all(p.stat().st_size <= 2000 for p in path.parent.iterdir())
    newest = [json.loads(line)["n"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert newest[-1] == 399 and newest == list(range(newest[0], 400))


def test_the_log_dir_is_a_setting_and_stderr_can_take_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        "EMULATION_DATA_DIR": str(tmp_path / "data"),
        "EMULATION_LOG_DIR": str(tmp_path / "elsewhere"),
        "EMULATION_LOG_STDERR_LEVEL": "INFO",
        "EMULATION_LOG_MAX_BYTES": "1048576",
        "EMULATION_LOG_BACKUPS": "2",
    }
    settings = Settings.from_env(env)
    assert (settings.log_max_bytes, settings.log_backups) == (1048576, 2)
    path = logs.configure(settings, "audit-views")
    assert path == tmp_path / "elsewhere" / "audit-views.json.log"
    logging.getLogger("emulation.test").info("caught up")
    assert "caught up" in path.read_text(encoding="utf-8") and "caught up" in capsys.readouterr().err


def test_an_unwritable_log_dir_leaves_stderr_with_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert logs.configure(Settings(log_dir=str(blocker / "logs")), "registry") is None
    logging.getLogger("emulation.test").info("still heard")
    err = capsys.readouterr().err
    assert "cannot write the log file" in err and "still heard" in err

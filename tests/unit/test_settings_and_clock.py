from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from emulation.cli import cli
from shared.infra.clock import Clock
from shared.infra.settings import InvalidSettings, Settings

pytestmark = pytest.mark.unit


def test_defaults() -> None:
    s = Settings.from_env({})
    assert (s.data_dir, s.api_port, s.nats_port, s.store) == (Path("data"), 8000, 14222, "sqlite")


def test_environment_overrides_and_round_trip() -> None:
    s = Settings.from_env({"EMULATION_DATA_DIR": "/tmp/x", "EMULATION_NATS_PORT": "5000", "EMULATION_API_PORT": "9000"})
    assert s.data_dir == Path("/tmp/x") and s.api_port == 9000
    assert s.nats_url == "nats://127.0.0.1:5000"
    assert Settings.from_env(s.to_env()) == s


def test_an_empty_variable_keeps_the_default() -> None:
    assert (
        Settings.from_env({"EMULATION_API_PORT": "", "EMULATION_DATA_DIR": "", "EMULATION_NATS_URL": ""}) == Settings()
    )


def test_only_the_given_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMULATION_API_PORT", "9000")
    assert Settings.from_env({}).api_port == Settings().api_port == 8000
    assert Settings.from_env().api_port == 9000


def test_a_value_that_does_not_parse_is_reported_with_its_variable() -> None:
    with pytest.raises(InvalidSettings) as raised:
        Settings.from_env({"EMULATION_API_PORT": "abc", "EMULATION_NATS_PORT": "x"})
    assert str(raised.value) == (
        "EMULATION_NATS_PORT='x': Input should be a valid integer, unable to parse string as an integer; "
        "EMULATION_API_PORT='abc': Input should be a valid integer, unable to parse string as an integer"
    )


def test_the_command_line_says_which_variable_is_wrong_without_a_traceback() -> None:
    result = CliRunner().invoke(cli, ["health", "registry"], env={"EMULATION_API_PORT": "abc"})
    assert result.exit_code == 2
    assert result.output.startswith("invalid settings: EMULATION_API_PORT='abc': Input should be a valid integer")
    assert "Traceback" not in result.output


def test_a_child_process_given_to_env_has_the_same_settings(tmp_path: Path) -> None:
    s = Settings().replace(data_dir=tmp_path, nats_port=5000, poll_interval=0.25, nats_user="registry")
    probe = "from shared.infra.settings import Settings; print(Settings.from_env().model_dump_json())"
    root = Path(__file__).resolve().parents[2]
    child = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, env=os.environ | s.to_env(), capture_output=True, text=True
    )
    assert child.stdout.strip() == s.model_dump_json()


def test_replace_validates_and_keeps_the_types() -> None:
    s = Settings().replace(data_dir="elsewhere", api_port="9000")
    assert (s.data_dir, s.api_port) == (Path("elsewhere"), 9000)
    assert Settings().replace(nats_port=5000).nats_url == Settings().nats_url  # as given, not derived again
    with pytest.raises(ValidationError, match="api_port"):
        Settings().replace(api_port="abc")
    with pytest.raises(ValidationError, match="frozen"):
        s.api_port = 1


def test_file_clock_moves(tmp_path: Path) -> None:
    clock = Clock(tmp_path / "now")
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5
    clock.set(datetime(2022, 1, 13, 8, 0, tzinfo=UTC))
    assert clock.now() == datetime(2022, 1, 13, 8, 0, tzinfo=UTC)

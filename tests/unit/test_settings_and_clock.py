from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.infra.clock import Clock
from shared.infra.settings import Settings

pytestmark = pytest.mark.unit


def test_defaults() -> None:
    s = Settings.from_env({})
    assert (s.data_dir, s.api_port, s.nats_port, s.store) == (Path("data"), 8000, 14222, "sqlite")


def test_environment_overrides_and_round_trip() -> None:
    s = Settings.from_env({"EMULATION_DATA_DIR": "/tmp/x", "EMULATION_NATS_PORT": "5000", "EMULATION_API_PORT": "9000"})
    assert s.data_dir == Path("/tmp/x") and s.api_port == 9000
    assert s.nats_url == "nats://127.0.0.1:5000"
    assert Settings.from_env(s.to_env()) == s


def test_file_clock_moves(tmp_path: Path) -> None:
    clock = Clock(tmp_path / "now")
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5
    clock.set(datetime(2022, 1, 13, 8, 0, tzinfo=UTC))
    assert clock.now() == datetime(2022, 1, 13, 8, 0, tzinfo=UTC)

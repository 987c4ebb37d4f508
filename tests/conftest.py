from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.system import NatsServer, System


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A real nats-server (JetStream on) on a free loopback port, storage under tmp_path."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def system(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[System]:
    """Service processes against `nats_server` and SQLite stores in tmp_path; start what the test needs."""
    data = tmp_path / "data"
    data.mkdir()
    s = System(data, nats_server.url)
    await s.connect()
    yield s
    s.stop_all()
    await s.nc.close()

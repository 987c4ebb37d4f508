from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.postgres import drop_schemas, postgres
from tests.support.system import NatsServer, System


def pytest_report_header(config: pytest.Config) -> str:
    return f"postgres: {postgres()[1]}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `both_stores` run once on SQLite and once on PostgreSQL; others on SQLite."""
    if "store" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_stores") is not None
        metafunc.parametrize("store", ["sqlite", "postgres"] if both else ["sqlite"], indirect=True)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Settings overrides for the event stores and views of one test."""
    if request.param == "sqlite":
        yield {}
        return
    dsn, how = postgres()
    if dsn is None:
        pytest.skip(f"PostgreSQL {how}")
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    yield {"store": "postgres", "postgres_dsn": dsn, "postgres_schema_prefix": prefix}
    drop_schemas(dsn, prefix)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A real nats-server (JetStream on) on a free loopback port, storage under tmp_path."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def system(tmp_path: Path, nats_server: NatsServer, store: dict[str, Any]) -> AsyncIterator[System]:
    """Service processes against `nats_server` and real stores (SQLite in tmp_path, or PostgreSQL schemas)."""
    data = tmp_path / "data"
    data.mkdir()
    s = System(data, nats_server.url, **store)
    await s.connect()
    yield s
    s.stop_all()
    await s.nc.close()

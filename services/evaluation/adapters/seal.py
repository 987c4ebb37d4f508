"""The ballot seal: AES-256-GCM (the `cryptography` package) under the ballot key kept outside the data dir.

Every content is padded to one length before it is encrypted, so the length of a sealed ballot does
not tell which candidate (whose ids differ in length) it holds. A sealed value is `v1.` and the
base64url of a fresh 96-bit nonce followed by the ciphertext and its tag.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.infra.keys import ballot_key
from shared.infra.settings import Settings

PREFIX = "v1."
PADDED_BITS = 2040
"""PKCS7 to 255 bytes, the largest block it allows: every ballot's content (at most ~140 bytes) seals alike."""


class AesGcmSeal:
    """`services.evaluation.domain.ballots.Seal` with a key loaded on first use (the audit may never need it)."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._key_source = key
        self._aead: AESGCM | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> AesGcmSeal:
        return cls(lambda: ballot_key(settings))

    def _cipher(self) -> AESGCM:
        with self._lock:
            if self._aead is None:
                self._aead = AESGCM(self._key_source())
            return self._aead

    def seal(self, content: bytes, bound_to: bytes) -> str:
        padder = padding.PKCS7(PADDED_BITS).padder()
        padded = padder.update(content) + padder.finalize()
        nonce = secrets.token_bytes(12)
        ciphertext = self._cipher().encrypt(nonce, padded, bound_to)
        return PREFIX + base64.urlsafe_b64encode(nonce + ciphertext).decode()

    def open(self, sealed: str, bound_to: bytes) -> bytes | None:
        if not isinstance(sealed, str) or not sealed.startswith(PREFIX):
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed[len(PREFIX) :])
            padded = self._cipher().decrypt(raw[:12], raw[12:], bound_to)
            unpadder = padding.PKCS7(PADDED_BITS).unpadder()
            return unpadder.update(padded) + unpadder.finalize()
        except (InvalidTag, binascii.Error, ValueError):
            return None

"""The secret ballot's cryptography-free core: receipts, commitments, anonymous ballot ids, sealed choices.

A voter's receipt is 32 random bytes only the voter is given. From it:
- the **commitment** (published at cast time with the voter's name) binds the choice without revealing it;
- the **anonymous ballot id** (published at close with the choice, without the voter) lets the voter find
  their ballot among the counted ones, and lets anyone recount;
- the choice and the receipt are kept in the store **sealed** by a `Seal` (the adapter holds the key), bound
  to round, voter and commitment, so a copy of the store does not link a unit to its choice and an edited
  ballot no longer opens or no longer matches its commitment.
Each hash is SHA-256 over a domain-separated, length-prefixed encoding, so no value of one kind is a value of
another and no two field lists encode alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

RECEIPT_BYTES = 32
_COMMITMENT = b"emulation/block-vote/commitment/v1"
_BALLOT_ID = b"emulation/block-vote/ballot-id/v1"
_BINDING = b"emulation/block-vote/seal-binding/v1"


class SealUnavailable(Exception):
    """The seal cannot judge a sealed value here (no ballot key, or one other than it was sealed with): not a
    sign of tampering, and no reason to reject a ballot. Nothing that needs to open ballots can proceed."""


class Seal(Protocol):
    """Authenticated encryption with a key the domain never sees (`services/evaluation/adapters/seal.py`)."""

    def seal(self, content: bytes, bound_to: bytes) -> str:
        """`content` encrypted and authenticated together with `bound_to` (which is not stored inside)."""
        ...

    def open(self, sealed: str, bound_to: bytes) -> bytes | None:
        """The content, or None when `sealed` was altered or is not bound to `bound_to`.

        Raises `SealUnavailable` when it cannot tell (the key is missing, or is not the one that sealed it).
        """
        ...


class InvalidReceipt(ValueError):
    """Not a receipt this service gives out (32 bytes, base64url without padding)."""


def receipt_bytes(receipt: str) -> bytes:
    """The 32 bytes of a receipt as given to the voter (base64url without padding)."""
    try:
        raw = base64.urlsafe_b64decode(receipt + "=" * (-len(receipt) % 4))
    except (binascii.Error, ValueError) as e:
        raise InvalidReceipt("a receipt is 43 characters of base64url") from e
    if len(raw) != RECEIPT_BYTES or encode_receipt(raw) != receipt:
        raise InvalidReceipt("a receipt is 43 characters of base64url")
    return raw


def encode_receipt(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _digest(tag: bytes, *parts: str | bytes) -> str:
    h = hashlib.sha256(tag)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(4, "big"))
        h.update(data)
    return h.hexdigest()


def commitment(campaign_id: str, block_id: str, round_id: str, receipt: str, candidate: str) -> str:
    """Published with the voter at cast time: hides the choice from anyone without the receipt."""
    return _digest(_COMMITMENT, campaign_id, block_id, round_id, receipt_bytes(receipt), candidate)


def ballot_id(campaign_id: str, block_id: str, round_id: str, receipt: str) -> str:
    """Published with the choice at close, without the voter: the voter computes it from the receipt."""
    return _digest(_BALLOT_ID, campaign_id, block_id, round_id, receipt_bytes(receipt))


def binding(campaign_id: str, block_id: str, round_id: str, voter: str, commitment: str) -> bytes:
    """What a sealed choice is bound to: moved to another voter, round or commitment it no longer opens."""
    return _digest(_BINDING, campaign_id, block_id, round_id, voter, commitment).encode()


@dataclass(frozen=True)
class Choice:
    """An opened ballot: the voter's receipt and candidate."""

    receipt: str
    candidate: str


def seal_choice(
    seal: Seal, campaign_id: str, block_id: str, round_id: str, voter: str, receipt: str, candidate: str
) -> tuple[str, str]:
    """The commitment and the sealed choice of a new ballot."""
    committed = commitment(campaign_id, block_id, round_id, receipt, candidate)
    content = json.dumps({"candidate": candidate, "receipt": receipt}, sort_keys=True).encode()
    return committed, seal.seal(content, binding(campaign_id, block_id, round_id, voter, committed))


def open_choice(
    seal: Seal, campaign_id: str, block_id: str, round_id: str, voter: str, committed: str, sealed: str
) -> Choice | None:
    """The choice of a stored ballot if it opens and still matches its commitment, else None (tampered)."""
    content = seal.open(sealed, binding(campaign_id, block_id, round_id, voter, committed))
    if content is None:
        return None
    try:
        fields = json.loads(content)
        choice = Choice(receipt=str(fields["receipt"]), candidate=str(fields["candidate"]))
        matches = commitment(campaign_id, block_id, round_id, choice.receipt, choice.candidate) == committed
    except (ValueError, KeyError, TypeError):
        return None
    return choice if matches else None


def count_ballots(
    seal: Seal,
    campaign_id: str,
    block_id: str,
    round_id: str,
    ballots: dict[str, dict[str, Any]],
    candidates: list[str],
) -> tuple[list[dict[str, str | None]], int]:
    """The anonymous ballots of a round (voter → stored ballot) that count, and how many are rejected.

    A ballot counts if its sealed choice opens, matches its commitment and names a candidate; it is
    published as its anonymous id and candidate, sorted by id. A ballot stored in clear before sealing
    (`plain_choice`) counts without an id, after the others.
    """
    counted: list[dict[str, str | None]] = []
    rejected = 0
    for voter, ballot in ballots.items():
        if ballot["sealed"] is None:
            anonymous, candidate = None, ballot["plain_choice"]
        else:
            choice = open_choice(seal, campaign_id, block_id, round_id, voter, ballot["commitment"], ballot["sealed"])
            candidate = choice.candidate if choice else None
            anonymous = ballot_id(campaign_id, block_id, round_id, choice.receipt) if choice else None
        if candidate is None or candidate not in candidates:
            rejected += 1
            continue
        counted.append({"ballot": anonymous, "candidate_unit_id": candidate})
    counted.sort(key=lambda b: (b["ballot"] is None, b["ballot"] or "", b["candidate_unit_id"] or ""))
    return counted, rejected

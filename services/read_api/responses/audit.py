"""What the audit routes answer: the trail, page by page, and the relays' public keys."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class AuditEntry(BaseModel):
    seq: int = Field(description="the event's stream sequence")
    id: str
    type: str
    event_name: str
    source: str
    time: str
    actor: str
    causationid: str
    correlationid: str
    subject: str | None
    campaign_id: str | None
    block_id: str | None
    hash: str | None
    predecessorhash: str | None
    data: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next: int | None = Field(description="cursor of the next page (`after=`), null on the last page")


class PublicKey(BaseModel):
    service: str
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key: str = Field(description="PEM, SubjectPublicKeyInfo")
    fingerprint: str = Field(description="SHA-256 of the raw 32-byte public key, hex: compare it out of band")

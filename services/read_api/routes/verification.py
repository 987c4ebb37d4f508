"""Tamper evidence over HTTP: the relays' public keys (anyone), a full verification and the live projections'
checksums (auditors).

Verification reads the whole stream and every store, checksums every view's rows: each runs in a separate
process, one at a time, so the API's event loop (and `/healthz`) keeps answering while it works.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Request

from services.audit.checksums import Checksums, checksums_in_process
from services.audit.findings import VerifyReport
from services.audit.verify import verify_in_process
from services.read_api.access import AUDITOR, Caller, require
from services.read_api.responses.audit import PublicKey
from shared.infra.keys import public_keys, public_pem
from shared.infra.settings import Settings

router = APIRouter(tags=["audit"])


@router.get("/v1/audit/keys", response_model=list[PublicKey])
def keys(request: Request) -> list[PublicKey]:
    """The key each service's relay signs its `chain_checkpoint.v2` with; readable by anyone. Keep a copy."""
    out = []
    for service, key in public_keys(request.app.state.settings).items():
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        out.append(PublicKey(service=service, public_key=public_pem(key), fingerprint=hashlib.sha256(raw).hexdigest()))
    return out


@router.get("/v1/audit/verify", response_model=VerifyReport)
async def verify(request: Request, p: Caller) -> dict[str, Any]:
    """Re-read the stream and every service's store: `intact`, or every divergence with a summary."""
    require(p, AUDITOR, what="verification")
    return await in_process(request, verify_in_process)


@router.get("/v1/audit/checksums", response_model=Checksums)
async def checksums(request: Request, p: Caller) -> dict[str, Any]:
    """Each live projection's checksum at the stream position it names, computed as `emulation replay` computes
    them for the projections it rebuilds: on an idle system, `emulation replay --until <until>` prints the same."""
    require(p, AUDITOR, what="the projections' checksums")
    return await in_process(request, checksums_in_process)


async def in_process(request: Request, work: Callable[[Settings], dict[str, Any]]) -> dict[str, Any]:
    """`work(settings)` in a process of its own, one such job at a time."""
    one_at_a_time = getattr(request.app.state, "verifying", None)
    if one_at_a_time is None:
        one_at_a_time = request.app.state.verifying = asyncio.Lock()
    async with one_at_a_time:
        pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, work, request.app.state.settings)
        finally:
            pool.shutdown(wait=False)

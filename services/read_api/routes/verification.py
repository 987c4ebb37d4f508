"""Tamper evidence over HTTP: the relays' public keys (anyone) and a full verification (auditors).

Verification reads the whole stream and every store: it runs in a separate process, one at a time, so the
API's event loop (and `/healthz`) keeps answering while it works.
"""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Request

from services.audit.findings import VerifyReport
from services.audit.verify import verify_in_process
from services.read_api.access import AUDITOR, Caller, require
from services.read_api.responses.audit import PublicKey
from shared.infra.keys import public_keys, public_pem

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
    one_at_a_time = getattr(request.app.state, "verifying", None)
    if one_at_a_time is None:
        one_at_a_time = request.app.state.verifying = asyncio.Lock()
    async with one_at_a_time:
        pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, verify_in_process, request.app.state.settings)
        finally:
            pool.shutdown(wait=False)
